"""Helpers shared by the UI tests (fixtures are in conftest.py)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from pytestqt.qtbot import QtBot

from terminal.checkout import CheckoutService, MemberView
from terminal.store.local import open_local_store
from ui.app import Terminal

CASHIER = ("林小美", "1111")
MANAGER = ("陳店長", "9999")


class MakeTerminal(Protocol):
    """The ``make_terminal`` fixture: build the app with AppOptions overrides."""

    def __call__(self, **overrides: Any) -> Terminal: ...


@dataclass(frozen=True)
class DemoShop:
    path: Path
    cards: list[str]


def sign_in(qtbot: QtBot, terminal: Terminal, who: tuple[str, str] = CASHIER) -> None:
    login = terminal.window.login
    assert login.select(who[0]), f"{who[0]} is not on the sign-in list"
    login.pin.setText(who[1])
    login.submit()
    qtbot.waitUntil(lambda: terminal.window.stack.currentWidget() is terminal.window.checkout,
                    timeout=5000)


def wait_idle(qtbot: QtBot, terminal: Terminal) -> None:
    qtbot.waitUntil(lambda: terminal.ctx.runner.pending == 0, timeout=5000)


def member_now(terminal: Terminal, card: str) -> MemberView:
    """Read a member straight from the store file (a separate connection, test thread)."""
    local = open_local_store(terminal.ctx.local.path.parent, create=False)
    try:
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=terminal.ctx.rules)
        return service.identify(card)
    finally:
        local.close()


def scan(qtbot: QtBot, terminal: Terminal, card: str) -> None:
    """A scan arriving from a device thread, as the serial scanner delivers it."""
    callback = terminal.ctx.bridge.on_code("scanner")
    thread = threading.Thread(target=callback, args=(card,), name="test-scanner")
    thread.start()
    thread.join()
    panel = terminal.window.checkout.panel
    qtbot.waitUntil(lambda: panel.card is not None and panel.card.view.member.card_number
                    == card, timeout=5000)


ADMIN_TOKEN = "ui-test-admin-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SyncServer:
    """The real sync server (sync.server.app) on 127.0.0.1, in a thread; can stop and
    start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.database_url = f"sqlite:///{workdir / 'server.sqlite3'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> SyncServer:
        import uvicorn

        from sync.server.app import create_app
        from sync.server.config import Settings

        settings = Settings(database_url=self.database_url, admin_token=ADMIN_TOKEN,
                            log_level="WARNING")
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="test-sync-server",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the sync server did not start")

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server.config.app.state.engine.dispose()
            self._server = None

    def register(self, data_dir: Path, terminal_id: str, store_id: str | None = None) -> str:
        """Register a terminal (admin: a new store unless ``store_id`` is given, and an
        enrolment code) and save its credentials; returns the store's id."""
        from sync.client.credentials import Credentials, save_credentials
        from sync.client.transport import Transport

        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        if store_id is None:
            store_id = str(httpx.post(f"{self.url}/v1/admin/stores",
                                      json={"name": "UI test store"}, headers=headers,
                                      timeout=30).json()["id"])
        made = httpx.post(f"{self.url}/v1/admin/stores/{store_id}/terminals",
                          json={"name": "till"}, headers=headers, timeout=30).json()
        with Transport(self.url) as transport:
            answer = transport.register(str(made["enrolment_code"]), terminal_id)
        save_credentials(data_dir, Credentials(self.url, answer["terminal_id"],
                                               answer["store_id"], answer["store_name"],
                                               answer["token"]))
        return store_id

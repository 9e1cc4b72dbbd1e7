"""The status bar and the offline banner against the real sync server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, MakeTerminal, SyncServer, sign_in

from sync.client.credentials import load_credentials
from terminal.members import CARD_BLOCK
from terminal.staff import Role
from terminal.store.local import open_local_store


def test_the_offline_banner_shows_while_the_server_is_unreachable_and_goes_after_a_sync(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path) -> None:
    server = SyncServer(tmp_path).start()
    try:
        local = open_local_store(shop_dir, create=False)
        terminal_id = local.terminal_id
        local.close()
        server.register(shop_dir, terminal_id)
        server.stop()  # the URL now points at a closed port

        terminal = make_terminal()
        window = terminal.window
        qtbot.waitUntil(lambda: window.banner.isVisible()
                        and "The sync server cannot be reached." in window.banner.toolTip(),
                        timeout=10000)
        status = window.status
        assert "Offline" in status.online.text()
        waiting = int(status.waiting.text().split()[0])
        assert waiting > 0  # the demo history has never been pushed

        server.start()  # the same URL answers again
        sign_in(qtbot, terminal, MANAGER)
        window.open_manager()
        manager = window.manager
        manager.tabs.setCurrentIndex(4)
        qtbot.mouseClick(manager.findChild(QWidget, "syncNowButton"),  # type: ignore[arg-type]
                         Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=20000)
        assert "Online" in status.online.text()
        assert status.waiting.text().startswith("0 ")
        assert manager.sync_waiting.text() == "0"
        assert manager.sync_online.text() == "online"
    finally:
        server.stop()


def test_a_till_without_a_terminal_number_takes_it_from_its_first_round(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path) -> None:
    """GIVEN the app over a till registered before terminal numbers (sync.json without one)
    WHEN its first round runs THEN the number is saved in sync.json and the running app
    mints new cards in the terminal's block at once (no restart)."""
    server = SyncServer(tmp_path).start()
    try:
        local = open_local_store(shop_dir, create=False)
        terminal_id = local.terminal_id
        local.close()
        server.register(shop_dir, terminal_id)  # (writes sync.json as before numbers)
        creds = load_credentials(shop_dir)
        assert creds is not None and creds.terminal_number is None

        terminal = make_terminal()
        qtbot.waitUntil(lambda: getattr(load_credentials(shop_dir), "terminal_number", None)
                        == 1, timeout=20000)
        service = terminal.ctx.opened_service
        assert service is not None
        qtbot.waitUntil(lambda: service.terminal_number == 1, timeout=5000)
        qtbot.waitUntil(lambda: "Online" in terminal.window.status.online.text(), timeout=20000)
        manager = service.login(*MANAGER, needed=Role.MANAGER)
        view = service.enrol(manager, name="新卡").member
        assert view is not None and int(view.member.card_number[2:-1]) == CARD_BLOCK + 1
    finally:
        server.stop()

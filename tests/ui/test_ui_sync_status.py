"""The status bar, the offline banner and the app's background rounds (backoff and jitter)
against the real sync server on 127.0.0.1, stopped and started again."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, DemoShop, MakeTerminal, SyncServer, scan, sign_in

from sync.client.credentials import Credentials, load_credentials
from sync.client.transport import Transport
from terminal.members import CARD_BLOCK
from terminal.staff import Role
from terminal.store.local import open_local_store
from ui.sync_status import Backoff, LazySyncPort, SyncState

UNEXPECTED = "Sync failed unexpectedly; the details are in the log."


def registered(shop_dir: Path, tmp_path: Path) -> SyncServer:
    """A running server with the shop's terminal registered (credentials saved)."""
    server = SyncServer(tmp_path).start()
    local = open_local_store(shop_dir, create=False)
    terminal_id = local.terminal_id
    local.close()
    server.register(shop_dir, terminal_id)
    return server


def fast_backoff() -> Backoff:
    """0.05 s doubling to 0.4 s; the jitter factor fixed at 1.0 (rng 0.5)."""
    return Backoff(base_s=0.05, cap_s=0.4, rng=lambda: 0.5)


@dataclass(frozen=True)
class RecordingBackoff(Backoff):
    """A backoff that records each delay it plans: (failures in a row, delay, when asked).

    Recorded where the controller asks, so the first failure is seen even if it happens before
    a test could connect to ``state_changed``."""

    planned: list[tuple[int, float, float]] = field(default_factory=list, compare=False)

    def delay(self, failures: int) -> float:
        planned = super().delay(failures)
        self.planned.append((failures, planned, time.monotonic()))
        return planned


def fast_recording_backoff() -> RecordingBackoff:
    """:func:`fast_backoff`, recording its delays."""
    return RecordingBackoff(base_s=0.05, cap_s=0.4, rng=lambda: 0.5)


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


def test_retries_back_off_while_the_server_is_down_and_a_good_round_resets_them(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path) -> None:
    """GIVEN a registered till whose server is stopped
    THEN each failed round waits longer for the next (base·2^(n−1), capped), the status bar
    says it is retrying; AFTER the server is back a retry succeeds, the delay is the interval
    again, and the next failure starts from the base delay."""
    server = registered(shop_dir, tmp_path)
    try:
        server.stop()
        backoff = fast_recording_backoff()
        terminal = make_terminal(sync_interval_s=30, sync_backoff=backoff)
        sync, status = terminal.ctx.sync, terminal.window.status
        qtbot.waitUntil(lambda: sync.failures >= 5, timeout=15000)
        first = backoff.planned[:5]  # (failures in a row, the delay planned after them, when)
        assert [n for n, _d, _t in first] == [1, 2, 3, 4, 5]
        delays = [d for _n, d, _t in first]
        assert delays == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.4])
        assert sync.next_delay == backoff.planned[-1][1]  # the controller used what it planned
        for n in range(4):  # the rounds really were that far apart (QTimer: 5 % coarse)
            assert first[n + 1][2] - first[n][2] >= 0.9 * delays[n]
        state = sync.state
        assert state is not None and not state.online and state.retry_at is not None
        assert "Offline" in status.online.text()
        assert status.retry.text().startswith("retrying")
        assert terminal.window.banner.isVisible()

        server.start()  # the same URL answers again: the next retry (≤ 0.4 s) gets through
        qtbot.waitUntil(lambda: sync.state is not None and sync.state.online, timeout=15000)
        state = sync.state
        assert state is not None and sync.failures == 0 and sync.next_delay == 30.0
        assert state.retry_at is None and status.retry.text() == ""
        assert "Online" in status.online.text()
        assert not terminal.window.banner.isVisible()

        server.stop()
        backoff.planned.clear()
        sync.sync_now()
        qtbot.waitUntil(lambda: len(backoff.planned) >= 1, timeout=15000)
        failures, delay, _t = backoff.planned[0]
        assert failures == 1 and delay == pytest.approx(0.05)  # reset: from the base again
    finally:
        server.stop()


def test_a_sale_is_pushed_promptly_not_at_the_next_interval(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path,
        demo_shop: DemoShop) -> None:
    server = registered(shop_dir, tmp_path)
    try:
        terminal = make_terminal(sync_interval_s=600, sync_backoff=fast_backoff())
        sync, status = terminal.ctx.sync, terminal.window.status
        qtbot.waitUntil(lambda: sync.state is not None and sync.state.online
                        and sync.state.events_waiting == 0, timeout=30000)
        assert sync.state is not None
        first_sync = sync.state.last_sync
        waiting: list[int] = []
        sync.state_changed.connect(lambda state: waiting.append(state.events_waiting))

        sign_in(qtbot, terminal)
        scan(qtbot, terminal, demo_shop.cards[3])
        checkout = terminal.window.checkout
        for key in ("3", "2", "0"):
            checkout.keypad.key_pressed.emit(key)
        qtbot.mouseClick(checkout.sale_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
        qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
        # pushed by a round the sale asked for, long before the 600 s interval
        qtbot.waitUntil(lambda: sync.state is not None and sync.state.events_waiting == 0
                        and sync.state.last_sync != first_sync, timeout=15000)
        assert max(waiting) >= 1  # the sale was seen waiting first
        state = sync.state
        assert state is not None and state.online and status.waiting.text().startswith("0 ")
    finally:
        server.stop()


def test_a_round_that_raises_is_logged_counted_and_retried(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN the real client whose first two rounds die of an OSError (a full disk, say)
    THEN each is logged with its traceback, counts as a failed round (backoff), the status
    says so in plain words; the network lane lives on and the third round syncs."""
    from ui.sync_client import ClientSyncPort

    server = registered(shop_dir, tmp_path)
    creds = load_credentials(shop_dir)
    assert creds is not None
    local = open_local_store(shop_dir, create=False)  # the port's own connection to the file
    raised: list[int] = []
    gate = threading.Event()  # the first round waits until the test listens

    def flaky(c: Credentials) -> Transport:
        gate.wait(10)
        if len(raised) < 2:
            raised.append(1)
            raise OSError(28, "No space left on device")
        return Transport(c.server_url, c.token, timeout=10)

    port = LazySyncPort(lambda: ClientSyncPort(local.store, creds, transport_factory=flaky))
    try:
        terminal = make_terminal(sync_interval_s=30, sync_backoff=fast_backoff(),
                                 sync_port=port)
        sync, window = terminal.ctx.sync, terminal.window
        # the start's refresh ("not synced yet", no round yet) is shown before listening:
        # the first round is held at the gate, so every state seen below is a round's verdict
        qtbot.waitUntil(lambda: sync.state is not None, timeout=10000)
        assert sync.failures == 0 and not raised
        states: list[SyncState] = []
        sync.state_changed.connect(lambda state: states.append(state))
        failures: list[int] = []
        sync.state_changed.connect(lambda _s: failures.append(sync.failures))
        gate.set()
        qtbot.waitUntil(lambda: sync.state is not None and sync.state.online, timeout=30000)
        assert len(raised) == 2 and max(failures) == 2 and sync.failures == 0
        offline = [s for s in states if not s.online]
        assert offline and all(s.detail == UNEXPECTED for s in offline)
        assert all(s.retry_at is not None for s in offline)
        logged = [r for r in caplog.records if r.getMessage() == "sync round failed unexpectedly"]
        assert len(logged) == 2
        assert all(r.levelno == logging.ERROR and r.exc_info is not None
                   and isinstance(r.exc_info[1], OSError) for r in logged)
        assert "Online" in window.status.online.text()
    finally:
        gate.set()  # (a failed test must not leave the network lane waiting at the gate)
        server.stop()
        local.close()

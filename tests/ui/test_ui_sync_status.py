"""The status bar and the offline banner against the real sync server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, MakeTerminal, SyncServer, sign_in

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

"""``loyalty-terminal --demo``: a fresh demo shop with simulated devices, no hardware."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, MakeTerminal, sign_in


def test_the_demo_runs_a_scan_through_the_simulated_serial_scanner_and_goes_offline(
        qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal(demo=True, data_dir=None, devices_config=None,
                             receipt_previews=False)
    window = terminal.window
    assert "PIN 1111" in window.login.message.text()
    sign_in(qtbot, terminal, MANAGER)
    statuses = terminal.ctx.bridge.statuses
    qtbot.waitUntil(lambda: "scanner" in statuses() and statuses()["scanner"].ok
                    and terminal.ctx.demo_scan is not None, timeout=10000)
    checkout = window.checkout
    qtbot.waitUntil(lambda: checkout.demo_cards.count() == 20
                    and not checkout.demo_cards.itemText(0).startswith(" "), timeout=5000)
    checkout.demo_cards.setCurrentIndex(3)
    card = checkout.demo_cards.currentData()
    qtbot.mouseClick(checkout.findChild(QWidget, "demoScanButton"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)  # typed into the pty, read by SerialScanner
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    assert checkout.card is not None and checkout.card.view.member.card_number == card
    assert not window.banner.isVisible()

    window.open_manager()
    manager = window.manager
    manager.tabs.setCurrentIndex(4)
    toggle = manager.findChild(QCheckBox, "demoOfflineToggle")
    assert isinstance(toggle, QCheckBox)
    toggle.click()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "Offline" in window.status.online.text()
    toggle.click()
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=5000)


def test_the_demo_camera_reads_a_card_through_the_camera_pipeline(
        qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    """GIVEN the demo with its simulated camera (generated frames in an image folder)
    WHEN the cashier holds a card up to it THEN the camera pipeline decodes the QR code,
    confirms it over consecutive frames, and the member panel shows that member; the
    camera's status is in the status bar."""
    terminal = make_terminal(demo=True, data_dir=None, devices_config=None,
                             receipt_previews=False, simulated_scanner=False)
    window = terminal.window
    sign_in(qtbot, terminal)
    statuses = terminal.ctx.bridge.statuses
    qtbot.waitUntil(lambda: "camera" in statuses() and statuses()["camera"].ok
                    and terminal.ctx.demo_camera is not None, timeout=15000)
    camera_label = window.status.devices["camera"]
    assert camera_label.property("ok") is True
    assert "demo-camera" in camera_label.toolTip()
    assert terminal.ctx.demo_scan is None  # no serial scanner: the read can only be the camera
    checkout = window.checkout
    qtbot.waitUntil(lambda: checkout.demo_cards.count() == 20, timeout=5000)
    checkout.demo_cards.setCurrentIndex(5)
    card = checkout.demo_cards.currentData()
    sources: list[str] = []
    terminal.ctx.bridge.code_scanned.connect(lambda _code, source: sources.append(source))
    qtbot.mouseClick(checkout.findChild(QWidget, "demoCameraButton"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=10000)
    assert checkout.card is not None and checkout.card.view.member.card_number == card
    assert sources == ["scanner"]  # the camera reports through the scanner's callback
    devices = terminal.ctx.devices
    assert devices is not None and devices.camera is not None
    assert devices.camera.frames_read > 0

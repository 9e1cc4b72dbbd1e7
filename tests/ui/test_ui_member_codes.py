"""Phone codes and member PINs on the checkout screen, over a real store (offscreen Qt)."""

from __future__ import annotations

import threading
from pathlib import Path

import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import DemoShop, MakeTerminal, member_now, scan, sign_in

from terminal.checkout import CheckoutService
from terminal.demo import DEMO_MEMBER_PIN, DEMO_PIN_EVERY
from terminal.member_codes import make_member_code, new_member_secret, parse_app_setup_code
from terminal.members import IdentifiedBy
from terminal.store.local import open_local_store
from ui.app import Terminal


def secret_of(terminal: Terminal, member_id: str) -> bytes:
    """The member's secret, read from the store file (a separate connection)."""
    local = open_local_store(terminal.ctx.local.path.parent, create=False)
    try:
        return CheckoutService(local.store, terminal_id=local.terminal_id).member_code_secret(
            member_id)
    finally:
        local.close()


def phone_code(terminal: Terminal, card: str) -> tuple[str, str]:
    """(member id, the code the member's app shows now at the app's clock)."""
    member_id = member_now(terminal, card).member.id
    return member_id, make_member_code(member_id, secret_of(terminal, member_id),
                                       terminal.ctx.service.clock())


def scan_text(terminal: Terminal, text: str) -> None:
    callback = terminal.ctx.bridge.on_code("scanner")
    thread = threading.Thread(target=callback, args=(text,), name="test-scanner")
    thread.start()
    thread.join()


def card_with(terminal: Terminal, shop: DemoShop, stored: int, pin: bool) -> str:
    cards = shop.cards[::DEMO_PIN_EVERY] if pin else [
        c for i, c in enumerate(shop.cards) if i % DEMO_PIN_EVERY]
    for card in cards:
        view = member_now(terminal, card)
        if view.stored_value >= stored and view.has_pin is pin:
            return card
    raise AssertionError(f"no demo member with NT${stored} and pin={pin}")


def pay_stored_value(qtbot: QtBot, terminal: Terminal, amount: int) -> None:
    checkout = terminal.window.checkout
    checkout.amount_input.setText(str(amount))
    checkout.stored.setValue(amount)
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    checkout.confirm.confirm()


def test_a_phone_code_scan_shows_the_member_panel(qtbot: QtBot, make_terminal: MakeTerminal,
                                                  demo_shop: DemoShop) -> None:
    """GIVEN a signed-in cashier WHEN the member's app code is scanned THEN the panel shows
    the member, marked as identified by phone code; the same screen read again changes
    nothing, and a code with the wrong secret is refused in plain words."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    member_id, code = phone_code(terminal, demo_shop.cards[3])
    scan_text(terminal, code)
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    assert checkout.card is not None
    assert checkout.card.view.member.id == member_id
    assert checkout.card.view.identified_by is IdentifiedBy.PHONE_CODE
    assert "Phone code" in checkout.panel.badges.text()
    scan_text(terminal, code)  # the camera read the same screen twice
    qtbot.wait(300)
    assert checkout.card is not None and checkout.card.view.member.id == member_id
    assert checkout.result.property("problem") is not True
    forged = make_member_code(member_id, new_member_secret(), terminal.ctx.service.clock())
    scan_text(terminal, forged)
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert "not genuine" in checkout.result.text()
    assert checkout.card is None


def test_stored_value_after_a_card_scan_asks_the_members_pin(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    card = card_with(terminal, demo_shop, 200, pin=True)
    before = member_now(terminal, card).stored_value
    scan(qtbot, terminal, card)
    pay_stored_value(qtbot, terminal, 200)
    assert checkout.member_pin.pending and checkout.member_pin.isVisible()
    assert checkout.member_pin.pin.echoMode() == checkout.member_pin.pin.EchoMode.Password
    checkout.member_pin.pin.setText("12")
    checkout.member_pin.submit()  # too short: said at once, nothing sent
    assert "4 to 12 digits" in checkout.member_pin.error.text() and checkout.member_pin.pending
    checkout.member_pin.pin.setText("0000")
    checkout.member_pin.submit()
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert "Wrong member PIN" in checkout.result.text()
    assert "Traceback" not in checkout.result.text()
    assert member_now(terminal, card).stored_value == before
    pay_stored_value(qtbot, terminal, 200)

    def press(key: str) -> None:  # the member's finger on the touch screen
        qtbot.mouseClick(checkout.member_pin.findChild(QWidget, f"key_{key}"),  # type: ignore[arg-type]
                         Qt.MouseButton.LeftButton)

    for key in ("0", "1"):
        press(key)
    assert checkout.member_pin.pin.text() == "01"  # a PIN keeps its leading zero
    press("clear")
    for key in DEMO_MEMBER_PIN:
        press(key)
    qtbot.keyClick(checkout.member_pin.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).stored_value == before - 200


def test_stored_value_after_a_phone_code_needs_no_pin(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    card = card_with(terminal, demo_shop, 200, pin=False)
    before = member_now(terminal, card).stored_value
    member_id, code = phone_code(terminal, card)
    scan_text(terminal, code)
    qtbot.waitUntil(lambda: checkout.card is not None
                    and checkout.card.view.member.id == member_id, timeout=5000)
    pay_stored_value(qtbot, terminal, 200)
    assert not checkout.member_pin.pending
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).stored_value == before - 200


def test_a_member_without_a_pin_paying_by_card_is_told_what_to_do(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    card = card_with(terminal, demo_shop, 200, pin=False)
    scan(qtbot, terminal, card)
    pay_stored_value(qtbot, terminal, 200)
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert "set a PIN first, or show the phone code" in checkout.result.text()


def test_after_enrolment_the_app_setup_qr_carries_the_members_secret(
        qtbot: QtBot, make_terminal: MakeTerminal, tmp_path: Path) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    checkout.show_enrol()
    checkout.enrol_name.setText("王大同")
    checkout.enrol_pin.setText("1357")
    checkout.review_enrol()
    assert checkout.confirm.pending
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: checkout.app_setup.isVisible(), timeout=10000)
    assert checkout.card is not None
    member = checkout.card.view
    assert member.has_pin and "王大同" in checkout.app_setup.title.text()
    png = tmp_path / "setup.png"
    assert checkout.app_setup.qr.pixmap().save(str(png))
    found = zxingcpp.read_barcodes(Image.open(png))
    assert len(found) == 1
    member_id, secret = parse_app_setup_code(found[0].text)
    assert member_id == member.member.id
    assert secret == secret_of(terminal, member_id)
    checkout.app_setup.finish()  # Done: the secret leaves the screen
    assert not checkout.app_setup.isVisible() and checkout.app_setup.qr.pixmap().isNull()
    assert checkout.pages.currentWidget() is checkout.keypad


def test_the_demo_scans_a_members_phone_code_through_the_simulated_scanner(
        qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal(demo=True, data_dir=None, devices_config=None,
                             receipt_previews=False)
    sign_in(qtbot, terminal)
    statuses = terminal.ctx.bridge.statuses
    qtbot.waitUntil(lambda: "scanner" in statuses() and statuses()["scanner"].ok,
                    timeout=10000)
    # the scanner reports ready from its own thread; the demo's "hands" that type into it
    # are handed to the window a moment later, on the UI thread
    qtbot.waitUntil(lambda: terminal.ctx.demo_scan is not None, timeout=10000)
    checkout = terminal.window.checkout
    qtbot.waitUntil(lambda: checkout.demo_cards.count() == 20, timeout=5000)
    checkout.demo_cards.setCurrentIndex(2)
    card = checkout.demo_cards.currentData()
    qtbot.mouseClick(checkout.findChild(QWidget, "demoPhoneCodeButton"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    assert checkout.card is not None and checkout.card.view.member.card_number == card
    assert checkout.card.view.identified_by is IdentifiedBy.PHONE_CODE

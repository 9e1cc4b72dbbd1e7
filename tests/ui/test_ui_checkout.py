"""The checkout screen over a real store: scan, sale, partial redemption, top-up, enrol."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, DemoShop, MakeTerminal, member_now, scan, sign_in, wait_idle

from terminal.demo import DEMO_MEMBER_PIN, DEMO_PIN_EVERY
from ui.app import Terminal
from ui.ops import Op


def pick(terminal: Terminal, shop: DemoShop, points: int = 0, stored: int = 0,
         with_pin: bool = False) -> str:
    for card in shop.cards[::DEMO_PIN_EVERY] if with_pin else shop.cards:
        view = member_now(terminal, card)
        if view.points >= points and view.stored_value >= stored:
            return card
    raise AssertionError(f"no demo member with {points} points and NT${stored}")


def type_text(widget: QWidget, text: str) -> None:
    """Type any text (CJK too) as key events; qtbot.keyClicks aborts on non-ASCII."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     char))


def test_a_scan_from_a_device_thread_shows_the_member_panel(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    """GIVEN a signed-in cashier WHEN a scanner thread reports a card THEN the panel shows
    the member's name, masked phone, tier, points and stored value from the store."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[2]
    scan(qtbot, terminal, card)
    expected = member_now(terminal, card)
    panel = terminal.window.checkout.panel
    assert panel.name.text() == expected.member.name
    assert expected.member.masked_phone in panel.contact.text()
    assert expected.member.phone not in panel.contact.text()
    assert panel.points.text() == f"{expected.points:,}"
    assert panel.stored_value.text() == f"NT${expected.stored_value:,}"
    assert panel.stamps.text() == f"{expected.stamps} / {terminal.ctx.rules.stamp_card_size}"
    assert panel.isVisible() and panel.name.isVisible()


def test_a_keyboard_wedge_burst_is_a_scan(qtbot: QtBot, make_terminal: MakeTerminal,
                                          demo_shop: DemoShop) -> None:
    """Keys typed at scanner speed and ended by Enter are taken as a scan."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    # scanner speed by the wedge's clock, not the machine's: 5 ms a key (a loaded CI machine
    # may take longer than the 50 ms gap limit between two real key events)
    assert terminal.wedge is not None
    start, ticks = time.monotonic(), itertools.count()
    terminal.wedge.clock = lambda: start + next(ticks) * 0.005
    checkout = terminal.window.checkout
    checkout.amount_input.setFocus()  # a scan works wherever the focus is
    qtbot.keyClicks(checkout.amount_input, demo_shop.cards[4])
    qtbot.keyClick(checkout.amount_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    assert checkout.card is not None
    assert checkout.card.view.member.card_number == demo_shop.cards[4]
    assert checkout.amount_input.text() == ""  # the burst did not stay in the amount


def test_an_unknown_code_is_explained_in_plain_words(qtbot: QtBot,
                                                     make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    checkout.code_input.setText("880000000019")  # a valid-looking card with a bad check digit
    qtbot.keyClick(checkout.code_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.result.text() != "", timeout=5000)
    text = checkout.result.text()
    assert "check digit" in text
    assert "Traceback" not in text
    assert checkout.card is None


def test_a_sale_earns_points_after_showing_what_it_will_do(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[6]
    before = member_now(terminal, card)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    for key in ("1", "2", "5", "0"):
        checkout.keypad.key_pressed.emit(key)
    assert checkout.amount_input.text() == "1250"
    qtbot.mouseClick(checkout.sale_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert "NT$1,250" in checkout.confirm.body.text()
    expected_points = terminal.ctx.rules.points_for(1250, before.member.tier)
    assert f"Points earned: {expected_points}" in checkout.confirm.body.text()
    assert member_now(terminal, card).points == before.points  # nothing written yet
    qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    after = member_now(terminal, card)
    assert after.points == before.points + expected_points
    assert checkout.panel.points.text() == f"{after.points:,}"
    assert terminal.ctx.printed[-1].points_earned == expected_points
    assert terminal.ctx.devices is not None and terminal.ctx.devices.printer is not None
    printer = terminal.ctx.devices.printer
    assert printer.wait_idle(5)
    assert b"NT$1,250" in printer.printer.dummy_output


def test_partial_points_plus_stored_value_and_the_rest_by_other_tender(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = pick(terminal, demo_shop, points=100, stored=300, with_pin=True)
    before = member_now(terminal, card)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText("1000")
    checkout.redeem.setValue(100)  # 100 points = NT$20 off
    checkout.stored.setValue(300)
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    body = checkout.confirm.body.text()
    assert "Redeem 100 points: −NT$20" in body
    assert "Paid with stored value: NT$300" in body
    assert "To pay by other tender: NT$680" in body
    checkout.confirm.confirm()
    assert checkout.member_pin.pending  # stored value after a card scan: the member's PIN
    checkout.member_pin.pin.setText(DEMO_MEMBER_PIN)
    checkout.member_pin.submit()
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    after = member_now(terminal, card)
    earned = terminal.ctx.rules.points_for(980, before.member.tier)
    assert after.stored_value == before.stored_value - 300
    assert after.points == before.points - 100 + earned


def test_redeeming_more_points_than_held_is_refused_before_anything_is_written(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[19]  # a dormant member: only the welcome bonus
    before = member_now(terminal, card)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText("200")
    stored = before.stored_value + 100
    checkout.stored.setMaximum(stored)  # the UI caps it; force past the cap like a bad POS
    checkout.stored.setValue(stored)
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert not checkout.confirm.pending
    assert "Traceback" not in checkout.result.text()
    assert member_now(terminal, card) == before


def test_top_up_is_refused_for_a_cashier_and_accepted_for_a_manager(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[1]
    before = member_now(terminal, card).stored_value
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.show_top_up()
    qtbot.mouseClick(checkout.top_up_form.findChild(QWidget, "preset_1000"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert "Top-ups need manager mode" in checkout.confirm.body.text()
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert "manager" in checkout.result.text()
    assert member_now(terminal, card).stored_value == before

    window = terminal.window
    qtbot.mouseClick(checkout.manager_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.unlock
    qtbot.waitUntil(lambda: window.unlock.staff.count() == 1, timeout=5000)
    window.unlock.pin.setText("1111")  # the cashier's PIN does not unlock manager mode
    window.unlock.submit()
    qtbot.waitUntil(lambda: window.unlock.message.property("problem") is True, timeout=5000)
    assert window.stack.currentWidget() is window.unlock
    window.unlock.pin.setText(MANAGER[1])
    window.unlock.submit()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.manager, timeout=5000)
    qtbot.mouseClick(window.manager.findChild(QWidget, "backToCheckoutButton"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)
    assert checkout.card is not None  # the member is still on screen
    checkout.show_top_up()
    checkout.top_up_amount.setText("1000")
    checkout.review_top_up()
    assert "Top-ups need manager mode" not in checkout.confirm.body.text()
    assert "NT$1,000" in checkout.confirm.body.text()
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: "Topped up" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).stored_value == before + 1000
    receipt = terminal.ctx.printed[-1]  # the top-up's receipt: one line, paid in full
    assert [(line.description, line.amount) for line in receipt.lines] == [("儲值 Top-up", 1000)]
    assert receipt.total == receipt.paid == 1000
    assert receipt.stored_value_left == before + 1000
    assert checkout.panel.stored_value.text() == f"NT${before + 1000:,}"


def test_enrolling_a_new_member_with_a_chinese_name(qtbot: QtBot,
                                                    make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    qtbot.mouseClick(checkout.enrol_button, Qt.MouseButton.LeftButton)
    assert checkout.pages.currentWidget() is checkout.enrol_form
    type_text(checkout.enrol_name, "王大明")
    checkout.enrol_phone.setText("0987654321")
    checkout.review_enrol()
    assert "王大明" in checkout.confirm.body.text()
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    assert checkout.card is not None
    view = checkout.card.view
    assert view.member.name == "王大明"
    assert view.points == terminal.ctx.rules.new_member_bonus
    assert member_now(terminal, view.member.card_number).member.phone == "0987654321"
    assert checkout.panel.contact.text().count("*") >= 3


def test_database_work_runs_on_the_single_worker_thread(qtbot: QtBot,
                                                        make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    seen: list[str] = []
    for _ in range(3):
        Op(lambda: threading.current_thread().name).success(seen.append).run(
            terminal.ctx.runner)
    wait_idle(qtbot, terminal)
    assert len(seen) == 3
    assert len(set(seen)) == 1 and seen[0].startswith("loyalty-db")
    assert threading.current_thread() is threading.main_thread()


def test_the_amount_can_come_from_the_pos(qtbot: QtBot, make_terminal: MakeTerminal,
                                          shop_dir: Path, demo_shop: DemoShop) -> None:
    """GIVEN the POS drops pos/amount.json WHEN the app sees it THEN the amount is on the
    checkout screen (the cashier still confirms) and the file is consumed."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, demo_shop.cards[8])
    inbox = shop_dir / "pos"
    tmp = inbox / "amount.json.tmp"
    tmp.write_text(json.dumps({"amount": 1234, "currency": "TWD", "reference": "POS-7"}))
    tmp.replace(inbox / "amount.json")
    checkout = terminal.window.checkout
    qtbot.waitUntil(lambda: checkout.amount_input.text() == "1234", timeout=5000)
    assert "POS-7" in checkout.result.text()
    assert not (inbox / "amount.json").exists()
    assert not checkout.confirm.pending  # nothing is sold without the cashier

    (inbox / "amount.json").write_text('{"amount": 12.5}')
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert (inbox / "amount.json.bad").exists()
    assert checkout.amount_input.text() == "1234"


def test_the_window_stays_responsive_while_the_database_worker_is_busy(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    release = threading.Event()
    Op(lambda: release.wait(10)).run(terminal.ctx.runner)  # a long job holds the worker
    checkout = terminal.window.checkout
    terminal.ctx.bridge.on_code("scanner")(demo_shop.cards[9])  # queued behind it
    qtbot.keyClicks(checkout.amount_input, "250")  # the cashier can still type
    assert checkout.amount_input.text() == "250"
    assert terminal.window.status.busy.text() == "Working…"
    assert checkout.card is None
    release.set()
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    qtbot.waitUntil(lambda: terminal.window.status.busy.text() == "", timeout=5000)


def test_a_whole_sale_from_the_keyboard(qtbot: QtBot, make_terminal: MakeTerminal,
                                        demo_shop: DemoShop) -> None:
    """Scan (wedge), type the amount, Enter to review, Enter to confirm: no mouse."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    window = terminal.window
    window.activateWindow()
    checkout = window.checkout
    card = demo_shop.cards[10]
    before = member_now(terminal, card)
    qtbot.keyClicks(checkout.code_input, card)
    qtbot.keyClick(checkout.code_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.card is not None, timeout=5000)
    qtbot.waitUntil(lambda: checkout.amount_input.hasFocus(), timeout=5000)
    qtbot.keyClicks(checkout.amount_input, "400")
    qtbot.keyClick(checkout.amount_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert checkout.confirm.confirm_button.hasFocus()
    qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    earned = terminal.ctx.rules.points_for(400, before.member.tier)
    assert member_now(terminal, card).points == before.points + earned
    assert checkout.code_input.hasFocus()  # ready for the next customer's scan


def test_stamps_fill_the_card_and_a_full_card_is_exchanged(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    """GIVEN a member WHEN the cashier stamps the card up to full THEN the panel counts the
    stamps, a card that is not full is refused in plain words, and a full card is exchanged."""
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[7]
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    size = terminal.ctx.rules.stamp_card_size
    qtbot.mouseClick(checkout.stamp_card_button, Qt.MouseButton.LeftButton)
    assert "not full yet" in checkout.result.text()
    for stamped in range(1, size + 1):
        qtbot.mouseClick(checkout.stamp_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
        assert f"→ {stamped} of {size}" in checkout.confirm.body.text()
        qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda n=stamped: checkout.panel.stamps.text() == f"{n} / {size}",
                        timeout=5000)
    assert member_now(terminal, card).stamps == size
    qtbot.mouseClick(checkout.stamp_card_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert terminal.ctx.rules.stamp_reward in checkout.confirm.body.text()
    qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Card exchanged" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).stamps == 0
    assert checkout.panel.stamps.text() == f"0 / {size}"


def test_a_scanned_e_voucher_is_checked_shown_and_redeemed(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop, shop_dir: Path) -> None:
    """GIVEN voucher keys pulled from the server WHEN a voucher is scanned during a sale THEN
    the screen shows what it takes off, and after confirming the amount due drops by it."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from terminal.vouchers import VoucherFields, VoucherKind, issue_voucher, new_signing_key

    private, public = new_signing_key()
    with sqlite3.connect(shop_dir / "terminal.sqlite3") as conn:  # as a pull stores them
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('sync.public_keys', ?)",
                     (json.dumps({"2": public.hex()}),))
    now = datetime.now(UTC)
    text = issue_voucher(private, 2, VoucherFields(
        kind=VoucherKind.AMOUNT_OFF, value=100, not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=7)))
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, demo_shop.cards[3])
    checkout = terminal.window.checkout
    checkout.amount_input.setText("350")
    terminal.ctx.bridge.on_code("camera")(text)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert "NT$100" in checkout.confirm.body.text()
    assert checkout.card is not None  # the member stays on screen
    qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "redeemed" in checkout.result.text(), timeout=5000)
    assert checkout.amount_input.text() == "250"
    terminal.ctx.bridge.on_code("camera")(text)  # the same voucher again
    qtbot.waitUntil(lambda: "already been used" in checkout.result.text(), timeout=5000)

"""The member panel's own actions at the till: daily check-in, a paid plan, a charity and the
member's PIN, over a copy of the demo shop with a programme document pulled (as the sync
layer stores it). Real widgets offscreen, the real checkout service on the database worker."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, DemoShop, MakeTerminal, member_now, scan, sign_in

from terminal.checkout import CheckoutService
from terminal.config import load_config
from terminal.errors import LoyaltyError
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.programmes.from_rules import document_from_rules
from terminal.staff import Role
from terminal.store.local import open_local_store
from ui.app import Terminal

PROGRAMMES: list[dict[str, Any]] = [
    {"id": "daily", "type": "check_in", "name": "每日簽到", "params": {"reward": {"points": 5}}},
    {"id": "plus", "type": "membership", "name": "Plus 會員", "params": {
        "fee": 1200, "days": 365, "discount_percent": 3}},
    {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
        "fee": 299, "days": 30, "monthly_reward": {"points": 40}}},
    {"id": "eden", "type": "charity", "name": "伊甸捐點", "params": {
        "charity": "伊甸基金會", "spend_basis_points": 100, "points_percent": 50,
        "opt_in": True}},
]


def pull(shop_dir: Path, programmes: list[dict[str, Any]] | None = None) -> None:
    """The demo's rules as a document, plus ``programmes``, stored as a pull leaves it."""
    document = document_from_rules(load_config(shop_dir).rules)
    document["programmes"] += PROGRAMMES if programmes is None else programmes
    local = open_local_store(shop_dir, create=False)
    try:
        with local.store.session(write=True) as session:
            session.set_meta(PULLED_META_KEY, json.dumps(document))
    finally:
        local.close()


def visible(terminal: Terminal, name: str) -> bool:
    widget = terminal.window.checkout.panel.findChild(QWidget, name)
    assert widget is not None, name
    return widget.isVisible()


def click(qtbot: QtBot, terminal: Terminal, name: str) -> None:
    widget = terminal.window.checkout.findChild(QWidget, name)
    assert widget is not None and widget.isVisible(), name
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def confirm(qtbot: QtBot, terminal: Terminal) -> str:
    """Wait for the confirmation, confirm it, and return what it said."""
    checkout = terminal.window.checkout
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    body = checkout.confirm.body.text()
    checkout.result.clear()
    qtbot.keyClick(checkout.confirm.confirm_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.result.text() != "", timeout=5000)
    return body


def test_without_a_programme_document_only_the_pin_button_shows(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, demo_shop.cards[1])
    assert not visible(terminal, "checkInButton")
    assert not visible(terminal, "planButton")
    assert not visible(terminal, "charityButton")
    assert visible(terminal, "memberPinButton")
    terminal.window.checkout.panel.clear()
    assert not visible(terminal, "memberPinButton")


def test_a_daily_check_in_rewards_once_and_the_second_is_refused(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path, clear_of_midnight: None) -> None:
    pull(shop_dir)
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[2]
    before = member_now(terminal, card).points
    scan(qtbot, terminal, card)
    click(qtbot, terminal, "checkInButton")
    assert "once a day" in confirm(qtbot, terminal)
    checkout = terminal.window.checkout
    assert "Checked in" in checkout.result.text()
    assert "+5 points" in checkout.result.text()
    assert member_now(terminal, card).points == before + 5
    assert checkout.panel.points.text() == f"{before + 5:,}"

    click(qtbot, terminal, "checkInButton")
    confirm(qtbot, terminal)
    assert "has already checked in today" in checkout.result.text()
    assert checkout.result.property("problem") is True
    assert member_now(terminal, card).points == before + 5


def test_a_plan_is_chosen_priced_confirmed_printed_and_shown_on_the_panel(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path, clear_of_midnight: None) -> None:
    pull(shop_dir)
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[3]
    before = member_now(terminal, card).points
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    click(qtbot, terminal, "planButton")
    assert checkout.choice.pending
    labels = [b.text() for b in checkout.choice.option_buttons]
    assert labels == ["Plus 會員 (membership): NT$1,200 for 365 days",
                      "咖啡月訂 (subscription): NT$299 for 30 days"]
    click(qtbot, terminal, "choice_1")
    body = confirm(qtbot, terminal)
    assert "Starts today, for 30 days." in body and "Take NT$299" in body
    today = terminal.ctx.service.today()
    until = (today + timedelta(days=29)).isoformat()
    assert checkout.result.text().startswith("咖啡月訂 for ")
    assert f"valid until {until}; NT$299 paid." in checkout.result.text()
    assert "+40 points" in checkout.result.text()  # the first month's benefit
    assert member_now(terminal, card).points == before + 40
    receipt = terminal.ctx.printed[-1]
    assert receipt.total == 299 and receipt.paid == 299
    assert receipt.lines[0].description == "會員方案 Plan 咖啡月訂"
    assert receipt.programmes[0].value == until
    assert checkout.panel.programmes.text() == f"咖啡月訂: valid until {until}"

    click(qtbot, terminal, "planButton")  # renewing: 30 more days after the last one
    click(qtbot, terminal, "choice_1")
    body = confirm(qtbot, terminal)
    assert f"Renewal: 30 more days after {until}." in body
    renewed = (today + timedelta(days=59)).isoformat()
    assert checkout.panel.programmes.text() == f"咖啡月訂: valid until {renewed}"


def test_a_charity_chosen_at_the_till_gets_a_share_of_the_next_sale_and_the_report(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    pull(shop_dir)
    terminal = make_terminal()
    sign_in(qtbot, terminal, MANAGER)
    card = demo_shop.cards[4]
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    click(qtbot, terminal, "charityButton")
    assert [b.text() for b in checkout.choice.option_buttons] == [
        "伊甸基金會: the shop gives 1% of spend, the member gives 50% of the points earned"]
    click(qtbot, terminal, "choice_0")
    assert "伊甸基金會 with every purchase from now on" in confirm(qtbot, terminal)
    assert "now gives to 伊甸基金會" in checkout.result.text()
    assert checkout.panel.programmes.text() == "Gives to 伊甸基金會"

    checkout.amount_input.setText("1000")
    checkout.review_sale()
    confirm(qtbot, terminal)
    assert "Sale recorded" in checkout.result.text()
    donated = [line.value for line in terminal.ctx.printed[-1].programmes
               if "伊甸" in line.label]
    assert donated[0] == "+10 donation"  # 1 % of NT$1,000, pledged by the shop
    assert donated[-1].endswith(" points donated")  # and taken from what the member earned
    points = int(donated[-1].split()[0])
    assert f"-{points} points" in donated

    terminal.window.open_manager()
    manager = terminal.window.manager
    manager.tabs.setCurrentWidget(manager.charity)
    qtbot.waitUntil(lambda: manager.charity.table.rowCount() == 1, timeout=5000)
    row = [manager.charity.table.item(0, c).text() for c in range(3)]
    assert row == ["伊甸基金會", "NT$10", f"{points:,}"]

    terminal.window.show_checkout()  # the member is still on the panel
    click(qtbot, terminal, "charityButton")
    assert checkout.choice.option_buttons[0].text().endswith(" ✓")
    click(qtbot, terminal, "choice_1")  # stop giving
    assert "stops giving" in confirm(qtbot, terminal)
    assert "gives to no charity now" in checkout.result.text()
    assert not checkout.panel.programmes.isVisible()


def key_in(qtbot: QtBot, terminal: Terminal, pin: str) -> None:
    panel = terminal.window.checkout.pin_change
    for digit in pin:
        panel.keypad.key_pressed.emit(digit)
    qtbot.keyClick(panel.pin, Qt.Key.Key_Return)


def pays_with(terminal: Terminal, card: str, pin: str) -> str:
    """"ok", or the refusal, for topping up NT$1 and paying it by card with ``pin`` (a
    second connection to the file)."""
    local = open_local_store(terminal.ctx.local.path.parent, create=False)
    try:
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=terminal.ctx.rules)
        manager = service.login(*MANAGER, needed=Role.MANAGER)
        member = service.identify(card).member.id
        service.top_up(manager, member, Money(1))
        try:
            service.sale(manager, member, Money(1), stored_value=Money(1), member_pin=pin,
                         identified_by=IdentifiedBy.CARD)
        except LoyaltyError as error:
            return f"{error.code}: {error.message}"
        return "ok"
    finally:
        local.close()


def test_a_cashier_changes_a_member_pin_only_with_the_old_one(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[0]  # a demo member with PIN 2580 and stored value
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    button = checkout.panel.findChild(QWidget, "memberPinButton")
    assert button is not None and button.text() == "Change member PIN"  # type: ignore[attr-defined]
    click(qtbot, terminal, "memberPinButton")
    panel = checkout.pin_change
    assert panel.pending and panel.step_text == "Current PIN"
    key_in(qtbot, terminal, "0000")
    key_in(qtbot, terminal, "1357")
    key_in(qtbot, terminal, "1358")  # the repeat differs: asked again, nothing sent
    assert "differ" in panel.error.text() and panel.pending
    key_in(qtbot, terminal, "1357")
    key_in(qtbot, terminal, "1357")
    qtbot.waitUntil(lambda: checkout.result.text() != "", timeout=5000)
    assert "Wrong member PIN" in checkout.result.text()  # the core checked the old PIN
    assert pays_with(terminal, card, "2580") == "ok"

    checkout.result.clear()
    click(qtbot, terminal, "memberPinButton")
    for pin in ("2580", "1357", "1357"):
        key_in(qtbot, terminal, pin)
    qtbot.waitUntil(lambda: "is saved" in checkout.result.text(), timeout=5000)
    assert not panel.pending
    assert pays_with(terminal, card, "1357") == "ok"
    assert pays_with(terminal, card, "2580").startswith("wrong_pin")


@pytest.mark.parametrize("card_index", [1, 4])  # no PIN yet / PIN 2580, reset by a manager
def test_a_manager_or_a_member_without_a_pin_needs_no_old_pin(
        card_index: int, qtbot: QtBot, make_terminal: MakeTerminal,
        demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal, MANAGER if card_index == 4 else ("林小美", "1111"))
    card = demo_shop.cards[card_index]
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    click(qtbot, terminal, "memberPinButton")
    assert checkout.pin_change.step_text == "New PIN (4 to 12 digits)"
    key_in(qtbot, terminal, "4680")
    key_in(qtbot, terminal, "4680")
    qtbot.waitUntil(lambda: "is saved" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).has_pin
    button = checkout.panel.findChild(QWidget, "memberPinButton")
    assert button.text() == "Change member PIN"  # type: ignore[union-attr]

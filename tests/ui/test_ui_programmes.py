"""Programmes at the checkout screen over a real store: the sale preview shows a tier's
discount and what is left to pay; a scan issues a subscription's monthly benefit once."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, DemoShop, MakeTerminal, member_now, scan, sign_in, wait_idle

from terminal.checkout import CheckoutService, utc_now
from terminal.demo import DEMO_MEMBER_PIN, DEMO_PIN_EVERY
from terminal.ledger import EventKind
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.staff import Role
from terminal.store.local import open_local_store
from terminal.vouchers import VoucherFields, VoucherKind, issue_voucher, new_signing_key

DOCUMENT: dict[str, Any] = {
    "version": 1,
    "programmes": [
        {"id": "tiers", "type": "tiers", "name": "等級", "params": {"tiers": [
            {"name": "basic", "threshold": 0},
            {"name": "gold", "threshold": 30_000, "discount_percent": 5}]}},
        {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
            "fee": 299, "days": 90, "monthly_reward": {"points": 40}}},
    ],
}


def prepare(shop_dir: Path, card: str, *, tier: str = "", subscribe: bool = False) -> str:
    """Pull the document into the shop's store; set the member's tier by hand, or sell the
    member the subscription 35 days ago (so this month's benefit is not given yet)."""
    local = open_local_store(shop_dir, create=False)
    try:
        with local.store.session(write=True) as session:
            session.set_meta(PULLED_META_KEY, json.dumps(DOCUMENT))
            member = session.member_by_card(card)
            assert member is not None
            if tier:
                session.set_member_tier(member.id, tier)
        if subscribe:
            service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                      clock=lambda: utc_now() - timedelta(days=35))
            service.buy_plan(service.staff_named(None, Role.CASHIER), member.id, "club")
        return member.id
    finally:
        local.close()


def test_the_sale_preview_takes_the_tier_discount_off(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    card = demo_shop.cards[3]
    prepare(shop_dir, card, tier="gold")
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText("1000")
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    body = checkout.confirm.body.text()
    assert "tiers (discount_gold): −NT$50" in body
    assert "To pay by other tender: NT$950" in body
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    receipt = terminal.ctx.printed[-1]
    assert (receipt.discount, receipt.paid) == (50, 950)


def test_a_scan_issues_the_months_subscription_benefit_once(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    card = demo_shop.cards[5]
    member_id = prepare(shop_dir, card, subscribe=True)
    terminal = make_terminal()
    before = member_now(terminal, card).points
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, card)
    panel = terminal.window.checkout.panel
    assert "Benefit issued now: 咖啡月訂 · monthly_benefit: +40 points" in panel.prompts.text()
    assert member_now(terminal, card).points == before + 40
    assert panel.points.text() == f"{before + 40:,}"
    terminal.window.checkout.panel.clear()
    scan(qtbot, terminal, card)  # the same member again: nothing more
    wait_idle(qtbot, terminal)
    assert "Benefit issued" not in panel.prompts.text()
    assert member_now(terminal, card).points == before + 40
    local = open_local_store(shop_dir, create=False)
    try:
        service = CheckoutService(local.store, terminal_id=local.terminal_id)
        kinds = [e.kind for e in service.history(member_id, 100)]
    finally:
        local.close()
    assert kinds.count(EventKind.BENEFIT) == 1


def test_all_due_by_stored_value_leaves_out_the_tier_discount(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    """"All due" asks the service's plan on the worker: a gold member's 5 % is not paid with
    stored value (before, the screen offered the amount less points and the sale was refused
    as more than the amount left to pay)."""
    terminal = make_terminal()
    card = next(c for c in demo_shop.cards[::DEMO_PIN_EVERY]
                if member_now(terminal, c).stored_value >= 1000)
    prepare(shop_dir, card, tier="gold")
    before = member_now(terminal, card)
    amount = before.stored_value  # the balance would cover the whole amount
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText(str(amount))
    checkout.redeem.setValue(100)  # NT$20 off first; the tier's 5 % of the rest then
    checkout.stored_most()
    due = amount - 20 - (amount - 20) * 5 // 100
    qtbot.waitUntil(lambda: checkout.stored.value() == due, timeout=5000)
    assert checkout.stored.maximum() == due
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    assert f"Paid with stored value: NT${due:,}" in checkout.confirm.body.text()
    assert "To pay by other tender: NT$0" in checkout.confirm.body.text()
    checkout.confirm.confirm()
    checkout.member_pin.pin.setText(DEMO_MEMBER_PIN)
    checkout.member_pin.submit()
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    assert member_now(terminal, card).stored_value == before.stored_value - due


def test_the_day_report_shows_the_programme_discounts(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path, clear_of_midnight: None) -> None:
    card = demo_shop.cards[3]
    prepare(shop_dir, card, tier="gold")
    terminal = make_terminal()
    sign_in(qtbot, terminal, MANAGER)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText("1000")
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)
    terminal.window.open_manager()
    manager = terminal.window.manager
    manager.load_report()
    table = manager.report_table
    qtbot.waitUntil(lambda: table.rowCount() >= 2, timeout=5000)
    columns = {table.horizontalHeaderItem(c).text(): c for c in range(table.columnCount())}
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    column = columns["Programme discounts"]
    assert table.item(rows[MANAGER[0]], column).text() == "NT$50"  # 5 % of NT$1,000
    assert table.item(rows["Total"], column).text() == "NT$50"


def test_what_is_left_after_a_voucher_counts_the_tier_discount(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    """NT$100 off NT$1,000 for a gold member: NT$900 less 5 % is left (the service's plan)."""
    private, public = new_signing_key()
    with sqlite3.connect(shop_dir / "terminal.sqlite3") as conn:  # as a pull stores them
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('sync.public_keys', ?)",
                     (json.dumps({"2": public.hex()}),))
    now = utc_now()
    voucher = issue_voucher(private, 2, VoucherFields(
        kind=VoucherKind.AMOUNT_OFF, value=100, not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=7)))
    card = demo_shop.cards[3]
    prepare(shop_dir, card, tier="gold")
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText("1000")
    terminal.ctx.bridge.on_code("camera")(voucher)
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: "left to pay" in checkout.result.text(), timeout=5000)
    assert checkout.result.text() == "E-voucher redeemed: NT$100 off; NT$855 left to pay."
    assert checkout.amount_input.text() == "900"

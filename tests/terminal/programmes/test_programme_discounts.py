"""A programme's discount (a tier's or a paid membership's percentage) is taken off what the
member pays, through the real service on a real SQLite file: the plan, the stored-value
payment, the event body, the receipt and the ledger all agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from terminal_testkit import Shop

from devices.printing.layout import ReceiptTemplate
from terminal.errors import InvalidAmount
from terminal.ledger import Asset, ShopAccount, balances_from_postings, unbalanced_assets
from terminal.money import Money
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.programmes.explain import explain
from terminal.reports import day_report
from terminal.store.verify import verify_store
from ui.receipts import sale_receipt

DOCUMENT: dict[str, Any] = {
    "version": 1,
    "programmes": [
        {"id": "points", "type": "points", "name": "紅利點數", "params": {"earn_unit": 50}},
        {"id": "tiers", "type": "tiers", "name": "等級", "params": {"tiers": [
            {"name": "basic", "threshold": 0},
            {"name": "gold", "threshold": 30_000, "discount_percent": 5}]}},
    ],
}


def pull(shop: Shop, document: object = DOCUMENT) -> None:
    with shop.local.store.session(write=True) as session:
        session.set_meta(PULLED_META_KEY, json.dumps(document))


def member(shop: Shop, tier: str = "gold", stored_value: int = 0) -> str:
    result = shop.service.enrol(shop.cashier, name="陳志明", tier=tier)
    member_id = str(result.event.body["member_id"])
    if stored_value:
        shop.service.top_up(shop.manager, member_id, Money(stored_value))
    return member_id


# amount, points redeemed, tier discount (5 %, floored), due, points earned (NT$50 → 1)
ROUNDING = [
    (49, 0, 2, 47, 0),  # 2.45 → 2
    (50, 0, 2, 48, 0),  # 2.5 → 2: the member never gets more than 5 %; earning on NT$48
    (99, 0, 4, 95, 1),  # 4.95 → 4
    (100, 0, 5, 95, 1),
    (1000, 0, 50, 950, 19),
    (1000, 100, 49, 931, 18),  # 100 points = NT$20 off first; 5 % of the NT$980 left
    (1, 0, 0, 1, 0),  # 5 % of NT$1 is nothing
]


@pytest.mark.parametrize(("amount", "redeem", "off", "due", "earned"), ROUNDING)
def test_gold_discount_is_taken_off_what_is_paid(shop: Shop, amount: int, redeem: int,
                                                 off: int, due: int, earned: int) -> None:
    pull(shop)
    gold = member(shop)
    if redeem:  # points to redeem (this document has no welcome bonus)
        shop.service.sale(shop.cashier, gold, Money(10_000))  # 190 points (on NT$9,500)
    planned = shop.service.plan_sale(gold, Money(amount), redeem_points=redeem)
    result = shop.service.sale(shop.cashier, gold, Money(amount), redeem_points=redeem)
    plan = result.plan
    assert planned == plan
    assert (plan.programme_discount, plan.due, plan.other_tender) == (off, due, due)
    assert plan.points_earned == earned
    assert plan.amount - plan.discount - plan.programme_discount == plan.due
    body = result.event.body
    assert body["other_tender"] == due
    assert body.get("programme_discount", 0) == off
    expected = [["tiers", "discount_gold", off]] if off else []
    assert body.get("programme_discounts", []) == expected
    assert not unbalanced_assets(result.event.postings)


@pytest.mark.parametrize(("amount", "off"), [(49, 2), (50, 2), (99, 4), (100, 5)])
def test_stored_value_pays_the_discounted_due_and_no_more(shop: Shop, amount: int,
                                                          off: int) -> None:
    pull(shop)
    gold = member(shop, stored_value=1000)
    due = amount - off
    with pytest.raises(InvalidAmount) as refused:
        shop.service.plan_sale(gold, Money(amount), stored_value=Money(due + 1))
    assert refused.value.params["reason"] == "stored_value_over_due"
    assert refused.value.params["due"] == due
    shop.service.set_member_pin(shop.cashier, gold, "2468")  # stored value by card: a PIN
    with pytest.raises(InvalidAmount):
        shop.service.sale(shop.cashier, gold, Money(amount), stored_value=Money(due + 1),
                          member_pin="2468")
    result = shop.service.sale(shop.cashier, gold, Money(amount), stored_value=Money(due),
                               member_pin="2468")
    assert (result.plan.stored_value_paid, result.plan.other_tender) == (due, 0)
    assert result.member.stored_value == 1000 - due
    with shop.local.store.session() as session:
        assert session.balance(gold, Asset.STORED_VALUE) == 1000 - due
        assert session.account_balance(ShopAccount.STORED_VALUE_SPENT,
                                        Asset.STORED_VALUE) == due
    assert verify_store(shop.local.store).ok


def test_a_basic_member_pays_the_full_amount(shop: Shop) -> None:
    pull(shop)
    basic = member(shop, "basic")
    plan = shop.service.sale(shop.cashier, basic, Money(100)).plan
    assert (plan.programme_discount, plan.programme_discounts, plan.due) == (0, (), 100)
    assert plan.other_tender == 100


def test_without_a_document_nothing_changes(shop: Shop) -> None:
    gold = member(shop)
    plan = shop.service.sale(shop.cashier, gold, Money(100)).plan
    assert (plan.programme_discount, plan.due, plan.other_tender) == (0, 100, 100)


def test_receipt_history_and_report_show_the_discount(shop: Shop) -> None:
    pull(shop)
    gold = member(shop)
    result = shop.service.sale(shop.cashier, gold, Money(1000))
    receipt = sale_receipt(result, shop_name="好咖啡", cashier="Kai", zone=shop.service.zone)
    assert (receipt.total, receipt.discount, receipt.paid) == (1000, 50, 950)
    assert ("等級 · discount_gold", "-50 off") in [(p.label, p.value)
                                                  for p in receipt.programmes]
    text = "\n".join(str(item) for item in ReceiptTemplate.load("default").render(receipt))
    assert "discount_gold" in text and "-50 off" in text and "折抵" in text
    lines = [e.text() for e in explain(result.event, gold)]
    assert "等級 · discount_gold: -50 off" in lines
    void = shop.service.void(shop.manager, result.event.id).event
    assert "等級 · discount_gold: +50 off" in [e.text() for e in explain(void, gold)]
    report = day_report([result.event, void], {})
    assert report.total.programme_discount == 0 and report.total.other_tender == 0
    assert day_report([result.event], {}).total.programme_discount == 50


def test_the_ledger_balances_and_the_discount_touches_no_balance(shop: Shop) -> None:
    """A programme discount is money the shop does not ask for: no member balance moves for
    it (unlike points redeemed), so it is recorded in the body with its programme and rule,
    and the postings of the sale still sum to zero per asset."""
    pull(shop)
    gold = member(shop, stored_value=500)
    shop.service.set_member_pin(shop.cashier, gold, "2468")
    result = shop.service.sale(shop.cashier, gold, Money(1000), stored_value=Money(500),
                               member_pin="2468")
    assert result.plan.other_tender == 450
    sums = balances_from_postings(result.event.postings)
    assert sums[(f"member:{gold}", Asset.STORED_VALUE)] == -500
    assert not unbalanced_assets(result.event.postings)
    assert verify_store(shop.local.store).ok

"""The checkout applies the pulled programme document (points, cash-back, tier multiplier,
charity) to a sale in a real SQLite store, with the attribution in the event body."""

from __future__ import annotations

import json
from typing import Any

from terminal_testkit import Shop

from sync.client.localdb import PROGRAMME
from terminal.ledger import Asset, ShopAccount, balances_from_postings, member_account
from terminal.money import Money
from terminal.programmes.at_checkout import PULLED_META_KEY

DOCUMENT: dict[str, Any] = {
    "version": 7,
    "programmes": [
        {"id": "points", "type": "points", "name": "紅利點數", "params": {"earn_unit": 50}},
        {"id": "cb", "type": "cash_back", "name": "回饋金", "params": {"basis_points": 200}},
        {"id": "tiers", "type": "tiers", "name": "等級", "params": {"tiers": [
            {"name": "basic", "threshold": 0},
            {"name": "gold", "threshold": 30_000, "multiplier_percent": 200}]}},
        {"id": "trees", "type": "charity", "name": "植樹", "params": {
            "charity": "植樹協會", "spend_basis_points": 100, "points_percent": 10}},
        # not applied at the checkout yet (no history for once-only rewards):
        {"id": "bday", "type": "birthday", "name": "生日禮", "params": {
            "reward": {"points": 500}}},
    ],
}


def pull(shop: Shop, document: object) -> None:
    with shop.local.store.session(write=True) as session:
        session.set_meta(PULLED_META_KEY, json.dumps(document))


def test_meta_key_is_the_one_the_sync_client_writes() -> None:
    assert PULLED_META_KEY == PROGRAMME


def test_without_a_pulled_document_the_rules_apply(shop: Shop) -> None:
    member = shop.service.enrol(shop.cashier, name="林美玲").event.body["member_id"]
    result = shop.service.sale(shop.cashier, str(member), Money(100))
    assert result.plan.points_earned == 2
    assert "attribution" not in result.event.body


def test_sale_applies_the_pulled_document_with_attribution(shop: Shop) -> None:
    enrolled = shop.service.enrol(shop.cashier, name="陳志明", tier="gold")
    member = str(enrolled.event.body["member_id"])
    before = enrolled.member
    assert before is not None
    pull(shop, DOCUMENT)
    plan = shop.service.plan_sale(member, Money(1000))
    # NT$1,000 → 20 units × gold 200 % = 40 points; the charity takes 10 % → 36 kept
    assert plan.points_earned == 36
    result = shop.service.sale(shop.cashier, member, Money(1000))
    event = result.event
    assert result.plan.points_earned == 36
    assert result.member.points == before.points + 36
    sums = balances_from_postings(event.postings)
    account = member_account(member)
    assert sums[(account, Asset.CASH_BACK)] == 20
    assert sums[(ShopAccount.CHARITY, Asset.DONATION)] == 10
    assert sums[(ShopAccount.CHARITY, Asset.POINTS)] == 4
    body = event.body
    assert body["programmes_version"] == 7
    programmes = {row[1] for row in body["attribution"]}
    assert programmes == {"points", "cb", "trees"}  # the birthday reward is not applied
    for index, _programme, _rule in body["attribution"]:
        assert 0 <= index < len(event.postings)
    # the store agrees: lots, cash-back balance, and the view after a fresh read
    with shop.local.store.session() as session:
        assert session.balance(member, Asset.CASH_BACK) == 20
        assert session.balance(member, Asset.POINTS) == before.points + 36
    assert shop.service.member_view(member).points == before.points + 36
    # a void reverses every posting, the programmes' too
    void = shop.service.void(shop.manager, event.id, "wrong member")
    reversed_sums = balances_from_postings(void.event.postings)
    assert reversed_sums[(account, Asset.CASH_BACK)] == -20
    with shop.local.store.session() as session:
        assert session.balance(member, Asset.CASH_BACK) == 0
        assert session.balance(member, Asset.POINTS) == before.points


def test_points_redemption_discount_lowers_the_earning_basis(shop: Shop) -> None:
    member = str(shop.service.enrol(shop.cashier, name="王小明").event.body["member_id"])
    pull(shop, {"version": 1, "programmes": [DOCUMENT["programmes"][0]]})
    # 100 points = NT$20 off: NT$1,000 − 20 = 980 → 19 points
    result = shop.service.sale(shop.cashier, member, Money(1000), redeem_points=100)
    assert result.plan.discount == 20 and result.plan.points_earned == 19


def test_an_unusable_pulled_document_falls_back_to_the_rules_and_says_so(shop: Shop) -> None:
    member = str(shop.service.enrol(shop.cashier, name="張三").event.body["member_id"])
    pull(shop, {"version": 1, "programmes": [{"id": "x", "type": "lottery", "name": "?"}]})
    result = shop.service.sale(shop.cashier, member, Money(100))
    assert result.plan.points_earned == 2
    assert "'x'" in str(result.event.body["programmes_error"])

"""Every programme type at the till, over a real SQLite store: the member's state is derived
from its events, so once-only rewards stay once-only, tiers are reviewed on rolling spend, and
every posting names the programme and rule that produced it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from terminal_testkit import Shop

from devices.printing.layout import ReceiptTemplate
from terminal.errors import (
    InsufficientBalance,
    InvalidAmount,
    InvalidInput,
    NotVoidable,
    UnknownMember,
)
from terminal.ledger import Asset, Event, EventKind, ShopAccount, member_account
from terminal.money import Money
from terminal.programmes import Line
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.store.db import make_engine
from terminal.store.migrate import alembic_config
from terminal.store.verify import verify_store
from ui.receipts import sale_receipt

DOCUMENT: dict[str, Any] = {
    "version": 3,
    "programmes": [
        {"id": "points", "type": "points", "name": "紅利點數", "params": {"earn_unit": 100}},
        {"id": "cb", "type": "cash_back", "name": "回饋金", "params": {"basis_points": 500}},
        {"id": "tiers", "type": "tiers", "name": "等級", "params": {"tiers": [
            {"name": "basic", "threshold": 0},
            {"name": "gold", "threshold": 30_000, "multiplier_percent": 200}]}},
        {"id": "bday", "type": "birthday", "name": "生日禮", "params": {
            "reward": {"points": 500}}},
        {"id": "ref", "type": "referral", "name": "推薦好友", "params": {
            "referrer_reward": {"points": 100}, "referee_reward": {"cash_back": 50}}},
        {"id": "visits", "type": "mission", "name": "一週三次", "params": {
            "visits": 3, "days": 7, "reward": {"points": 30}}},
        {"id": "coffee", "type": "stamps", "name": "咖啡卡", "params": {
            "per": "item", "categories": ["coffee"], "card_size": 10,
            "reward": {"points": 70}}},
        {"id": "daily", "type": "check_in", "name": "每日簽到", "params": {
            "reward": {"points": 1}}},
        {"id": "bonus", "type": "top_up_bonus", "name": "儲值加贈", "params": {
            "steps": [{"min_top_up": 1000, "bonus": 100}]}},
        {"id": "welcome", "type": "welcome", "name": "入會禮", "params": {
            "reward": {"points": 20}}},
        {"id": "plus", "type": "membership", "name": "Plus", "params": {
            "fee": 1200, "days": 365, "discount_percent": 3}},
        {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
            "fee": 299, "days": 60, "monthly_reward": {"points": 40}}},
    ],
}


def pull(shop: Shop, document: object = DOCUMENT) -> None:
    with shop.local.store.session(write=True) as session:
        session.set_meta(PULLED_META_KEY, json.dumps(document))


def enrol(shop: Shop, name: str, **kwargs: Any) -> str:
    return str(shop.service.enrol(shop.cashier, name=name, **kwargs).event.body["member_id"])


def points(shop: Shop, member: str) -> int:
    with shop.local.store.session() as session:
        return session.balance(member, Asset.POINTS)


def rules_of(event: Event) -> set[tuple[str, str]]:
    return {(row[1], row[2]) for row in event.body.get("attribution", [])}


def changes_of(event: Event) -> list[dict[str, str]]:
    return list(event.body.get("state_changes", []))


def test_birthday_reward_once_a_year_in_the_birthday_month(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲", birthday=date(1990, 3, 22))
    first = shop.service.sale(shop.cashier, member, Money(100)).event
    assert ("bday", "birthday_month") in rules_of(first)
    assert {"field": "award", "value": "bday:2026"} in changes_of(first)
    second = shop.service.sale(shop.cashier, member, Money(100)).event
    assert ("bday", "birthday_month") not in rules_of(second)
    shop.clock.advance(days=365)  # 2027-03-10: the next birthday month
    third = shop.service.sale(shop.cashier, member, Money(100)).event
    assert ("bday", "birthday_month") in rules_of(third)


def test_a_voided_birthday_sale_frees_the_reward(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲", birthday=date(1990, 3, 22))
    first = shop.service.sale(shop.cashier, member, Money(100)).event
    shop.service.void(shop.manager, first.id, "wrong member")
    again = shop.service.sale(shop.cashier, member, Money(100)).event
    assert ("bday", "birthday_month") in rules_of(again)


def test_referral_rewards_both_once_at_the_first_purchase(shop: Shop) -> None:
    pull(shop)
    referrer = shop.service.enrol(shop.cashier, name="陳志明").event.body
    card = str(referrer["member"]["card_number"])  # type: ignore[index]
    referrer_id = str(referrer["member_id"])
    referee = enrol(shop, "王小華", referrer=card)
    assert shop.service.programme_state(referee).referred_by == referrer_id
    before = points(shop, referrer_id)
    sale = shop.service.sale(shop.cashier, referee, Money(100)).event
    assert {("ref", "referee"), ("ref", "referrer")} <= rules_of(sale)
    assert points(shop, referrer_id) == before + 100
    with shop.local.store.session() as session:
        assert session.balance(referee, Asset.CASH_BACK) == 50 + 5  # referee reward + 5 %
    again = shop.service.sale(shop.cashier, referee, Money(100)).event
    assert not {r for r in rules_of(again) if r[0] == "ref"}
    assert points(shop, referrer_id) == before + 100
    # the referrer's history shows the referee's sale that rewarded it
    assert sale.id in {e.id for e in shop.service.history(referrer_id)}


def test_an_unknown_referrer_is_refused_and_nothing_is_enrolled(shop: Shop) -> None:
    pull(shop)
    with pytest.raises(UnknownMember):
        enrol(shop, "王小華", referrer="000000000000")
    with shop.local.store.session() as session:
        assert session.member_count() == 0


def test_tier_up_at_once_and_down_only_at_the_end_of_the_period(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "陳志明")
    first = shop.service.sale(shop.cashier, member, Money(10_000)).event
    assert {"field": "tier_period", "value": "2026"} in changes_of(first)
    up = shop.service.sale(shop.cashier, member, Money(20_000)).event
    assert {"field": "tier", "value": "gold"} in changes_of(up)
    assert shop.service.member_view(member).member.tier == "gold"
    # the next sale earns at gold's 200 %
    assert shop.service.sale(shop.cashier, member, Money(1000)).plan.points_earned == 20
    # 2027-02: a new period, the rolling 12 months still hold NT$31,000: gold stays
    shop.clock.advance(days=330)
    kept = shop.service.sale(shop.cashier, member, Money(100)).event
    assert {"field": "tier_period", "value": "2027"} in changes_of(kept)
    assert shop.service.programme_state(member).tier == "gold"
    # 2027-06: the 2026 spend has rolled out, but a downgrade waits for the period's end
    shop.clock.advance(days=120)
    assert shop.service.programme_state(member).rolling_spend == 100
    same = shop.service.sale(shop.cashier, member, Money(100)).event
    assert not [c for c in changes_of(same) if c["field"] == "tier"]
    shop.clock.advance(days=220)  # 2028-01
    down = shop.service.sale(shop.cashier, member, Money(100)).event
    assert {"field": "tier", "value": "basic"} in changes_of(down)
    assert shop.service.member_view(member).member.tier == "basic"


def test_mission_three_visits_in_a_week_rewards_once(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")  # 2026-03-10 is a Tuesday
    for day in range(3):
        event = shop.service.sale(shop.cashier, member, Money(100)).event
        assert (("visits", "3_visits_in_7_days") in rules_of(event)) == (day == 2)
        shop.clock.advance(days=1)
    event = shop.service.sale(shop.cashier, member, Money(100)).event  # a 4th visit, same week
    assert not any(r[0] == "visits" for r in rules_of(event))


def test_stamps_per_item_from_the_sale_lines(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")
    lines = (Line("coffee", 3, 300), Line("cake", 1, 100))
    result = shop.service.sale(shop.cashier, member, Money(400), lines=lines)
    assert result.member.stamps == 3
    with pytest.raises(InvalidInput):
        shop.service.sale(shop.cashier, member, Money(500), lines=lines)
    # a full card (10) is exchanged at once for its reward
    full = shop.service.sale(shop.cashier, member, Money(800), lines=(Line("coffee", 8, 800),))
    assert ("coffee", "card_full") in rules_of(full.event)
    assert full.member.stamps == 1


def test_check_in_once_a_day(shop: Shop) -> None:
    member = enrol(shop, "林美玲")
    with pytest.raises(InvalidInput, match="programme document"):
        shop.service.check_in(shop.cashier, member)
    pull(shop)
    before = points(shop, member)
    event = shop.service.check_in(shop.cashier, member).event
    assert event.kind is EventKind.CHECK_IN
    assert ("daily", "daily_check_in") in rules_of(event)
    assert points(shop, member) == before + 1
    with pytest.raises(InvalidInput, match="already checked in"):
        shop.service.check_in(shop.cashier, member)
    assert points(shop, member) == before + 1
    shop.clock.advance(days=1)
    shop.service.check_in(shop.cashier, member)
    assert points(shop, member) == before + 2


def test_top_up_bonus_from_the_document(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")
    result = shop.service.top_up(shop.manager, member, Money(1000))
    assert result.member is not None and result.member.stored_value == 1100
    assert ("bonus", "top_up_1000") in rules_of(result.event)
    assert result.event.body["bonus"] == 100
    voided = shop.service.void(shop.manager, result.event.id, "mistake")
    assert voided.member is not None and voided.member.stored_value == 0


def test_enrol_welcome_bonus_comes_from_the_document(shop: Shop) -> None:
    pull(shop)
    event = shop.service.enrol(shop.cashier, name="林美玲").event
    assert event.body["bonus_points"] == 20
    assert ("welcome", "new_member") in rules_of(event)


def test_cash_back_pays_part_of_a_sale_without_a_pin(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")
    shop.service.sale(shop.cashier, member, Money(1000))  # 5 % → 50 cash-back
    with pytest.raises(InsufficientBalance):
        shop.service.sale(shop.cashier, member, Money(1000), cash_back=Money(51))
    with pytest.raises(InvalidAmount):
        shop.service.sale(shop.cashier, member, Money(30), cash_back=Money(40))
    result = shop.service.sale(shop.cashier, member, Money(1000), cash_back=Money(30))
    assert result.plan.cash_back_paid == 30
    assert result.plan.other_tender == 970
    with shop.local.store.session() as session:
        assert session.balance(member, Asset.CASH_BACK) == 50 - 30 + 50
        assert session.account_balance(ShopAccount.CASH_BACK_REDEEMED, Asset.CASH_BACK) == 30


def test_paid_membership_and_subscription(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")
    bought = shop.service.buy_plan(shop.cashier, member, "plus").event
    assert bought.kind is EventKind.PLAN
    assert bought.body["fee"] == 1200
    assert bought.body["valid_until"] == (date(2026, 3, 10) + timedelta(days=364)).isoformat()
    sale = shop.service.sale(shop.cashier, member, Money(1000)).event
    assert sale.body["programme_discounts"] == [["plus", "member_discount", 30]]
    club = shop.service.buy_plan(shop.cashier, member, "club").event
    assert ("club", "monthly_benefit") in rules_of(club)
    same_month = shop.service.sale(shop.cashier, member, Money(100)).event
    assert ("club", "monthly_benefit") not in rules_of(same_month)
    shop.clock.advance(days=30)  # April: the next month's benefit, when the member is seen
    april = shop.service.check_in(shop.cashier, member).event
    assert ("club", "monthly_benefit") in rules_of(april)
    with pytest.raises(InvalidInput):
        shop.service.buy_plan(shop.cashier, member, "points")


def test_a_transfer_is_in_both_members_history(shop: Shop) -> None:
    giver = enrol(shop, "林美玲")
    receiver = enrol(shop, "王小華")
    event = shop.service.transfer_points(shop.manager, giver, receiver, 50).event
    assert event.id in {e.id for e in shop.service.history(giver)}
    assert event.id in {e.id for e in shop.service.history(receiver)}
    assert points(shop, receiver) == 150
    assert verify_store(shop.local.store).ok


def test_every_programme_posting_is_attributed_and_balanced(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲", birthday=date(1990, 3, 1))
    event = shop.service.sale(shop.cashier, member, Money(2000),
                              lines=(Line("coffee", 2, 2000),)).event
    account = member_account(member)
    attributed = {row[0] for row in event.body["attribution"]}
    for index, posting in enumerate(event.postings):
        if posting.account == account and posting.asset is not Asset.STORED_VALUE:
            assert index in attributed
    assert verify_store(shop.local.store).ok


def test_migration_0005_indexes_the_existing_journal(shop: Shop) -> None:
    """A store upgraded from 0004 finds a transfer made before the upgrade in both histories;
    verify notices an index row that goes missing."""
    giver = enrol(shop, "林美玲")
    receiver = enrol(shop, "王小華")
    event = shop.service.transfer_points(shop.manager, giver, receiver, 50).event
    engine = make_engine(shop.local.path)
    try:
        command.downgrade(alembic_config(engine), "0004")
        command.upgrade(alembic_config(engine), "head")
    finally:
        engine.dispose()
    assert event.id in {e.id for e in shop.service.history(receiver)}
    assert verify_store(shop.local.store).ok
    with sqlite3.connect(shop.local.path) as conn:
        conn.execute("DELETE FROM event_members WHERE member_id = ?", (receiver,))
    problems = verify_store(shop.local.store).problems
    assert any("member index" in p for p in problems)


def test_the_receipt_shows_each_programme_and_rule(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲", birthday=date(1990, 3, 22))
    result = shop.service.sale(shop.cashier, member, Money(1000))
    receipt = sale_receipt(result, shop_name="好咖啡", cashier="Kai", zone=shop.service.zone)
    text = "\n".join(str(item) for item in ReceiptTemplate.load("default").render(receipt))
    assert "生日禮 · birthday_month" in text and "+500 points" in text
    assert "回饋金 · cash_back" in text and "+50 cash_back" in text


def test_a_sale_whose_cash_back_was_spent_cannot_be_voided(shop: Shop) -> None:
    pull(shop)
    member = enrol(shop, "林美玲")
    earned = shop.service.sale(shop.cashier, member, Money(1000)).event  # +50 cash-back
    shop.service.sale(shop.cashier, member, Money(100), cash_back=Money(50))
    with pytest.raises(NotVoidable, match="cash-back"):
        shop.service.void(shop.manager, earned.id, "too late")
    assert verify_store(shop.local.store).ok


def test_a_referrer_found_by_phone_and_a_check_in_is_no_purchase(shop: Shop) -> None:
    pull(shop)
    referrer = enrol(shop, "陳志明", phone="0912-345-678")
    referee = enrol(shop, "王小華", referrer="0912345678")
    shop.service.check_in(shop.cashier, referee)
    state = shop.service.programme_state(referee)
    assert state.referred_by == referrer and state.purchases == 0
    assert "daily:2026-03-10" in state.awarded


def test_an_opt_in_charity_gives_only_after_the_member_chose_it(shop: Shop) -> None:
    document = dict(DOCUMENT, programmes=[*DOCUMENT["programmes"], {
        "id": "trees", "type": "charity", "name": "植樹", "params": {
            "charity": "植樹協會", "spend_basis_points": 100, "opt_in": True}}])
    pull(shop, document)
    member = enrol(shop, "林美玲")
    before = shop.service.sale(shop.cashier, member, Money(1000)).event
    assert not any(r[0] == "trees" for r in rules_of(before))
    with pytest.raises(InvalidInput):
        shop.service.choose_charity(shop.cashier, member, "points")
    chose = shop.service.choose_charity(shop.cashier, member, "trees").event
    assert chose.kind is EventKind.PREFERENCE and not chose.postings
    after = shop.service.sale(shop.cashier, member, Money(1000)).event
    assert ("trees", "pledge_share_of_spend") in rules_of(after)
    shop.service.choose_charity(shop.cashier, member, None)
    stopped = shop.service.sale(shop.cashier, member, Money(1000)).event
    assert not any(r[0] == "trees" for r in rules_of(stopped))

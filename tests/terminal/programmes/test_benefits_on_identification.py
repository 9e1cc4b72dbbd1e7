"""A subscription's monthly benefit is issued when the member is identified at the till, once
a month, over a real SQLite file: a second scan, a restart, the month's sale or check-in do
not issue it again; the next month's first scan does."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from terminal_testkit import FakeClock, Shop

from terminal.checkout import CheckoutService
from terminal.errors import InsufficientBalance
from terminal.ledger import Asset, Event, EventKind
from terminal.money import Money
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.staff import Role
from terminal.store.local import open_local_store
from terminal.store.verify import verify_store

DOCUMENT: dict[str, Any] = {
    "version": 1,
    "programmes": [
        {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
            "fee": 299, "days": 90, "monthly_reward": {"points": 40}}},
        {"id": "daily", "type": "check_in", "name": "每日簽到", "params": {
            "reward": {"points": 1}}},
    ],
}


def pull(shop: Shop, document: object = DOCUMENT) -> None:
    with shop.local.store.session(write=True) as session:
        session.set_meta(PULLED_META_KEY, json.dumps(document))


def subscriber(shop: Shop) -> tuple[str, str]:
    enrolled = shop.service.enrol(shop.cashier, name="林美玲").event
    member_id = str(enrolled.body["member_id"])
    shop.service.buy_plan(shop.cashier, member_id, "club")  # March's benefit comes with it
    return member_id, str(enrolled.body["member"]["card_number"])


def benefit_rules(event: Event) -> set[tuple[str, str]]:
    return {(row[1], row[2]) for row in event.body.get("attribution", [])}


def points(shop: Shop, member_id: str) -> int:
    with shop.local.store.session() as session:
        return session.balance(member_id, Asset.POINTS)


def issued(shop: Shop, member_id: str) -> list[Event]:
    return [e for e in shop.service.history(member_id, 100) if e.kind is EventKind.BENEFIT]


# case, days after the purchase (10 March), scans that day, benefit events after them
CASES = [
    ("same month as the purchase: already given", 5, 2, 0),
    ("next month, first scan", 22, 1, 1),
    ("next month, scanned three times", 22, 3, 1),
    ("after the subscription ended", 95, 1, 0),
]


@pytest.mark.parametrize(("case", "days", "scans", "events"), CASES,
                         ids=[c[0] for c in CASES])
def test_benefit_once_per_month_on_identification(shop: Shop, case: str, days: int,
                                                  scans: int, events: int) -> None:
    pull(shop)
    member_id, _ = subscriber(shop)
    before = points(shop, member_id)
    shop.clock.advance(days=days)
    results = [shop.service.issue_due_benefits(shop.cashier, member_id) for _ in range(scans)]
    assert sum(r is not None for r in results) == events
    assert len(issued(shop, member_id)) == events
    assert points(shop, member_id) == before + 40 * events
    if events:
        first = results[0]
        assert first is not None and first.member is not None
        assert first.member.points == before + 40
        assert ("club", "monthly_benefit") in benefit_rules(first.event)
        assert first.event.body["programme_names"] == {"club": "咖啡月訂"}
    assert verify_store(shop.local.store).ok


def test_the_months_sale_and_check_in_do_not_give_it_again(shop: Shop) -> None:
    pull(shop)
    member_id, _ = subscriber(shop)
    shop.clock.advance(days=22)  # April
    assert shop.service.issue_due_benefits(shop.cashier, member_id) is not None
    sale = shop.service.sale(shop.cashier, member_id, Money(100)).event
    check_in = shop.service.check_in(shop.cashier, member_id).event
    assert ("club", "monthly_benefit") not in benefit_rules(sale)
    assert ("club", "monthly_benefit") not in benefit_rules(check_in)


def test_the_benefit_can_be_used_in_the_sale_it_was_issued_for(shop: Shop) -> None:
    document = {"version": 2, "programmes": [
        {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
            "fee": 299, "days": 90, "monthly_reward": {"points": 100}}}]}
    pull(shop, document)
    member_id, _ = subscriber(shop)
    shop.service.sale(shop.cashier, member_id, Money(20), redeem_points=100)  # March's used
    shop.clock.advance(days=22)
    with pytest.raises(InsufficientBalance):
        shop.service.plan_sale(member_id, Money(100), redeem_points=100)
    shop.service.issue_due_benefits(shop.cashier, member_id)  # the scan
    plan = shop.service.plan_sale(member_id, Money(100), redeem_points=100)
    assert plan.points_redeemed == 100 and plan.discount == 20


def test_once_per_month_across_a_restart(shop: Shop) -> None:
    pull(shop)
    member_id, _ = subscriber(shop)
    shop.clock.advance(days=22)
    assert shop.service.issue_due_benefits(shop.cashier, member_id) is not None
    folder: Path = shop.local.path.parent
    shop.local.close()
    reopened = open_local_store(folder)
    try:
        clock = FakeClock(shop.clock.now + timedelta(hours=3))
        service = CheckoutService(reopened.store, terminal_id=reopened.terminal_id,
                                  clock=clock)
        cashier = service.staff_named(None, Role.CASHIER)
        assert service.issue_due_benefits(cashier, member_id) is None
        clock.advance(days=30)  # May
        again = service.issue_due_benefits(cashier, member_id)
        assert again is not None and again.event.kind is EventKind.BENEFIT
    finally:
        reopened.close()


def test_nothing_is_written_without_a_document_or_a_subscription(shop: Shop) -> None:
    member_id = str(shop.service.enrol(shop.cashier, name="王小華").event.body["member_id"])
    assert shop.service.issue_due_benefits(shop.cashier, member_id) is None  # no document
    pull(shop)
    assert shop.service.issue_due_benefits(shop.cashier, member_id) is None  # no plan
    kinds = [e.kind for e in shop.service.history(member_id)]
    assert kinds == [EventKind.ENROL]

"""What the till now records reaches the server as it is: how the member was identified (in
the sale's body) and a subscription's benefit issued at identification (its own event)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from synckit import Ledger, Server, make_till

from sync.client.localdb import PROGRAMME
from terminal.checkout import utc_now
from terminal.ledger import EventKind
from terminal.members import IdentifiedBy
from terminal.money import Money

DOCUMENT = {"version": 1, "programmes": [
    {"id": "tiers", "type": "tiers", "name": "等級", "params": {"tiers": [
        {"name": "basic", "threshold": 0},
        {"name": "gold", "threshold": 30_000, "discount_percent": 5}]}},
    {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
        "fee": 299, "days": 90, "monthly_reward": {"points": 40}}}]}


def test_identification_discount_and_benefit_reach_the_server(sqlite_server: Server,
                                                               tmp_path: Path) -> None:
    store_id = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store_id)
    try:
        with till.local.store.session(write=True) as session:
            session.set_meta(PROGRAMME, json.dumps(DOCUMENT))
        member = str(till.service.enrol(till.cashier, name="陳志明", tier="gold")
                     .event.body["member_id"])
        by_card = till.service.sale(till.cashier, member, Money(100),
                                    identified_by=IdentifiedBy.CARD).event
        by_phone = till.service.sale(till.cashier, member, Money(100),
                                     identified_by=IdentifiedBy.PHONE_NUMBER).event
        unsaid = till.service.sale(till.cashier, member, Money(100)).event
        till.service.clock = lambda: utc_now() - timedelta(days=35)  # bought last month
        till.service.buy_plan(till.cashier, member, "club")
        till.service.clock = utc_now
        report = till.sync()
        assert report.flagged == 0 and not report.problems
        ledger = Ledger(sqlite_server.database_url)
        try:
            bodies = {row[0]: json.loads(row[1]) for row in ledger.rows(
                "SELECT id, body FROM events WHERE kind = 'sale'")}
        finally:
            ledger.close()
        assert bodies[by_card.id]["identified_by"] == "card"
        assert bodies[by_phone.id]["identified_by"] == "phone_number"
        assert "identified_by" not in bodies[unsaid.id]
        assert bodies[by_card.id]["programme_discount"] == 5
        assert bodies[by_card.id]["other_tender"] == 95
        # this month's first scan issues the benefit: a benefit event the server accepts
        issued = till.service.issue_due_benefits(till.cashier, member)
        assert issued is not None and issued.event.kind is EventKind.BENEFIT
        report = till.sync()
        assert report.pushed == 1 and report.flagged == 0 and not report.problems
        ledger = Ledger(sqlite_server.database_url)
        try:
            assert ledger.scalar("SELECT COUNT(*) FROM events WHERE kind = 'benefit'") == 1
            assert ledger.balance(f"member:{member}", "points") > 0
            assert all(total == 0 for total in ledger.postings_sum_by_asset().values())
        finally:
            ledger.close()
    finally:
        till.close()

"""Charity totals from sale events that carry the programmes' attribution in their body."""

from __future__ import annotations

from datetime import UTC, datetime

from programmes_testkit import MEMBER, NOW, doc, programme, sale

from terminal import ledger
from terminal.ledger import GENESIS_HASH, EventKind
from terminal.programmes import evaluate
from terminal.programmes.report import CharityTotal, charity_totals


def sealed(seq: int, kind: EventKind, body: dict[str, object],
           postings: list[ledger.Posting]) -> ledger.Event:
    return ledger.seal(id=f"e{seq}", terminal_id="t1", seq=seq, cashier_id="c1",
                       occurred_at=datetime(2026, 6, 15, tzinfo=UTC), kind=kind, body=body,
                       postings=postings, prev_hash=GENESIS_HASH)


def test_charity_totals_per_programme_and_a_void_takes_its_share_back() -> None:
    document = doc(programme("points", "points", {"earn_unit": 50}),
                   programme("trees", "charity", {"charity": "植樹", "spend_basis_points": 100,
                                                  "points_percent": 50}),
                   programme("food", "charity", {"charity": "食物銀行",
                                                 "spend_basis_points": 200}))
    events = []
    for seq, amount in enumerate((1000, 500), start=1):
        result = evaluate(document, sale(amount), MEMBER, NOW)
        events.append(sealed(seq, EventKind.SALE, {"member_id": "m1", "amount": amount,
                                                   **result.attribution_body()},
                             list(result.postings)))
    assert charity_totals(events) == [CharityTotal("food", 20 + 10, 0),
                                      CharityTotal("trees", 10 + 5, 10 + 5)]
    void = sealed(3, EventKind.VOID, {"member_id": "m1", "voided": dict(events[1].body)},
                  [p.reversed() for p in events[1].postings])
    assert charity_totals([*events, void]) == [CharityTotal("food", 20, 0),
                                               CharityTotal("trees", 10, 10)]


def test_events_without_attribution_are_ignored() -> None:
    plain = sealed(1, EventKind.TOP_UP, {"member_id": "m1", "amount": 100}, [])
    assert charity_totals([plain]) == []

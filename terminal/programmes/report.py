"""Charity totals 捐贈報表: what each charity programme received, from sale event bodies.

The postings go to the shop's charity account; each event body's attribution names the
programme (and so the charity) behind every posting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from terminal.ledger import Asset, Event, ShopAccount


@dataclass(frozen=True, slots=True)
class CharityTotal:
    programme_id: str
    pledged: int  # minor units pledged by the shop
    points: int  # points given by members


def charity_totals(events: Iterable[Event]) -> list[CharityTotal]:
    """Totals per charity programme; a void of a sale subtracts what the sale gave."""
    pledged: dict[str, int] = defaultdict(int)
    points: dict[str, int] = defaultdict(int)
    for event in events:
        body: Mapping[str, object] = event.body
        if isinstance(body.get("voided"), Mapping):  # a void reverses the postings in place
            body = body["voided"]  # type: ignore[assignment]
        rows = body.get("attribution")
        if not isinstance(rows, list):
            continue
        for index, programme_id, _rule in rows:
            posting = event.postings[index]
            if posting.account != ShopAccount.CHARITY:
                continue
            amount = posting.amount
            if posting.asset is Asset.DONATION:
                pledged[programme_id] += amount
            elif posting.asset is Asset.POINTS:
                points[programme_id] += amount
    return [CharityTotal(pid, pledged.get(pid, 0), points.get(pid, 0))
            for pid in sorted(set(pledged) | set(points))]

"""What the analytics need, read from the local journal (voided sales left out)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from terminal.analytics import Activity, Liability
from terminal.ledger import Asset, parse_time
from terminal.store.repositories import SqliteSession

_SALES = (
    "SELECT e.member_id, e.occurred_at, json_extract(e.body, '$.amount') FROM events e "
    "WHERE e.kind = 'sale' AND NOT EXISTS (SELECT 1 FROM events v WHERE v.voids = e.id)"
)


def purchase_days(session: SqliteSession, zone: ZoneInfo) -> dict[str, list[tuple[date, int]]]:
    """Each member's purchases as (shop-local day, amount), oldest first."""
    days: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for member_id, occurred_at, amount in session.raw.execute(_SALES + " ORDER BY e.seq"):
        days[member_id].append((parse_time(occurred_at).astimezone(zone).date(),
                                int(amount or 0)))
    return days


def activities(session: SqliteSession, zone: ZoneInfo
               ) -> tuple[list[Activity], dict[str, list[date]]]:
    """One :class:`Activity` per member, and each member's purchase days (for retention)."""
    bought = purchase_days(session, zone)
    out = []
    for member_id, enrolled_on in session.raw.execute("SELECT id, enrolled_on FROM members"):
        purchases = bought.get(member_id, [])
        out.append(Activity(
            member_id=member_id,
            enrolled_on=date.fromisoformat(enrolled_on),
            first_purchase=purchases[0][0] if purchases else None,
            last_purchase=max((d for d, _ in purchases), default=None),
            purchases=len(purchases),
            spend=sum(amount for _, amount in purchases),
        ))
    return out, {member: [d for d, _ in rows] for member, rows in bought.items()}


def member_totals(session: SqliteSession) -> dict[str, int]:
    """Sum of every member account's balance per asset (this terminal's postings)."""
    totals: dict[str, int] = {}
    for asset, total in session.raw.execute(
            "SELECT asset, sum(balance) FROM balances WHERE account LIKE 'member:%' "
            "GROUP BY asset"):
        totals[str(asset)] = int(total or 0)
    return totals


def shop_total(session: SqliteSession, account: str, asset: str) -> int:
    row = session.raw.execute("SELECT balance FROM balances WHERE account = ? AND asset = ?",
                              (account, asset)).fetchone()
    return int(row[0]) if row else 0


def liability(session: SqliteSession, redeem_points_unit: int,
              redeem_value_unit: int) -> Liability:
    """Stored value and points held by members (this terminal's journal)."""
    totals = member_totals(session)
    return Liability.of(totals.get(Asset.STORED_VALUE.value, 0),
                        totals.get(Asset.POINTS.value, 0), redeem_points_unit,
                        redeem_value_unit)

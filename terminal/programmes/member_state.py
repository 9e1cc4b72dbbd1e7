"""The member's programme state, derived from the member's events (the events are the truth).

Everything evaluation needs is folded from the events that concern the member, oldest first:
sale bodies give the rolling 12-month spend, the visit days and the number of purchases; the
``state_changes`` each event body keeps (written with the event, in its transaction) give the
tier and its review period, the once-only rewards already given, the plans' last days and the
referrer. A voided event counts for nothing: its rewards may be given again and its spend
leaves the rolling total. Only this terminal's events are known (events of other tills reach
it as balances, not history).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from terminal.ledger import Event, EventKind
from terminal.members import Member
from terminal.programmes.model import MemberState, StateChange

VISIT_WINDOW_DAYS = 366  # the longest mission window


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def state_changes(body: Mapping[str, Any]) -> list[StateChange]:
    """The state changes an event body records (malformed rows are skipped, never guessed)."""
    out = []
    rows = body.get("state_changes")
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, Mapping) and isinstance(row.get("field"), str):
            out.append(StateChange(str(row["field"]), str(row.get("value", "")),
                                   str(row.get("key", ""))))
    referrer = body.get("referred_by")
    if isinstance(referrer, str) and referrer:
        out.append(StateChange("referred_by", referrer))
    return out


def member_state(member: Member, events: Iterable[Event], today: date, zone: ZoneInfo,
                 stamps: int = 0) -> MemberState:
    """``member``'s state before a trigger on ``today``, from its events (oldest first)."""
    events = list(events)
    voided = {str(e.body.get("voided_event_id")) for e in events if e.kind is EventKind.VOID}
    spend_from = year_before(today)
    visits_from = today - timedelta(days=VISIT_WINDOW_DAYS)
    state = MemberState(member.id, tier=member.tier, birthday=member.birthday,
                        enrolled_on=member.enrolled_on, stamps=stamps)
    spend = purchases = 0
    visits: set[date] = set()
    for event in events:
        if event.id in voided or event.body.get("member_id") != member.id:
            continue
        if event.kind is EventKind.SALE:
            day = event.occurred_at.astimezone(zone).date()
            purchases += 1
            if day > spend_from:
                spend += _int(event.body.get("amount")) - _int(event.body.get("discount"))
            if day >= visits_from:
                visits.add(day)
        known = [c for c in state_changes(event.body)
                 if c.field in ("tier", "tier_period", "referred_by", "award", "plan")]
        state = state.apply(known)
    return replace(state, rolling_spend=spend, purchases=purchases,
                   visit_dates=tuple(sorted(visits)))


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

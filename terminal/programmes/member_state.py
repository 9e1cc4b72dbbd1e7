"""The member's programme state, derived from the member's events (the events are the truth).

Everything evaluation needs is folded from the events that concern the member, oldest first:
sale bodies give the rolling 12-month spend, the visit days and the number of purchases; the
``state_changes`` each event body keeps (written with the event, in its transaction) give the
tier and its review period, the once-only rewards already given, the plans' last days and the
referrer. A voided event counts for nothing: its rewards may be given again and its spend
leaves the rolling total. The events are this terminal's and, once synced, the facts of the
member's events made at the store's other tills (the server hands them out with the pull;
the store merges both by time, each event once): a member who spends at two tills has one
rolling spend, and a once-only reward given at one till is not given again at the other.
Events made elsewhere since the last sync are not known yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from terminal.ledger import Event, EventKind
from terminal.members import Member
from terminal.programmes.model import MemberState, StateChange

VISIT_WINDOW_DAYS = 366  # the longest mission window
KNOWN_FIELDS = frozenset({"tier", "tier_period", "referred_by", "award", "plan", "charity"})


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the state needs of one of the member's own events (``body.member_id`` is the
    member): the store reads just these, not the postings (a long history stays cheap); the
    sync server sends the same of other tills' events (``sync.protocol.WireFact``)."""

    id: str
    kind: EventKind
    occurred_at: datetime
    voids: str | None = None  # a void: the event it voids
    amount: int = 0  # a sale: body.amount
    discount: int = 0  # a sale: body.discount (the points discount)
    changes: tuple[StateChange, ...] = ()

    @classmethod
    def of(cls, event: Event) -> EventFacts:
        body = event.body
        voids = body.get("voided_event_id") if event.kind is EventKind.VOID else None
        return cls(event.id, event.kind, event.occurred_at,
                   None if voids is None else str(voids), _int(body.get("amount")),
                   _int(body.get("discount")),
                   tuple(state_changes(body.get("state_changes"), body.get("referred_by"))))


def state_changes(rows: object, referred_by: object = None) -> list[StateChange]:
    """The state changes an event body records (malformed rows are skipped, never guessed)."""
    out = []
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, Mapping) and isinstance(row.get("field"), str):
            out.append(StateChange(str(row["field"]), str(row.get("value", "")),
                                   str(row.get("key", ""))))
    if isinstance(referred_by, str) and referred_by:
        out.append(StateChange("referred_by", referred_by))
    return out


def member_state(member: Member, events: Sequence[EventFacts], today: date, zone: ZoneInfo,
                 stamps: int = 0) -> MemberState:
    """``member``'s state before a trigger on ``today``, from its own events, oldest first
    (an event of another member that only posts to this one, e.g. a transfer, changes no
    state of this member)."""
    voided = {e.voids for e in events if e.voids}
    spend_from = year_before(today)
    visits_from = today - timedelta(days=VISIT_WINDOW_DAYS)
    state = MemberState(member.id, tier=member.tier, birthday=member.birthday,
                        enrolled_on=member.enrolled_on, stamps=stamps)
    spend = purchases = 0
    visits: set[date] = set()
    for event in events:
        if event.id in voided:
            continue
        if event.kind is EventKind.SALE:
            day = event.occurred_at.astimezone(zone).date()
            purchases += 1
            if day > spend_from:
                spend += event.amount - event.discount
            if day >= visits_from:
                visits.add(day)
        state = state.apply(c for c in event.changes if c.field in KNOWN_FIELDS)
    return replace(state, rolling_spend=spend, purchases=purchases,
                   visit_dates=tuple(sorted(visits)))


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

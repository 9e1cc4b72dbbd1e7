"""Read-only queries the screens need beyond the checkout service (run on the DB worker).

Each takes the SQLite store and returns plain data. The liability figures come from
``terminal.store.activity`` (the same as ``loyalty report liability``); still proposed for the
core, so the UI needs no store access at all: ``CheckoutService.staff_list()``,
``.day_report(day)``, ``.recent_events(kinds, limit)`` and ``.last_purchase(member_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from terminal import analytics as core
from terminal.ledger import Asset, Event, EventKind, ShopAccount
from terminal.lifecycle import Stage, Thresholds, stage_counts
from terminal.reports import DayReport, day_report
from terminal.staff import Role

if TYPE_CHECKING:  # SQLAlchemy loads on the database worker, not at start-up
    from terminal.checkout import CheckoutService
    from terminal.store.repositories import SqliteLedgerStore


@dataclass(frozen=True)
class StaffEntry:
    name: str
    role: Role


@dataclass(frozen=True)
class Liability:
    stored_value: int  # minor units the shop owes members
    points: int  # points members hold
    points_value: int  # what those points are worth as discounts, minor units
    members: int


@dataclass(frozen=True)
class RecentEvent:
    event: Event
    member_name: str
    voided: bool


def staff_list(store: SqliteLedgerStore) -> list[StaffEntry]:
    with store.session() as session:
        return [StaffEntry(s.name, s.role) for s in session.all_staff() if s.active]


def liability(store: SqliteLedgerStore, redeem_points_unit: int,
              redeem_value_unit: int) -> Liability:
    """What members hold (the same figures as ``loyalty report liability``)."""
    from terminal.store.activity import liability as held_by_members

    with store.session() as session:
        owed = held_by_members(session, redeem_points_unit, redeem_value_unit)
        members = session.member_count()
    return Liability(owed.stored_value, owed.points, owed.points_value, members)


def report_for_day(store: SqliteLedgerStore, day: date, zone: ZoneInfo) -> DayReport:
    start = datetime.combine(day, time.min, tzinfo=zone)
    with store.session() as session:
        names = {s.id: s.name for s in session.all_staff()}
        return day_report(session.events_between(start, start + timedelta(days=1)), names)


def recent_voidable(store: SqliteLedgerStore, start: datetime, end: datetime,
                    limit: int = 100) -> list[RecentEvent]:
    """Sales and top-ups in [start, end), newest first, with whether each was voided."""
    out: list[RecentEvent] = []
    with store.session() as session:
        events = [e for e in session.events_between(start, end)
                  if e.kind in (EventKind.SALE, EventKind.TOP_UP)]
        for event in reversed(events[-limit:]):
            member = session.member_by_id(str(event.body.get("member_id", "")))
            out.append(RecentEvent(event, member.name if member else "?",
                                   session.voided_by(event.id) is not None))
    return out


def last_sale(store: SqliteLedgerStore, member_id: str) -> Event | None:
    """The member's latest sale that was not voided (as the analytics count purchases)."""
    with store.session() as session:
        for event in session.member_events(member_id, 50):
            if event.kind is EventKind.SALE and session.voided_by(event.id) is None:
                return event
    return None


def event_count(store: SqliteLedgerStore) -> int:
    with store.session() as session:
        return session.journal_head()[0]


@dataclass(frozen=True)
class Analytics:
    """What the manager's Analytics tab shows: the same figures as ``loyalty report rfm``,
    ``lifecycle``, ``retention`` and ``liability`` compute."""

    computed_at: datetime
    today: date  # the shop-local day of ``computed_at``: recency and stages count from it
    thresholds: Thresholds
    members: int
    segments: dict[str, int]  # RFM segment → members, in ``terminal.analytics.SEGMENTS`` order
    stages: dict[Stage, int]
    cohorts: list[core.Cohort]
    points_issued: int
    points_redeemed: int
    redemption: core.Rate
    owed: core.Liability


def analytics(store: SqliteLedgerStore, zone: ZoneInfo, now: datetime, thresholds: Thresholds,
              redeem_points_unit: int, redeem_value_unit: int) -> Analytics:
    """Every member's activity is read and scored: seconds for 100,000 members, so the tab
    computes on demand, never per sale."""
    from terminal.store.activity import activities, liability, shop_total

    today = now.astimezone(zone).date()
    with store.session() as session:
        members, days = activities(session, zone)
        owed = liability(session, redeem_points_unit, redeem_value_unit)
        issued = -shop_total(session, ShopAccount.POINTS_ISSUED, Asset.POINTS.value)
        redeemed = shop_total(session, ShopAccount.POINTS_REDEEMED, Asset.POINTS.value)
    return Analytics(
        computed_at=now,
        today=today,
        thresholds=thresholds,
        members=len(members),
        segments=core.segment_counts(core.rfm(members, today)),
        stages=stage_counts(members, today, thresholds),
        cohorts=core.retention(members, days, today),
        points_issued=issued,
        points_redeemed=redeemed,
        redemption=core.redemption_rate(issued, redeemed),
        owed=owed,
    )


@dataclass(frozen=True)
class CharityRow:
    programme_id: str
    charity: str  # the cause as the pulled document names it ('' when no longer listed)
    pledged: int  # minor units the shop pledged
    points: int  # points members gave


def charity_report(store: SqliteLedgerStore, service: CheckoutService) -> list[CharityRow]:
    """What each charity programme received over this terminal's journal, voids subtracted
    (the same figures as ``loyalty report charity``)."""
    from terminal.programmes.at_checkout import PULLED_META_KEY
    from terminal.programmes.report import charity_totals

    with store.session() as session:
        totals = charity_totals(session.journal())
        document = service.programmes.get(session.get_meta(PULLED_META_KEY)).document
    causes = {p.id: str(p.params.charity) for p in (document.programmes if document else ())
              if p.type == "charity"}
    return [CharityRow(t.programme_id, causes.get(t.programme_id, ""), t.pledged, t.points)
            for t in totals]

"""Analytics a shop lives by (DOMAIN.md): RFM segments, retention by cohort, redemption rate,
liability. Pure functions over small records the store aggregates; integers only (rates are
:class:`Rate` fractions, formatted as percentages at the edge).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Rate:
    """A ratio kept as integers; ``percent()`` formats it with one decimal."""

    part: int
    whole: int

    def percent(self) -> str:
        if self.whole == 0:
            return "—"
        tenths = (self.part * 1000 + self.whole // 2) // self.whole
        return f"{tenths // 10}.{tenths % 10}%"


@dataclass(frozen=True, slots=True)
class Activity:
    """One member's purchases: what RFM and retention need (voided sales excluded)."""

    member_id: str
    enrolled_on: date
    first_purchase: date | None
    last_purchase: date | None
    purchases: int
    spend: int  # minor units


@dataclass(frozen=True, slots=True)
class RfmScore:
    recency: int  # 1..5, 5 = bought most recently
    frequency: int  # 1..5, 5 = bought most often
    monetary: int  # 1..5, 5 = spent most
    segment: str


SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "hibernating",
            "needs_attention", "never_bought")


def _quintiles(values: Mapping[str, int]) -> dict[str, int]:
    """Score 1..5 by rank (ties share the lower score's rank position)."""
    ordered = sorted(values.items(), key=lambda item: (item[1], item[0]))
    count = len(ordered)
    scores: dict[str, int] = {}
    previous: tuple[int, int] | None = None
    for index, (member, value) in enumerate(ordered):
        if previous is not None and previous[0] == value:
            scores[member] = previous[1]
            continue
        score = index * 5 // count + 1
        scores[member] = score
        previous = (value, score)
    return scores


def segment_of(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "champions"
    if f >= 4:
        return "loyal" if r >= 3 else "at_risk"
    if r >= 4:
        return "new" if f <= 1 else "promising"
    if r <= 2:
        return "at_risk" if f >= 3 else "hibernating"
    return "needs_attention"


def rfm(activities: Iterable[Activity], today: date) -> dict[str, RfmScore]:
    """RFM scores and a segment for every member who bought; the others are never_bought."""
    bought = list(activities)
    out: dict[str, RfmScore] = {}
    buyers = [a for a in bought if a.last_purchase is not None]
    for a in bought:
        if a.last_purchase is None:
            out[a.member_id] = RfmScore(0, 0, 0, "never_bought")
    if not buyers:
        return out
    recency = _quintiles({a.member_id: -(today - a.last_purchase).days
                          for a in buyers if a.last_purchase is not None})
    frequency = _quintiles({a.member_id: a.purchases for a in buyers})
    monetary = _quintiles({a.member_id: a.spend for a in buyers})
    for a in buyers:
        r, f, m = recency[a.member_id], frequency[a.member_id], monetary[a.member_id]
        out[a.member_id] = RfmScore(r, f, m, segment_of(r, f))
    return out


def segment_counts(scores: Mapping[str, RfmScore]) -> dict[str, int]:
    counts = dict.fromkeys(SEGMENTS, 0)
    for score in scores.values():
        counts[score.segment] += 1
    return counts


@dataclass(frozen=True, slots=True)
class Cohort:
    month: str  # "2026-11": members enrolled that month
    members: int
    d1: Rate
    d7: Rate
    d30: Rate


def retention(activities: Iterable[Activity], purchases: Mapping[str, Sequence[date]],
              today: date) -> list[Cohort]:
    """Share of each enrolment month's members who bought again within 1, 7 and 30 days of
    enrolling (a purchase on days 1..N after the enrolment day; the enrolment day itself is
    the first visit). Members too recent to have had N days count only once they have."""
    groups: dict[str, list[Activity]] = defaultdict(list)
    for a in activities:
        groups[f"{a.enrolled_on.year:04d}-{a.enrolled_on.month:02d}"].append(a)  # fast strftime
    cohorts = []
    for month in sorted(groups):
        members = groups[month]
        rates = []
        for horizon in (1, 7, 30):
            eligible = [a for a in members if (today - a.enrolled_on).days >= horizon]
            returned = sum(1 for a in eligible if any(
                1 <= (day - a.enrolled_on).days <= horizon
                for day in purchases.get(a.member_id, ())))
            rates.append(Rate(returned, len(eligible)))
        cohorts.append(Cohort(month, len(members), rates[0], rates[1], rates[2]))
    return cohorts


def redemption_rate(points_issued: int, points_redeemed: int) -> Rate:
    """Points redeemed as a share of points issued over the same period."""
    return Rate(points_redeemed, points_issued)


@dataclass(frozen=True, slots=True)
class Liability:
    stored_value: int  # minor units owed to members
    points: int  # points outstanding
    points_value: int  # what they are worth as discounts, in minor units

    @classmethod
    def of(cls, stored_value: int, points: int, redeem_points_unit: int,
           redeem_value_unit: int) -> Liability:
        return cls(stored_value, points, points * redeem_value_unit // redeem_points_unit)

"""Tiers 會員等級: thresholds on rolling 12-month spend; up at once, down at a period's end.

At the member's first sale in a new review period (``period_months``, counted from January)
the tier is set from the rolling spend, so a downgrade happens only then. Within a period a
sale that lifts the rolling spend over a higher threshold upgrades at once (from the next
sale on). The tier held at the start of the sale gives its multiplier and discount. A caller
without the spend history sets ``review_tier`` False: the member's tier then only gives its
benefits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "tiers"
TRIGGERS = frozenset({Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    threshold: int  # rolling 12-month spend (minor units) that reaches the tier
    multiplier_percent: int
    discount_percent: int


@dataclass(frozen=True, slots=True)
class Params:
    tiers: tuple[Tier, ...]  # ascending thresholds, the first at 0
    period_months: int

    def index(self, name: str) -> int:
        for position, tier in enumerate(self.tiers):
            if tier.name == name:
                return position
        return 0  # "" or a tier this document no longer has: the lowest

    def qualified(self, spend: int) -> int:
        return max(i for i, tier in enumerate(self.tiers) if tier.threshold <= spend)

    def period(self, day: date) -> str:
        if self.period_months == 12:
            return str(day.year)
        return f"{day.year}-P{(day.month - 1) // self.period_months + 1}"


def parse(f: Fields) -> Params:
    tiers = []
    for table in f.tables("tiers"):
        tiers.append(Tier(
            name=table.text("name", max_length=40),
            threshold=table.integer("threshold"),
            multiplier_percent=table.integer("multiplier_percent", 100),
            discount_percent=table.integer("discount_percent", 0, maximum=100),
        ))
        table.finish()
    if tiers[0].threshold != 0:
        raise f.fail("tiers[0].threshold", "the first tier must have threshold 0 (everyone "
                     "has a tier)")
    for i in range(1, len(tiers)):
        if tiers[i].threshold <= tiers[i - 1].threshold:
            raise f.fail(f"tiers[{i}].threshold", "thresholds must rise from one tier to the "
                         "next")
    if len({t.name for t in tiers}) != len(tiers):
        raise f.fail("tiers", "tier names must differ")
    months = f.integer("period_months", 12, minimum=1, maximum=12)
    if 12 % months:
        raise f.fail("period_months", "must divide the year (1, 2, 3, 4, 6 or 12)")
    return Params(tuple(tiers), months)


def apply(p: Params, t: Tally) -> None:
    state = t.state
    current = p.index(state.tier)
    period = p.period(t.today)
    if state.review_tier and state.tier_period != period:
        qualified = p.qualified(state.rolling_spend)
        # a member never reviewed keeps a tier given by hand; otherwise the period ended
        tier = max(current, qualified) if not state.tier_period else qualified
        t.change("tier_period", period)
        if tier != current:
            t.change("tier", p.tiers[tier].name)
            if tier < current:
                t.prompt("tier_downgrade", f"等級調整 / tier now {p.tiers[tier].name}")
        current = tier
    held = p.tiers[current]
    t.multiplier(held.multiplier_percent)
    if held.discount_percent:
        t.discount(t.context.amount * held.discount_percent // 100, f"discount_{held.name}")
    reached = p.qualified(state.rolling_spend + t.context.amount)
    if state.review_tier and reached > current:
        t.change("tier", p.tiers[reached].name)
        t.prompt("tier_upgrade", f"升等 / upgraded to {p.tiers[reached].name}")

"""Reward points 點數回饋: points per earn unit of spend, with rounding, caps and multipliers.

Category multipliers weight each line's share of the spend; the sum is rounded once, so a
sale earns the same whether or not its lines are given when no category is special.
Multipliers from tiers and paid memberships (applied before this) multiply the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally
from terminal.rules import Rounding, divide

TYPE = "points"
TRIGGERS = frozenset({Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Params:
    earn_unit: int  # minor units of spend per step (NT$50)
    points_per_unit: int
    rounding: Rounding
    category_percent: dict[str, int]
    other_percent: int  # lines of other categories, or a sale without lines
    tier_percent: dict[str, int]  # a simple per-tier multiplier without a tiers programme
    min_spend: int
    max_points_per_sale: int  # 0: no cap


def parse(f: Fields) -> Params:
    return Params(
        earn_unit=f.integer("earn_unit", 50, minimum=1),
        points_per_unit=f.integer("points_per_unit", 1),
        rounding=f.rounding(),
        category_percent=f.percents("category_percent"),
        other_percent=f.integer("other_percent", 100),
        tier_percent=f.percents("tier_percent"),
        min_spend=f.integer("min_spend", 0),
        max_points_per_sale=f.integer("max_points_per_sale", 0),
    )


def weighted_spend(p: Params, t: Tally) -> int:
    """The basis × 100, each line weighted by its category's percent."""
    basis, context = t.basis, t.context
    if not context.lines or not p.category_percent:
        return basis * p.other_percent
    weighted = sum(line.amount * p.category_percent.get(line.category, p.other_percent)
                   for line in context.lines)
    return weighted * basis // context.amount  # scaled to the spend left after discounts


def apply(p: Params, t: Tally) -> None:
    if t.basis <= 0 or t.basis < p.min_spend:
        return
    units = divide(weighted_spend(p, t), p.earn_unit * 100, p.rounding)
    points = t.multiply(units * p.points_per_unit)
    points = points * p.tier_percent.get(t.state.tier, 100) // 100
    rule = "earn"
    if p.max_points_per_sale and points > p.max_points_per_sale:
        points, rule = p.max_points_per_sale, "earn_capped"
    t.points(points, rule)
    t.earned_points += points

"""Value-based 價值型: a share of spend pledged by the shop, and a share of the points the sale
earned given by the member, to a named charity; shown on the receipt and reported in totals.

The postings go to the shop's charity account; the attribution names this programme, whose
``charity`` names the cause (see :func:`terminal.programmes.report.charity_totals`).
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally
from terminal.rules import Rounding, divide

TYPE = "charity"
TRIGGERS = frozenset({Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Params:
    charity: str  # the cause's name, printed on the receipt
    spend_basis_points: int  # the shop pledges this share of spend (100 = 1 %)
    points_percent: int  # the member gives this share of the points the sale earned
    opt_in: bool  # only members who chose this charity take part
    max_per_sale: int  # cap on the pledge (0: none)


def parse(f: Fields) -> Params:
    params = Params(
        charity=f.text("charity", max_length=80),
        spend_basis_points=f.integer("spend_basis_points", 0, maximum=10_000),
        points_percent=f.integer("points_percent", 0, maximum=100),
        opt_in=f.boolean("opt_in", False),
        max_per_sale=f.integer("max_per_sale", 0),
    )
    if not params.spend_basis_points and not params.points_percent:
        raise f.fail("spend_basis_points", "set spend_basis_points or points_percent (or both)")
    return params


def apply(p: Params, t: Tally) -> None:
    if p.opt_in and t.state.charity != t.programme_id:
        return
    pledge = divide(t.basis * p.spend_basis_points, 10_000, Rounding.FLOOR)
    if p.max_per_sale:
        pledge = min(pledge, p.max_per_sale)
    points = t.earned_points * p.points_percent // 100
    t.pledge(pledge, "pledge_share_of_spend")
    t.donate_points(points, "donate_share_of_points")
    t.earned_points -= points
    if pledge or points:
        t.prompt("donation", f"本次捐贈 {p.charity} / donated: NT${pledge} + {points} 點",
                 pledge)

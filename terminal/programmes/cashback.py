"""Cash-back 現金回饋: a share of spend credited to the member's cash-back balance."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally
from terminal.rules import Rounding, divide

TYPE = "cash_back"
TRIGGERS = frozenset({Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Params:
    basis_points: int  # 200 = 2 %
    rounding: Rounding
    min_spend: int
    max_per_sale: int  # 0: no cap


def parse(f: Fields) -> Params:
    return Params(
        basis_points=f.integer("basis_points", minimum=1, maximum=10_000),
        rounding=f.rounding(),
        min_spend=f.integer("min_spend", 0),
        max_per_sale=f.integer("max_per_sale", 0),
    )


def apply(p: Params, t: Tally) -> None:
    if t.basis <= 0 or t.basis < p.min_spend:
        return
    amount = divide(t.basis * p.basis_points, 10_000, p.rounding)
    rule = "cash_back"
    if p.max_per_sale and amount > p.max_per_sale:
        amount, rule = p.max_per_sale, "cash_back_capped"
    if amount:
        t.cash_back(amount, rule)
        t.prompt("cash_back", "回饋金 / cash-back", amount)

"""Punch / stamp card 集點卡: stamps per visit or per item; a full card becomes its reward."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "stamps"
TRIGGERS = frozenset({Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Params:
    per: str  # "visit" or "item"
    stamps: int  # per visit or per item
    categories: tuple[str, ...]  # only these count (empty: all)
    min_spend: int
    max_per_visit: int  # 0: no cap
    card_size: int
    reward: Reward
    auto_redeem: bool  # exchange a full card at once (else prompt the cashier)


def parse(f: Fields) -> Params:
    return Params(
        per=f.choice("per", ("visit", "item"), "visit"),
        stamps=f.integer("stamps", 1, minimum=1),
        categories=f.texts("categories"),
        min_spend=f.integer("min_spend", 0),
        max_per_visit=f.integer("max_per_visit", 0),
        card_size=f.integer("card_size", minimum=1),
        reward=f.reward(),
        auto_redeem=f.boolean("auto_redeem", True),
    )


def earned(p: Params, t: Tally) -> int:
    lines = t.context.lines
    if p.categories and lines:
        counted = [line for line in lines if line.category in p.categories]
    elif p.categories:
        counted = []  # cannot tell the categories of a sale without lines
    else:
        counted = list(lines)
    if p.per == "visit":
        stamps = p.stamps if counted or (not lines and not p.categories) else 0
    else:
        stamps = p.stamps * (sum(line.quantity for line in counted) if lines
                             else (0 if p.categories else 1))
    if p.max_per_visit:
        stamps = min(stamps, p.max_per_visit)
    return stamps


def apply(p: Params, t: Tally) -> None:
    if t.context.amount < p.min_spend:
        return
    stamps = earned(p, t)
    if not stamps:
        return
    t.stamps(stamps, f"stamp_per_{p.per}")
    full = (t.state.stamps + stamps) // p.card_size
    if not full:
        return
    if p.auto_redeem:
        t.redeem_stamps(full * p.card_size, "card_full")
        for _ in range(full):
            t.grant(p.reward, "card_full")
    else:
        t.prompt("card_full", "集點卡已滿 / stamp card full", full)

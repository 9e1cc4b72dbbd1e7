"""Stored value top-up bonus 儲值加贈: e.g. top up NT$1,000, get NT$100 more."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "top_up_bonus"
TRIGGERS = frozenset({Trigger.TOP_UP})


@dataclass(frozen=True, slots=True)
class Step:
    min_top_up: int
    bonus: int


@dataclass(frozen=True, slots=True)
class Params:
    steps: tuple[Step, ...]  # ascending; the highest reached applies
    per_multiple: bool  # NT$2,000 on a "1,000 → 100" step gives 200
    max_bonus: int  # 0: no cap


def parse(f: Fields) -> Params:
    steps = []
    for table in f.tables("steps"):
        steps.append(Step(table.integer("min_top_up", minimum=1), table.integer("bonus")))
        table.finish()
    for i in range(1, len(steps)):
        if steps[i].min_top_up <= steps[i - 1].min_top_up:
            raise f.fail(f"steps[{i}].min_top_up", "steps must rise")
    return Params(tuple(steps), f.boolean("per_multiple", False), f.integer("max_bonus", 0))


def apply(p: Params, t: Tally) -> None:
    amount = t.context.amount
    reached = [step for step in p.steps if step.min_top_up <= amount]
    if not reached:
        return
    step = reached[-1]
    bonus = step.bonus * (amount // step.min_top_up if p.per_multiple else 1)
    rule = f"top_up_{step.min_top_up}"
    if p.max_bonus and bonus > p.max_bonus:
        bonus, rule = p.max_bonus, rule + "_capped"
    if bonus:
        t.stored_value_bonus(bonus, rule)
        t.prompt("top_up_bonus", "儲值加贈 / top-up bonus", bonus)

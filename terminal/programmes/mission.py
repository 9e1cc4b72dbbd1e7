"""Gamified mission 任務: e.g. "3 visits in 7 days" → a reward, once per window.

Windows are fixed blocks of ``days`` days counted from Monday 2024-01-01, so a 7-day mission
is a calendar week (Monday to Sunday) and the outcome never depends on when it is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "mission"
TRIGGERS = frozenset({Trigger.SALE})
EPOCH = date(2024, 1, 1)  # a Monday


@dataclass(frozen=True, slots=True)
class Params:
    visits: int
    days: int
    min_spend: int
    reward: Reward


def parse(f: Fields) -> Params:
    return Params(f.integer("visits", minimum=1), f.integer("days", minimum=1, maximum=366),
                  f.integer("min_spend", 0), f.reward())


def window_start(day: date, days: int) -> date:
    return EPOCH + timedelta(days=(day - EPOCH).days // days * days)


def apply(p: Params, t: Tally) -> None:
    if t.context.amount < p.min_spend:
        return
    start = window_start(t.today, p.days)
    key = f"{t.programme_id}:{start.isoformat()}"
    if t.awarded(key):
        return
    visits = {d for d in t.state.visit_dates if start <= d < t.today} | {t.today}
    if len(visits) >= p.visits:
        t.grant(p.reward, f"{p.visits}_visits_in_{p.days}_days")
        t.award(key)
    else:
        t.prompt("mission_progress", f"任務進度 / mission {len(visits)}/{p.visits}",
                 len(visits))

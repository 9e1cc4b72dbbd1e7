"""Gamified daily check-in 每日簽到: a reward once per day."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "check_in"
TRIGGERS = frozenset({Trigger.CHECK_IN})


@dataclass(frozen=True, slots=True)
class Params:
    reward: Reward


def parse(f: Fields) -> Params:
    return Params(f.reward())


def apply(p: Params, t: Tally) -> None:
    key = f"{t.programme_id}:{t.today.isoformat()}"
    if t.awarded(key):
        t.prompt("already_checked_in", "今天已簽到 / already checked in today")
        return
    t.grant(p.reward, "daily_check_in")
    t.award(key)

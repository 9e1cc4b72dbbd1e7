"""New-member bonus 入會禮: a reward at enrolment, once."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "welcome"
TRIGGERS = frozenset({Trigger.ENROL})


@dataclass(frozen=True, slots=True)
class Params:
    reward: Reward


def parse(f: Fields) -> Params:
    return Params(f.reward())


def apply(p: Params, t: Tally) -> None:
    key = f"{t.programme_id}:welcome"
    if not t.awarded(key):
        t.grant(p.reward, "new_member")
        t.award(key)

"""Birthday reward 生日禮: in the birthday month, once a year, at a sale or check-in."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "birthday"
TRIGGERS = frozenset({Trigger.SALE, Trigger.CHECK_IN})


@dataclass(frozen=True, slots=True)
class Params:
    reward: Reward
    min_spend: int  # for a sale; a check-in always qualifies when this is 0


def parse(f: Fields) -> Params:
    return Params(f.reward(), f.integer("min_spend", 0))


def apply(p: Params, t: Tally) -> None:
    birthday = t.state.birthday
    if birthday is None or birthday.month != t.today.month:
        return
    if p.min_spend and t.context.amount < p.min_spend:
        return
    key = f"{t.programme_id}:{t.today.year}"
    if not t.awarded(key):
        t.grant(p.reward, "birthday_month")
        t.award(key)

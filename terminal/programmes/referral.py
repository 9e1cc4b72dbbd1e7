"""Referral 推薦 (member-get-member): a referrer at enrolment; both rewarded once, at the
referee's first purchase (of at least ``min_spend``)."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.errors import InvalidInput
from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "referral"
TRIGGERS = frozenset({Trigger.ENROL, Trigger.SALE})


@dataclass(frozen=True, slots=True)
class Params:
    referrer_reward: Reward
    referee_reward: Reward
    min_spend: int


def parse(f: Fields) -> Params:
    return Params(f.reward("referrer_reward"), f.reward("referee_reward"),
                  f.integer("min_spend", 0))


def apply(p: Params, t: Tally) -> None:
    context, state = t.context, t.state
    if context.trigger is Trigger.ENROL:
        if context.referrer_id is None:
            return
        if context.referrer_id == state.member_id:
            raise InvalidInput("A member cannot refer themselves.")
        t.change("referred_by", context.referrer_id)
        return
    key = f"{t.programme_id}:first_purchase"
    if state.referred_by is None or t.awarded(key) or context.amount < p.min_spend:
        return
    t.grant(p.referee_reward, "referee")
    t.grant(p.referrer_reward, "referrer", state.referred_by)
    t.award(key)
    t.prompt("referral", "推薦禮已發放 / referral reward given")

"""Subscription 權益訂閱: a fee buys ``days`` during which each calendar month brings a benefit
(a voucher, points …), granted once a month: when the member is first identified at the till
that month (``Trigger.VISIT``), so it can be used in that very sale, or else with the month's
first sale or check-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from terminal.programmes.fields import Fields, Reward
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "subscription"
TRIGGERS = frozenset({Trigger.SALE, Trigger.CHECK_IN, Trigger.PLAN_PURCHASE, Trigger.VISIT})


@dataclass(frozen=True, slots=True)
class Params:
    fee: int
    days: int
    monthly_reward: Reward


def parse(f: Fields) -> Params:
    return Params(f.integer("fee", minimum=1), f.integer("days", 30, minimum=1),
                  f.reward("monthly_reward"))


def apply(p: Params, t: Tally) -> None:
    last_day = t.state.plans.get(t.programme_id)
    active = last_day is not None and last_day >= t.today
    if t.context.trigger is Trigger.PLAN_PURCHASE:
        start = last_day + timedelta(days=1) if active and last_day else t.today
        until = start + timedelta(days=p.days - 1)
        t.change("plan", until.isoformat(), t.programme_id)
        t.prompt("plan_fee", f"訂閱費 / subscription fee, valid until {until.isoformat()}",
                 p.fee)
        active = True  # the first month's benefit comes with the purchase
    if not active:
        return
    key = f"{t.programme_id}:{t.today.year}-{t.today.month:02d}"
    if not t.awarded(key):
        t.grant(p.monthly_reward, "monthly_benefit")
        t.award(key)

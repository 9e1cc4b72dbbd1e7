"""Paid membership 付費會員: a fee buys ``days`` of member-only benefits (discount, multiplier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

TYPE = "membership"
TRIGGERS = frozenset({Trigger.SALE, Trigger.PLAN_PURCHASE})
RENEW_PROMPT_DAYS = 30  # remind a lapsed member this long after the expiry


@dataclass(frozen=True, slots=True)
class Params:
    fee: int
    days: int
    discount_percent: int
    multiplier_percent: int
    perks: str  # shown to the cashier for a member (e.g. free parking)


def parse(f: Fields) -> Params:
    return Params(
        fee=f.integer("fee", minimum=1),
        days=f.integer("days", minimum=1),
        discount_percent=f.integer("discount_percent", 0, maximum=100),
        multiplier_percent=f.integer("multiplier_percent", 100),
        perks=f.text("perks", ""),
    )


def apply(p: Params, t: Tally) -> None:
    last_day = t.state.plans.get(t.programme_id)
    active = last_day is not None and last_day >= t.today
    if t.context.trigger is Trigger.PLAN_PURCHASE:
        start = last_day + timedelta(days=1) if active and last_day else t.today
        until = start + timedelta(days=p.days - 1)
        t.change("plan", until.isoformat(), t.programme_id)
        t.prompt("plan_fee", f"會費 / membership fee, valid until {until.isoformat()}", p.fee)
        return
    if active:
        t.multiplier(p.multiplier_percent)
        if p.discount_percent:
            t.discount(t.context.amount * p.discount_percent // 100, "member_discount")
        if p.perks:
            t.prompt("perks", p.perks)
    elif last_day is not None and (t.today - last_day).days <= RENEW_PROMPT_DAYS:
        t.prompt("plan_expired", f"會員資格已於 {last_day.isoformat()} 到期 / renew", p.fee)

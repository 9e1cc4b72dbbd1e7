"""Properties of evaluation over random documents, triggers and members (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from programmes_testkit import per_asset

from terminal.ledger import Asset, member_account
from terminal.programmes import (
    Context,
    Line,
    MemberState,
    ProgrammeError,
    Trigger,
    evaluate,
    parse_document,
)
from terminal.rules import Rounding

rewards = st.fixed_dictionaries({}, optional={
    "points": st.integers(1, 500), "cash_back": st.integers(1, 200),
    "stamps": st.integers(1, 3), "stored_value": st.integers(1, 200),
    "gift": st.sampled_from(["cup", "生日蛋糕"])}).filter(bool)
rounding = st.sampled_from([r.value for r in Rounding])
amount = st.integers(0, 100_000)

PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "points": st.fixed_dictionaries({
        "earn_unit": st.integers(1, 200), "points_per_unit": st.integers(0, 5),
        "rounding": rounding, "category_percent": st.dictionaries(
            st.sampled_from(["coffee", "food", "gift"]), st.integers(0, 300), max_size=3),
        "max_points_per_sale": st.integers(0, 1000)}),
    "cash_back": st.fixed_dictionaries({"basis_points": st.integers(1, 10_000),
                                        "rounding": rounding,
                                        "max_per_sale": st.integers(0, 500)}),
    "stamps": st.fixed_dictionaries({"per": st.sampled_from(["visit", "item"]),
                                     "card_size": st.integers(1, 12), "reward": rewards,
                                     "auto_redeem": st.booleans()}),
    "tiers": st.fixed_dictionaries({"tiers": st.just([
        {"name": "bronze", "threshold": 0},
        {"name": "silver", "threshold": 10_000, "multiplier_percent": 150},
        {"name": "gold", "threshold": 30_000, "multiplier_percent": 200,
         "discount_percent": 10}])}),
    "referral": st.fixed_dictionaries({"referrer_reward": rewards,
                                       "referee_reward": rewards}),
    "membership": st.fixed_dictionaries({"fee": st.integers(1, 2000),
                                         "days": st.integers(1, 400),
                                         "discount_percent": st.integers(0, 100),
                                         "multiplier_percent": st.integers(0, 300)}),
    "subscription": st.fixed_dictionaries({"fee": st.integers(1, 999),
                                           "monthly_reward": rewards}),
    "charity": st.fixed_dictionaries({"charity": st.just("C"),
                                      "spend_basis_points": st.integers(1, 10_000),
                                      "points_percent": st.integers(0, 100)}),
    "check_in": st.fixed_dictionaries({"reward": rewards}),
    "mission": st.fixed_dictionaries({"visits": st.integers(1, 4), "days": st.integers(1, 10),
                                      "reward": rewards}),
    "top_up_bonus": st.fixed_dictionaries({"steps": st.just([
        {"min_top_up": 1000, "bonus": 100}, {"min_top_up": 3000, "bonus": 400}]),
        "per_multiple": st.booleans(), "max_bonus": st.integers(0, 1000)}),
    "welcome": st.fixed_dictionaries({"reward": rewards}),
    "birthday": st.fixed_dictionaries({"reward": rewards}),
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    types = draw(st.lists(st.sampled_from(sorted(PARAMS)), min_size=1, max_size=10))
    if types.count("stamps") > 1:
        types = [t for t in types if t != "stamps"] + ["stamps"]
    programmes = []
    for index, type_ in enumerate(types):
        programmes.append({
            "id": f"{type_.replace('_', '-')}-{index}", "type": type_, "name": type_,
            "priority": draw(st.integers(0, 3)),
            "exclusive_group": draw(st.sampled_from(["", "", "a", "b"])),
            "params": draw(PARAMS[type_]),
        })
    return {"version": 1, "multiplier_stacking": draw(st.sampled_from(["multiply", "add",
                                                                        "max"])),
            "programmes": programmes}


@st.composite
def contexts(draw: st.DrawFn, plan_ids: list[str]) -> Context:
    trigger = draw(st.sampled_from([t for t in Trigger
                                    if t is not Trigger.PLAN_PURCHASE or plan_ids]))
    if trigger is Trigger.PLAN_PURCHASE:
        return Context(trigger, plan_id=draw(st.sampled_from(plan_ids)))
    if trigger is Trigger.SALE:
        lines = draw(st.lists(st.builds(Line, st.sampled_from(["coffee", "food", "gift"]),
                                        st.integers(1, 5), st.integers(0, 5000)),
                              max_size=4))
        if lines:
            return Context(trigger, sum(line.amount for line in lines), tuple(lines))
        return Context(trigger, draw(amount))
    if trigger is Trigger.ENROL:
        return Context(trigger, referrer_id=draw(st.sampled_from([None, "m0"])))
    return Context(trigger, draw(amount))


days = st.dates(date(2024, 1, 1), date(2028, 12, 31))
states = st.builds(
    MemberState, member_id=st.just("m1"),
    tier=st.sampled_from(["", "bronze", "silver", "gold", "retired"]),
    tier_period=st.sampled_from(["", "2025", "2026"]), rolling_spend=amount,
    visit_dates=st.lists(days, max_size=6).map(tuple),
    purchases=st.integers(0, 5), birthday=st.none() | days,
    referred_by=st.sampled_from([None, "m0"]), stamps=st.integers(0, 30),
    charity=st.none() | st.text(max_size=3))
moments = st.datetimes(datetime(2024, 1, 1), datetime(2028, 12, 31),
                       timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), raw=documents(), state=states, now=moments)
def test_postings_balance_and_listing_order_does_not_matter(
        data: st.DataObject, raw: dict[str, Any], state: MemberState, now: datetime) -> None:
    document = parse_document(raw)
    plans = [p.id for p in document.programmes if p.kind.plan]
    context = data.draw(contexts(plans))
    result = evaluate(document, context, state, now)
    # every asset balances; every amount is a whole number; every posting is attributed
    assert all(total == 0 for total in per_asset(result).values())
    assert all(type(p.amount) is int for p in result.postings)
    assert [a.posting for a in result.attributions] == list(range(len(result.postings)))
    assert {a.programme_id for a in result.attributions} <= {p.id for p in document.programmes}
    # a member's points never go below what this result gave them
    assert sum(p.amount for p in result.postings if p.asset is Asset.POINTS
               and p.account == member_account("m1")) >= 0
    # the listing order does not change anything
    shuffled = dict(raw, programmes=data.draw(st.permutations(raw["programmes"])))
    assert evaluate(parse_document(shuffled), context, state, now) == result


@settings(max_examples=100, deadline=None)
@given(raw=documents(), state=states, now=moments, spend=st.integers(1, 50_000))
def test_evaluating_again_with_the_changes_applied_never_repeats_a_once_only_reward(
        raw: dict[str, Any], state: MemberState, now: datetime, spend: int) -> None:
    document = parse_document(raw)
    once = {"referee", "referrer", "birthday_month", "new_member", "daily_check_in",
            "monthly_benefit"}
    for trigger in (Trigger.SALE, Trigger.CHECK_IN, Trigger.ENROL):
        context = Context(trigger, spend if trigger is Trigger.SALE else 0)
        first = evaluate(document, context, state, now)
        after = state.apply(first.state_changes)
        second = evaluate(document, context, after, now)
        given_first = {(a.programme_id, a.rule) for a in first.attributions if a.rule in once}
        given_again = {(a.programme_id, a.rule) for a in second.attributions if a.rule in once}
        assert not given_first & given_again


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(raw=documents(), path=st.lists(st.integers(0, 50), min_size=1, max_size=4),
       value=json_values)
def test_any_damaged_document_is_refused_with_a_programme_error_only(
        raw: dict[str, Any], path: list[int], value: Any) -> None:
    """GIVEN a valid document with one value somewhere replaced by random JSON
    THEN parsing either succeeds or raises ProgrammeError (never another exception)."""
    target: Any = raw
    for step in path[:-1]:
        if isinstance(target, dict) and target:
            key = sorted(target)[step % len(target)]
            if not isinstance(target[key], dict | list):
                break
            target = target[key]
        elif isinstance(target, list) and target:
            target = target[step % len(target)]
    if isinstance(target, dict) and target:
        target[sorted(target)[path[-1] % len(target)]] = value
    elif isinstance(target, list) and target:
        target[path[-1] % len(target)] = value
    try:
        parse_document(raw)
    except ProgrammeError as error:
        assert str(error)

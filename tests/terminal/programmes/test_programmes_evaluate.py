"""Evaluation, one table per programme type, then their combinations (order, stacking, caps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from programmes_testkit import MEMBER, NOW, at, doc, per_asset, programme, rules_of, sale, total

from terminal.errors import InvalidInput
from terminal.ledger import Asset, ShopAccount
from terminal.programmes import Context, Line, MemberState, Trigger, evaluate

TODAY = date(2026, 6, 15)
POINTS = programme("points", "points", {"earn_unit": 50})


# --- reward points ---------------------------------------------------------------------------
POINT_CASES: list[tuple[str, dict[str, Any], int, int]] = [
    ("floor NT$49", {}, 49, 0),
    ("floor NT$50", {}, 50, 1),
    ("floor NT$99", {}, 99, 1),
    ("floor NT$100", {}, 100, 2),
    ("half-up NT$49", {"rounding": "half_up"}, 49, 1),
    ("half-up NT$74", {"rounding": "half_up"}, 74, 1),
    ("half-up NT$75", {"rounding": "half_up"}, 75, 2),
    ("half-up NT$99", {"rounding": "half_up"}, 99, 2),
    ("ceiling NT$1", {"rounding": "ceiling"}, 1, 1),
    ("ceiling NT$50", {"rounding": "ceiling"}, 50, 1),
    ("ceiling NT$51", {"rounding": "ceiling"}, 51, 2),
    ("3 points per unit", {"points_per_unit": 3}, 100, 6),
    ("cap", {"max_points_per_sale": 5}, 10_000, 5),
    ("under min spend", {"min_spend": 100}, 99, 0),
    ("at min spend", {"min_spend": 100}, 100, 2),
    ("nothing on NT$0", {}, 0, 0),
]


@pytest.mark.parametrize(("case", "params", "amount", "points"), POINT_CASES,
                         ids=[c[0] for c in POINT_CASES])
def test_points_earn_with_rounding_and_caps(case: str, params: dict[str, Any], amount: int,
                                            points: int) -> None:
    document = doc(programme("points", "points", {"earn_unit": 50, **params}))
    result = evaluate(document, sale(amount), MEMBER, NOW)
    assert total(result, Asset.POINTS) == points
    if points:
        rule = "earn_capped" if "max_points_per_sale" in params else "earn"
        assert rules_of(result) == [("points", rule)]
        earn = result.postings[0]
        assert earn.lot == "2027-06-15/m1" and earn.expires_on == date(2027, 6, 15)


CATEGORY_CASES: list[tuple[str, tuple[Line, ...], int]] = [
    ("coffee doubles", (Line("coffee", 1, 100),), 4),
    ("gift cards earn nothing", (Line("gift_card", 1, 1000),), 0),
    ("mixed, rounded once", (Line("coffee", 1, 25), Line("food", 1, 50)), 2),
    ("other categories at 100 %", (Line("food", 3, 99),), 1),
]


@pytest.mark.parametrize(("case", "lines", "points"), CATEGORY_CASES,
                         ids=[c[0] for c in CATEGORY_CASES])
def test_category_multipliers_weight_the_lines(case: str, lines: tuple[Line, ...],
                                               points: int) -> None:
    document = doc(programme("points", "points", {
        "earn_unit": 50, "category_percent": {"coffee": 200, "gift_card": 0}}))
    amount = sum(line.amount for line in lines)
    assert total(evaluate(document, sale(amount, *lines), MEMBER, NOW), Asset.POINTS) == points


def test_lines_must_add_up_to_the_amount() -> None:
    with pytest.raises(InvalidInput, match="add up"):
        sale(100, Line("food", 1, 90))


# --- cash-back -------------------------------------------------------------------------------
CASH_BACK_CASES: list[tuple[str, dict[str, Any], int, int]] = [
    ("2 % of NT$49 floors to 0", {}, 49, 0),
    ("2 % of NT$50", {}, 50, 1),
    ("2 % of NT$99", {}, 99, 1),
    ("2 % of NT$100", {}, 100, 2),
    ("half-up 2 % of NT$75", {"rounding": "half_up"}, 75, 2),
    ("capped", {"max_per_sale": 30}, 5000, 30),
    ("under min spend", {"min_spend": 100}, 99, 0),
]


@pytest.mark.parametrize(("case", "params", "amount", "credit"), CASH_BACK_CASES,
                         ids=[c[0] for c in CASH_BACK_CASES])
def test_cash_back_credits_a_share_of_spend(case: str, params: dict[str, Any], amount: int,
                                            credit: int) -> None:
    document = doc(programme("cb", "cash_back", {"basis_points": 200, **params}))
    result = evaluate(document, sale(amount), MEMBER, NOW)
    assert total(result, Asset.CASH_BACK) == credit
    shop = [p for p in result.postings if p.account == ShopAccount.CASH_BACK_ISSUED]
    assert sum(p.amount for p in shop) == -credit


# --- stamps ----------------------------------------------------------------------------------
STAMP_CASES: list[tuple[str, dict[str, Any], tuple[Line, ...], int, int, int]] = [
    # case, params, lines, stamps before, stamps after, gifts
    ("one per visit", {}, (), 0, 1, 0),
    ("per item", {"per": "item"}, (Line("coffee", 3, 150),), 0, 3, 0),
    ("per item, only coffee", {"per": "item", "categories": ["coffee"]},
     (Line("coffee", 2, 100), Line("cake", 4, 200)), 0, 2, 0),
    ("per visit, no coffee bought", {"categories": ["coffee"]},
     (Line("cake", 1, 100),), 0, 0, 0),
    ("capped per visit", {"per": "item", "max_per_visit": 2}, (Line("tea", 5, 250),), 0, 2, 0),
    ("card fills and is exchanged", {}, (), 9, 0, 1),
    ("card fills with one over", {"per": "item"}, (Line("tea", 3, 150),), 8, 1, 1),
]


@pytest.mark.parametrize(("case", "params", "lines", "before", "after", "gifts"), STAMP_CASES,
                         ids=[c[0] for c in STAMP_CASES])
def test_stamp_card(case: str, params: dict[str, Any], lines: tuple[Line, ...], before: int,
                    after: int, gifts: int) -> None:
    document = doc(programme("card", "stamps", {"card_size": 10, "reward": {"gift": "cup"},
                                                **params}))
    amount = sum(line.amount for line in lines) if lines else 100
    result = evaluate(document, sale(amount, *lines), replace(MEMBER, stamps=before), NOW)
    assert before + total(result, Asset.STAMPS) == after
    assert [p.kind for p in result.prompts].count("gift") == gifts


def test_stamp_card_without_auto_redeem_prompts_the_cashier() -> None:
    document = doc(programme("card", "stamps", {"card_size": 10, "reward": {"gift": "cup"},
                                                "auto_redeem": False}))
    result = evaluate(document, sale(100), replace(MEMBER, stamps=9), NOW)
    assert total(result, Asset.STAMPS) == 1
    assert [p.kind for p in result.prompts] == ["card_full"]


# --- tiers -----------------------------------------------------------------------------------
TIERS = programme("tiers", "tiers", {"tiers": [
    {"name": "bronze", "threshold": 0},
    {"name": "silver", "threshold": 10_000, "multiplier_percent": 150},
    {"name": "gold", "threshold": 30_000, "multiplier_percent": 200, "discount_percent": 10},
]})


def changes(result: Any) -> dict[str, str]:
    return {c.field: c.value for c in result.state_changes if c.field != "award"}


TIER_CASES: list[tuple[str, str, str, int, date, int, dict[str, str], int]] = [
    # case, tier, period, rolling spend, day, amount, changes, points (NT$50 = 1, × tier;
    # gold: 10 % off first, so NT$100 earns on NT$90)
    ("new member, first review", "", "", 0, TODAY, 100, {"tier_period": "2026"}, 2),
    ("silver earns ×1.5", "silver", "2026", 12_000, TODAY, 100, {}, 3),
    ("sale crosses silver: up at once, from the next sale", "bronze", "2026", 9_950,
     TODAY, 100, {"tier": "silver"}, 2),
    ("sale crosses gold from bronze", "bronze", "2026", 1_000, TODAY, 29_000,
     {"tier": "gold"}, 580),
    ("spend falls within the period: no downgrade", "gold", "2026", 100, TODAY, 100, {}, 2),
    ("period ended, spend fell: down", "gold", "2025", 12_000, TODAY, 100,
     {"tier_period": "2026", "tier": "silver"}, 3),
    ("period ended, spend kept: stays", "silver", "2025", 12_000, TODAY, 100,
     {"tier_period": "2026"}, 3),
    ("period ended, spend rose: up at review", "bronze", "2025", 40_000, TODAY, 100,
     {"tier_period": "2026", "tier": "gold"}, 2),
    ("tier set by hand is kept at first review", "gold", "", 0, TODAY, 100,
     {"tier_period": "2026"}, 2),
    ("gold discount lowers the earning basis", "gold", "2026", 40_000, TODAY, 1_000, {}, 36),
]


@pytest.mark.parametrize(("case", "tier", "period", "spend", "day", "amount", "expected",
                          "points"), TIER_CASES, ids=[c[0] for c in TIER_CASES])
def test_tiers(case: str, tier: str, period: str, spend: int, day: date, amount: int,
               expected: dict[str, str], points: int) -> None:
    state = replace(MEMBER, tier=tier, tier_period=period, rolling_spend=spend)
    result = evaluate(doc(TIERS, POINTS), sale(amount), state, at(day))
    assert changes(result) == expected
    assert total(result, Asset.POINTS) == points


def test_gold_discount_is_reported_and_attributed() -> None:
    state = replace(MEMBER, tier="gold", tier_period="2026", rolling_spend=40_000)
    result = evaluate(doc(TIERS), sale(999), state, NOW)
    assert [(d.programme_id, d.rule, d.amount) for d in result.discounts] == [
        ("tiers", "discount_gold", 99)]


def test_tier_walk_across_period_ends() -> None:
    """GIVEN a year of spend WHEN the member buys through two year ends THEN up at once,
    down only when the year is over."""
    document = doc(TIERS, POINTS)
    state = MEMBER
    journey = [  # day, amount, rolling spend before (as the store computes it), tier after
        (date(2026, 3, 1), 5_000, 0, "bronze"),
        (date(2026, 5, 1), 6_000, 5_000, "silver"),
        (date(2026, 11, 1), 100, 11_000, "silver"),
        (date(2027, 6, 1), 100, 6_100, "bronze"),  # review of 2027: spend fell under silver
    ]
    for day, amount, spend, tier_after in journey:
        state = replace(state, rolling_spend=spend)
        state = state.apply(evaluate(document, sale(amount), state, at(day)).state_changes)
        assert (state.tier or "bronze") == tier_after, day


# --- referral --------------------------------------------------------------------------------
REFERRAL = programme("ref", "referral", {"referrer_reward": {"points": 100},
                                         "referee_reward": {"cash_back": 50},
                                         "min_spend": 100})


def test_referral_recorded_at_enrolment_and_rewarded_once_at_first_purchase() -> None:
    document = doc(REFERRAL)
    state = MEMBER
    enrolled = evaluate(document, Context(Trigger.ENROL, referrer_id="m0"), state, NOW)
    assert enrolled.postings == ()
    state = state.apply(enrolled.state_changes)
    assert state.referred_by == "m0"
    small = evaluate(document, sale(99), state, NOW)
    assert small.postings == ()
    first = evaluate(document, sale(100), state, NOW)
    assert total(first, Asset.CASH_BACK) == 50
    assert total(first, Asset.POINTS, "m0") == 100
    assert rules_of(first) == [("ref", "referee"), ("ref", "referrer")]
    state = state.apply(first.state_changes)
    again = evaluate(document, sale(5_000), state, NOW + timedelta(days=3))
    assert again.postings == ()


def test_a_member_cannot_refer_themselves() -> None:
    with pytest.raises(InvalidInput, match="themselves"):
        evaluate(doc(REFERRAL), Context(Trigger.ENROL, referrer_id="m1"), MEMBER, NOW)


def test_no_referral_reward_without_a_referrer() -> None:
    assert evaluate(doc(REFERRAL), sale(1000), MEMBER, NOW).postings == ()


# --- paid membership and subscriptions -------------------------------------------------------
PLUS = programme("plus", "membership", {"fee": 1200, "days": 365, "discount_percent": 5,
                                        "multiplier_percent": 200, "perks": "free parking"})
CLUB = programme("club", "subscription", {"fee": 299, "days": 30,
                                          "monthly_reward": {"points": 40}})


MEMBERSHIP_CASES: list[tuple[str, date | None, int, int, list[str]]] = [
    # case, last day of membership, discount, points on NT$1,000, prompt kinds
    ("not a member", None, 0, 20, []),
    ("active member", date(2026, 12, 31), 50, 38, ["perks"]),
    ("last day still counts", TODAY, 50, 38, ["perks"]),
    ("lapsed recently: reminder", date(2026, 6, 1), 0, 20, ["plan_expired"]),
    ("lapsed long ago", date(2025, 1, 1), 0, 20, []),
]


@pytest.mark.parametrize(("case", "until", "discount", "points", "prompts"), MEMBERSHIP_CASES,
                         ids=[c[0] for c in MEMBERSHIP_CASES])
def test_paid_membership_benefits_only_while_active(case: str, until: date | None,
                                                    discount: int, points: int,
                                                    prompts: list[str]) -> None:
    state = replace(MEMBER, plans={"plus": until} if until else {})
    result = evaluate(doc(PLUS, POINTS), sale(1000), state, NOW)
    assert result.discount == discount
    assert total(result, Asset.POINTS) == points
    assert [p.kind for p in result.prompts] == prompts


def test_buying_membership_sets_expiry_and_renewal_extends_it() -> None:
    document = doc(PLUS)
    bought = evaluate(document, Context(Trigger.PLAN_PURCHASE, plan_id="plus"), MEMBER, NOW)
    state = MEMBER.apply(bought.state_changes)
    assert state.plans["plus"] == date(2027, 6, 14)
    assert bought.prompts[0].amount == 1200
    renewed = evaluate(document, Context(Trigger.PLAN_PURCHASE, plan_id="plus"), state, NOW)
    assert state.apply(renewed.state_changes).plans["plus"] == date(2028, 6, 13)


def test_buying_an_unknown_plan_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no membership"):
        evaluate(doc(POINTS), Context(Trigger.PLAN_PURCHASE, plan_id="points"), MEMBER, NOW)


def test_subscription_gives_one_benefit_per_month_while_active() -> None:
    document = doc(CLUB)
    bought = evaluate(document, Context(Trigger.PLAN_PURCHASE, plan_id="club"), MEMBER, NOW)
    assert total(bought, Asset.POINTS) == 40  # the first month's benefit with the purchase
    state = MEMBER.apply(bought.state_changes)
    same_month = evaluate(document, sale(100), state, NOW + timedelta(days=2))
    assert same_month.postings == ()
    next_month = evaluate(document, sale(100), state, at(date(2026, 7, 2)))
    assert total(next_month, Asset.POINTS) == 40
    lapsed = evaluate(document, Context(Trigger.CHECK_IN), state, at(date(2026, 8, 1)))
    assert lapsed.postings == ()


# --- charity ---------------------------------------------------------------------------------
CHARITY_CASES: list[tuple[str, dict[str, Any], str | None, int, int, int]] = [
    # case, params, member's chosen charity, pledge, points given, points kept (NT$1,000)
    ("1 % of spend", {"spend_basis_points": 100}, None, 10, 0, 20),
    ("10 % of points", {"points_percent": 10}, None, 0, 2, 18),
    ("both, capped pledge", {"spend_basis_points": 500, "points_percent": 50,
                             "max_per_sale": 30}, None, 30, 10, 10),
    ("opt-in, not chosen", {"spend_basis_points": 100, "opt_in": True}, None, 0, 0, 20),
    ("opt-in, chosen", {"spend_basis_points": 100, "opt_in": True}, "give", 10, 0, 20),
]


@pytest.mark.parametrize(("case", "params", "chosen", "pledge", "given", "kept"), CHARITY_CASES,
                         ids=[c[0] for c in CHARITY_CASES])
def test_charity_takes_its_share_after_earning(case: str, params: dict[str, Any],
                                               chosen: str | None, pledge: int, given: int,
                                               kept: int) -> None:
    document = doc(programme("give", "charity", {"charity": "綠色地球", **params}), POINTS)
    result = evaluate(document, sale(1000), replace(MEMBER, charity=chosen), NOW)
    charity = [p for p in result.postings if p.account == ShopAccount.CHARITY]
    assert sum(p.amount for p in charity if p.asset is Asset.DONATION) == pledge
    assert sum(p.amount for p in charity if p.asset is Asset.POINTS) == given
    assert total(result, Asset.POINTS) == kept
    if pledge or given:
        assert any("綠色地球" in p.text for p in result.prompts)


# --- gamified --------------------------------------------------------------------------------
def test_daily_check_in_rewards_once_a_day() -> None:
    document = doc(programme("daily", "check_in", {"reward": {"points": 2}}))
    first = evaluate(document, Context(Trigger.CHECK_IN), MEMBER, NOW)
    assert total(first, Asset.POINTS) == 2
    state = MEMBER.apply(first.state_changes)
    assert evaluate(document, Context(Trigger.CHECK_IN), state, NOW).postings == ()
    tomorrow = evaluate(document, Context(Trigger.CHECK_IN), state, NOW + timedelta(days=1))
    assert total(tomorrow, Asset.POINTS) == 2


MISSION_CASES: list[tuple[str, tuple[date, ...], date, int]] = [
    # case, earlier visits, today, points; weeks run Monday to Sunday
    ("third visit this week", (date(2026, 6, 15), date(2026, 6, 16)), date(2026, 6, 18), 30),
    ("two visits the same day count once", (date(2026, 6, 16), date(2026, 6, 16)),
     date(2026, 6, 16), 0),
    ("last week's visits do not count", (date(2026, 6, 13), date(2026, 6, 14)),
     date(2026, 6, 15), 0),
    ("Sunday closes the week", (date(2026, 6, 15), date(2026, 6, 17)), date(2026, 6, 21), 30),
]


@pytest.mark.parametrize(("case", "visits", "day", "points"), MISSION_CASES,
                         ids=[c[0] for c in MISSION_CASES])
def test_mission_three_visits_in_a_week(case: str, visits: tuple[date, ...], day: date,
                                        points: int) -> None:
    document = doc(programme("m3", "mission", {"visits": 3, "days": 7,
                                               "reward": {"points": 30}}))
    state = replace(MEMBER, visit_dates=visits)
    result = evaluate(document, sale(100), state, at(day))
    assert total(result, Asset.POINTS) == points
    if points:  # once per week
        again = evaluate(document, sale(100), state.apply(result.state_changes), at(day))
        assert again.postings == ()


# --- top-up bonus ----------------------------------------------------------------------------
TOP_UP_CASES: list[tuple[str, dict[str, Any], int, int]] = [
    ("under the first step", {}, 999, 0),
    ("NT$1,000 gets NT$100", {}, 1000, 100),
    ("NT$2,999 still the first step", {}, 2999, 100),
    ("NT$3,000 second step", {}, 3000, 400),
    ("per multiple", {"per_multiple": True}, 2500, 200),
    ("per multiple, capped", {"per_multiple": True, "max_bonus": 300}, 9000, 300),
]


@pytest.mark.parametrize(("case", "params", "amount", "bonus"), TOP_UP_CASES,
                         ids=[c[0] for c in TOP_UP_CASES])
def test_top_up_bonus(case: str, params: dict[str, Any], amount: int, bonus: int) -> None:
    document = doc(programme("topup", "top_up_bonus", {
        "steps": [{"min_top_up": 1000, "bonus": 100}, {"min_top_up": 3000, "bonus": 400}],
        **params}))
    result = evaluate(document, Context(Trigger.TOP_UP, amount), MEMBER, NOW)
    assert total(result, Asset.STORED_VALUE) == bonus
    assert evaluate(document, sale(amount), MEMBER, NOW).postings == ()


# --- new member, birthday ----------------------------------------------------------------------
def test_new_member_bonus_once_at_enrolment() -> None:
    document = doc(programme("hello", "welcome", {"reward": {"points": 100, "gift": "tote"}}))
    result = evaluate(document, Context(Trigger.ENROL), MEMBER, NOW)
    assert total(result, Asset.POINTS) == 100
    assert [p.text for p in result.prompts] == ["tote"]
    again = evaluate(document, Context(Trigger.ENROL), MEMBER.apply(result.state_changes), NOW)
    assert again.postings == ()
    assert evaluate(document, sale(1000), MEMBER, NOW).postings == ()


BIRTHDAY = programme("bday", "birthday", {"reward": {"points": 200}})


def test_birthday_reward_in_the_birthday_month_once_a_year() -> None:
    document = doc(BIRTHDAY)
    state = replace(MEMBER, birthday=date(1990, 6, 30))
    assert evaluate(document, sale(100), state, at(date(2026, 5, 31))).postings == ()
    june = evaluate(document, sale(100), state, at(date(2026, 6, 1)))
    assert total(june, Asset.POINTS) == 200
    state = state.apply(june.state_changes)
    assert evaluate(document, sale(100), state, at(date(2026, 6, 30))).postings == ()
    assert evaluate(document, Context(Trigger.CHECK_IN), state,
                    at(date(2026, 6, 20))).postings == ()
    next_year = evaluate(document, Context(Trigger.CHECK_IN), state, at(date(2027, 6, 3)))
    assert total(next_year, Asset.POINTS) == 200


def test_birthday_month_is_the_shops_local_month() -> None:
    state = replace(MEMBER, birthday=date(1990, 7, 1))
    # 2026-06-30 17:00 UTC is already 1 July in Taipei
    late = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert total(evaluate(doc(BIRTHDAY), sale(100), state, late), Asset.POINTS) == 200


def test_no_birthday_no_reward() -> None:
    assert evaluate(doc(BIRTHDAY), sale(100), MEMBER, NOW).postings == ()


# --- validity, combinations, stacking ----------------------------------------------------------
def test_programme_outside_its_validity_window_does_nothing() -> None:
    document = doc(programme("summer", "points", {"earn_unit": 10},
                             valid_from="2026-07-01", valid_until="2026-08-31"))
    assert evaluate(document, sale(100), MEMBER, NOW).postings == ()
    assert total(evaluate(document, sale(100), MEMBER, at(date(2026, 8, 31))),
                 Asset.POINTS) == 10
    assert evaluate(document, sale(100), MEMBER, at(date(2026, 9, 1))).postings == ()


HYBRID = [TIERS, PLUS, POINTS,
          programme("cb", "cash_back", {"basis_points": 100}),
          programme("give", "charity", {"charity": "C", "points_percent": 50})]

STACKING_CASES: list[tuple[str, str, dict[str, Any], int, int, int]] = [
    # case, tier, settings, discount, points earned, cash-back on NT$1,000 for a gold Plus member
    # gold: ×2 and 10 % off; Plus: ×2 and 5 % off; basis = 1,000 − 100 − 50 = 850 → 17 units
    ("multipliers multiply", "gold", {}, 150, 68, 8),
    ("multipliers add", "gold", {"multiplier_stacking": "add"}, 150, 51, 8),
    ("largest multiplier", "gold", {"multiplier_stacking": "max"}, 150, 34, 8),
    ("bronze: Plus only", "bronze", {}, 50, 38, 9),
]


@pytest.mark.parametrize(("case", "tier", "settings", "discount", "points", "cash"),
                         STACKING_CASES, ids=[c[0] for c in STACKING_CASES])
def test_hybrid_stacking(case: str, tier: str, settings: dict[str, Any], discount: int,
                         points: int, cash: int) -> None:
    state = replace(MEMBER, tier=tier, tier_period="2026", rolling_spend=40_000,
                    plans={"plus": date(2026, 12, 31)})
    result = evaluate(doc(*HYBRID, **settings), sale(1000), state, NOW)
    assert result.discount == discount
    # the charity takes half of the points earned, after every multiplier
    assert total(result, Asset.POINTS) == points - points // 2
    assert total(result, Asset.CASH_BACK) == cash
    assert all(v == 0 for v in per_asset(result).values())


def test_exclusive_group_keeps_only_the_first_that_acts() -> None:
    """Tier and paid membership in one group: a gold Plus member gets the tier's benefits only;
    a bronze one (no tier benefit) gets Plus. Priority decides which comes first."""
    tiers = {**TIERS, "exclusive_group": "benefits", "priority": 1}
    plus = {**PLUS, "exclusive_group": "benefits", "priority": 2}
    gold = replace(MEMBER, tier="gold", tier_period="2026", rolling_spend=40_000,
                   plans={"plus": date(2026, 12, 31)})
    result = evaluate(doc(tiers, plus, POINTS), sale(1000), gold, NOW)
    assert [(d.programme_id, d.amount) for d in result.discounts] == [("tiers", 100)]
    assert total(result, Asset.POINTS) == 36
    bronze = replace(gold, tier="bronze", rolling_spend=0)
    result = evaluate(doc(tiers, plus, POINTS), sale(1000), bronze, NOW)
    assert [(d.programme_id, d.amount) for d in result.discounts] == [("plus", 50)]
    # the configuration can say otherwise: Plus first
    plus_first = {**plus, "priority": 0}
    result = evaluate(doc(tiers, plus_first, POINTS), sale(1000), gold, NOW)
    assert [(d.programme_id, d.amount) for d in result.discounts] == [("plus", 50)]


def test_two_cash_back_offers_in_one_group_do_not_stack() -> None:
    a = programme("cb-a", "cash_back", {"basis_points": 100}, exclusive_group="cb")
    b = programme("cb-b", "cash_back", {"basis_points": 300, "min_spend": 500},
                  exclusive_group="cb", priority=50)
    assert total(evaluate(doc(a, b), sale(1000), MEMBER, NOW), Asset.CASH_BACK) == 30
    # b does nothing under its minimum spend, so a applies
    assert total(evaluate(doc(a, b), sale(400), MEMBER, NOW), Asset.CASH_BACK) == 4
    # without the group they stack
    a2, b2 = {**a, "exclusive_group": ""}, {**b, "exclusive_group": ""}
    assert total(evaluate(doc(a2, b2), sale(1000), MEMBER, NOW), Asset.CASH_BACK) == 40


def test_every_posting_is_attributed_and_the_body_keeps_it() -> None:
    state = replace(MEMBER, birthday=date(1990, 6, 1), referred_by="m0")
    document = doc(*HYBRID, REFERRAL, BIRTHDAY, programme("card", "stamps", {
        "card_size": 5, "reward": {"points": 10}}))
    result = evaluate(document, sale(1000), replace(state, stamps=4), NOW)
    assert [a.posting for a in result.attributions] == list(range(len(result.postings)))
    body = result.attribution_body(offset=2)
    assert body["attribution"][0][0] == 2
    assert {row[1] for row in body["attribution"]} == {
        "points", "cb", "give", "ref", "bday", "card"}
    assert body["programmes_version"] == 1


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        evaluate(doc(POINTS), sale(100), MEMBER, datetime(2026, 6, 15, 10, 0))


def test_state_without_changes_is_unchanged() -> None:
    assert MemberState("m1").apply(()) == MemberState("m1")

import pytest

from terminal.errors import InvalidAmount, InvalidInput
from terminal.rules import Rounding, Rules, divide


@pytest.mark.parametrize(("spend", "points"),
                         [(0, 0), (49, 0), (50, 1), (99, 1), (100, 2), (149, 2), (150, 3)])
def test_default_earn_is_one_point_per_full_nt50(spend: int, points: int) -> None:
    assert Rules().points_for(spend, "basic") == points


def test_explicit_rounding_modes() -> None:
    assert divide(99, 50, Rounding.FLOOR) == 1
    assert divide(99, 50, Rounding.HALF_UP) == 2
    assert divide(74, 50, Rounding.HALF_UP) == 1
    assert divide(75, 50, Rounding.HALF_UP) == 2
    assert divide(51, 50, Rounding.CEILING) == 2
    assert divide(100, 50, Rounding.CEILING) == 2
    assert Rules(earn_rounding=Rounding.CEILING).points_for(1, "basic") == 1


def test_tier_multiplier_hook() -> None:
    rules = Rules(tier_multiplier_percent={"gold": 150, "vip": 200})
    assert rules.points_for(1000, "basic") == 20
    assert rules.points_for(1000, "gold") == 30
    assert rules.points_for(1000, "vip") == 40
    assert rules.points_for(50, "gold") == 1  # 1.5 rounds down


def test_redemption_100_points_is_nt20_and_partial_steps() -> None:
    rules = Rules()
    assert rules.discount_for(100) == 20
    assert rules.discount_for(250) == 50
    assert rules.discount_for(5) == 1
    assert rules.points_step == 5
    with pytest.raises(InvalidAmount, match="steps of 5"):
        rules.discount_for(7)
    with pytest.raises(InvalidAmount):
        rules.discount_for(-5)
    assert rules.max_points_for(amount=30, available=1000) == 150
    assert rules.max_points_for(amount=1000, available=123) == 120


def test_rules_from_mapping_validates() -> None:
    rules = Rules.from_mapping({"earn_unit": 100, "earn_rounding": "half_up",
                                "tier_multiplier_percent": {"gold": 200}})
    assert rules.points_for(150, "gold") == 4
    assert Rules.from_mapping(rules.to_mapping()) == rules
    with pytest.raises(InvalidInput, match="Unknown rule"):
        Rules.from_mapping({"earn_units": 5})
    with pytest.raises(InvalidInput):
        Rules.from_mapping({"earn_unit": 0})
    with pytest.raises(InvalidAmount):
        Rules.from_mapping({"earn_unit": 12.5})
    with pytest.raises(InvalidInput):
        Rules.from_mapping({"earn_rounding": "bankers"})

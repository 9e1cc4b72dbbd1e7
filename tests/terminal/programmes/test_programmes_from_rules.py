"""The terminal's current rules, converted to a programme document, earn exactly the same."""

from __future__ import annotations

from dataclasses import replace

import pytest
from programmes_testkit import MEMBER, NOW, sale, total

from terminal.ledger import Asset
from terminal.programmes import Context, Trigger, evaluate, parse_document
from terminal.programmes.from_rules import document_from_rules
from terminal.rules import Rounding, Rules

RULES = [
    Rules(),
    Rules(earn_rounding=Rounding.HALF_UP),
    Rules(earn_rounding=Rounding.CEILING, points_per_unit=3),
    Rules(earn_unit=100, tier_multiplier_percent={"gold": 150, "silver": 125}),
]


@pytest.mark.parametrize("rules", RULES, ids=["default", "half-up", "ceiling×3", "tiers"])
@pytest.mark.parametrize("amount", [0, 1, 49, 50, 99, 100, 149, 150, 999, 1000, 12_345])
@pytest.mark.parametrize("tier", ["", "gold", "silver"])
def test_same_points_as_rules(rules: Rules, amount: int, tier: str) -> None:
    document = parse_document(document_from_rules(rules))
    result = evaluate(document, sale(amount), replace(MEMBER, tier=tier), NOW)
    assert total(result, Asset.POINTS) == rules.points_for(amount, tier)


def test_default_rules_give_the_documented_figures() -> None:
    document = parse_document(document_from_rules(Rules()))
    earned = [total(evaluate(document, sale(a), MEMBER, NOW), Asset.POINTS)
              for a in (49, 50, 99, 100)]
    assert earned == [0, 1, 1, 2]


def test_new_member_bonus_and_stamps_carry_over() -> None:
    rules = Rules(new_member_bonus=150, stamps_per_sale=2, stamp_card_size=8)
    document = parse_document(document_from_rules(rules))
    enrolled = evaluate(document, Context(Trigger.ENROL), MEMBER, NOW)
    assert total(enrolled, Asset.POINTS) == 150
    assert total(evaluate(document, sale(100), MEMBER, NOW), Asset.STAMPS) == 2
    lot = enrolled.postings[0]
    assert lot.expires_on is not None and (lot.expires_on - NOW.date()).days == 365

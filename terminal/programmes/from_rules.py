"""The terminal's current :class:`terminal.rules.Rules` as an equivalent programme document.

The bridge from the fixed rules to programmes as data: earning (unit, rounding, tier
multipliers), the new-member bonus and, when sales add stamps, the stamp card.
"""

from __future__ import annotations

from typing import Any

from terminal.rules import Rules


def document_from_rules(rules: Rules, version: int = 1) -> dict[str, Any]:
    """A document (as JSON-ready data) that earns exactly what ``rules`` earns."""
    programmes: list[dict[str, Any]] = [{
        "id": "points",
        "type": "points",
        "name": "紅利點數 / points",
        "priority": 10,
        "params": {
            "earn_unit": rules.earn_unit,
            "points_per_unit": rules.points_per_unit,
            "rounding": rules.earn_rounding.value,
            "tier_percent": dict(rules.tier_multiplier_percent),
        },
    }]
    if rules.new_member_bonus:
        programmes.append({"id": "welcome", "type": "welcome", "name": "入會禮 / welcome",
                           "params": {"reward": {"points": rules.new_member_bonus}}})
    if rules.stamps_per_sale:
        programmes.append({
            "id": "stamps", "type": "stamps", "name": "集點卡 / stamp card",
            "params": {"per": "visit", "stamps": rules.stamps_per_sale,
                       "max_per_visit": rules.max_stamps_per_visit,
                       "card_size": rules.stamp_card_size,
                       "reward": {"gift": rules.stamp_reward}, "auto_redeem": False},
        })
    return {"version": version, "currency": rules.currency.code,
            "points_validity_days": rules.points_validity_days, "programmes": programmes}

"""The demo shop's programme document: the shop's rules as programmes (so sales earn exactly
as before) plus a daily check-in, a paid membership, a subscription and an opt-in charity, so
the member panel's check-in, plan and charity buttons can be tried (``--demo`` only)."""

from __future__ import annotations

from typing import Any

from terminal.programmes.from_rules import document_from_rules
from terminal.rules import Rules

DEMO_PROGRAMMES: list[dict[str, Any]] = [
    {"id": "daily", "type": "check_in", "name": "每日簽到",
     "params": {"reward": {"points": 5}}},
    {"id": "plus", "type": "membership", "name": "Plus 會員",
     "params": {"fee": 1200, "days": 365, "discount_percent": 3,
                "perks": "免費停車 1 小時 / 1 h free parking"}},
    {"id": "coffee-club", "type": "subscription", "name": "咖啡月訂",
     "params": {"fee": 299, "days": 30, "monthly_reward": {"points": 40}}},
    {"id": "good-day", "type": "charity", "name": "好日子公益",
     "params": {"charity": "好日子公益基金 Good Day Fund", "spend_basis_points": 100,
                "points_percent": 10, "opt_in": True}},
]


def demo_document(rules: Rules) -> dict[str, Any]:
    document = document_from_rules(rules)
    document["programmes"] += DEMO_PROGRAMMES
    return document

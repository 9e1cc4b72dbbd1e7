"""A member's lifecycle stage and what the cashier should say or offer (prompts).

Pure functions. Stages follow DOMAIN.md: new (enrolled, no purchase yet: guide to a first
purchase), active, dormant (the repurchase interval stretches: wake-up offer), churned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from terminal.checkout import MemberView

NEW_DAYS = 30
DORMANT_DAYS = 60
CHURNED_DAYS = 180


class Stage(Enum):
    NEW = "new"  # enrolled recently, no purchase yet (introduction)
    ACTIVE = "active"
    DORMANT = "dormant"
    CHURNED = "churned"


@dataclass(frozen=True)
class Prompt:
    kind: str  # "birthday", "expiring", "dormant", "first_purchase", "churned"
    points: int = 0
    expires_on: date | None = None
    days: int = 0


def lifecycle_stage(enrolled_on: date, last_purchase: date | None, today: date) -> Stage:
    if last_purchase is None:
        return Stage.NEW if (today - enrolled_on).days <= NEW_DAYS else Stage.DORMANT
    idle = (today - last_purchase).days
    if idle <= DORMANT_DAYS:
        return Stage.ACTIVE
    if idle <= CHURNED_DAYS:
        return Stage.DORMANT
    return Stage.CHURNED


def prompts(view: MemberView, stage: Stage, last_purchase: date | None,
            today: date) -> list[Prompt]:
    out: list[Prompt] = []
    birthday = view.member.birthday
    if birthday is not None and birthday.month == today.month:
        out.append(Prompt("birthday"))
    if view.expiring_soon:
        first = min((lot.expires_on for lot in view.expiring_soon if lot.expires_on),
                    default=None)
        out.append(Prompt("expiring", view.points_expiring_soon, first))
    if stage is Stage.NEW:
        out.append(Prompt("first_purchase"))
    elif stage is Stage.DORMANT and last_purchase is not None:
        out.append(Prompt("dormant", days=(today - last_purchase).days))
    elif stage is Stage.CHURNED and last_purchase is not None:
        out.append(Prompt("churned", days=(today - last_purchase).days))
    return out

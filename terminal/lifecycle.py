"""A member's lifecycle stage and what the cashier should say or offer (prompts).

Pure functions. Stages follow DOMAIN.md: new (enrolled, no purchase yet: guide to a first
purchase), active, dormant (the repurchase interval stretches: wake-up offer), churned. The
day thresholds are shop rules (``[rules] lifecycle_*_days`` in config.toml); the module
constants are their defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from terminal.analytics import Activity
from terminal.checkout import MemberView
from terminal.rules import Rules, check_lifecycle_days

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
    kind: str  # "birthday", "expiring", "dormant", "first_purchase", "churned", "benefit"
    points: int = 0
    expires_on: date | None = None
    days: int = 0
    text: str = ""  # "benefit": what was issued (programme · rule: value; as on receipts)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Day limits between stages: up to ``new_days`` after enrolling without a purchase a
    member is new; up to ``dormant_days`` since the last purchase active, up to
    ``churned_days`` dormant, beyond that churned."""

    new_days: int = NEW_DAYS
    dormant_days: int = DORMANT_DAYS
    churned_days: int = CHURNED_DAYS

    def __post_init__(self) -> None:
        check_lifecycle_days(self.new_days, self.dormant_days, self.churned_days)

    @classmethod
    def of(cls, rules: Rules) -> Thresholds:
        return cls(rules.lifecycle_new_days, rules.lifecycle_dormant_days,
                   rules.lifecycle_churned_days)


DEFAULT_THRESHOLDS = Thresholds()


def lifecycle_stage(enrolled_on: date, last_purchase: date | None, today: date,
                    thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Stage:
    if last_purchase is None:
        new = (today - enrolled_on).days <= thresholds.new_days
        return Stage.NEW if new else Stage.DORMANT
    idle = (today - last_purchase).days
    if idle <= thresholds.dormant_days:
        return Stage.ACTIVE
    if idle <= thresholds.churned_days:
        return Stage.DORMANT
    return Stage.CHURNED


def stage_counts(activities: Iterable[Activity], today: date,
                 thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict[Stage, int]:
    """How many members are in each stage (every stage listed, in lifecycle order)."""
    counts = dict.fromkeys(Stage, 0)
    for a in activities:
        counts[lifecycle_stage(a.enrolled_on, a.last_purchase, today, thresholds)] += 1
    return counts


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

"""The programme types: each module parses its parameters and applies them to a tally.

``PHASES`` fixes the order between types, so stacking is defined by the document and never
by how it happens to list its programmes: qualifying benefits first (tier, paid membership:
their discounts and multipliers), then earning, then giving a share away (charity). Within a
phase, programmes run by ``priority`` (lower first), then by id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from terminal.programmes import (
    birthday,
    cashback,
    charity,
    check_in,
    membership,
    mission,
    points,
    referral,
    stamps,
    subscription,
    tiers,
    top_up_bonus,
    welcome,
)
from terminal.programmes.fields import Fields
from terminal.programmes.model import Trigger
from terminal.programmes.tally import Tally

QUALIFY, EARN, GIVE = 10, 20, 30


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    phase: int
    triggers: frozenset[Trigger]
    parse: Callable[[Fields], Any]
    apply: Callable[[Any, Tally], None]
    plan: bool = False  # bought with PLAN_PURCHASE


def _kind(module: ModuleType, phase: int, plan: bool = False) -> Kind:
    return Kind(module.TYPE, phase, module.TRIGGERS, module.parse, module.apply, plan)


KINDS: dict[str, Kind] = {k.name: k for k in (
    _kind(tiers, QUALIFY),
    _kind(membership, QUALIFY, plan=True),
    _kind(points, EARN),
    _kind(cashback, EARN),
    _kind(stamps, EARN),
    _kind(referral, EARN),
    _kind(subscription, EARN, plan=True),
    _kind(check_in, EARN),
    _kind(mission, EARN),
    _kind(top_up_bonus, EARN),
    _kind(welcome, EARN),
    _kind(birthday, EARN),
    _kind(charity, GIVE),
)}

"""What the member panel shows beyond balances (stage and prompts come from the core)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from terminal.checkout import MemberView
from terminal.lifecycle import Prompt, Stage

__all__ = ["CharityOffer", "MemberCard", "Offers", "PlanOffer", "Prompt", "Stage"]


@dataclass(frozen=True)
class PlanOffer:
    """A paid membership or subscription of the shop's programme document."""

    programme_id: str
    name: str
    kind: str  # "membership" or "subscription"
    fee: int  # minor units, collected like a sale's other tender
    days: int
    valid_until: date | None  # the member's last day of it (None: never bought)
    active: bool = False  # valid today


@dataclass(frozen=True)
class CharityOffer:
    """An opt-in charity programme of the document the member may choose to give to."""

    programme_id: str
    name: str
    charity: str  # the cause, as printed on the receipt
    spend_basis_points: int  # the shop pledges this share of spend (100 = 1 %)
    points_percent: int  # the member gives this share of the points a sale earns


@dataclass(frozen=True)
class Offers:
    """What the programme document lets the cashier do for this member beyond a sale."""

    check_in: bool = False
    plans: tuple[PlanOffer, ...] = ()
    charities: tuple[CharityOffer, ...] = ()
    charity: str = ""  # the charity programme the member gives to now ("" none)


@dataclass(frozen=True)
class MemberCard:
    """Everything the member panel shows, fetched in one background op."""

    view: MemberView
    stage: Stage
    prompts: tuple[Prompt, ...]
    last_purchase: date | None
    offers: Offers = field(default_factory=Offers)

"""What evaluation reads (the trigger and the member's state) and what it returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from terminal.errors import InvalidInput
from terminal.ledger import Posting
from terminal.money import require_int


class Trigger(StrEnum):
    SALE = "sale"
    TOP_UP = "top_up"
    ENROL = "enrol"
    CHECK_IN = "check_in"
    PLAN_PURCHASE = "plan_purchase"  # buying or renewing a paid membership or subscription
    VISIT = "visit"  # the member identified at the till: periodic benefits fall due


@dataclass(frozen=True, slots=True)
class Line:
    """One sale line (after the POS's own discounts)."""

    category: str
    quantity: int
    amount: int  # minor units for the whole line

    def __post_init__(self) -> None:
        if require_int(self.quantity, "line quantity") <= 0:
            raise InvalidInput("A sale line needs a quantity of at least 1.")
        if require_int(self.amount, "line amount") < 0:
            raise InvalidInput("A sale line amount cannot be negative.")


@dataclass(frozen=True, slots=True)
class Context:
    """The trigger being evaluated.

    ``amount`` is the sale's amount after the POS's discounts (or the top-up amount); ``lines``
    are optional, and when given their amounts sum to ``amount``.
    """

    trigger: Trigger
    amount: int = 0
    lines: tuple[Line, ...] = ()
    referrer_id: str | None = None  # enrolment with a referral code, resolved to a member
    plan_id: str | None = None  # the membership/subscription programme being bought

    def __post_init__(self) -> None:
        if require_int(self.amount, "amount") < 0:
            raise InvalidInput("The amount cannot be negative.")
        if self.lines and sum(line.amount for line in self.lines) != self.amount:
            raise InvalidInput("The sale lines do not add up to the sale amount.")

    @property
    def items(self) -> int:
        return sum(line.quantity for line in self.lines) if self.lines else 1


@dataclass(frozen=True, slots=True)
class MemberState:
    """What evaluation needs to know about the member, as the caller's store has it."""

    member_id: str
    tier: str = ""  # "" = the lowest tier of the document
    tier_period: str = ""  # the review period in which the tier was last set
    rolling_spend: int = 0  # spend over the last 12 months, before this trigger
    visit_dates: tuple[date, ...] = ()  # recent purchase days, before this trigger
    purchases: int = 0  # purchases before this trigger (0: this is the first)
    birthday: date | None = None
    enrolled_on: date | None = None
    referred_by: str | None = None
    stamps: int = 0
    plans: Mapping[str, date] = field(default_factory=dict)  # plan programme id → last day
    awarded: frozenset[str] = frozenset()  # once-only rewards already given (keys)
    charity: str | None = None  # the charity programme the member chose to give points to
    review_tier: bool = True  # False: the caller has no spend history; keep ``tier`` as is

    def apply(self, changes: Iterable[StateChange]) -> MemberState:
        """This state with ``changes`` applied (what the caller persists)."""
        state = self
        for change in changes:
            state = change.apply_to(state)
        return state


@dataclass(frozen=True, slots=True)
class StateChange:
    """A fact the caller must persist so a later evaluation sees it."""

    field: str  # "tier", "tier_period", "referred_by", "award", "plan", "charity"
    value: str
    key: str = ""  # for "plan": the programme id (value: the new last day)

    def apply_to(self, state: MemberState) -> MemberState:
        if self.field == "award":
            return replace(state, awarded=state.awarded | {self.value})
        if self.field == "plan":
            return replace(state, plans={**state.plans, self.key: date.fromisoformat(self.value)})
        if self.field == "tier":
            return replace(state, tier=self.value)
        if self.field == "tier_period":
            return replace(state, tier_period=self.value)
        if self.field == "referred_by":
            return replace(state, referred_by=self.value)
        if self.field == "charity":  # the member's choice ("" = none)
            return replace(state, charity=self.value or None)
        raise ValueError(f"unknown state change {self.field!r}")

    def to_body(self) -> dict[str, str]:
        out = {"field": self.field, "value": self.value}
        if self.key:
            out["key"] = self.key
        return out


@dataclass(frozen=True, slots=True)
class Prompt:
    """What the cashier should say or offer, and what the receipt shows."""

    programme_id: str
    kind: str  # e.g. "gift", "tier_upgrade", "card_full", "donation", "plan_expired"
    text: str
    amount: int = 0


@dataclass(frozen=True, slots=True)
class Attribution:
    """Which programme and rule produced a posting (by index into ``Result.postings``)."""

    posting: int
    programme_id: str
    rule: str


@dataclass(frozen=True, slots=True)
class Discount:
    programme_id: str
    rule: str
    amount: int


@dataclass(frozen=True, slots=True)
class Result:
    postings: tuple[Posting, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    prompts: tuple[Prompt, ...] = ()
    discounts: tuple[Discount, ...] = ()
    state_changes: tuple[StateChange, ...] = ()
    document_version: int = 0

    @property
    def discount(self) -> int:
        return sum(d.amount for d in self.discounts)

    def attribution_body(self, offset: int = 0) -> dict[str, Any]:
        """The explanation kept in the event body; ``offset`` = postings placed before ours."""
        return {
            "programmes_version": self.document_version,
            "attribution": [[a.posting + offset, a.programme_id, a.rule]
                            for a in self.attributions],
            "programme_discounts": [[d.programme_id, d.rule, d.amount] for d in self.discounts],
            "state_changes": [c.to_body() for c in self.state_changes],
        }

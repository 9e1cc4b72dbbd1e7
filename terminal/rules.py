"""The earn and redeem rules as data, evaluated by pure functions.

Defaults follow the shops in DOMAIN.md: 1 point per full NT$50 (NT$99 earns 1, NT$100 earns
2), 100 points for a new member, 100 points = NT$20 off, partial redemption allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from terminal.errors import InvalidAmount, InvalidInput
from terminal.member_pins import StoredValuePin
from terminal.money import TWD, Currency, currency_by_code, format_minor, require_int


class Rounding(StrEnum):
    FLOOR = "floor"  # only full earn units count
    HALF_UP = "half_up"
    CEILING = "ceiling"


def divide(numerator: int, denominator: int, rounding: Rounding) -> int:
    """Integer division of non-negative numbers with an explicit rounding rule."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide() takes a non-negative numerator and a positive denominator")
    quotient, remainder = divmod(numerator, denominator)
    if rounding is Rounding.FLOOR or remainder == 0:
        return quotient
    if rounding is Rounding.CEILING:
        return quotient + 1
    return quotient + (1 if remainder * 2 >= denominator else 0)


@dataclass(frozen=True)
class Rules:
    currency: Currency = TWD
    earn_unit: int = 50  # minor units of spend per earn step
    points_per_unit: int = 1
    earn_rounding: Rounding = Rounding.FLOOR
    # Tier multipliers in percent (the hook for tier programmes): {"gold": 150} = ×1.5.
    tier_multiplier_percent: Mapping[str, int] = field(default_factory=dict)
    new_member_bonus: int = 100
    redeem_points_unit: int = 100  # this many points …
    redeem_value_unit: int = 20  # … are worth this many minor units off
    points_validity_days: int = 365  # a lot expires this long after it was earned (0: never)
    expiring_soon_days: int = 30
    max_sale_amount: int = 200_000
    max_top_up_amount: int = 50_000
    max_points_redeem: int = 1_000_000
    top_up_presets: tuple[int, ...] = (500, 1000, 2000, 5000)
    max_points_transfer: int = 5_000  # points one transfer between members may move
    # Stamp card (集點卡): this many stamps fill a card, which is exchanged for the reward.
    stamp_card_size: int = 10
    stamp_reward: str = "免費飲品一杯 / one free drink"
    stamps_per_sale: int = 0  # stamps a sale adds by itself (0: the cashier adds them)
    max_stamps_per_visit: int = 10
    # When paying with stored value needs the member's PIN: "card" (identified by a static
    # card, the default), "never", or "always" (a phone code too).
    stored_value_pin: StoredValuePin = StoredValuePin.CARD
    # Lifecycle stage (terminal.lifecycle): a member who has not bought yet is "new" for this
    # many days after enrolling; after more days than these since the last purchase a member
    # is dormant, then churned. Each must be positive, new < dormant < churned.
    lifecycle_new_days: int = 30
    lifecycle_dormant_days: int = 60
    lifecycle_churned_days: int = 180

    def __post_init__(self) -> None:
        for name in ("earn_unit", "redeem_points_unit", "redeem_value_unit", "stamp_card_size",
                     "max_stamps_per_visit"):
            if require_int(getattr(self, name), name) <= 0:
                raise InvalidInput(f"Rule {name} must be positive.")
        for name in ("points_per_unit", "new_member_bonus", "points_validity_days",
                     "expiring_soon_days", "max_sale_amount", "max_top_up_amount",
                     "max_points_redeem", "stamps_per_sale", "max_points_transfer"):
            if require_int(getattr(self, name), name) < 0:
                raise InvalidInput(f"Rule {name} must not be negative.")
        if not isinstance(self.stored_value_pin, StoredValuePin):
            try:  # a plain "card" / "never" / "always" from code is fine
                object.__setattr__(self, "stored_value_pin",
                                   StoredValuePin(self.stored_value_pin))
            except ValueError:
                raise InvalidInput(f"Unknown stored_value_pin {self.stored_value_pin!r}.") \
                    from None
        for tier, percent in self.tier_multiplier_percent.items():
            if require_int(percent, f"multiplier of {tier}") < 0:
                raise InvalidInput(f"The multiplier of tier {tier} must not be negative.")
        check_lifecycle_days(self.lifecycle_new_days, self.lifecycle_dormant_days,
                             self.lifecycle_churned_days)

    # earning ----------------------------------------------------------------------------
    def points_for(self, spend: int, tier: str) -> int:
        """Points earned on ``spend`` minor units by a member of ``tier``."""
        require_int(spend, "spend")
        if spend <= 0:
            return 0
        units = divide(spend, self.earn_unit, self.earn_rounding)
        percent = self.tier_multiplier_percent.get(tier, 100)
        return units * self.points_per_unit * percent // 100

    # redeeming --------------------------------------------------------------------------
    @property
    def points_step(self) -> int:
        """The smallest number of points that is worth a whole minor unit."""
        from math import gcd

        return self.redeem_points_unit // gcd(self.redeem_points_unit, self.redeem_value_unit)

    def discount_for(self, points: int) -> int:
        """The discount (minor units) ``points`` buy; refuses counts that are not exact."""
        require_int(points, "points")
        if points < 0:
            raise InvalidAmount("Points to redeem cannot be negative.", reason="points_negative")
        if points > self.max_points_redeem:
            raise InvalidAmount(f"{points} points is more than one sale may redeem.",
                                reason="points_max", points=points)
        value = points * self.redeem_value_unit
        if value % self.redeem_points_unit:
            raise InvalidAmount(
                f"Points are redeemed in steps of {self.points_step} "
                f"({self.redeem_points_unit} points = "
                f"{format_minor(self.redeem_value_unit, self.currency)}).",
                reason="points_step", step=self.points_step, points=self.redeem_points_unit,
                value=self.redeem_value_unit, currency=self.currency.code,
            )
        return value // self.redeem_points_unit

    def max_points_for(self, amount: int, available: int) -> int:
        """The most points (in whole steps) that can be redeemed on ``amount``."""
        by_amount = amount * self.redeem_points_unit // self.redeem_value_unit
        best = min(by_amount, available, self.max_points_redeem)
        return best - best % self.points_step

    # loading ----------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Rules:
        """Rules from a parsed TOML/JSON document; unknown keys and bad values are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"Unknown rule setting(s): {', '.join(unknown)}.")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key == "currency":
                kwargs[key] = currency_by_code(str(value))
            elif key == "earn_rounding":
                try:
                    kwargs[key] = Rounding(value)
                except ValueError:
                    raise InvalidInput(f"Unknown rounding {value!r}.") from None
            elif key == "tier_multiplier_percent":
                if not isinstance(value, Mapping):
                    raise InvalidInput("tier_multiplier_percent must be a table.")
                kwargs[key] = dict(value)
            elif key == "stored_value_pin":
                try:
                    kwargs[key] = StoredValuePin(value)
                except ValueError:
                    raise InvalidInput(f"stored_value_pin must be one of "
                                       f"{', '.join(repr(v.value) for v in StoredValuePin)}, "
                                       f"not {value!r}.") from None
            elif key == "stamp_reward":
                if not isinstance(value, str) or not value.strip():
                    raise InvalidInput("stamp_reward must be a text.")
                kwargs[key] = value.strip()
            elif key == "top_up_presets":
                kwargs[key] = tuple(require_int(v, "top-up preset") for v in value)
            else:
                kwargs[key] = require_int(value, key)
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Currency):
                value = value.code
            elif isinstance(value, Rounding | StoredValuePin):
                value = value.value
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def check_lifecycle_days(new_days: int, dormant_days: int, churned_days: int) -> None:
    """Refuse lifecycle thresholds that are not positive and increasing, naming the setting."""
    named = (("lifecycle_new_days", new_days), ("lifecycle_dormant_days", dormant_days),
             ("lifecycle_churned_days", churned_days))
    for name, days in named:
        if require_int(days, name) <= 0:
            raise InvalidInput(f"Rule {name} must be a positive number of days (got {days}).")
    for (low_name, low), (high_name, high) in zip(named, named[1:], strict=False):
        if high <= low:
            raise InvalidInput(f"Rule {high_name} ({high}) must be more than {low_name} "
                               f"({low}): new < dormant < churned.")

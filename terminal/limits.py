"""Offline limits: how much stored value a terminal may hand out while it cannot reach the server.

Pure functions over plain numbers (DESIGN §6). The server configures the limits; the terminal
keeps the last ones it pulled and enforces them here when an online authorisation is not
possible. Worst-case loss per terminal and offline period is therefore bounded by
``per_terminal_total`` (plus vouchers up to ``voucher_face_max`` each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from terminal.errors import LoyaltyError, Param
from terminal.money import TWD, Currency, format_minor, require_int


class OfflineRefused(LoyaltyError):
    """A stored-value or voucher operation that the offline limits do not allow."""

    code = "offline_refused"


@dataclass(frozen=True, slots=True)
class OfflineLimits:
    """Server-configured limits (minor units); the defaults are DESIGN §6's."""

    max_offline_hours: int = 24
    per_transaction: int = 1_000
    per_member_total: int = 2_000
    per_member_debits: int = 3
    per_terminal_total: int = 20_000
    voucher_face_max: int = 500

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if require_int(value, name) < 0:
                raise ValueError(f"offline limit {name} must not be negative")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> OfflineLimits:
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        return cls(**known)

    def to_mapping(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class OfflineUsage:
    """What this terminal already handed out offline since its last successful sync."""

    member_spent: int = 0
    member_debits: int = 0
    terminal_spent: int = 0


@dataclass(frozen=True, slots=True)
class Allowance:
    """What is left of the offline allowance (for the status line and the manager)."""

    seconds_left: int
    terminal_left: int
    per_transaction: int

    @property
    def usable(self) -> bool:
        return self.seconds_left > 0 and self.terminal_left > 0


def allowance(limits: OfflineLimits, *, now: datetime, last_sync: datetime | None,
              terminal_spent: int) -> Allowance:
    """What may still be handed out offline: nothing at all once the offline window is used
    up (or before the first sync), whatever is left of the amounts."""
    if last_sync is None:
        seconds = 0
    else:
        deadline = last_sync + timedelta(hours=limits.max_offline_hours)
        seconds = max(0, int((deadline - now).total_seconds()))
    if seconds == 0:
        return Allowance(0, 0, 0)
    return Allowance(seconds, max(0, limits.per_terminal_total - terminal_spent),
                     limits.per_transaction)


def check_offline_debit(
    limits: OfflineLimits,
    *,
    amount: int,
    now: datetime,
    last_sync: datetime | None,
    hotlisted: bool,
    usage: OfflineUsage,
    currency: Currency = TWD,
    cash_back: int = 0,
) -> None:
    """Raise :class:`OfflineRefused` with a plain message when an offline debit is not allowed.

    ``amount`` is the stored value and ``cash_back`` the cash-back of one sale that the
    server did not authorise (it could not be reached, or does not know the member yet):
    a hotlisted member cannot spend either, and cash-back counts with stored value against
    the same per-sale, per-member and per-terminal totals and debit count (one debit per
    sale), so two offline tills can overspend a member's cash-back by at most these limits
    before the server's conflict rules flag it and hotlist the member.
    The balance itself ("never beyond last known balance minus local pending debits") is
    checked by the checkout service before this is called.
    """
    require_int(amount, "amount")
    require_int(cash_back, "cash-back")

    def money(value: int) -> str:
        return format_minor(value, currency)

    total = amount + cash_back
    what = "cash-back" if not amount else "stored value and cash-back"

    def refuse(reason: str, stored_value: str, with_cash_back: str,
               **params: Param) -> OfflineRefused:
        """The stored-value refusal, or its cash-back twin (reason ``cash_back_…``) when the
        sale spends cash-back the server did not authorise."""
        if cash_back:
            return OfflineRefused(with_cash_back, reason=f"cash_back_{reason}", **params)
        return OfflineRefused(stored_value, reason=reason, **params)

    if hotlisted:
        raise refuse("hotlisted",
                     "This member can use stored value only while the terminal is online (the "
                     "account has an open balance to settle).",
                     "This member cannot pay with cash-back now: the account has a negative "
                     "balance to settle first (the manager sees why).")
    if last_sync is None:
        raise refuse("never_synced",
                     "Stored value cannot be used offline: this terminal has not synced with "
                     "the server yet.",
                     "Cash-back cannot be used yet: this terminal has not synced with the "
                     "server.")
    if now - last_sync > timedelta(hours=limits.max_offline_hours):
        hours = limits.max_offline_hours
        raise refuse("stale",
                     f"Stored value cannot be used offline: the last sync was more than "
                     f"{hours} hours ago.",
                     f"Cash-back cannot be used now: the last sync was more than {hours} hours "
                     "ago.", hours=hours)
    if total > limits.per_transaction:
        most = money(limits.per_transaction)
        raise refuse("per_transaction",
                     f"Offline, at most {most} of stored value can be used per sale.",
                     f"Until this terminal syncs, at most {most} of {what} can be used per "
                     "sale.", maximum=limits.per_transaction, currency=currency.code)
    if usage.member_debits + 1 > limits.per_member_debits:
        times = limits.per_member_debits
        raise refuse("member_debits",
                     f"Offline, a member can pay with stored value at most {times} times until "
                     "the terminal syncs.",
                     f"Until this terminal syncs, a member can pay with stored value or "
                     f"cash-back at most {times} times.", count=times)
    if usage.member_spent + total > limits.per_member_total:
        left = max(0, limits.per_member_total - usage.member_spent)
        raise refuse("member_total",
                     f"Offline, this member can use only {money(left)} more stored value until "
                     "the terminal syncs.",
                     f"Until this terminal syncs, this member can use only {money(left)} more "
                     f"{what}.", left=left, currency=currency.code)
    if usage.terminal_spent + total > limits.per_terminal_total:
        left = max(0, limits.per_terminal_total - usage.terminal_spent)
        raise refuse("terminal_total",
                     f"Offline, this terminal can accept only {money(left)} more stored value "
                     "until it syncs.",
                     f"Until this terminal syncs, it can accept only {money(left)} more "
                     f"{what}.", left=left, currency=currency.code)


def check_offline_voucher(limits: OfflineLimits, *, face_value: int, now: datetime,
                          last_sync: datetime | None, currency: Currency = TWD) -> None:
    """Vouchers offline: only within the offline window and up to ``voucher_face_max``."""
    if last_sync is None or now - last_sync > timedelta(hours=limits.max_offline_hours):
        raise OfflineRefused("Vouchers cannot be redeemed offline now: the terminal has not "
                             f"synced in the last {limits.max_offline_hours} hours.",
                             reason="voucher_stale", hours=limits.max_offline_hours)
    if face_value > limits.voucher_face_max:
        raise OfflineRefused(f"Offline, only vouchers worth up to "
                             f"{format_minor(limits.voucher_face_max, currency)} can be "
                             "redeemed.", reason="voucher_face",
                             maximum=limits.voucher_face_max, currency=currency.code)

"""Points lots: each earning is a lot with its own expiry; redemptions eat the soonest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from terminal.errors import InsufficientBalance


def lot_key(member_id: str, expires_on: date | None) -> str:
    """Points that expire on the same day are one lot: a member has a lot per expiry day."""
    return f"{expires_on.isoformat() if expires_on else 'never'}/{member_id}"


@dataclass(frozen=True, slots=True)
class Lot:
    lot_id: str
    member_id: str
    expires_on: date | None  # None: never expires
    remaining: int


def usable_lots(lots: Sequence[Lot], today: date) -> list[Lot]:
    """Lots with points left that have not expired, soonest-expiring first."""
    live = [lot for lot in lots if lot.remaining > 0 and not is_expired(lot, today)]
    return sorted(live, key=lambda lot: (lot.expires_on or date.max, lot.lot_id))


def is_expired(lot: Lot, today: date) -> bool:
    return lot.expires_on is not None and lot.expires_on < today


def allocate(lots: Sequence[Lot], points: int, today: date) -> list[tuple[Lot, int]]:
    """Which lots a redemption of ``points`` draws from, and how much from each."""
    if points < 0:
        raise ValueError("points to allocate must not be negative")
    allocation: list[tuple[Lot, int]] = []
    left = points
    for lot in usable_lots(lots, today):
        if left == 0:
            break
        take = min(lot.remaining, left)
        allocation.append((lot, take))
        left -= take
    if left:
        available = points - left
        raise InsufficientBalance(
            f"Only {available} points are available; {points} were asked for."
        )
    return allocation


def expiring_within(lots: Sequence[Lot], today: date, days: int) -> list[Lot]:
    """Live lots expiring in the next ``days`` days (for prompts and receipts)."""
    horizon = date.fromordinal(today.toordinal() + days)
    return [lot for lot in usable_lots(lots, today)
            if lot.expires_on is not None and lot.expires_on <= horizon]

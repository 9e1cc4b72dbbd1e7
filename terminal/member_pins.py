"""Members' PINs for paying with stored value: scrypt-hashed, locked after repeated failures.

A static card can be copied, so under the default rule (``stored_value_pin = "card"``) a
stored-value payment by card needs the member's PIN; a phone code (terminal.member_codes)
already proves the member's phone is at the till. The hashing and the lockout are the staff
ones (terminal.staff): the same scrypt parameters, 5 wrong PINs lock for 5 minutes. The PIN
hash travels with the member (``member_pin`` events, pulled members); the failed attempts and
the lock are this terminal's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from terminal.errors import LoyaltyError, UserLocked, WrongPin
from terminal.staff import LOCKOUT, MAX_FAILED_PINS, after_try, pin_matches, seconds_locked


class StoredValuePin(StrEnum):
    """When paying with stored value needs the member's PIN (rule ``stored_value_pin``)."""

    CARD = "card"  # when the member was identified by a static card (or not said how)
    NEVER = "never"
    ALWAYS = "always"


class MemberPinRequired(LoyaltyError):
    """The member's PIN is needed (none was given, or the member has none yet)."""

    code = "member_pin_required"


class MemberPinLocked(UserLocked):
    code = "member_pin_locked"


@dataclass(frozen=True, slots=True)
class MemberPin:
    """A member's PIN hash (None: no PIN yet) and this terminal's count of wrong tries."""

    member_id: str
    pin_hash: str | None
    failed_attempts: int = 0
    locked_until: datetime | None = None


def check_member_pin(state: MemberPin, pin: str, now: datetime) -> tuple[MemberPin, bool]:
    """Try ``pin``: the updated record and whether it matched (cf. terminal.staff.check_pin).

    Raises :class:`MemberPinLocked` without checking while a lock lasts. The caller stores the
    returned record whatever the outcome, then raises :func:`wrong_member_pin` on failure.
    """
    seconds = seconds_locked(state.locked_until, now)
    if seconds:
        raise MemberPinLocked(f"The member's PIN is locked after too many wrong tries; try "
                              f"again in {seconds // 60} min {seconds % 60} s, or pay by "
                              "phone code.", seconds, reason="locked")
    matched = state.pin_hash is not None and pin_matches(pin, state.pin_hash)
    failed, locked_until = after_try(state.failed_attempts, matched, now)
    return replace(state, failed_attempts=failed, locked_until=locked_until), matched


def wrong_member_pin(updated: MemberPin) -> WrongPin | MemberPinLocked:
    minutes = int(LOCKOUT.total_seconds()) // 60
    if updated.locked_until is not None:
        return MemberPinLocked(f"Wrong member PIN. The member's PIN is now locked for "
                               f"{minutes} minutes.", int(LOCKOUT.total_seconds()),
                               reason="now_locked", minutes=minutes)
    left = MAX_FAILED_PINS - updated.failed_attempts
    return WrongPin(f"Wrong member PIN ({left} tries left before a {minutes} minute lock).",
                    left, reason="member", minutes=minutes)

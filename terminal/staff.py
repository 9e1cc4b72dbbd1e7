"""Cashiers and managers, their PINs (scrypt) and the lockout after repeated failures."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from terminal.errors import InvalidInput, PermissionDenied, UserLocked, WrongPin

MAX_FAILED_PINS = 5
LOCKOUT = timedelta(minutes=5)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"

    def allows(self, needed: Role) -> bool:
        return self is Role.MANAGER or needed is Role.CASHIER


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    name: str
    role: Role
    pin_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = None
    active: bool = True


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    validate_pin(pin)
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                            p=int(p), dklen=len(digest_hex) // 2)
    return hmac.compare_digest(digest.hex(), digest_hex)


def validate_pin(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise InvalidInput("A PIN is 4 to 12 digits.", reason="pin_format")
    return pin


def seconds_locked(locked_until: datetime | None, now: datetime) -> int:
    """Whole seconds (rounded up) a PIN lock still lasts; 0 when there is none."""
    if locked_until is None or now >= locked_until:
        return 0
    return int((locked_until - now).total_seconds()) + 1


def after_try(failed_attempts: int, matched: bool,
              now: datetime) -> tuple[int, datetime | None]:
    """The failed-try count and the lock after one PIN try: the MAX_FAILED_PINS-th wrong try
    in a row locks for LOCKOUT (staff and members' PINs alike)."""
    if matched:
        return 0, None
    attempts = failed_attempts + 1
    if attempts >= MAX_FAILED_PINS:
        return 0, now + LOCKOUT
    return attempts, None


def check_pin(staff: Staff, pin: str, now: datetime) -> tuple[Staff, bool]:
    """Try ``pin``: the updated staff record (attempts, lock) and whether it matched.

    Raises :class:`UserLocked` without checking while the lock lasts. The caller stores the
    returned record whatever the outcome, then raises :func:`wrong_pin_error` on failure.
    """
    seconds = seconds_locked(staff.locked_until, now)
    if seconds:
        raise UserLocked(f"{staff.name} is locked after too many wrong PINs; "
                         f"try again in {seconds // 60} min {seconds % 60} s.", seconds,
                         reason="locked", name=staff.name)
    matched = pin_matches(pin, staff.pin_hash)
    failed, locked_until = after_try(staff.failed_attempts, matched, now)
    return replace(staff, failed_attempts=failed, locked_until=locked_until), matched


def wrong_pin_error(updated: Staff) -> WrongPin | UserLocked:
    if updated.locked_until is not None:
        return UserLocked(f"Wrong PIN. {updated.name} is now locked for "
                          f"{int(LOCKOUT.total_seconds()) // 60} minutes.",
                          int(LOCKOUT.total_seconds()), reason="now_locked", name=updated.name,
                          minutes=int(LOCKOUT.total_seconds()) // 60)
    left = MAX_FAILED_PINS - updated.failed_attempts
    return WrongPin(f"Wrong PIN ({left} tries left before a {int(LOCKOUT.total_seconds()) // 60}"
                    " minute lock).", left, minutes=int(LOCKOUT.total_seconds()) // 60)


def require_role(staff: Staff, needed: Role, action: str) -> None:
    if not staff.active or not staff.role.allows(needed):
        raise PermissionDenied(f"Only a {needed.value} may {action}; {staff.name} is a "
                               f"{staff.role.value}.", needed=needed.value, name=staff.name,
                               role=staff.role.value)

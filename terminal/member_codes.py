"""Rotating member codes: the phone app's QR, which changes every 30 seconds.

Each member gets a 32-byte secret at enrolment (:func:`new_member_secret`), shared by the
server, the member's app and the terminals (which pull it with the member). The app shows
``LM1:`` + Base45(member id, low byte of the 30-second window, 5-byte HMAC-SHA256 tag); a
terminal accepts the current window ±1 and refuses a window already used at that terminal, so
a screenshot stops working within a minute. Byte layout: ``docs/codes.md``.

The member id in the code is only a reference for the look-up; the tag is the credential.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from hashlib import sha256

from terminal import base45
from terminal.errors import InvalidInput, LoyaltyError, UnknownCode

PREFIX = "LM1:"
SETUP_PREFIX = "LK1:"  # the phone app's one-time setup code (member id + secret)
WINDOW_SECONDS = 30
SECRET_LENGTH = 32
MAC_LENGTH = 5  # 40 bits: a guess is right once in a trillion tries, and each try is a scan
PAYLOAD_LENGTH = 16 + 1 + MAC_LENGTH
MAC_CONTEXT = b"loyalty-member-code-v1\x00"
MAX_TEXT_LENGTH = 200  # the code is 37 characters; leave room for scanner noise
ACCEPTED_DRIFT = 1  # windows either side of the terminal's current one
# How far a refused code is searched to tell "out of date" from "forged" (on failure only).
_LOOK_BACK = 24 * 60 * 60 // WINDOW_SECONDS
_LOOK_AHEAD = 60 * 60 // WINDOW_SECONDS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RefusalReason(StrEnum):
    EXPIRED = "expired"
    REPLAYED = "replayed"
    FORGED = "forged"
    UNKNOWN_MEMBER = "unknown_member"  # no such member on this terminal (yet)
    NO_SECRET = "no_secret"  # the member is known here, but not their secret: sync first


class MemberCodeRefused(LoyaltyError):
    """A well-formed phone code that must not identify the member; see ``reason``."""

    code = "member_code_refused"

    def __init__(self, message: str, reason: RefusalReason) -> None:
        super().__init__(message, reason=reason.value)
        self.reason = reason


_MESSAGES = {
    RefusalReason.EXPIRED: "This phone code is out of date: ask the member to reopen the app "
                           "(and to check the phone's clock).",
    RefusalReason.REPLAYED: "This phone code was already used at this till: ask the member "
                            "to show the next code.",
    RefusalReason.FORGED: "This phone code is not genuine: ask the member to reopen the app, "
                          "or to show the membership card.",
    RefusalReason.UNKNOWN_MEMBER: "This phone code's member is not known on this terminal: "
                                  "sync the terminal, or scan the membership card.",
    RefusalReason.NO_SECRET: "This member's phone codes cannot be checked on this terminal "
                             "yet: sync first, or scan the membership card.",
}


def refuse(reason: RefusalReason) -> MemberCodeRefused:
    """The refusal for ``reason``, with its message for the cashier."""
    return MemberCodeRefused(_MESSAGES[reason], reason)




@dataclass(frozen=True, slots=True)
class RotatingCode:
    """A parsed phone code; not yet verified (that needs the member's secret)."""

    member_id: str
    window_hint: int  # the window number modulo 256
    mac: bytes


def new_member_secret() -> bytes:
    return secrets.token_bytes(SECRET_LENGTH)


def window_of(now: datetime) -> int:
    """The number of the 30-second window ``now`` falls in, counted from the Unix epoch."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidInput("Code times must be timezone-aware datetimes.")
    return (now - _EPOCH) // timedelta(seconds=WINDOW_SECONDS)


def make_member_code(member_id: str, secret: bytes, now: datetime) -> str:
    """The text the member's app shows in its QR during the window ``now`` falls in."""
    member = _member_bytes(member_id)
    window = window_of(now)
    payload = member + bytes([window % 256]) + _mac(secret, member, window)
    return PREFIX + base45.encode(payload)


def parse_member_code(text: str) -> RotatingCode:
    """Split a scanned ``LM1:`` code; raise :class:`UnknownCode` for anything else."""
    if not isinstance(text, str):
        raise UnknownCode("That is not a code.", reason="not_text")
    if len(text) > MAX_TEXT_LENGTH:
        raise UnknownCode("This is not a member's phone code.", reason="not_member_code")
    clean = text.strip().upper()  # see terminal.vouchers._decode: safe for Base45
    if not clean.startswith(PREFIX):
        raise UnknownCode("This is not a member's phone code.", reason="not_member_code")
    body = clean[len(PREFIX):]
    if len(body) != base45_length(PAYLOAD_LENGTH):
        raise UnknownCode("This phone code is incomplete or damaged: scan it again.",
                          reason="member_code_damaged")
    try:
        raw = base45.decode(body)
    except base45.Base45Error:
        raise UnknownCode("This phone code is damaged: scan it again.",
                          reason="member_code_damaged") from None
    return RotatingCode(str(uuid.UUID(bytes=raw[:16])), raw[16], raw[17:])


def verify_member_code(code: RotatingCode, secret: bytes, now: datetime,
                       seen_windows: Container[int]) -> int:
    """The window the code was made in, if it may identify its member now; else refused.

    Accepts the terminal's current window ±1. ``seen_windows`` are the windows of this
    member's codes already accepted at this terminal: the same window is refused, and so is
    an older one once a newer one was used (a screenshot must not follow the real code).
    The caller records the returned window in its seen set.
    """
    member = _member_bytes(code.member_id)
    current = window_of(now)
    for window in range(current - ACCEPTED_DRIFT, current + ACCEPTED_DRIFT + 1):
        if window % 256 == code.window_hint and _mac_ok(secret, member, window, code.mac):
            if any(later in seen_windows
                   for later in range(window, window + 2 * ACCEPTED_DRIFT + 1)):
                raise refuse(RefusalReason.REPLAYED)
            return window
    if _made_in_another_window(code, secret, member, current):
        raise refuse(RefusalReason.EXPIRED)
    raise refuse(RefusalReason.FORGED)


def make_app_setup_code(member_id: str, secret: bytes) -> str:
    """The one-time QR that puts the member's secret into the phone app (``LK1:``).

    ``LK1:`` + Base45(member id ‖ secret): 48 bytes, 76 characters. It is the credential
    itself: shown once, to the member, after enrolment; never printed on a receipt. Tills
    refuse it at checkout (terminal.codes) so it is not mistaken for a phone code.
    """
    if not isinstance(secret, bytes) or len(secret) != SECRET_LENGTH:
        raise InvalidInput(f"A member's secret is {SECRET_LENGTH} bytes.")
    return SETUP_PREFIX + base45.encode(_member_bytes(member_id) + secret)


def parse_app_setup_code(text: str) -> tuple[str, bytes]:
    """(member id, secret) from an ``LK1:`` text, as the phone app reads it."""
    clean = text.strip().upper() if isinstance(text, str) else ""
    if not clean.startswith(SETUP_PREFIX):
        raise UnknownCode("This is not a phone-app setup code.", reason="not_setup_code")
    try:
        raw = base45.decode(clean[len(SETUP_PREFIX):])
    except base45.Base45Error:
        raise UnknownCode("This setup code is damaged.", reason="setup_code_damaged") from None
    if len(raw) != 16 + SECRET_LENGTH:
        raise UnknownCode("This setup code is damaged.", reason="setup_code_damaged")
    return str(uuid.UUID(bytes=raw[:16])), raw[16:]


def base45_length(size: int) -> int:
    return size // 2 * 3 + size % 2 * 2


def _made_in_another_window(code: RotatingCode, secret: bytes, member: bytes,
                            current: int) -> bool:
    """Whether the tag is genuine for a window within a day before or an hour after now."""
    first = current - _LOOK_BACK
    first += (code.window_hint - first) % 256
    return any(_mac_ok(secret, member, window, code.mac)
               for window in range(first, current + _LOOK_AHEAD + 1, 256)
               if abs(window - current) > ACCEPTED_DRIFT)


def _mac(secret: bytes, member: bytes, window: int) -> bytes:
    message = MAC_CONTEXT + member + window.to_bytes(8, "big", signed=True)
    return hmac.new(secret, message, sha256).digest()[:MAC_LENGTH]


def _mac_ok(secret: bytes, member: bytes, window: int, mac: bytes) -> bool:
    return hmac.compare_digest(_mac(secret, member, window), mac)


def _member_bytes(member_id: str) -> bytes:
    if not isinstance(member_id, str):
        raise InvalidInput(f"A member id must be a UUID, not {member_id!r}.")
    try:
        return uuid.UUID(member_id).bytes
    except ValueError:
        raise InvalidInput(f"Member id {member_id!r} is not a UUID.") from None

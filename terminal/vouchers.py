"""E-vouchers: a compact binary payload signed with Ed25519, carried in a QR as ``LV1:`` + Base45.

The server issues vouchers with a private signing key; terminals verify them offline with the
public keys they pulled, named by a one-byte key id so keys can rotate (old and new both verify
while old vouchers are in circulation). The byte layout is documented in ``docs/codes.md``.

:func:`verify_voucher` returns a :class:`Voucher` or raises :class:`VoucherRefused` whose
``reason`` says why, in words a cashier can read out. Nothing else escapes it: any damaged,
truncated or tampered text is ``forged``.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from terminal import base45
from terminal.errors import InvalidInput, LoyaltyError
from terminal.ids import new_id

PREFIX = "LV1:"
VERSION = 1
# The signature covers this context followed by the payload, so a voucher key's signature can
# never be passed off as anything else (and no other signature as a voucher).
SIGNATURE_CONTEXT = b"loyalty-voucher-v1\x00"
SIGNATURE_LENGTH = 64
KEY_LENGTH = 32
STORE_TAG_LENGTH = 8
MAX_TEXT_LENGTH = 400  # the longest voucher is 4 + 183 characters

FLAG_MEMBER = 0x01
FLAG_STORE = 0x02
_KNOWN_FLAGS = FLAG_MEMBER | FLAG_STORE

# version, key id, voucher id, kind, value, uses, not before, not after, flags
_HEADER = struct.Struct(">BB16sBIHIIB")
MAX_VALUE = 0xFFFF_FFFF
MAX_USES = 0xFFFF
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Validity bounds are Unix minutes in 4 bytes; keep them where datetime can follow (< year 9999).
MAX_MINUTES = (datetime(9999, 12, 31, tzinfo=UTC) - EPOCH) // timedelta(minutes=1)


class VoucherKind(IntEnum):
    """What a voucher gives, and what its ``value`` means."""

    AMOUNT_OFF = 1  # value: minor units off the sale (TWD: dollars)
    PERCENT_OFF = 2  # value: percent off the sale, 1..100
    PRODUCT = 3  # value: the product's code id; one product per use
    MULTI_USE = 4  # value: the product's code id; ``uses`` of them ("10 coffees")


class RefusalReason(StrEnum):
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_STORE = "wrong_store"
    WRONG_MEMBER = "wrong_member"
    REVOKED = "revoked"
    ALREADY_USED = "already_used"
    #: the last uses are held by other tills' redemptions in progress (online): not used up
    #: yet, and free again if those redemptions fail
    HELD_ELSEWHERE = "held_elsewhere"
    FORGED = "forged"


class VoucherRefused(LoyaltyError):
    """A scanned voucher that must not be honoured; ``reason`` is a :class:`RefusalReason`.

    ``detail`` says, for logs and support, what exactly was wrong with a ``forged`` one
    (truncated, bad signature, unknown key id…); ``voucher`` is the verified voucher when the
    signature was good (every reason but ``forged``), for the UI to show its details.
    """

    code = "voucher_refused"

    def __init__(self, message: str, reason: RefusalReason, *, detail: str = "",
                 voucher: Voucher | None = None, **params: str | int) -> None:
        super().__init__(message, reason=reason.value, **params)
        self.reason = reason
        self.detail = detail or reason.value
        self.voucher = voucher


_MESSAGES = {
    RefusalReason.EXPIRED: "This voucher has expired: it can no longer be used.",
    RefusalReason.NOT_YET_VALID: "This voucher is not valid yet: it can be used from its "
                                 "start date.",
    RefusalReason.WRONG_STORE: "This voucher is for another store: it cannot be used here.",
    RefusalReason.WRONG_MEMBER: "This voucher belongs to another member: only that member "
                                "can use it.",
    RefusalReason.REVOKED: "This voucher was cancelled by the shop: it cannot be used.",
    RefusalReason.ALREADY_USED: "This voucher has already been used up.",
    RefusalReason.HELD_ELSEWHERE: "Another till is redeeming this voucher right now: try "
                                  "again in a moment.",
    RefusalReason.FORGED: "This voucher is not genuine or is damaged: do not accept it. "
                          "Scan it once more; if it fails again, ask the customer to "
                          "contact the shop.",
}
_NEEDS_MEMBER = ("This voucher belongs to a member: scan the member's card or phone code "
                 "first.")


def _refuse(reason: RefusalReason, *, detail: str = "", voucher: Voucher | None = None,
            message: str | None = None, **params: str | int) -> VoucherRefused:
    return VoucherRefused(message or _MESSAGES[reason], reason, detail=detail, voucher=voucher,
                          **params)


def refusal(reason: RefusalReason, voucher: Voucher) -> VoucherRefused:
    """The refusal for a verified voucher that the caller's own records rule out."""
    return _refuse(reason, voucher=voucher)


def _forged(detail: str) -> VoucherRefused:
    return _refuse(RefusalReason.FORGED, detail=detail)


# --------------------------------------------------------------------------------------------
# what a voucher says


@dataclass(frozen=True, slots=True)
class VoucherFields:
    """What the server puts in a voucher it issues (checked on construction).

    The validity window is ``[not_before, not_after)``, kept to the minute: ``not_before`` is
    rounded up and ``not_after`` down, so rounding never makes a voucher valid for longer.
    ``store_id`` None means every store; ``member_id`` None means anyone holding it.
    """

    kind: VoucherKind
    value: int
    not_before: datetime
    not_after: datetime
    uses: int = 1
    member_id: str | None = None
    store_id: str | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        _uuid_bytes(self.id, "voucher id")
        if not isinstance(self.kind, VoucherKind):
            raise InvalidInput(f"{self.kind!r} is not a voucher kind.")
        _check_int(self.value, "voucher value", 0, MAX_VALUE)
        if self.kind is VoucherKind.AMOUNT_OFF and self.value == 0:
            raise InvalidInput("An amount-off voucher must take something off.")
        if self.kind is VoucherKind.PERCENT_OFF and not 1 <= self.value <= 100:
            raise InvalidInput("A percent-off voucher takes 1 to 100 percent off.")
        _check_int(self.uses, "number of uses", 1, MAX_USES)
        start, end = _minute_ceil(self.not_before), _minute_floor(self.not_after)
        if not 0 <= start < end <= MAX_MINUTES:
            raise InvalidInput("The voucher's validity window is empty or out of range "
                               "(it must end at least a minute after it starts).")
        if self.member_id is not None:
            _uuid_bytes(self.member_id, "member id")
        if self.store_id is not None and not self.store_id:
            raise InvalidInput("A store id cannot be empty (use None for every store).")


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher whose signature checked out (see :func:`verify_voucher`)."""

    id: str
    key_id: int
    kind: VoucherKind
    value: int
    uses: int
    not_before: datetime
    not_after: datetime
    member_id: str | None
    store_tag: bytes | None

    def is_for_store(self, store_id: str) -> bool:
        return self.store_tag is None or self.store_tag == store_tag(store_id)

    @property
    def face_value(self) -> int | None:
        """Minor units the voucher is worth on its own (amount-off only; others need prices)."""
        return self.value if self.kind is VoucherKind.AMOUNT_OFF else None


def store_tag(store_id: str) -> bytes:
    """The 8 bytes that stand for a store in a voucher: a hash of its id, any id format."""
    data = b"loyalty-store-v1\x00" + store_id.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).digest()[:STORE_TAG_LENGTH]


# --------------------------------------------------------------------------------------------
# keys


def new_signing_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair for the server: (32-byte private key, 32-byte public key)."""
    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                              serialization.NoEncryption()),
        private.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw),
    )


def public_key_of(private_key: bytes) -> bytes:
    return _private_key(private_key).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _private_key(private_key: bytes) -> Ed25519PrivateKey:
    if not isinstance(private_key, bytes) or len(private_key) != KEY_LENGTH:
        raise InvalidInput("A voucher signing key is 32 raw bytes.")
    return Ed25519PrivateKey.from_private_bytes(private_key)


# --------------------------------------------------------------------------------------------
# issue and verify


def encode_payload(key_id: int, fields: VoucherFields) -> bytes:
    """The unsigned payload bytes (version … store tag) for ``fields``."""
    _check_int(key_id, "key id", 0, 0xFF)
    flags = (FLAG_MEMBER if fields.member_id is not None else 0) | (
        FLAG_STORE if fields.store_id is not None else 0)
    payload = _HEADER.pack(
        VERSION, key_id, _uuid_bytes(fields.id, "voucher id"), fields.kind, fields.value,
        fields.uses, _minute_ceil(fields.not_before), _minute_floor(fields.not_after), flags)
    if fields.member_id is not None:
        payload += _uuid_bytes(fields.member_id, "member id")
    if fields.store_id is not None:
        payload += store_tag(fields.store_id)
    return payload


def issue_voucher(private_key: bytes, key_id: int, fields: VoucherFields) -> str:
    """The QR text of a new voucher: ``LV1:`` + Base45(payload + Ed25519 signature)."""
    payload = encode_payload(key_id, fields)
    signature = _private_key(private_key).sign(SIGNATURE_CONTEXT + payload)
    return PREFIX + base45.encode(payload + signature)


def verify_voucher(
    text: str,
    public_keys: Mapping[int, bytes],
    *,
    now: datetime,
    store_id: str,
    member_id: str | None,
    revoked: Container[str],
    used: Container[str],
) -> Voucher:
    """The voucher ``text`` carries, if it may be honoured here and now; else VoucherRefused.

    ``public_keys`` maps key ids to 32-byte Ed25519 public keys. ``revoked`` and ``used``
    hold voucher ids (canonical UUID text, as in :attr:`Voucher.id`): ``used`` the vouchers
    with no use left (for a multi-use voucher: as many redemptions as its ``uses``).
    ``member_id`` is the member identified for this sale, or None. Checks run in this order:
    forged, revoked, already_used, not_yet_valid, expired, wrong_store, wrong_member
    (``held_elsewhere`` comes only from the server's count, :func:`uses_left`).
    """
    moment = _aware(now)
    parsed, signed, signature = _decode(text)
    key = public_keys.get(parsed.key_id)
    if key is None:
        raise _forged(f"unknown key id {parsed.key_id}")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, SIGNATURE_CONTEXT + signed)
    except InvalidSignature:
        raise _forged("bad signature") from None
    except (ValueError, TypeError):
        raise _forged(f"public key {parsed.key_id} is unusable") from None
    voucher = parsed.voucher()
    if voucher.id in revoked:
        raise _refuse(RefusalReason.REVOKED, voucher=voucher)
    if voucher.id in used:
        raise _refuse(RefusalReason.ALREADY_USED, voucher=voucher)
    if moment < voucher.not_before:
        raise _refuse(RefusalReason.NOT_YET_VALID, voucher=voucher)
    if moment >= voucher.not_after:
        raise _refuse(RefusalReason.EXPIRED, voucher=voucher)
    if not voucher.is_for_store(store_id):
        raise _refuse(RefusalReason.WRONG_STORE, voucher=voucher)
    if voucher.member_id is not None:
        if member_id is None:
            raise _refuse(RefusalReason.WRONG_MEMBER, voucher=voucher, message=_NEEDS_MEMBER,
                          case="needs_member")
        if _uuid_or_none(member_id) != voucher.member_id:
            raise _refuse(RefusalReason.WRONG_MEMBER, voucher=voucher)
    return voucher


@dataclass(frozen=True, slots=True)
class UsesTaken:
    """A voucher's uses taken at every till, as the server counts them online: ``taken``
    in all, of which ``held_elsewhere`` are other tills' redemptions in progress (held, not
    pushed yet)."""

    taken: int
    held_elsewhere: int = 0


def uses_left(voucher: Voucher, taken: int, held_elsewhere: int = 0) -> int:
    """Uses left after ``taken`` redemptions (local plus pulled); ``already_used`` at none,
    or ``held_elsewhere`` when the last of them are other tills' redemptions in progress.

    For callers that count redemptions instead of keeping a "used up" set: verify with an
    empty ``used``, then call this with the count.
    """
    left = voucher.uses - taken
    if left <= 0:
        if taken - held_elsewhere < voucher.uses:
            raise _refuse(RefusalReason.HELD_ELSEWHERE, voucher=voucher)
        raise _refuse(RefusalReason.ALREADY_USED, voucher=voucher)
    return left


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A payload's fields as decoded, before its signature is checked."""

    key_id: int
    id: bytes
    kind: int
    value: int
    uses: int
    not_before: int
    not_after: int
    member: bytes | None
    tag: bytes | None

    def voucher(self) -> Voucher:
        """The voucher, built only once the signature is known to be good."""
        if self.kind not in VoucherKind._value2member_map_:
            raise _forged(f"unknown kind {self.kind}")
        if not 0 <= self.not_before < self.not_after <= MAX_MINUTES:
            raise _forged("validity window out of range")
        return Voucher(
            id=str(uuid.UUID(bytes=self.id)),
            key_id=self.key_id,
            kind=VoucherKind(self.kind),
            value=self.value,
            uses=self.uses,
            not_before=EPOCH + timedelta(minutes=self.not_before),
            not_after=EPOCH + timedelta(minutes=self.not_after),
            member_id=None if self.member is None else str(uuid.UUID(bytes=self.member)),
            store_tag=self.tag,
        )


def _decode(text: str) -> tuple[_Parsed, bytes, bytes]:
    """Parse the text's structure (not its signature): (fields, signed bytes, signature)."""
    if not isinstance(text, str):
        raise _forged("not text")
    if len(text) > MAX_TEXT_LENGTH:
        raise _forged("too long")
    # Scanners may add a line end, or type the text in lower case (Base45 has no lower-case
    # letters, and neither its first nor its last character can be a space, so this is safe).
    clean = text.strip().upper()
    if not clean.startswith(PREFIX):
        raise _forged("no LV1: prefix")
    try:
        raw = base45.decode(clean[len(PREFIX):])
    except base45.Base45Error as exc:
        raise _forged(f"bad base45: {exc}") from None
    if len(raw) < _HEADER.size + SIGNATURE_LENGTH:
        raise _forged("truncated")
    version, key_id, vid, kind, value, uses, start, end, flags = _HEADER.unpack_from(raw)
    if version != VERSION:
        raise _forged(f"unknown version {version}")
    if flags & ~_KNOWN_FLAGS:
        raise _forged(f"unknown flags {flags:#04x}")
    size = (_HEADER.size + (16 if flags & FLAG_MEMBER else 0)
            + (STORE_TAG_LENGTH if flags & FLAG_STORE else 0))
    if len(raw) != size + SIGNATURE_LENGTH:
        raise _forged("truncated" if len(raw) < size + SIGNATURE_LENGTH else "too long")
    offset = _HEADER.size
    member: bytes | None = None
    tag: bytes | None = None
    if flags & FLAG_MEMBER:
        member = raw[offset : offset + 16]
        offset += 16
    if flags & FLAG_STORE:
        tag = raw[offset : offset + STORE_TAG_LENGTH]
    parsed = _Parsed(key_id, vid, kind, value, uses, start, end, member, tag)
    return parsed, raw[:size], raw[size:]


# --------------------------------------------------------------------------------------------
# helpers


def _check_int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The {what} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise InvalidInput(f"The {what} must be between {low} and {high}.")
    return value


def _uuid_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be a UUID, not {value!r}.")
    try:
        return uuid.UUID(value).bytes
    except ValueError:
        raise InvalidInput(f"The {what} {value!r} is not a UUID.") from None


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidInput("Voucher times must be timezone-aware datetimes.")
    return moment


def _minute_floor(moment: datetime) -> int:
    return (_aware(moment) - EPOCH) // timedelta(minutes=1)


def _minute_ceil(moment: datetime) -> int:
    return -((EPOCH - _aware(moment)) // timedelta(minutes=1))

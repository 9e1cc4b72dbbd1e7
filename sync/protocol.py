"""The sync protocol's wire models: one set, shared by the client and the server.

The push path carries big backlogs, so its models are msgspec structs (DESIGN §6 measured
msgspec at ~6x pydantic for 100,000 events). A push body is decoded in two steps: the
envelope with each event left raw, then each event on its own, so one malformed event is
refused with its own reason and does not sink the events behind it.

An event on the wire is exactly :meth:`terminal.ledger.Event.to_wire`; the server recomputes
the canonical hash from the decoded values (:func:`event_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from terminal.ledger import Asset, EventKind, ShopAccount, canonical_json

PROTOCOL_VERSION = 1

#: Event kinds the server accepts: the terminal's kinds plus the voucher redemption that the
#: voucher issue will add to :class:`terminal.ledger.EventKind`.
VOUCHER_REDEEM = "voucher_redeem"
#: A member's new PIN: body ``{"member_id": str, "pin_hash": str}``, no postings.
MEMBER_PIN = "member_pin"
MAX_PIN_HASH = 512
EVENT_KINDS = frozenset({k.value for k in EventKind} | {VOUCHER_REDEEM})
ASSETS = frozenset(a.value for a in Asset)
SHOP_ACCOUNTS = frozenset(a.value for a in ShopAccount) | {"shop:vouchers_honoured"}
MAX_AMOUNT = 10**12

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# (the hash and link are compared with computed values, so no pattern check is needed here)
Hash = Annotated[str, msgspec.Meta(min_length=64, max_length=64)]
WirePosting = tuple[
    Annotated[str, msgspec.Meta(min_length=1, max_length=80)],
    str,
    Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT, le=MAX_AMOUNT)],
    Annotated[str, msgspec.Meta(max_length=64)] | None,
    Annotated[str, msgspec.Meta(max_length=10)] | None,
]


class WireEvent(msgspec.Struct, forbid_unknown_fields=True):
    id: Id
    terminal_id: Id
    seq: Annotated[int, msgspec.Meta(ge=1, le=2**62)]
    cashier_id: Annotated[str, msgspec.Meta(max_length=64)]
    occurred_at: Annotated[str, msgspec.Meta(min_length=20, max_length=40)]
    kind: Annotated[str, msgspec.Meta(max_length=24)]
    body: dict[str, Any]
    postings: list[WirePosting]
    prev_hash: Hash
    hash: Hash


class PushEnvelope(msgspec.Struct):
    events: Annotated[list[msgspec.Raw], msgspec.Meta(max_length=5000)]
    store_id: str | None = None


class EventResult(msgspec.Struct, omit_defaults=True):
    index: int
    status: str  # applied | flagged | already_applied | refused | conflict
    #: (refused with the flag ``unbookable_event``: kept in the chain, not booked)
    id: str | None = None
    seq: int | None = None
    reason: str | None = None
    flags: list[str] = msgspec.field(default_factory=list)


class PushResponse(msgspec.Struct):
    results: list[EventResult]
    head_seq: int
    head_hash: str


APPLIED_STATES = frozenset({"applied", "flagged", "already_applied"})
#: The flag of an event the server *kept* in the terminal's chain but could not book (its
#: content fails :func:`semantic_problem`): status ``refused`` with the reason, no postings,
#: a flag for the manager. It is delivered: the terminal does not send it again.
UNBOOKABLE_EVENT = "unbookable_event"


def delivered(result: EventResult) -> bool:
    """Whether the server holds this event in the terminal's chain (applied, or kept)."""
    return result.status in APPLIED_STATES or (
        result.status == "refused" and UNBOOKABLE_EVENT in result.flags)

_event_decoder = msgspec.json.Decoder(WireEvent)
_envelope_decoder = msgspec.json.Decoder(PushEnvelope)
_push_encoder = msgspec.json.Encoder()


def decode_envelope(data: bytes) -> PushEnvelope:
    return _envelope_decoder.decode(data)


def decode_event(raw: bytes | msgspec.Raw) -> WireEvent:
    """One event off the wire; a NUL character in any of its text is refused here like
    malformed JSON (no database stores it in text, and no till writes one)."""
    event = _event_decoder.decode(raw)
    data = bytes(raw)  # (a backslash is rare in an event: one memchr, ~0.2 µs in all)
    if b"\\" in data and b"\\u0000" in data and _has_nul(msgspec.structs.asdict(event)):
        raise msgspec.ValidationError("text contains a NUL character (\\u0000)")
    return event


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def canonical_dict(event: WireEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "terminal_id": event.terminal_id,
        "seq": event.seq,
        "cashier_id": event.cashier_id,
        "occurred_at": event.occurred_at,
        "kind": event.kind,
        "body": event.body,
        "postings": event.postings,  # tuples encode as JSON arrays, like the ledger's lists
        "prev_hash": event.prev_hash,
    }


_sorted_encoder = msgspec.json.Encoder(order="sorted")


def event_hash(event: WireEvent) -> str:
    """SHA-256 of the canonical body, as :func:`terminal.ledger.hash_canonical` computes it.

    msgspec's sorted compact encoding is byte-identical to the ledger's ``json.dumps`` for
    the JSON the ledger writes (and ~10x faster); if the two ever disagreed on some exotic
    value we fall back to the ledger's own encoder before calling a hash wrong.
    """
    body = canonical_dict(event)
    fast = hashlib.sha256(_sorted_encoder.encode(body)).hexdigest()
    if fast == event.hash:
        return fast
    return hashlib.sha256(canonical_json(body)).hexdigest()


def semantic_problem(event: WireEvent) -> str | None:
    """Why a well-formed event still cannot be booked (None when it can)."""
    if event.kind not in EVENT_KINDS:
        return f"unknown event kind {event.kind!r}"
    if event.kind == MEMBER_PIN:
        problem = _member_pin_problem(event)
        if problem is not None:
            return problem
    totals: dict[str, int] = {}
    for account, asset, amount, _lot, expires in event.postings:
        if asset not in ASSETS:
            return f"unknown asset {asset!r}"
        if not (account.startswith("member:") and len(account) > 7) \
                and account not in SHOP_ACCOUNTS:
            return f"unknown account {account!r}"
        if expires is not None and expires not in _DATES_SEEN and not _is_date(expires):
            return f"expiry {expires!r} is not a date"
        totals[asset] = totals.get(asset, 0) + amount
    if any(totals.values()):
        return f"postings do not balance: { {k: v for k, v in totals.items() if v} }"
    if not _is_time(event.occurred_at):
        return f"occurred_at {event.occurred_at!r} is not a UTC time"
    return None


def _member_pin_problem(event: WireEvent) -> str | None:
    member, pin_hash = event.body.get("member_id"), event.body.get("pin_hash")
    if event.postings:
        return "a member_pin event has no postings"
    if not isinstance(member, str) or not 0 < len(member) <= 64:
        return "a member_pin event needs the member_id (a string)"
    if not isinstance(pin_hash, str) or not 0 < len(pin_hash) <= MAX_PIN_HASH:
        return f"a member_pin event needs the pin_hash (a string of 1-{MAX_PIN_HASH} characters)"
    return None


#: expiry dates already found valid (a backlog repeats a few hundred): skips the parse
_DATES_SEEN: set[str] = set()


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    if len(_DATES_SEEN) < 10_000:
        _DATES_SEEN.add(text)
    return True


def _is_time(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None


def encode_push(events: Sequence[dict[str, Any]], store_id: str | None) -> bytes:
    return _push_encoder.encode({"store_id": store_id, "events": list(events)})


def member_digest(balances: dict[str, int], lots: Sequence[Sequence[Any]]) -> str:
    """The per-member consistency check: the same on both sides, order-free."""
    parts = [f"{k}={balances.get(k, 0)}" for k in sorted(ASSETS)]
    parts += [f"{lot[0]}:{lot[1]}:{lot[2]}" for lot in sorted(
        (lot for lot in lots if lot[2]), key=lambda lot: str(lot[0]))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# --- member event facts (pull) --------------------------------------------------------------

#: The pull feed's change kind for a pushed batch of member events: one ``changes`` row per
#: batch and member store, keyed ``<terminal id>@<first seq>+<span>`` (:func:`event_range_key`).
MEMBER_EVENTS = "member_events"
MAX_FACT_CHANGES = 64


class WireFact(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    """What another till's event of a member tells the member's programme state: exactly
    :class:`terminal.programmes.member_state.EventFacts` (and whose event it is), never the
    body. ``changes`` are ``[field, value, key]``, the body's ``referred_by`` among them."""

    id: Id
    member_id: Id
    terminal_id: Id
    kind: Annotated[str, msgspec.Meta(max_length=24)]
    occurred_at: Annotated[str, msgspec.Meta(min_length=20, max_length=40)]
    voids: Id | None = None
    amount: Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT, le=MAX_AMOUNT)] = 0
    discount: Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT, le=MAX_AMOUNT)] = 0
    changes: Annotated[list[tuple[str, str, str]],
                       msgspec.Meta(max_length=MAX_FACT_CHANGES)] = msgspec.field(
        default_factory=list)


def event_range_key(terminal_id: str, first_seq: int, last_seq: int) -> str:
    """The feed key of a terminal's events ``first_seq..last_seq`` (at most 61 characters for
    a 36-character terminal id: the span of one push is below 5,000)."""
    return f"{terminal_id}@{first_seq}+{last_seq - first_seq}"


def parse_event_range_key(key: str) -> tuple[str, int, int] | None:
    """(terminal id, first seq, last seq) of an :func:`event_range_key`; None if malformed."""
    terminal_id, _, span = key.rpartition("@")
    first, _, width = span.partition("+")
    if not terminal_id or not first.isdigit() or not width.isdigit():
        return None
    return terminal_id, int(first), int(first) + int(width)


def facts_to_wire(facts: Sequence[WireFact]) -> list[dict[str, Any]]:
    """Plain JSON values for the pull page (defaults left out)."""
    out: list[dict[str, Any]] = msgspec.to_builtins(list(facts))
    return out


def facts_from_wire(values: object) -> list[WireFact]:
    """The pull page's ``facts``, checked (``msgspec.ValidationError`` when malformed)."""
    return msgspec.convert(values, list[WireFact])

"""The double-entry journal: immutable events carrying postings that sum to zero per asset.

Balances are never stored as truth: they are the sum of postings (stores may cache them, and
``verify`` checks the cache against the postings). Corrections are new compensating events.
Each event's ``hash`` is SHA-256 over its canonical body, which includes the previous event's
hash, so the per-terminal journal is a hash chain.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from terminal.errors import IntegrityError

GENESIS_HASH = "0" * 64

JSONValue = Any  # JSON-serialisable: str, int, bool, None, lists and dicts of them


class Asset(StrEnum):
    POINTS = "points"
    STORED_VALUE = "stored_value"
    STAMPS = "stamps"
    CASH_BACK = "cash_back"  # 回饋金: credit in minor units, usable on a later purchase
    DONATION = "donation"  # minor units the shop pledges to a charity on a member's behalf


class EventKind(StrEnum):
    ENROL = "enrol"
    SALE = "sale"
    TOP_UP = "top_up"
    VOID = "void"
    EXPIRE = "expire"
    ADJUST = "adjust"
    STAMP = "stamp"
    STAMP_REDEEM = "stamp_redeem"
    VOUCHER_REDEEM = "voucher_redeem"
    TRANSFER = "transfer"
    MEMBER_PIN = "member_pin"
    CHECK_IN = "check_in"  # a daily check-in (programmes)
    PLAN = "plan"  # a paid membership or subscription bought or renewed (programmes)
    PREFERENCE = "preference"  # a member's choice for the programmes, e.g. a charity
    BENEFIT = "benefit"  # a periodic benefit issued when the member was seen at the till


class ShopAccount(StrEnum):
    """The shop's side of every posting."""

    POINTS_ISSUED = "shop:points_issued"
    POINTS_REDEEMED = "shop:points_redeemed"
    POINTS_EXPIRED = "shop:breakage"
    STORED_VALUE_FLOAT = "shop:stored_value_float"
    STORED_VALUE_SPENT = "shop:stored_value_spent"
    STAMPS_ISSUED = "shop:stamps_issued"
    STAMPS_REDEEMED = "shop:stamps_redeemed"
    CHARITY = "shop:charity"
    CASH_BACK_ISSUED = "shop:cash_back_issued"
    CASH_BACK_REDEEMED = "shop:cash_back_redeemed"
    TOP_UP_BONUS = "shop:top_up_bonus"
    DONATIONS_PLEDGED = "shop:donations_pledged"
    VOUCHERS_ISSUED = "shop:vouchers_issued"
    VOUCHERS_HONOURED = "shop:vouchers_honoured"
    OFFLINE_OVERDRAFT_RECEIVABLE = "shop:offline_overdraft_receivable"
    VOUCHER_DOUBLE_REDEMPTION_LOSS = "shop:voucher_double_redemption_loss"


def member_account(member_id: str) -> str:
    return f"member:{member_id}"


def member_id_of(account: str) -> str | None:
    return account[len("member:") :] if account.startswith("member:") else None


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of an event: ``amount`` of ``asset`` into (+) or out of (−) ``account``.

    Points postings on a member account name the ``lot`` they add to or draw from; a lot's
    ``expires_on`` is carried by the posting that opens it.
    """

    account: str
    asset: Asset
    amount: int
    lot: str | None = None
    expires_on: date | None = None

    def reversed(self) -> Posting:
        return Posting(self.account, self.asset, -self.amount, self.lot, self.expires_on)

    def to_wire(self) -> list[JSONValue]:
        return [
            self.account,
            self.asset.value,
            self.amount,
            self.lot,
            self.expires_on.isoformat() if self.expires_on else None,
        ]

    @classmethod
    def from_wire(cls, row: Sequence[JSONValue]) -> Posting:
        account, asset, amount, lot, expires_on = row
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise IntegrityError(f"posting amount {amount!r} is not an integer")
        return cls(
            str(account),
            Asset(asset),
            amount,
            None if lot is None else str(lot),
            None if expires_on is None else date.fromisoformat(str(expires_on)),
        )


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    terminal_id: str
    seq: int
    cashier_id: str
    occurred_at: datetime
    kind: EventKind
    body: Mapping[str, JSONValue]
    postings: tuple[Posting, ...]
    prev_hash: str
    hash: str = field(default="")

    def canonical_body(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "terminal_id": self.terminal_id,
            "seq": self.seq,
            "cashier_id": self.cashier_id,
            "occurred_at": format_time(self.occurred_at),
            "kind": self.kind.value,
            "body": dict(self.body),
            "postings": [p.to_wire() for p in self.postings],
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hash_canonical(self.canonical_body())

    def to_wire(self) -> dict[str, JSONValue]:
        wire = self.canonical_body()
        wire["hash"] = self.hash
        return wire

    @classmethod
    def from_wire(cls, wire: Mapping[str, JSONValue]) -> Event:
        return cls(
            id=str(wire["id"]),
            terminal_id=str(wire["terminal_id"]),
            seq=int(wire["seq"]),
            cashier_id=str(wire["cashier_id"]),
            occurred_at=parse_time(str(wire["occurred_at"])),
            kind=EventKind(wire["kind"]),
            body=dict(wire["body"]),
            postings=tuple(Posting.from_wire(p) for p in wire["postings"]),
            prev_hash=str(wire["prev_hash"]),
            hash=str(wire.get("hash", "")),
        )


def canonical_json(value: Mapping[str, JSONValue]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_canonical(value: Mapping[str, JSONValue]) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def unbalanced_assets(postings: Iterable[Posting]) -> dict[Asset, int]:
    """Assets whose postings do not sum to zero, with the non-zero sum."""
    totals: dict[Asset, int] = defaultdict(int)
    for posting in postings:
        totals[posting.asset] += posting.amount
    return {asset: total for asset, total in totals.items() if total != 0}


def seal(
    *,
    id: str,
    terminal_id: str,
    seq: int,
    cashier_id: str,
    occurred_at: datetime,
    kind: EventKind,
    body: Mapping[str, JSONValue],
    postings: Sequence[Posting],
    prev_hash: str,
) -> Event:
    """Build an event, check it balances, and stamp its hash."""
    for posting in postings:
        if isinstance(posting.amount, bool) or not isinstance(posting.amount, int):
            raise IntegrityError(f"posting amount {posting.amount!r} is not an integer")
    off = unbalanced_assets(postings)
    if off:
        raise IntegrityError(f"postings do not balance: {off}")
    event = Event(id, terminal_id, seq, cashier_id, occurred_at, kind, dict(body),
                  tuple(postings), prev_hash)
    return Event(event.id, event.terminal_id, event.seq, event.cashier_id, event.occurred_at,
                 event.kind, event.body, event.postings, event.prev_hash, event.compute_hash())


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    event_id: str
    problem: str


def check_chain(events: Iterable[Event], start_hash: str = GENESIS_HASH,
                start_seq: int = 1) -> list[ChainProblem]:
    """Problems in a terminal's journal given in sequence order; empty when it is sound."""
    problems: list[ChainProblem] = []
    expected_prev = start_hash
    expected_seq = start_seq
    for event in events:
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, event.id,
                                         f"sequence gap: expected {expected_seq}"))
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, event.id, "previous-hash link broken"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.seq, event.id, "content does not match its hash"))
        off = unbalanced_assets(event.postings)
        if off:
            problems.append(ChainProblem(event.seq, event.id, f"postings do not balance: {off}"))
        expected_prev = event.hash
        expected_seq = event.seq + 1
    return problems


def balances_from_postings(postings: Iterable[Posting]) -> dict[tuple[str, Asset], int]:
    totals: dict[tuple[str, Asset], int] = defaultdict(int)
    for posting in postings:
        totals[(posting.account, posting.asset)] += posting.amount
    return dict(totals)

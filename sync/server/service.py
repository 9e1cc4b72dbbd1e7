"""The sync service: registration, push (with the conflict rules), pull, check, authorise.

Every function takes an open connection and never commits: the caller (a route or the admin
CLI) owns the transaction. Plain Core statements, batched: a push of thousands of events is a
handful of statements, not thousands.

Push, per batch, under a lock on the pushing terminal's row:

1. decode each event on its own (malformed → ``refused`` with the reason, the rest go on);
2. known ids → ``already_applied`` with the stored result (same hash) or ``conflict``; a
   stored unbookable event (below) answers ``refused`` again, with its stored reason;
3. the per-terminal chain: ``seq`` must be head+1 and ``prev_hash`` the head's hash, and the
   content must match its hash (a break → ``refused``, and the events behind it are refused
   with a reason naming the first broken event: nothing can be chained past it);
4. an event whose place in the chain is sound but whose content cannot be booked
   (:func:`sync.protocol.semantic_problem`: an unknown asset or kind, say, from a newer
   terminal) is *kept*: stored in ``events`` (the chain goes on; nothing sold is lost) with
   no postings, no balance effect and no member (so no facts, analytics or hotlist), its
   result ``refused`` with the reason and the flag ``unbookable_event``, and a flag row for
   the manager. The terminal counts it as delivered;
5. the accepted events' balance rows are created if missing and locked in key order (so two
   pushes never deadlock), evaluated in memory in event order with the conflict rules, and
   written back.

On PostgreSQL a push is five statements whatever its size (plus one each for new members,
PIN changes, vouchers and flags when a batch has them, and one that consumes the holds when
it debits stored value or cash-back): credential check + terminal lock; one read (known
ids, the members' hotlist state and store); balance rows created/locked (``INSERT … ON
CONFLICT DO UPDATE … WHERE false``: locked without writing a new row version) and then read;
and every write (events, postings, balances, lots, hotlist, changes feed, terminal head) as
one statement of data-modifying CTEs, each table's rows sent as one JSON parameter (a batch
of :data:`COPY_FROM_ROWS` events or more COPYs its event and posting rows first, two
statements more: cheaper for PostgreSQL than unpacking them from JSON). Then the
commit (``synchronous_commit`` untouched: an acknowledged push is durable).

Store scope: members belong to a store; an accepted event that touches another store's
member is applied and flagged ``foreign_member`` (a PIN change for one is not applied), and
its feed row carries the member's store, so only that store's terminals pull it.

Holds (online authorisations of stored value or cash-back, one per event and asset) are
consumed by event id with ``DELETE … RETURNING`` before the balance rows are locked: only the
transaction that deletes a hold releases its amount from its asset's ``held``, so a push and
an authorisation releasing the same expired hold never both do.

Conflict rules (DESIGN §6), never last-write-wins: accruals apply; points going below zero
apply and hotlist the member, and so does cash-back going below zero (flagged
``cash_back_overdraft``; a later cash-back credit lifts it); a stored-value shortfall is moved
by a server ``adjust`` event to ``shop:offline_overdraft_receivable`` (sharded by member) and
hotlists the member until a later top-up repays it; a voucher's redemptions up to its uses
apply (one for a single-use voucher; a multi-use one's event carries its signed ``uses``) and
each one beyond is posted to ``shop:voucher_double_redemption_loss`` against
``shop:vouchers_honoured`` for the discount that redemption gave (the face value when the
event records none; a product voucher's extra use is flagged with nothing posted). Every such
case is
a row in ``flags`` for the manager. Server adjustment ids are derived from the triggering event
(uuid5), so a rule yields the same postings whatever order the terminals sync in.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from psycopg.types.json import Json
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sync import protocol
from sync.protocol import EventResult, PushResponse, WireEvent
from sync.server import enrolment
from sync.server import tables as t
from sync.server.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorised
from sync.server.timezones import zone_problem
from sync.server.voucher_holds import consume_voucher_holds
from terminal.errors import LoyaltyError
from terminal.ledger import GENESIS_HASH, Asset, ShopAccount, format_time, hash_canonical
from terminal.limits import OfflineLimits
from terminal.member_codes import new_member_secret
from terminal.programmes import ProgrammeError, parse_document
from terminal.programmes.member_state import state_changes

SERVER_TERMINAL = "server"
ADJUST_NAMESPACE = uuid.UUID("5b0c1f4e-3a55-4f7e-9a40-0f5a7a3c9e11")
SV = Asset.STORED_VALUE.value
POINTS = Asset.POINTS.value
CASH_BACK = Asset.CASH_BACK.value
HOLD_ASSETS = (SV, CASH_BACK)  # the member balances the server authorises debits of online
RECEIVABLE = ShopAccount.OFFLINE_OVERDRAFT_RECEIVABLE.value
VOUCHER_LOSS = ShopAccount.VOUCHER_DOUBLE_REDEMPTION_LOSS.value
VOUCHERS_HONOURED = "shop:vouchers_honoured"
CONFIG_KEYS = ("programme", "offline_limits", "public_keys")
EVENT_COLUMNS = ("id", "terminal_id", "seq", "store_id", "cashier_id", "kind", "member_id",
                 "occurred_at", "prev_hash", "hash", "body", "received_at", "result")
POSTING_COLUMNS = ("event_id", "account", "asset", "amount", "lot", "expires_on")
_APPLIED_RESULT = json.dumps({"status": "applied", "flags": []})
UNBOOKABLE = protocol.UNBOOKABLE_EVENT
_json_encoder = msgspec.json.Encoder(order="sorted")
_param_encoder = msgspec.json.Encoder()


def _json(value: Any) -> Json:
    """A list as one JSON parameter (PostgreSQL unpacks it with ``jsonb_array_elements``):
    far cheaper to send than a ``text[]`` per column, which psycopg dumps element by element
    in Python; msgspec's bytes go to the wire as they are."""
    return Json(value, dumps=_param_encoder.encode)


def now_text() -> str:
    return format_time(datetime.now(UTC))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _insert(conn: Connection, table: Any) -> Any:
    return (pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table))


def _chunks(items: Sequence[Any], size: int = 900) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- authentication and registration -------------------------------------------------------

@dataclass(frozen=True)
class TerminalAuth:
    id: str
    store_id: str


def authenticate(conn: Connection, token: str) -> TerminalAuth:
    if not token:
        raise Unauthorised("This request needs a terminal credential (Authorization: Bearer).")
    row = conn.execute(select(t.terminals.c.id, t.terminals.c.store_id)
                       .where(t.terminals.c.token_hash == token_hash(token))).first()
    if row is None:
        raise enrolment.refused_credential(conn, token_hash(token))
    return TerminalAuth(row.id, row.store_id)


def register(conn: Connection, code: str, terminal_id: str | None,
             till_head: tuple[int, str] | None = None) -> dict[str, Any]:
    """Exchange a one-time enrolment code for the terminal's credential.

    A code from ``reissue-code`` re-registers a terminal that was registered before: it
    keeps its id, store, number and chain head (``head_seq``/``head_hash`` in the answer),
    and only the till holding that chain may use it. ``till_head`` (the till's journal head,
    when it sends it) is checked against the server's head first, so a till whose journal is
    behind what the server already has is refused before the code is used up."""
    row = conn.execute(select(t.terminals).where(
        t.terminals.c.code_hash == token_hash(code.strip().upper()))).first()
    if row is None:
        raise Forbidden("Unknown enrolment code: check it with the manager who created it.",
                        "unknown_code")
    if row.registered_at is not None:
        raise Forbidden("This enrolment code was already used: ask for a new one.",
                        "code_used")
    if row.code_expires_at is not None and row.code_expires_at < now_text():
        raise Forbidden("This enrolment code has expired: ask for a new one.", "code_expired")
    again = row.terminal_number is not None  # registered before: a re-issued code
    server_head = (int(row.head_seq), str(row.head_hash))
    new_id = row.id
    if terminal_id and terminal_id != row.id:
        try:
            uuid.UUID(terminal_id)
        except ValueError:
            raise BadRequest(f"Terminal id {terminal_id!r} is not a UUID.") from None
        if again and (server_head[0] > 0 or _has_events(conn, row.id)):
            raise Conflict(
                f"This code registers terminal {row.id} ({row.name}) again, whose events "
                f"the server has up to number {server_head[0]}; this till is terminal "
                f"{terminal_id}. Use it on the till holding that terminal's data directory, "
                "or ask for a new terminal (create-terminal) for this one.",
                "terminal_mismatch")
        taken = conn.execute(select(t.terminals.c.id).where(
            t.terminals.c.id == terminal_id)).first()
        if taken is not None or _has_events(conn, terminal_id):
            raise Conflict(f"Terminal id {terminal_id} is already registered. To register "
                           "this till again, the manager runs `loyalty-server admin "
                           f"reissue-code {terminal_id}` and gives you that code.",
                           "terminal_taken")
        new_id = terminal_id
    if again and till_head is not None and new_id == row.id:
        _check_till_head(row.id, till_head, server_head)
    token = secrets.token_urlsafe(32)
    number = int(row.terminal_number) if again else _next_terminal_number(conn)
    conn.execute(update(t.terminals).where(t.terminals.c.id == row.id).values(
        id=new_id, token_hash=token_hash(token), registered_at=now_text(),
        terminal_number=number))
    store = conn.execute(select(t.stores).where(t.stores.c.id == row.store_id)).one()
    return {"terminal_id": new_id, "store_id": store.id, "store_name": store.name,
            "token": token, "terminal_number": number, "head_seq": server_head[0],
            "head_hash": server_head[1], "registered_again": again}


def _has_events(conn: Connection, terminal_id: str) -> bool:
    return conn.execute(select(t.events.c.id).where(
        t.events.c.terminal_id == terminal_id).limit(1)).first() is not None


def _check_till_head(terminal_id: str, till: tuple[int, str],
                     server: tuple[int, str]) -> None:
    """A re-registering till's journal must reach the server's head for the terminal (its
    chain continues there); the event at the head itself is checked by the till."""
    if till[0] < server[0] or (till[0] == server[0] and till[1] != server[1]):
        raise Conflict(
            f"This till's journal ends at event {till[0]}, but the server already has "
            f"terminal {terminal_id}'s events up to {server[0]}"
            f"{'' if till[0] < server[0] else ' (a different one)'}: this data directory "
            "is not the one that sent them (an older copy?). Register the terminal's newest "
            "data directory, or ask for a new terminal (create-terminal) for this one.",
            "chain_mismatch")


MAX_TERMINAL_NUMBER = 999
_TERMINAL_NUMBER_LOCK = 0x4C54_4E55  # pg_advisory_xact_lock key: "LTNU"


def _next_terminal_number(conn: Connection) -> int:
    """The smallest free terminal number (1..999), in the registering transaction.

    Card serials are ``terminal_number * 1_000_000 + n``, so two offline terminals never mint
    the same card. Registrations serialise on a transaction-scoped advisory lock
    (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), and the unique
    constraint backs it up."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _TERMINAL_NUMBER_LOCK})
    used = {int(n) for n in conn.execute(select(t.terminals.c.terminal_number).where(
        t.terminals.c.terminal_number.is_not(None))).scalars()}
    for number in range(1, MAX_TERMINAL_NUMBER + 1):
        if number not in used:
            return number
    raise Conflict(f"All {MAX_TERMINAL_NUMBER} terminal numbers are taken: this server cannot "
                   "register another terminal.", "no_terminal_numbers")


# --- push ----------------------------------------------------------------------------------

@dataclass
class _Accepted:
    index: int
    event: WireEvent
    named: set[str]  # _members_named(event), computed once per push
    status: str = "applied"
    flags: list[str] = field(default_factory=list)
    #: why its content cannot be booked: kept in the chain, refused, flagged (no postings)
    unbookable: str | None = None


@dataclass
class _Batch:
    terminal: TerminalAuth
    head: tuple[int, str]  # the terminal's new head_seq, head_hash
    balances: dict[tuple[str, str, str], int] = field(default_factory=dict)
    start: dict[tuple[str, str, str], int] = field(default_factory=dict)
    held_delta: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    lot_delta: dict[str, list[Any]] = field(default_factory=dict)
    event_rows: list[tuple[Any, ...]] = field(default_factory=list)  # EVENT_COLUMNS
    posting_rows: list[tuple[Any, ...]] = field(default_factory=list)  # POSTING_COLUMNS
    flag_rows: list[dict[str, Any]] = field(default_factory=list)
    members_new: dict[str, dict[str, Any]] = field(default_factory=dict)
    touched_members: set[str] = field(default_factory=set)
    touched_vouchers: set[str] = field(default_factory=set)
    hotlisted_before: dict[str, bool] = field(default_factory=dict)
    member_store: dict[str, str | None] = field(default_factory=dict)
    posting_members: set[str] = field(default_factory=set)  # their balances are loaded
    pin_updates: dict[str, str] = field(default_factory=dict)
    foreign_flagged: set[tuple[str, str]] = field(default_factory=set)


def push_with_token(conn: Connection, token: str, body: bytes) -> tuple[PushResponse, bool]:
    """Authenticate and push. On PostgreSQL the credential check and the terminal's row lock
    are one statement (one round trip less on the hot path)."""
    if conn.dialect.name != "postgresql":
        return push(conn, authenticate(conn, token), body)
    if not token:
        raise Unauthorised("This request needs a terminal credential (Authorization: Bearer).")
    row = conn.execute(text("SELECT id, store_id, head_seq, head_hash FROM terminals "
                            "WHERE token_hash = :h FOR UPDATE"),
                       {"h": token_hash(token)}).first()
    if row is None:
        raise enrolment.refused_credential(conn, token_hash(token))
    return push(conn, TerminalAuth(row.id, row.store_id), body,
                (int(row.head_seq), str(row.head_hash)))


def push(conn: Connection, terminal: TerminalAuth, body: bytes,
         locked_head: tuple[int, str] | None = None) -> tuple[PushResponse, bool]:
    """Apply a push body; returns the response and whether any event was an id conflict.

    ``locked_head``: the terminal's (head_seq, head_hash) when the caller already holds the
    lock on its row."""
    try:
        envelope = protocol.decode_envelope(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise BadRequest(f"The push body is not a list of events: {exc}.",
                         "malformed_body") from None
    if envelope.store_id is not None and envelope.store_id != terminal.store_id:
        raise Forbidden("This terminal may push only for its own store.", "wrong_store")

    if locked_head is None:
        head = conn.execute(select(t.terminals.c.head_seq, t.terminals.c.head_hash)
                            .where(t.terminals.c.id == terminal.id).with_for_update()).one()
        head_seq, head_hash = int(head.head_seq), str(head.head_hash)
    else:
        head_seq, head_hash = locked_head

    results: dict[int, EventResult] = {}
    broken: dict[int, str] = {}  # index → the refused event, as a gap's reason names it
    decoded: list[tuple[int, WireEvent]] = []
    for index, raw in enumerate(envelope.events):
        try:
            decoded.append((index, protocol.decode_event(raw)))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            results[index] = EventResult(index, "refused", reason=f"malformed event: {exc}")
            broken[index] = f"the event at position {index + 1} of this push, which could " \
                            f"not be read ({exc})"

    ids = [e.id for _, e in decoded]
    # the events the batch's voids name, read with the batch's ids: a void of an event the
    # server kept without booking is not booked either (its reversal would credit a debit
    # that never happened)
    voided = {str(target) for _, e in decoded if e.kind == "void"
              and isinstance(target := e.body.get("voided_event_id"), str)}
    ids_read = ids + sorted(voided - set(ids)) if voided else ids
    named = {index: _members_named(event) for index, event in decoded}
    known: dict[str, tuple[str, str, int | None]] = {}
    prefetched: _Prefetched | None = None
    if conn.dialect.name == "postgresql":
        known, prefetched = _read_pg(conn, ids_read, set().union(*named.values()))
    else:
        for chunk in _chunks(ids_read):
            for row in conn.execute(select(t.events.c.id, t.events.c.hash, t.events.c.result,
                                           t.events.c.seq).where(t.events.c.id.in_(chunk))):
                known[row.id] = (row.hash, row.result, row.seq)

    accepted: list[_Accepted] = []
    seen: dict[str, str] = {}
    seen_results: dict[str, str] = {}  # the unbookable ones of this batch (rare)
    conflict = False
    for index, event in decoded:
        stored = known.get(event.id)
        if stored is None and event.id in seen:
            stored = (seen[event.id], seen_results.get(event.id, _APPLIED_RESULT), event.seq)
        if stored is not None:
            if stored[0] == event.hash and protocol.event_hash(event) == event.hash:
                results[index] = _stored_result(index, event, stored[1])
            else:
                conflict = True
                results[index] = EventResult(index, "conflict", event.id, event.seq,
                                             reason="an event with this id but other content "
                                                    "was already applied")
            continue
        problem = _chain_problem(event, terminal, head_seq, head_hash)
        if problem is not None:
            status = "conflict" if problem.startswith("sequence number") else "refused"
            conflict = conflict or status == "conflict"
            if broken and problem.startswith("sequence gap"):
                problem = _behind_broken(problem, index, broken)
            results[index] = EventResult(index, status, event.id, event.seq, reason=problem)
            if status == "refused" and event.terminal_id == terminal.id \
                    and event.seq > head_seq:
                broken[index] = f"event #{event.seq} ({event.id}), which was refused " \
                                f"({problem})"
            continue
        item = _Accepted(index, event, named[index])
        unbookable = protocol.semantic_problem(event) or _voids_unbooked(event, known,
                                                                          seen_results)
        if unbookable is not None:
            item.status, item.unbookable, item.flags = "refused", unbookable, [UNBOOKABLE]
            seen_results[event.id] = _unbookable_result(unbookable)
        accepted.append(item)
        seen[event.id] = event.hash
        head_seq, head_hash = event.seq, event.hash

    if accepted:
        _apply(conn, terminal, accepted, (head_seq, head_hash), prefetched)
        for item in accepted:
            results[item.index] = EventResult(item.index, item.status, item.event.id,
                                              item.event.seq, reason=item.unbookable,
                                              flags=item.flags)
    ordered = [results[i] for i in sorted(results)]
    return PushResponse(ordered, head_seq, head_hash), conflict


def _stored_result(index: int, event: WireEvent, stored: str) -> EventResult:
    """A known event pushed again: ``already_applied`` with its first status as the reason,
    or, for an unbookable event the server kept, ``refused`` again with the same reason."""
    previous = json.loads(stored)
    if previous.get("status") == "refused":
        return EventResult(index, "refused", event.id, event.seq,
                           reason=previous.get("reason"), flags=previous.get("flags", []))
    return EventResult(index, "already_applied", event.id, event.seq,
                       reason=previous.get("status"), flags=previous.get("flags", []))


def _voids_unbooked(event: WireEvent, known: dict[str, tuple[str, str, int | None]],
                    batch_results: dict[str, str]) -> str | None:
    """Why a void cannot be booked: the event it voids was kept without being booked."""
    if event.kind != "void":
        return None
    target = event.body.get("voided_event_id")
    if not isinstance(target, str):
        return None
    result = known[target][1] if target in known else batch_results.get(target)
    if result is None or not result.startswith(t.REFUSED_RESULT_PREFIX):
        return None
    return f"it voids event {target}, which the server kept without booking it"


def _unbookable_result(reason: str) -> str:
    return json.dumps({"status": "refused", "reason": reason, "flags": [UNBOOKABLE]})


def _behind_broken(problem: str, index: int, broken: dict[int, str]) -> str:
    """A chain break behind an event this push could not chain: name that first event."""
    before = [i for i in broken if i < index]
    if not before:
        return problem
    return (f"waits for {broken[min(before)]}: no later event of this terminal can be "
            "applied until that one arrives intact")


@dataclass
class _Prefetched:
    """Read with the known ids, in the same round trip (PostgreSQL): the hotlist state and
    store of every member the batch names."""
    members: dict[str, tuple[bool, str | None]]


_PG_READ = text(
    "SELECT 'e' AS k, e.id, e.hash AS a, e.result AS b, e.seq AS n FROM events e "
    "JOIN json_array_elements_text(CAST(:ids AS json)) AS v(id) ON e.id = v.id "
    "UNION ALL SELECT 'm', m.id, m.store_id, NULL, CASE WHEN m.hotlisted THEN 1 ELSE 0 END "
    "FROM members m JOIN json_array_elements_text(CAST(:members AS json)) AS v(id) "
    "ON m.id = v.id")


def _members_named(event: WireEvent) -> set[str]:
    """The members an event touches: its postings' member accounts, the member a PIN change
    or an enrolment is for, and the body's member (whose store the event feed needs)."""
    # (p[0], not ``account, *_rest``: the starred target built a list per posting)
    named = {p[0][7:] for p in event.postings if p[0].startswith("member:")}
    owner = event.body.get("member_id")
    if isinstance(owner, str) and owner:
        named.add(owner[:64])
    if event.kind == protocol.MEMBER_PIN:
        member = event.body.get("member_id")
        if isinstance(member, str) and member:
            named.add(member[:64])
    elif event.kind == "enrol":
        info = event.body.get("member")
        member = (info.get("id") if isinstance(info, dict) else None) \
            or event.body.get("member_id")
        if member:
            named.add(str(member)[:36])
    return named


def _read_pg(conn: Connection, ids: list[str], members: set[str]
             ) -> tuple[dict[str, tuple[str, str, int | None]], _Prefetched]:
    known: dict[str, tuple[str, str, int | None]] = {}
    prefetched = _Prefetched({})
    rows = conn.execute(_PG_READ, {"ids": _json(ids), "members": _json(sorted(members))})
    for row in rows:
        if row.k == "e":
            known[row.id] = (row.a, row.b, row.n)
        else:
            prefetched.members[row.id] = (bool(row.n), row.a)
    return known, prefetched


def _chain_problem(event: WireEvent, terminal: TerminalAuth, head_seq: int,
                   head_hash: str) -> str | None:
    if event.terminal_id != terminal.id:
        return (f"event belongs to terminal {event.terminal_id}; a terminal may push only "
                "its own events")
    if event.seq <= head_seq:
        return f"sequence number {event.seq} is already used by another event of this terminal"
    if event.seq != head_seq + 1:
        return f"sequence gap: expected event {head_seq + 1}, got {event.seq}"
    if event.prev_hash != head_hash:
        return "previous-hash link broken: the chain does not continue from the last event"
    if protocol.event_hash(event) != event.hash:
        return "content does not match its hash"
    return None


def _apply(conn: Connection, terminal: TerminalAuth, accepted: list[_Accepted],
           head: tuple[int, str], prefetched: _Prefetched | None = None) -> None:
    batch = _Batch(terminal, head)
    received = now_text()
    # 1. which rows this batch touches
    keys: set[tuple[str, str, str]] = set()
    members: set[str] = set()
    named: set[str] = set()
    vouchers: set[str] = set()
    debiting: list[str] = []
    redeeming: list[str] = []  # voucher redemptions: their voucher holds are consumed
    shop_shard = terminal.id
    for item in accepted:
        if item.unbookable is not None:
            continue
        ev = item.event
        named |= item.named
        debits = False
        for account, asset, amount, _lot, _exp in ev.postings:
            if account.startswith("member:"):
                keys.add((account, asset, ""))
                members.add(account[7:])
                debits = debits or (amount < 0 and asset in HOLD_ASSETS)
            else:
                keys.add((account, asset, shop_shard))
        if debits:
            debiting.append(ev.id)
        if ev.kind == protocol.VOUCHER_REDEEM:
            voucher_id = str(ev.body.get("voucher_id", ""))
            redeeming.append(ev.id)
            if voucher_id:
                vouchers.add(voucher_id)
                keys.add((VOUCHER_LOSS, SV, terminal.id))
                keys.add((VOUCHERS_HONOURED, SV, terminal.id))
    for member in members:
        account = f"member:{member}"
        keys.update({(account, SV, ""), (account, POINTS, ""), (account, CASH_BACK, ""),
                     (RECEIVABLE, SV, member)})
    batch.touched_members = set(members)
    batch.posting_members = set(members)
    batch.touched_vouchers = vouchers

    # 2. lock in a global order: holds (consumed by event id), vouchers, then balances
    consumed = _consume_holds(conn, debiting)
    keys.update((f"member:{holder}", asset, "") for holder, asset, _amount in consumed)
    voucher_rows = _lock_vouchers(conn, sorted(vouchers), accepted)
    consume_voucher_holds(conn, redeeming)
    ordered_keys = sorted(keys)
    _lock_balances(conn, ordered_keys, batch)
    batch.start = dict(batch.balances)
    found = (prefetched.members if prefetched is not None
             else _existing_members(conn, sorted(named | members)))
    known_members = {m: hot for m, (hot, _store) in found.items()}
    batch.member_store = {m: store for m, (_hot, store) in found.items()}
    batch.hotlisted_before = dict(known_members)
    for holder, asset, amount in consumed:
        batch.held_delta[(f"member:{holder}", asset, "")] -= amount

    # 3. evaluate in event order
    balances, posting_rows, lot_delta = batch.balances, batch.posting_rows, batch.lot_delta
    for item in accepted:
        ev = item.event
        if item.unbookable is not None:
            _keep_unbookable(batch, item, received)
            continue
        if ev.kind == "enrol":
            enrolled = _enrol(batch, item, received)
            if enrolled is not None and enrolled not in known_members:
                known_members[enrolled] = False
                batch.member_store[enrolled] = terminal.store_id
            elif enrolled is not None and batch.member_store.get(enrolled) != terminal.store_id:
                _flag_foreign(batch, item, enrolled, ": enrolment not recorded", received)
        elif ev.kind == protocol.MEMBER_PIN:
            _member_pin(batch, item, known_members, received)
        event_members: set[str] = set()
        event_id = ev.id
        for account, asset, amount, lot, expires in ev.postings:
            if account.startswith("member:"):
                key = (account, asset, "")
                owner = account[7:]
                event_members.add(owner)
                if lot is not None and asset == POINTS:
                    entry = lot_delta.get(lot)
                    if entry is None:
                        entry = lot_delta[lot] = [owner, expires, 0]
                    entry[2] += amount
                    if expires is not None:
                        entry[1] = expires
            else:
                key = (account, asset, shop_shard)
            balances[key] = balances.get(key, 0) + amount
            posting_rows.append((event_id, account, asset, amount, lot, expires))
        if ev.kind == protocol.VOUCHER_REDEEM:
            _voucher_rule(batch, item, voucher_rows, received)
        for member in sorted(event_members):
            if member not in known_members:
                _flag(batch, item, member, "unknown_member", 0,
                      f"member {member} is not known to the server", received)
            elif batch.member_store.get(member) != terminal.store_id:
                _flag_foreign(batch, item, member, "", received)
            _member_rules(batch, item, member, received)
        member_id = ev.body.get("member_id")
        batch.event_rows.append((
            ev.id, ev.terminal_id, ev.seq, terminal.store_id, ev.cashier_id, ev.kind,
            None if member_id is None else str(member_id)[:64], ev.occurred_at, ev.prev_hash,
            ev.hash, _json_encoder.encode(ev.body).decode(), received,
            (_APPLIED_RESULT if item.status == "applied" and not item.flags
             else json.dumps({"status": item.status, "flags": item.flags}))))

    # 4. write
    _write(conn, batch, voucher_rows)


def _keep_unbookable(batch: _Batch, item: _Accepted, now: str) -> None:
    """An event in its place in the chain whose content cannot be booked: its row (so the
    chain goes on) with no postings and no member (no facts, analytics or hotlist from it:
    the body keeps what the till sent), and a flag row for the manager naming the reason."""
    ev = item.event
    reason = item.unbookable or ""
    member = ev.body.get("member_id")
    batch.flag_rows.append({"event_id": ev.id, "store_id": batch.terminal.store_id,
                            "terminal_id": batch.terminal.id,
                            "member_id": member[:64] if isinstance(member, str) else None,
                            "kind": UNBOOKABLE, "amount": 0,
                            "detail": f"event #{ev.seq} ({ev.kind}) kept but not booked: "
                                      f"{reason}",
                            "created_at": now})
    batch.event_rows.append((
        ev.id, ev.terminal_id, ev.seq, batch.terminal.store_id, ev.cashier_id, ev.kind, None,
        ev.occurred_at, ev.prev_hash, ev.hash, _json_encoder.encode(ev.body).decode(), now,
        _unbookable_result(reason)))


def _lock_vouchers(conn: Connection, ids: list[str],
                   accepted: list[_Accepted]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    faces: dict[str, int | None] = {}
    for item in accepted:
        if item.event.kind == protocol.VOUCHER_REDEEM:
            face = item.event.body.get("face_value")
            faces.setdefault(str(item.event.body.get("voucher_id", "")),
                             face if isinstance(face, int) and not isinstance(face, bool)
                             else None)
    conn.execute(_insert(conn, t.vouchers).on_conflict_do_nothing(),
                 [{"id": v, "face_value": faces.get(v), "status": "issued",
                   "redeemed_by": None, "redemptions": 0} for v in ids])
    rows = conn.execute(select(t.vouchers).where(t.vouchers.c.id.in_(ids))
                        .order_by(t.vouchers.c.id).with_for_update())
    return {r.id: {"face_value": r.face_value, "status": r.status,
                   "redeemed_by": r.redeemed_by, "redemptions": r.redemptions,
                   "changed": False} for r in rows}


_PG_LOCK_BALANCES = text(
    "INSERT INTO balances (account, asset, shard, balance, held) "
    "SELECT r->>0, r->>1, r->>2, 0, 0 FROM jsonb_array_elements(CAST(:k AS jsonb)) r "
    "ORDER BY 1, 2, 3 ON CONFLICT (account, asset, shard) DO UPDATE "
    "SET held = balances.held WHERE false")
_PG_READ_BALANCES = text(
    "SELECT b.account, b.asset, b.shard, b.balance FROM balances b "
    "JOIN jsonb_array_elements(CAST(:k AS jsonb)) r "
    "ON b.account = r->>0 AND b.asset = r->>1 AND b.shard = r->>2")


def _lock_balances(conn: Connection, keys: list[tuple[str, str, str]], batch: _Batch) -> None:
    """Create missing balance rows, then lock them all in key order (no deadlocks)."""
    if conn.dialect.name == "postgresql":
        # A missing row is inserted, an existing one locked by ``DO UPDATE … WHERE false``
        # (the row is locked, not rewritten: a no-op SET wrote a new version of every
        # touched row, ~2x the PostgreSQL time of this step); rows are taken in key order.
        # The balances are read after the lock, so they are the latest committed ones
        # (READ COMMITTED: a new snapshot per statement).
        param = _json(keys)
        conn.execute(_PG_LOCK_BALANCES, {"k": param})
        rows = conn.execute(_PG_READ_BALANCES, {"k": param})
        batch.balances.update(((account, asset, shard), int(balance))
                              for account, asset, shard, balance in rows)
        return
    for chunk in _chunks(keys, 300):
        conn.execute(_insert(conn, t.balances).on_conflict_do_nothing(),
                     [{"account": a, "asset": s, "shard": h, "balance": 0, "held": 0}
                      for a, s, h in chunk])
        rows = conn.execute(
            select(t.balances.c.account, t.balances.c.asset, t.balances.c.shard,
                   t.balances.c.balance)
            .where(tuple_(t.balances.c.account, t.balances.c.asset, t.balances.c.shard)
                   .in_(list(chunk))))
        for row in rows:
            batch.balances[(row.account, row.asset, row.shard)] = int(row.balance)


def _existing_members(conn: Connection, ids: list[str]) -> dict[str, tuple[bool, str | None]]:
    """(hotlisted, store id) of each of ``ids`` the server knows."""
    found: dict[str, tuple[bool, str | None]] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(t.members.c.id, t.members.c.hotlisted,
                                       t.members.c.store_id)
                                .where(t.members.c.id.in_(chunk))):
            found[row.id] = (bool(row.hotlisted), row.store_id)
    return found


def _consume_holds(conn: Connection, event_ids: list[str]) -> list[tuple[str, str, int]]:
    """Delete every hold of these events (each asset's) and return them as (member, asset,
    amount): one statement on PostgreSQL whatever the number of events.

    Whoever deletes a hold row releases its amount from its asset's ``balances.held``: the
    push that consumes it here, an authorisation that releases it once expired, or the
    terminal's release of a sale it refused. A row lock orders them, so a hold is never
    released twice."""
    if event_ids and conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "DELETE FROM holds WHERE event_id IN (SELECT json_array_elements_text("
            "CAST(:ids AS json))) RETURNING member_id, asset, amount"),
            {"ids": _json(event_ids)})
        return [(row.member_id, row.asset, int(row.amount)) for row in rows]
    consumed: list[tuple[str, str, int]] = []
    for chunk in _chunks(event_ids):
        rows = conn.execute(delete(t.holds).where(t.holds.c.event_id.in_(chunk))
                            .returning(t.holds.c.member_id, t.holds.c.asset,
                                       t.holds.c.amount))
        consumed += [(row.member_id, row.asset, int(row.amount)) for row in rows]
    return consumed


MEMBER_SECRET_HEX = re.compile(r"^[0-9a-f]{64}$")


def _enrol(batch: _Batch, item: _Accepted, now: str) -> str | None:
    """Record a member enrolled at the pushing terminal (its store); returns the member id.

    The body's ``member.code_secret`` (64 lowercase hex) and ``member.pin_hash`` (opaque) are
    kept; a missing secret is made here, a malformed one replaced (and flagged)."""
    ev = item.event
    info = ev.body.get("member")
    if not isinstance(info, dict):
        return None
    member_id = str(info.get("id") or ev.body.get("member_id") or "")[:36]
    if not member_id:
        return None
    secret = info.get("code_secret")
    if not (isinstance(secret, str) and MEMBER_SECRET_HEX.match(secret)):
        if secret is not None:
            _flag(batch, item, member_id, "invalid_member_secret", 0,
                  "the member's code secret was not 64 hex digits: the server made a new one",
                  now)
        secret = new_member_secret().hex()
    pin_hash = info.get("pin_hash")
    if pin_hash is not None and not (isinstance(pin_hash, str)
                                     and 0 < len(pin_hash) <= protocol.MAX_PIN_HASH):
        _flag(batch, item, member_id, "invalid_pin_hash", 0,
              "the member's PIN hash was not a string of 1-512 characters: no PIN kept", now)
        pin_hash = None
    batch.members_new[member_id] = {
        "id": member_id, "card_number": str(info.get("card_number", ""))[:32],
        "name": str(info.get("name", ""))[:200], "phone": str(info.get("phone") or "")[:24],
        "birthday": info.get("birthday") if isinstance(info.get("birthday"), str) else None,
        "enrolled_on": str(info.get("enrolled_on") or ev.occurred_at[:10])[:10],
        "tier": str(info.get("tier") or "basic")[:16], "store_id": batch.terminal.store_id,
        "hotlisted": False, "hotlist_reason": "", "code_secret": secret, "pin_hash": pin_hash,
    }
    batch.touched_members.add(member_id)
    return member_id


def _member_pin(batch: _Batch, item: _Accepted, known: dict[str, bool], now: str) -> None:
    """A ``member_pin`` event: the member's new PIN hash, for a member of this store only."""
    member = str(item.event.body["member_id"])
    if member not in known:
        _flag(batch, item, member, "unknown_member", 0,
              f"member {member} is not known to the server: PIN not changed", now)
    elif batch.member_store.get(member) != batch.terminal.store_id:
        _flag_foreign(batch, item, member, ": PIN not changed", now)
    else:
        batch.pin_updates[member] = str(item.event.body["pin_hash"])
        batch.touched_members.add(member)


def _flag(batch: _Batch, item: _Accepted, member: str | None, kind: str, amount: int,
          detail: str, now: str) -> None:
    """A flag row for the manager, and the flag in the event's push result. A rule's flag
    about another store's member (an overdraft, say) goes to that member's store only: the
    pushing terminal learns nothing of the member's balance (it sees ``foreign_member``)."""
    owner = batch.member_store.get(member) if member is not None else None
    foreign = owner is not None and owner != batch.terminal.store_id \
        and kind != "foreign_member"
    item.status = "flagged"
    if kind not in item.flags and not foreign:
        item.flags.append(kind)
    batch.flag_rows.append({"event_id": item.event.id,
                            "store_id": owner if foreign else batch.terminal.store_id,
                            "terminal_id": batch.terminal.id, "member_id": member,
                            "kind": kind, "amount": amount, "detail": detail,
                            "created_at": now})


def _flag_foreign(batch: _Batch, item: _Accepted, member: str, outcome: str,
                  now: str) -> None:
    """An event of this store's terminal touched another store's member: flagged for both
    stores' managers (the member's store sees who touched its member)."""
    if (item.event.id, member) in batch.foreign_flagged:
        return
    batch.foreign_flagged.add((item.event.id, member))
    _flag(batch, item, member, "foreign_member", 0,
          f"member {member} belongs to another store{outcome}", now)
    batch.flag_rows.append({**batch.flag_rows[-1], "store_id": batch.member_store.get(member),
                            "detail": f"member {member} of this store was touched by terminal "
                                      f"{batch.terminal.id} of another store{outcome}"})


def _adjust(batch: _Batch, item: _Accepted, rule: str, member: str | None,
            postings: list[tuple[str, str, str, int]], now: str) -> None:
    """A server adjustment event, its id derived from the triggering event and the rule."""
    adjust_id = str(uuid.uuid5(ADJUST_NAMESPACE, f"{item.event.id}:{rule}"))
    body = {"rule": rule, "for_event": item.event.id, "member_id": member}
    wire = [[account, asset, amount, None, None] for account, asset, _shard, amount in postings]
    canonical = {"id": adjust_id, "terminal_id": SERVER_TERMINAL, "seq": None,
                 "cashier_id": SERVER_TERMINAL, "occurred_at": now, "kind": "adjust",
                 "body": body, "postings": wire, "prev_hash": item.event.hash}
    batch.event_rows.append((
        adjust_id, SERVER_TERMINAL, None, batch.terminal.store_id, SERVER_TERMINAL, "adjust",
        member, now, item.event.hash, hash_canonical(canonical),
        json.dumps(body, sort_keys=True), now, _APPLIED_RESULT))
    for account, asset, shard, amount in postings:
        key = (account, asset, shard)
        batch.balances[key] = batch.balances.get(key, 0) + amount
        batch.posting_rows.append((adjust_id, account, asset, amount, None, None))


def _member_rules(batch: _Batch, item: _Accepted, member: str, now: str) -> None:
    account = f"member:{member}"
    sv_key, pts_key, recv_key = (account, SV, ""), (account, POINTS, ""), (RECEIVABLE, SV, member)
    sv = batch.balances.get(sv_key, 0)
    receivable = batch.balances.get(recv_key, 0)
    if sv < 0:
        shortfall = -sv
        _adjust(batch, item, "offline_overdraft", member,
                [(account, SV, "", shortfall), (RECEIVABLE, SV, member, -shortfall)], now)
        _flag(batch, item, member, "stored_value_overdraft", shortfall,
              f"offline stored-value debit overdrew the account by {shortfall}", now)
    elif sv > 0 and receivable < 0:
        repay = min(sv, -receivable)
        _adjust(batch, item, "overdraft_repayment", member,
                [(account, SV, "", -repay), (RECEIVABLE, SV, member, repay)], now)
    if batch.balances.get(pts_key, 0) < 0 and any(
            p[0] == account and p[1] == POINTS and p[2] < 0 for p in item.event.postings):
        _flag(batch, item, member, "points_overdraft", -batch.balances[pts_key],
              f"points redeemed offline overdrew the account by {-batch.balances[pts_key]}",
              now)
    # Cash-back is a rebate the shop gave: a debit below zero applies (the sale happened),
    # is flagged and hotlists the member until a later cash-back credit brings it back.
    cash_back = batch.balances.get((account, CASH_BACK, ""), 0)
    if cash_back < 0 and any(p[0] == account and p[1] == CASH_BACK and p[2] < 0
                             for p in item.event.postings):
        _flag(batch, item, member, "cash_back_overdraft", -cash_back,
              f"cash-back spent on more than one till overdrew the account by {-cash_back}",
              now)


def _voucher_rule(batch: _Batch, item: _Accepted, vouchers: dict[str, dict[str, Any]],
                  now: str) -> None:
    """Count the redemption; one beyond the voucher's uses is flagged and its discount posted
    to ``voucher_double_redemption_loss`` (in push order: the first ``uses`` win)."""
    body = item.event.body
    voucher_id = str(body.get("voucher_id", ""))
    state = vouchers.get(voucher_id)
    if state is None:
        _flag(batch, item, None, "malformed_voucher", 0, "voucher redemption without a voucher "
              "id", now)
        return
    state["redemptions"] += 1
    state["changed"] = True
    if state["status"] != "redeemed":
        state["status"] = "redeemed"
        state["redeemed_by"] = item.event.id
    # The uses the voucher was signed with, as the redeeming till verified them (a
    # multi-use voucher: "10 coffees"); an event without them (older tills): one use.
    uses = _whole(body.get("uses")) or 1
    if state["redemptions"] <= uses:
        return
    loss = _voucher_loss(item, state["face_value"])
    member = body.get("member_id")
    member_id = None if member is None else str(member)
    if loss:
        _adjust(batch, item, "voucher_double_redemption", member_id,
                [(VOUCHER_LOSS, SV, batch.terminal.id, loss),
                 (VOUCHERS_HONOURED, SV, batch.terminal.id, -loss)], now)
    _flag(batch, item, member_id, "voucher_double_redemption", loss,
          f"voucher {voucher_id} redeemed {state['redemptions']} times, {uses} allowed "
          f"(first by event {state['redeemed_by']})", now)


def _voucher_loss(item: _Accepted, face: int | None) -> int:
    """What a redemption beyond the voucher's uses cost the shop: the discount the event
    gave (what it posted to ``shop:vouchers_honoured``, else its body's ``discount``); for an
    event that records neither, the face value (the server's record, else the event's).
    A percent-off, product or multi-use voucher has face 0 on the server: its loss is the
    discount of this sale (0 for a product, whose price the till does not record: it is
    flagged with amount 0 and nothing is posted)."""
    honoured = sum(amount for account, asset, amount, _lot, _exp in item.event.postings
                   if account == VOUCHERS_HONOURED and asset == SV)
    if honoured > 0:
        return honoured
    body = item.event.body
    discount = body.get("discount")
    if isinstance(discount, int) and not isinstance(discount, bool):
        return max(0, discount)
    return face or _whole(body.get("face_value"))


def _whole(value: object) -> int:
    """A positive whole number from an event body, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


_PG_WRITE = text(
    "WITH ev AS (INSERT INTO events (" + ", ".join(EVENT_COLUMNS) + ") "
    "SELECT r->>0, r->>1, (r->>2)::bigint, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, r->>9, "
    "r->>10, r->>11, r->>12 FROM jsonb_array_elements(CAST(:ev AS jsonb)) r), "
    "po AS (INSERT INTO postings (" + ", ".join(POSTING_COLUMNS) + ") "
    "SELECT r->>0, r->>1, r->>2, (r->>3)::bigint, r->>4, r->>5 "
    "FROM jsonb_array_elements(CAST(:po AS jsonb)) r), "
    "ba AS (UPDATE balances AS b SET balance = (r->>3)::bigint, "
    "held = b.held + (r->>4)::bigint FROM jsonb_array_elements(CAST(:ba AS jsonb)) r "
    "WHERE b.account = r->>0 AND b.asset = r->>1 AND b.shard = r->>2), "
    "lo AS (INSERT INTO lots (lot_id, member_id, expires_on, remaining) "
    "SELECT r->>0, r->>1, r->>2, (r->>3)::bigint FROM jsonb_array_elements(CAST(:lo AS jsonb)) r "
    "ON CONFLICT (lot_id) DO UPDATE SET remaining = lots.remaining + excluded.remaining), "
    "hl AS (UPDATE members AS m SET hotlisted = (r->>1)::boolean, hotlist_reason = r->>2 "
    "FROM jsonb_array_elements(CAST(:hl AS jsonb)) r WHERE m.id = r->>0), "
    "ch AS (INSERT INTO changes (kind, key, store_id) "
    "SELECT r->>0, r->>1, r->>2 FROM jsonb_array_elements(CAST(:ch AS jsonb)) r) "
    "UPDATE terminals SET head_seq = :seq, head_hash = :hash WHERE id = :tid")


#: from this many event rows on, a push COPYs its event and posting rows (two statements
#: more) instead of sending them in the write statement's JSON: measured on one 2,000-event
#: batch, 13 against 21 µs of PostgreSQL time per event; below it the round trips cost more.
COPY_FROM_ROWS = 100
_COPY_EVENTS = "COPY events (" + ", ".join(EVENT_COLUMNS) + ") FROM STDIN"
_COPY_POSTINGS = "COPY postings (" + ", ".join(POSTING_COLUMNS) + ") FROM STDIN"


def _copy_rows(conn: Connection, batch: _Batch) -> None:
    """COPY the batch's event and posting rows, on the push's own connection and transaction
    (the DBAPI connection under it: SQLAlchemy has no COPY)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        with cursor.copy(_COPY_EVENTS) as copy:
            for row in batch.event_rows:
                copy.write_row(row)
        with cursor.copy(_COPY_POSTINGS) as copy:
            for posting in batch.posting_rows:
                copy.write_row(posting)


def _write_pg(conn: Connection, batch: _Batch) -> None:
    """Every write of a push in one statement (data-modifying CTEs on distinct tables): one
    round trip, and no per-row work in the driver (each table's rows are one JSON param);
    a large batch's event and posting rows go first by COPY (:data:`COPY_FROM_ROWS`)."""
    changed = sorted(k for k, v in batch.balances.items()
                     if v != batch.start.get(k, 0) or batch.held_delta.get(k))
    copied = len(batch.event_rows) >= COPY_FROM_ROWS
    if copied:
        _copy_rows(conn, batch)
    conn.execute(_PG_WRITE, {
        "ev": _json([] if copied else batch.event_rows),
        "po": _json([] if copied else batch.posting_rows),
        "ba": _json([(*k, batch.balances[k], batch.held_delta.get(k, 0)) for k in changed]),
        "lo": _json([(lot, *v) for lot, v in sorted(batch.lot_delta.items())]),
        "hl": _json(_hotlist_rows(batch)),
        "ch": _json([(r["kind"], r["key"], r["store_id"]) for r in _change_rows(batch)]),
        "seq": batch.head[0], "hash": batch.head[1], "tid": batch.terminal.id})


def _change_rows(batch: _Batch) -> list[dict[str, str | None]]:
    """The pull feed rows of a push: each touched member under its store (an unknown one
    under the pushing terminal's), each voucher for every store."""
    stores = batch.member_store
    rows: list[dict[str, str | None]] = [
        {"kind": "member", "key": m, "store_id": stores.get(m) or batch.terminal.store_id}
        for m in sorted(batch.touched_members)]
    rows += [{"kind": "voucher", "key": v, "store_id": None}
             for v in sorted(batch.touched_vouchers)]
    return rows + _member_event_rows(batch)


def _member_event_rows(batch: _Batch) -> list[dict[str, str | None]]:
    """One feed row per member store of the batch's events that name a member (usually one):
    the range of those events' sequence numbers, expanded into facts at pull time."""
    spans: dict[str, tuple[int, int]] = {}
    own = batch.terminal.id
    for row in batch.event_rows:  # EVENT_COLUMNS: id, terminal_id, seq, …, member_id (6)
        seq, member = row[2], row[6]
        store = None if member is None else batch.member_store.get(member)
        if row[1] != own or seq is None or store is None:
            continue
        first, last = spans.get(store, (seq, seq))
        spans[store] = (min(first, seq), max(last, seq))
    return [{"kind": protocol.MEMBER_EVENTS, "key": protocol.event_range_key(own, *span),
             "store_id": store} for store, span in sorted(spans.items())]


def _write(conn: Connection, batch: _Batch, vouchers: dict[str, dict[str, Any]]) -> None:
    if batch.members_new:
        rows = [batch.members_new[k] for k in sorted(batch.members_new)]
        conn.execute(_insert(conn, t.members).on_conflict_do_nothing(), rows)
    if batch.pin_updates:
        conn.execute(text("UPDATE members SET pin_hash = :pin WHERE id = :id"),
                     [{"id": m, "pin": pin} for m, pin in sorted(batch.pin_updates.items())])
    for voucher_id in sorted(vouchers):
        state = vouchers[voucher_id]
        if state["changed"]:
            conn.execute(update(t.vouchers).where(t.vouchers.c.id == voucher_id).values(
                status=state["status"], redeemed_by=state["redeemed_by"],
                redemptions=state["redemptions"]))
    if batch.flag_rows:
        conn.execute(t.flags.insert(), batch.flag_rows)
    if conn.dialect.name == "postgresql":
        _write_pg(conn, batch)
        return
    bulk_insert(conn, t.events, EVENT_COLUMNS, batch.event_rows)
    bulk_insert(conn, t.postings, POSTING_COLUMNS, batch.posting_rows)
    changed = sorted(k for k, v in batch.balances.items()
                     if v != batch.start.get(k, 0) or batch.held_delta.get(k))
    if changed:
        stmt = text("UPDATE balances SET balance = :balance, held = held + :held "
                    "WHERE account = :account AND asset = :asset AND shard = :shard")
        conn.execute(stmt, [{"balance": batch.balances[k], "held": batch.held_delta.get(k, 0),
                             "account": k[0], "asset": k[1], "shard": k[2]} for k in changed])
    if batch.lot_delta:
        ins = _insert(conn, t.lots)
        ins = ins.on_conflict_do_update(
            index_elements=[t.lots.c.lot_id],
            set_={"remaining": t.lots.c.remaining + ins.excluded.remaining})
        conn.execute(ins, [{"lot_id": lot, "member_id": v[0], "expires_on": v[1],
                            "remaining": v[2]} for lot, v in sorted(batch.lot_delta.items())])
    for member, hotlisted, reason in _hotlist_rows(batch):
        conn.execute(update(t.members).where(t.members.c.id == member).values(
            hotlisted=hotlisted, hotlist_reason=reason))
    record_changes(conn, _change_rows(batch))
    conn.execute(update(t.terminals).where(t.terminals.c.id == batch.terminal.id)
                 .values(head_seq=batch.head[0], head_hash=batch.head[1]))


def _hotlist_rows(batch: _Batch) -> list[tuple[str, bool, str]]:
    """(member, hotlisted, reason) of the members with postings in the batch (whose balances
    it holds) whose hotlist entry is written: those hotlisted now or before (or not known
    before). A PIN change or an enrolment alone never touches the hotlist."""
    out: list[tuple[str, bool, str]] = []
    before = batch.hotlisted_before
    for member in sorted(batch.posting_members):
        account = f"member:{member}"
        points = batch.balances.get((account, POINTS, ""), 0)
        owed = -batch.balances.get((RECEIVABLE, SV, member), 0)
        cash_back = batch.balances.get((account, CASH_BACK, ""), 0)
        reasons = []
        if points < 0:
            reasons.append(f"points balance {points}")
        if cash_back < 0:
            reasons.append(f"cash-back balance {cash_back}")
        if owed > 0:
            reasons.append(f"offline overdraft {owed} to repay")
        if bool(reasons) or before.get(member, True):
            out.append((member, bool(reasons), "; ".join(reasons)))
    return out


def record_changes(conn: Connection, rows: list[dict[str, str | None]]) -> None:
    if rows:
        conn.execute(t.changes.insert(), rows)


def bulk_insert(conn: Connection, table: Any, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """executemany (the SQLite path; on PostgreSQL a push writes through :data:`_PG_WRITE`)."""
    if rows:
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


# --- pull ----------------------------------------------------------------------------------

#: the largest numbers a cursor can carry: a PostgreSQL transaction id (xid8, unsigned 64
#: bits) and a feed row id (BIGINT / SQLite rowid, signed 64 bits)
MAX_CURSOR_TXID = 2**64 - 1
MAX_CURSOR_ID = 2**63 - 1


def parse_cursor(cursor: str, postgres: bool) -> tuple[int, int]:
    """``"txid.id"`` (PostgreSQL) or ``"id"`` (SQLite) as numbers; anything else, a
    negative number or one past what the database can hold is a 400 ``bad_cursor`` (never a
    database error: an id past the 64-bit range used to be a 500 on SQLite)."""
    try:
        if "." in cursor:
            tx_text, _, id_text = cursor.partition(".")
            tx, ident = int(tx_text), int(id_text)
        else:
            tx, ident = 0, int(cursor or "0")
    except ValueError:
        raise BadRequest(f"Cursor {cursor[:40]!r} is not one this server handed out.",
                         "bad_cursor") from None
    if tx < 0 or ident < 0:
        raise BadRequest("Cursor must not be negative.", "bad_cursor")
    if tx > MAX_CURSOR_TXID or ident > MAX_CURSOR_ID:
        raise BadRequest(f"Cursor {cursor[:40]!r} is out of range (not one this server "
                         "handed out).", "bad_cursor")
    return (tx, ident)


#: Committed rows after the cursor that a pull may not hand out yet (an older transaction in
#: the cluster is still open): the terminal is told, so that it can pull again soon.
_WITHHELD = text(
    "SELECT EXISTS (SELECT 1 FROM changes WHERE (txid, id) > (CAST(:tx AS text)::xid8, :id) "
    "AND txid >= pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (store_id IS NULL OR store_id = :store))")


def pull(conn: Connection, terminal: TerminalAuth, cursor: str, limit: int) -> dict[str, Any]:
    """Changes after ``cursor`` for this terminal's store (its members; vouchers and config
    are for every store). On PostgreSQL run it in a REPEATABLE READ transaction.

    PostgreSQL: every change row carries the id of the transaction that wrote it (``txid``,
    xid8). Ids from a sequence are handed out at insert time but become visible at commit, so a
    plain id cursor skips a row whose transaction commits after a later one. Ordering by
    (txid, id) and handing out only rows whose txid is below ``pg_snapshot_xmin`` (every
    transaction below it has ended) means no row can later appear behind the cursor.

    Every page also says the terminal's ``terminal_number`` (read with its head, no extra
    statement): a till registered before numbers existed saves it (``sync.client.round``).
    """
    postgres = conn.dialect.name == "postgresql"
    tx, last_id = parse_cursor(cursor, postgres)
    limit = max(1, min(limit, 5000))
    withheld = False
    if postgres:
        rows = conn.execute(text(
            "SELECT id, txid::text AS txid, kind, key FROM changes "
            "WHERE (txid, id) > (CAST(:tx AS text)::xid8, :id) "
            "AND txid < pg_snapshot_xmin(pg_current_snapshot()) "
            "AND (store_id IS NULL OR store_id = :store) "
            "ORDER BY txid, id LIMIT :limit"),
            {"tx": str(tx), "id": last_id, "limit": limit, "store": terminal.store_id}).all()
        rows, cut = _within_fact_budget(rows, terminal)
        next_cursor = f"{rows[-1].txid}.{rows[-1].id}" if rows else f"{tx}.{last_id}"
        if len(rows) < limit and not cut:
            tx, last_id = (int(rows[-1].txid), int(rows[-1].id)) if rows else (tx, last_id)
            withheld = bool(conn.execute(_WITHHELD, {"tx": str(tx), "id": last_id,
                                                     "store": terminal.store_id}).scalar())
    else:
        rows = conn.execute(select(t.changes.c.id, t.changes.c.kind, t.changes.c.key)
                            .where(t.changes.c.id > last_id,
                                   t.changes.c.store_id.is_(None)
                                   | (t.changes.c.store_id == terminal.store_id))
                            .order_by(t.changes.c.id).limit(limit)).all()
        rows, cut = _within_fact_budget(rows, terminal)
        next_cursor = str(rows[-1].id) if rows else str(last_id)
    member_ids = sorted({r.key for r in rows if r.kind == "member"})
    voucher_ids = sorted({r.key for r in rows if r.kind == "voucher"})
    config_keys = sorted({r.key for r in rows if r.kind == "config"})
    me = conn.execute(select(t.terminals.c.head_seq, t.terminals.c.terminal_number)
                      .where(t.terminals.c.id == terminal.id)).one()
    return {
        "cursor": next_cursor,
        "has_more": len(rows) == limit or cut,
        "withheld": withheld,
        "as_of_seq": int(me.head_seq),
        # the card range: a terminal registered before numbers existed learns its number here
        "terminal_number": None if me.terminal_number is None else int(me.terminal_number),
        "members": member_payloads(conn, member_ids, terminal.store_id),
        "vouchers": _voucher_payloads(conn, voucher_ids),
        "config": {k: v for k in config_keys if (v := get_config(conn, k)) is not None},
        "facts": protocol.facts_to_wire(member_event_facts(conn, terminal, _ranges(rows))),
    }


#: The member event facts a pull page carries at most (past the first feed row): a feed row
#: stands for a whole pushed batch, up to 5,000 events.
FACTS_PER_PAGE = 5000


def _ranges(rows: Sequence[Any]) -> list[tuple[str, int, int]]:
    """The event ranges of the page's ``member_events`` rows (a malformed key is skipped)."""
    found = (protocol.parse_event_range_key(r.key) for r in rows
             if r.kind == protocol.MEMBER_EVENTS)
    return [r for r in found if r is not None]


def _within_fact_budget(rows: Sequence[Any], terminal: TerminalAuth
                        ) -> tuple[Sequence[Any], bool]:
    """The page's rows up to :data:`FACTS_PER_PAGE` events of other terminals (at least one
    row), and whether rows were left for the next page. The requester's own batches weigh
    nothing: they expand to no facts."""
    weight = 0
    for index, row in enumerate(rows):
        if row.kind != protocol.MEMBER_EVENTS:
            continue
        span = protocol.parse_event_range_key(row.key)
        if span is None or span[0] == terminal.id:
            continue
        weight += span[2] - span[1] + 1
        if weight > FACTS_PER_PAGE and index > 0:
            return rows[:index], True
    return rows, False


def member_event_facts(conn: Connection, terminal: TerminalAuth,
                       ranges: Sequence[tuple[str, int, int]]) -> list[protocol.WireFact]:
    """The facts of the events in ``ranges`` (terminal, first seq, last seq) whose member is
    of ``terminal``'s store, made at other terminals; ordered by terminal and sequence."""
    wanted = [r for r in ranges if r[0] != terminal.id]
    e, m = t.events.c, t.members.c
    out: list[protocol.WireFact] = []
    for chunk in _chunks(wanted, 100):
        rows = conn.execute(
            select(e.id, e.terminal_id, e.member_id, e.kind, e.occurred_at, e.body)
            .join(t.members, m.id == e.member_id)
            .where(or_(*(and_(e.terminal_id == tid, e.seq.between(first, last))
                         for tid, first, last in chunk)),
                   m.store_id == terminal.store_id)
            .order_by(e.terminal_id, e.seq))
        out += [_fact(row) for row in rows]
    return out


def _fact(row: Any) -> protocol.WireFact:
    body = msgspec.json.decode(row.body)
    if not isinstance(body, dict):
        body = {}
    voids = body.get("voided_event_id") if row.kind == "void" else None
    changes = state_changes(body.get("state_changes"), body.get("referred_by"))
    return protocol.WireFact(
        row.id, row.member_id, row.terminal_id, row.kind, row.occurred_at,
        None if voids is None else str(voids)[:64], _int(body.get("amount")),
        _int(body.get("discount")),
        [(c.field, c.value, c.key) for c in changes[:protocol.MAX_FACT_CHANGES]])


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) <= protocol.MAX_AMOUNT:
        return value
    return 0


def terminal_head(conn: Connection, terminal: TerminalAuth) -> int:
    """The last of this terminal's events the server has applied."""
    return int(conn.execute(select(t.terminals.c.head_seq)
                            .where(t.terminals.c.id == terminal.id)).scalar_one())


def member_payloads(conn: Connection, ids: Sequence[str],
                    store_id: str) -> list[dict[str, Any]]:
    """The members of ``store_id`` among ``ids`` with their balances, live lots, hotlist and
    code secret / PIN hash: for that store's terminals only, never for a log."""
    out: list[dict[str, Any]] = []
    for chunk in _chunks(list(ids), 500):
        accounts = [f"member:{m}" for m in chunk]
        bal: dict[str, dict[str, int]] = defaultdict(dict)
        for row in conn.execute(select(t.balances.c.account, t.balances.c.asset,
                                       t.balances.c.balance)
                                .where(t.balances.c.account.in_(accounts),
                                       t.balances.c.shard == "")):
            bal[row.account[7:]][row.asset] = int(row.balance)
        lots: dict[str, list[list[Any]]] = defaultdict(list)
        for row in conn.execute(select(t.lots).where(t.lots.c.member_id.in_(chunk),
                                                     t.lots.c.remaining != 0)):
            lots[row.member_id].append([row.lot_id, row.expires_on, int(row.remaining)])
        for row in conn.execute(select(t.members).where(t.members.c.id.in_(chunk),
                                                        t.members.c.store_id == store_id)
                                .order_by(t.members.c.id)):
            balances = bal.get(row.id, {})
            member_lots = sorted(lots.get(row.id, []), key=lambda lot: str(lot[0]))
            out.append({
                "id": row.id, "card_number": row.card_number, "name": row.name,
                "phone": row.phone, "birthday": row.birthday, "enrolled_on": row.enrolled_on,
                "tier": row.tier, "hotlisted": bool(row.hotlisted),
                "hotlist_reason": row.hotlist_reason, "balances": balances,
                "lots": member_lots,
                "digest": protocol.member_digest(balances, member_lots),
                "code_secret": row.code_secret, "pin_hash": row.pin_hash,
            })
    return out


def _voucher_payloads(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = conn.execute(select(t.vouchers).where(t.vouchers.c.id.in_(ids)))
    return [{"id": r.id, "status": r.status, "face_value": r.face_value} for r in rows]


def check(conn: Connection, terminal: TerminalAuth,
          digests: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Members of the terminal's store whose balances differ from its digest, to reload
    (another store's member is not answered for: it looks unknown)."""
    wanted = dict(digests)
    payloads = member_payloads(conn, sorted(wanted), terminal.store_id)
    return [p for p in payloads if p["digest"] != wanted.get(p["id"])]


# --- online authorisation ---------------------------------------------------------------

DEFAULT_HOLD_SECONDS = 15 * 60


ASSET_NAMES = {SV: "stored value", CASH_BACK: "cash-back"}


def authorise(conn: Connection, terminal: TerminalAuth, member_id: str, amount: int,
              event_id: str, hold_seconds: int = DEFAULT_HOLD_SECONDS,
              now: datetime | None = None, asset: str = SV) -> dict[str, Any]:
    """Reserve ``amount`` of the member's ``asset`` (stored value, or cash-back) for
    ``event_id``: never an overdraft.

    A conditional update of that asset's balance row (``… WHERE balance - held >= amount``):
    on PostgreSQL the row lock makes a concurrent second debit re-check the condition after
    the first commits. One hold per (event, asset): a sale paid with both holds each. The
    hold expires after ``hold_seconds`` (a sale that failed at the till never arrives): the
    member's expired holds are released first, so they no longer reduce what is available.
    Only members of the terminal's own store can be authorised (another's looks unknown).
    """
    if asset not in HOLD_ASSETS:
        raise BadRequest(f"Only stored value and cash-back are authorised online, not "
                         f"{asset[:32]!r}.", "unsupported_asset")
    if amount <= 0:
        raise BadRequest("The amount to authorise must be positive.")
    moment = now or datetime.now(UTC)
    member = conn.execute(select(t.members.c.id).where(
        t.members.c.id == member_id, t.members.c.store_id == terminal.store_id)).first()
    if member is None:
        raise NotFound(f"No member {member_id} on the server.", "unknown_member")
    expired = _delete_expired_holds(conn, member_id, moment)
    for existing in conn.execute(select(t.holds).where(t.holds.c.event_id == event_id)):
        if existing.member_id != member_id or (existing.asset == asset
                                               and existing.amount != amount):
            raise Conflict("This event id was authorised for another debit.", "hold_conflict")
        if existing.asset == asset:  # a retry: the same hold
            _release(conn, expired)
            return {"authorised": True, "event_id": event_id, "asset": asset,
                    "expires_at": existing.expires_at}
    if conn.execute(select(t.events.c.id).where(t.events.c.id == event_id)).first():
        # a late retry of a sale already pushed: its debit is booked, and a hold would never
        # be consumed (it would only lower the member's available balance until it expired)
        _release(conn, expired)
        return {"authorised": True, "event_id": event_id, "asset": asset,
                "already_received": True}
    freed: dict[str, int] = defaultdict(int)
    for row in expired:
        freed[row.asset] += int(row.amount)
    account = f"member:{member_id}"
    # The member's balance rows are written in key (asset) order, the order a push locks
    # them in: an authorisation and a push do not deadlock over them.
    for each in sorted({*freed, asset}):
        if each != asset:
            _add_held(conn, account, each, -freed[each])
            continue
        result = conn.execute(text(
            "UPDATE balances SET held = held - :freed + :amount WHERE account = :account "
            "AND asset = :asset AND shard = '' AND balance - held + :freed >= :amount"),
            {"amount": amount, "freed": freed[asset], "account": account, "asset": asset})
        if result.rowcount != 1:  # the transaction rolls back: expired holds stay for later
            row = conn.execute(select(t.balances.c.balance, t.balances.c.held).where(
                t.balances.c.account == account, t.balances.c.asset == asset,
                t.balances.c.shard == "")).first()
            available = 0 if row is None else int(row.balance) - int(row.held) + freed[asset]
            raise Conflict(f"Not enough {ASSET_NAMES[asset]}: {available} available, "
                           f"{amount} asked.", "insufficient_balance")
    expires = format_time(moment + timedelta(seconds=hold_seconds))
    conn.execute(t.holds.insert().values(event_id=event_id, asset=asset, member_id=member_id,
                                         terminal_id=terminal.id, amount=amount,
                                         created_at=format_time(moment), expires_at=expires))
    return {"authorised": True, "event_id": event_id, "asset": asset, "expires_at": expires}


def _add_held(conn: Connection, account: str, asset: str, amount: int) -> None:
    conn.execute(text("UPDATE balances SET held = held + :amount WHERE account = :account "
                      "AND asset = :asset AND shard = ''"),
                 {"amount": amount, "account": account, "asset": asset})


def _release(conn: Connection, rows: Sequence[Any]) -> dict[str, int]:
    """Release deleted holds' amounts from their balance rows' ``held``, in key order (as a
    push locks them); returns the amount released per asset."""
    amounts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        amounts[(f"member:{row.member_id}", row.asset)] += int(row.amount)
    released: dict[str, int] = defaultdict(int)
    for (account, asset), amount in sorted(amounts.items()):
        _add_held(conn, account, asset, -amount)
        released[asset] += amount
    return dict(released)


def _delete_expired_holds(conn: Connection, member_id: str, now: datetime) -> list[Any]:
    """Delete the member's expired holds; the caller releases what is returned. The DELETE …
    RETURNING decides who releases a hold: if a push consumed it first (by event id), nothing
    is returned here, and vice versa, so ``held`` is released once."""
    return list(conn.execute(delete(t.holds).where(t.holds.c.member_id == member_id,
                                                   t.holds.c.expires_at <= format_time(now))
                             .returning(t.holds.c.member_id, t.holds.c.asset,
                                        t.holds.c.amount)))


def release_holds(conn: Connection, terminal: TerminalAuth, event_id: str) -> dict[str, Any]:
    """Release this terminal's holds of ``event_id`` at once: the till refused the sale after
    part of it was authorised (say its stored value held, its cash-back refused), so the
    event will never arrive. Another terminal's holds are left alone; releasing twice, or a
    hold a push already consumed, releases nothing."""
    rows = conn.execute(delete(t.holds).where(t.holds.c.event_id == event_id,
                                              t.holds.c.terminal_id == terminal.id)
                        .returning(t.holds.c.member_id, t.holds.c.asset,
                                   t.holds.c.amount)).all()
    return {"event_id": event_id, "released": _release(conn, rows)}


# --- configuration, admin, reports ----------------------------------------------------------

def get_config(conn: Connection, key: str) -> Any:
    value = conn.execute(select(t.config.c.value).where(t.config.c.key == key)).scalar()
    if value is None:
        if key == "offline_limits":
            return OfflineLimits().to_mapping()
        return None
    return json.loads(value)


def set_config(conn: Connection, key: str, value: Any) -> int:
    if key not in CONFIG_KEYS:
        raise BadRequest(f"Unknown configuration {key!r}.")
    if key == "offline_limits":
        try:
            value = OfflineLimits.from_mapping(value).to_mapping()
        except LoyaltyError as exc:  # e.g. InvalidAmount: "abc" is not a whole number
            raise BadRequest(f"Offline limits: {exc.message}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise BadRequest(f"Offline limits: {exc}") from None
    version = int(conn.execute(select(func.coalesce(func.max(t.config.c.version), 0))
                               .where(t.config.c.key == key)).scalar_one()) + 1
    if key == "programme":
        value = checked_programme(value, version)
    conn.execute(delete(t.config).where(t.config.c.key == key))
    conn.execute(t.config.insert().values(key=key, value=json.dumps(value, sort_keys=True),
                                          version=version, updated_at=now_text()))
    record_changes(conn, [{"kind": "config", "key": key}])
    return version


class InvalidProgramme(BadRequest):
    """A programme document the terminals could not evaluate (the reason names the field)."""

    status = 422
    code = "invalid_programme"


def checked_programme(document: Any, version: int) -> dict[str, Any]:
    """The programme document stamped with the server's ``version``, or InvalidProgramme."""
    if not isinstance(document, dict):
        raise InvalidProgramme("The programme document must be a JSON object.")
    stamped = {**document, "version": version}
    try:
        parse_document(stamped)
    except ProgrammeError as exc:
        raise InvalidProgramme(f"Programme document: {exc.message}") from None
    return stamped


def set_programmes(conn: Connection, document: Any) -> dict[str, Any]:
    """Validate and store the programme document; each change gets the next version."""
    version = set_config(conn, "programme", document)
    return {"version": version, "programmes": [p["id"] for p in document["programmes"]]}


def get_programmes(conn: Connection) -> dict[str, Any]:
    document = get_config(conn, "programme")
    if document is None:
        raise NotFound("No programme document has been set yet.")
    return dict(document)


def create_store(conn: Connection, name: str, timezone: str = "Asia/Taipei") -> dict[str, Any]:
    """A store; ``timezone`` must be an IANA zone name (it bounds the store's report days):
    anything else is refused (400 ``invalid_timezone``), never silently taken as UTC."""
    problem = zone_problem(timezone)
    if problem is not None:
        raise BadRequest(f"Time zone refused: {problem}.", "invalid_timezone")
    store_id = str(uuid.uuid4())
    conn.execute(t.stores.insert().values(id=store_id, name=name, timezone=timezone,
                                          created_at=now_text()))
    return {"id": store_id, "name": name, "timezone": timezone}


def create_terminal(conn: Connection, store_id: str, name: str,
                    ttl_seconds: int) -> dict[str, Any]:
    store = conn.execute(select(t.stores.c.id).where(t.stores.c.id == store_id)).first()
    if store is None:
        raise NotFound(f"No store {store_id}.", "unknown_store")
    terminal_id = str(uuid.uuid4())
    code, expires = enrolment.new_code(), enrolment.code_expiry(ttl_seconds)
    conn.execute(t.terminals.insert().values(
        id=terminal_id, store_id=store_id, name=name, token_hash=None,
        code_hash=token_hash(code), code_expires_at=expires, registered_at=None,
        head_seq=0, head_hash=GENESIS_HASH, created_at=now_text()))
    return {"terminal_id": terminal_id, "store_id": store_id, "enrolment_code": code,
            "expires_at": expires}


def import_members(conn: Connection, members: list[dict[str, Any]],
                   store_id: str) -> dict[str, Any]:
    """Members for ``store_id`` (whose terminals alone will see them), each with a fresh
    code secret for the phone app. An id already on the server is left as it is."""
    store = conn.execute(select(t.stores.c.id).where(t.stores.c.id == store_id)).first()
    if store is None:
        raise NotFound(f"No store {store_id}.", "unknown_store")
    created: list[str] = []
    rows = []
    for m in members:
        member_id = str(m.get("id") or uuid.uuid4())
        rows.append({"id": member_id, "card_number": str(m["card_number"]),
                     "name": str(m["name"]), "phone": str(m.get("phone") or ""),
                     "birthday": m.get("birthday"),
                     "enrolled_on": str(m.get("enrolled_on")
                                        or datetime.now(UTC).date().isoformat()),
                     "tier": str(m.get("tier") or "basic"), "store_id": store_id,
                     "hotlisted": False, "hotlist_reason": "",
                     "code_secret": new_member_secret().hex(), "pin_hash": None})
        created.append(member_id)
    if rows:
        conn.execute(_insert(conn, t.members).on_conflict_do_nothing(), rows)
        record_changes(conn, [{"kind": "member", "key": m, "store_id": store_id}
                              for m in created])
    return {"imported": len(created), "ids": created}


def member_secret(conn: Connection, member_id: str) -> dict[str, Any]:
    """The member's code secret for the companion app (``LMS1:<member id>:<hex>``).

    A member from before secrets existed gets one now (and its store's terminals pull it)."""
    row = conn.execute(select(t.members.c.id, t.members.c.code_secret, t.members.c.store_id)
                       .where(t.members.c.id == member_id)).first()
    if row is None:
        raise NotFound(f"No member {member_id} on the server.", "unknown_member")
    secret = row.code_secret
    if secret is None:
        secret = new_member_secret().hex()
        conn.execute(update(t.members).where(t.members.c.id == member_id)
                     .values(code_secret=secret))
        record_changes(conn, [{"kind": "member", "key": member_id, "store_id": row.store_id}])
    return {"member_id": member_id, "code_secret": secret,
            "uri": f"{SECRET_URI_PREFIX}{member_id}:{secret}"}


def issue_missing_member_secrets(conn: Connection, store_id: str | None = None,
                                 batch: int = 1000) -> dict[str, Any]:
    """A code secret for every member without one (members from before secrets existed),
    of ``store_id`` or of every store; the stores' terminals get them by their next pull.

    Returns the members' ids, never the secrets (``member-secret ID`` prints one for the
    member's app). Running it again issues nothing: only members still without one count."""
    if store_id is not None and conn.execute(
            select(t.stores.c.id).where(t.stores.c.id == store_id)).first() is None:
        raise NotFound(f"No store {store_id}.", "unknown_store")
    query = (select(t.members.c.id, t.members.c.store_id)
             .where(t.members.c.code_secret.is_(None)).order_by(t.members.c.id))
    if store_id is not None:
        query = query.where(t.members.c.store_id == store_id)
    rows = conn.execute(query).all()
    statement = (update(t.members).where(t.members.c.id == bindparam("member"))
                 .values(code_secret=bindparam("secret")))
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        conn.execute(statement, [{"member": r.id, "secret": new_member_secret().hex()}
                                 for r in part])
        record_changes(conn, [{"kind": "member", "key": r.id, "store_id": r.store_id}
                              for r in part])
    return {"issued": len(rows), "ids": [r.id for r in rows]}


SECRET_URI_PREFIX = "LMS1:"


_COMPACTION_LOCK = 0x4C54_4343  # pg_advisory_xact_lock key: "LTCC"


def compact_changes(conn: Connection) -> int:
    """Compact the pull feed; returns how many rows went.

    Members, vouchers, config: only the newest row of each entity is kept. A pull builds each
    entity's payload from its current state, so the newest row alone carries everything: a
    terminal whose cursor is below a deleted row still meets the entity's newest row later in
    the feed (newest by the feed's order: ``(txid, id)`` on PostgreSQL, ``id`` on SQLite).

    ``member_events`` rows are not entities (each stands for its own range of events), so
    they are merged instead (:func:`_merge_member_event_rows`). Compactions run one at a time
    (PostgreSQL: a transaction-scoped advisory lock; SQLite: its one writer): two computing
    merges from different reads of the feed could otherwise undo each other's ranges."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _COMPACTION_LOCK})
        result = conn.execute(text(
            "DELETE FROM changes c USING changes n WHERE c.kind <> :events "
            "AND n.kind = c.kind AND n.key = c.key AND (n.txid, n.id) > (c.txid, c.id)"),
            {"events": protocol.MEMBER_EVENTS})
    else:
        result = conn.execute(text(
            "DELETE FROM changes WHERE kind <> :events AND id < (SELECT MAX(n.id) FROM "
            "changes n WHERE n.kind = changes.kind AND n.key = changes.key)"),
            {"events": protocol.MEMBER_EVENTS})
    return int(result.rowcount or 0) + _merge_member_event_rows(conn)


@dataclass
class _Run:
    """Consecutive (in feed order) ``member_events`` rows of one terminal and store."""

    terminal_id: str
    first: int
    last: int
    ids: list[int]  # feed order: the last one is the newest


def _merge_member_event_rows(conn: Connection) -> int:
    """Merge each terminal's ``member_events`` rows, per store, into runs: the newest row of
    a run gets the key of the whole run's range (lowest first seq to highest last seq) and
    the older rows go. Returns how many rows went.

    Why merging into the *newest* row: a pull hands rows out in feed order, so a terminal
    whose cursor is below the newest row's position meets that row, now carrying the whole
    range, whatever it had pulled before; one at or past it had every row of the run already.
    No fact is lost, wherever a cursor stands: a fresh terminal, or one whose cursor is
    below the run, gets each fact once; one whose cursor is inside a run gets the facts it
    already had again (the terminal keeps each event once: ``foreign_facts`` ignores a known
    id). The kept row keeps its ``txid`` and id (an UPDATE sets neither), so its position
    in the feed does not move; facts only ever move to a later position, never behind a
    cursor, and the xmin rule of :func:`pull` still holds back a row whose transaction
    commits out of order. Rows of transactions not yet committed are not seen here and
    stay as they are. A range holds at most :data:`FACTS_PER_PAGE` sequence numbers (a
    pull weighs a row by its span), so a feed of one-sale pushes shrinks ~5,000-fold.

    Not chosen: dropping the rows every terminal has pulled. The server keeps no cursors,
    and a terminal registered later needs every batch of its store from the start."""
    cap = max(1, FACTS_PER_PAGE)
    order = ((t.changes.c.txid, t.changes.c.id) if conn.dialect.name == "postgresql"
             else (t.changes.c.id,))
    rows = conn.execute(  # streamed (PostgreSQL: a server-side cursor), then written
        select(t.changes.c.id, t.changes.c.key, t.changes.c.store_id)
        .where(t.changes.c.kind == protocol.MEMBER_EVENTS).order_by(*order)
        .execution_options(yield_per=10_000))
    open_runs: dict[tuple[str, str | None], _Run] = {}
    closed: list[_Run] = []
    for row in rows:
        span = protocol.parse_event_range_key(row.key)
        if span is None:
            continue  # not a key this server writes: left alone
        terminal_id, first, last = span
        group = (terminal_id, row.store_id)
        run = open_runs.get(group)
        if run is not None and max(run.last, last) - min(run.first, first) < cap:
            run.first, run.last = min(run.first, first), max(run.last, last)
            run.ids.append(int(row.id))
            continue
        if run is not None:
            closed.append(run)
        open_runs[group] = _Run(terminal_id, first, last, [int(row.id)])
    closed += open_runs.values()
    merged = [run for run in closed if len(run.ids) > 1]
    if not merged:
        return 0
    conn.execute(update(t.changes).where(t.changes.c.id == bindparam("row_id"))
                 .values(key=bindparam("new_key")),
                 [{"row_id": run.ids[-1],
                   "new_key": protocol.event_range_key(run.terminal_id, run.first, run.last)}
                  for run in merged])
    gone = [row_id for run in merged for row_id in run.ids[:-1]]
    for chunk in _chunks(gone, 5000 if conn.dialect.name == "postgresql" else 900):
        conn.execute(delete(t.changes).where(t.changes.c.id.in_(chunk)))
    return len(gone)


def issue_voucher(conn: Connection, voucher_id: str, face_value: int) -> dict[str, Any]:
    conn.execute(_insert(conn, t.vouchers).on_conflict_do_nothing(),
                 [{"id": voucher_id, "face_value": face_value, "status": "issued",
                   "redeemed_by": None, "redemptions": 0}])
    record_changes(conn, [{"kind": "voucher", "key": voucher_id}])
    return {"id": voucher_id, "face_value": face_value, "status": "issued"}


def list_flags(conn: Connection, store_id: str | None = None,
               limit: int = 500) -> list[dict[str, Any]]:
    query = select(t.flags).order_by(t.flags.c.id.desc()).limit(limit)
    if store_id is not None:
        query = query.where(t.flags.c.store_id == store_id)
    return [{"id": r.id, "event_id": r.event_id, "store_id": r.store_id,
             "terminal_id": r.terminal_id, "member_id": r.member_id, "kind": r.kind,
             "amount": int(r.amount), "detail": r.detail, "created_at": r.created_at}
            for r in conn.execute(query)]


def liability(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(t.balances.c.asset, func.sum(t.balances.c.balance))
                        .where(t.balances.c.account.like("member:%"))
                        .group_by(t.balances.c.asset)).all()
    totals = {str(asset): int(total or 0) for asset, total in rows}
    receivable = conn.execute(select(func.coalesce(func.sum(t.balances.c.balance), 0))
                              .where(t.balances.c.account == RECEIVABLE)).scalar_one()
    return {"stored_value": totals.get(SV, 0), "points": totals.get(POINTS, 0),
            "stamps": totals.get("stamps", 0),
            "offline_overdraft_receivable": -int(receivable)}

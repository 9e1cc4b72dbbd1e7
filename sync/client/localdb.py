"""The terminal's sync state in its local store (meta keys and the tables of migration 0002).

Functions take a :class:`terminal.store.repositories.SqliteSession` and never commit.

Design of multi-terminal balances: the local ``balances``/``lots`` tables stay caches of this
terminal's own postings (``verify`` checks them). What the server knows about a member across
all terminals arrives by pull as a snapshot (balances per asset, live points lots, hotlist)
taken *as of* this terminal's last event the server had applied (``as_of_seq``). From then on
``SqliteSession.balance()``/``lots()`` answer snapshot + this terminal's postings after
``as_of_seq``, so a member topped up at another till can pay here, and nothing is counted
twice. Members enrolled elsewhere are inserted into ``members`` when pulled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sync import protocol
from terminal.errors import LoyaltyError
from terminal.ledger import Event, format_time, parse_time
from terminal.limits import OfflineLimits, OfflineUsage
from terminal.members import CARD_BLOCK, CARD_PREFIX, is_card_number
from terminal.store import tables as t
from terminal.store.repositories import SqliteSession

PUSHED_SEQ = "sync.pushed_seq"
CURSOR = "sync.cursor"
LAST_SUCCESS = "sync.last_success_at"
LAST_ATTEMPT = "sync.last_attempt_at"
LAST_ERROR = "sync.last_error"
OFFLINE_LIMITS = "sync.offline_limits"
PROGRAMME = "sync.programme"
PUBLIC_KEYS = "sync.public_keys"
#: the last round's finding that sync.json's terminal number is not the server's ("" none)
NUMBER_PROBLEM = "sync.terminal_number_problem"
_SECRET_HEX = re.compile(r"[0-9a-f]{64}")


def pushed_seq(session: SqliteSession) -> int:
    return int(session.get_meta(PUSHED_SEQ) or "0")


def set_pushed_seq(session: SqliteSession, seq: int) -> None:
    session.set_meta(PUSHED_SEQ, str(seq))


def cursor(session: SqliteSession) -> str:
    return session.get_meta(CURSOR) or "0"


def reset_cursor(session: SqliteSession) -> None:
    """Pull everything again from the start (after a registration: the cursor belonged to the
    previous registration, perhaps to another server database; pulls are idempotent)."""
    session.set_meta(CURSOR, "0")


def last_success(session: SqliteSession) -> datetime | None:
    text = session.get_meta(LAST_SUCCESS)
    return None if text is None else parse_time(text)


def mark_success(session: SqliteSession, when: datetime) -> None:
    session.set_meta(LAST_SUCCESS, format_time(when))
    session.set_meta(LAST_ERROR, "")


def mark_attempt(session: SqliteSession, when: datetime, error: str) -> None:
    session.set_meta(LAST_ATTEMPT, format_time(when))
    session.set_meta(LAST_ERROR, error[:500])


def set_number_problem(session: SqliteSession, problem: str | None) -> None:
    session.set_meta(NUMBER_PROBLEM, (problem or "")[:500])


def number_problem(session: SqliteSession) -> str:
    return session.get_meta(NUMBER_PROBLEM) or ""


def offline_limits(session: SqliteSession) -> OfflineLimits:
    text = session.get_meta(OFFLINE_LIMITS)
    return OfflineLimits() if not text else OfflineLimits.from_mapping(json.loads(text))


def head_seq(session: SqliteSession) -> int:
    return session.journal_head()[0]


def pending_count(session: SqliteSession) -> int:
    return max(0, head_seq(session) - pushed_seq(session))


def pending_events(session: SqliteSession, limit: int) -> list[Event]:
    events: Iterator[Event] = session.journal(pushed_seq(session), batch=min(limit, 5000))
    return list(islice(events, limit))


# --- pulled state ---------------------------------------------------------------------------

def apply_member(session: SqliteSession, payload: Mapping[str, Any], as_of_seq: int) -> None:
    conn = session.conn
    member_id = str(payload["id"])
    values = {"name": payload["name"], "phone": payload.get("phone") or "",
              "tier": payload.get("tier") or "basic", **_member_credentials(payload)}
    _reserve_card_serial(session, str(payload["card_number"]))
    existing = conn.execute(select(t.members.c.id).where(t.members.c.id == member_id)).first()
    if existing is None:
        card_taken = conn.execute(select(t.members.c.id).where(
            t.members.c.card_number == payload["card_number"])).first()
        if card_taken is None:
            conn.execute(t.members.insert().values(
                id=member_id, card_number=payload["card_number"],
                birthday=payload.get("birthday"), enrolled_on=payload["enrolled_on"],
                **values))
    else:
        conn.execute(t.members.update().where(t.members.c.id == member_id).values(**values))
    conn.execute(delete(t.member_snapshots).where(t.member_snapshots.c.member_id == member_id))
    balances = payload.get("balances") or {}
    if balances:
        conn.execute(t.member_snapshots.insert(), [
            {"member_id": member_id, "asset": asset, "balance": int(amount)}
            for asset, amount in sorted(balances.items())])
    conn.execute(delete(t.snapshot_lots).where(t.snapshot_lots.c.member_id == member_id))
    lots = [lot for lot in payload.get("lots") or [] if lot[2]]
    if lots:
        conn.execute(t.snapshot_lots.insert(), [
            {"lot_id": lot[0], "member_id": member_id, "expires_on": lot[1],
             "remaining": int(lot[2])} for lot in lots])
    stmt = sqlite_insert(t.member_sync).values(
        member_id=member_id, as_of_seq=as_of_seq, hotlisted=bool(payload.get("hotlisted")),
        hotlist_reason=str(payload.get("hotlist_reason") or ""))
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[t.member_sync.c.member_id],
        set_={"as_of_seq": stmt.excluded.as_of_seq, "hotlisted": stmt.excluded.hotlisted,
              "hotlist_reason": stmt.excluded.hotlist_reason}))


def _member_credentials(payload: Mapping[str, Any]) -> dict[str, str | None]:
    """The member's phone-code secret (64 hex characters) and PIN hash, when the payload
    carries them (a key that is absent leaves what this terminal has; a malformed secret is
    ignored, so phone codes stay refused as "sync first" rather than checked wrongly)."""
    out: dict[str, str | None] = {}
    secret = payload.get("code_secret")
    if isinstance(secret, str) and _SECRET_HEX.fullmatch(secret.lower()):
        out["code_secret"] = secret.lower()
    if "pin_hash" in payload:
        pin_hash = payload["pin_hash"]
        out["pin_hash"] = pin_hash if isinstance(pin_hash, str) and pin_hash else None
    return out


def _reserve_card_serial(session: SqliteSession, card_number: str) -> None:
    """Never hand out locally a card number already seen from another terminal.

    Only the shared range (serials below ``CARD_BLOCK``, minted by terminals without a
    number) is reserved here: a numbered terminal mints in its own block
    (``terminal_number × CARD_BLOCK + n``, see CheckoutService), which another terminal never
    enters, and skips any number it already holds.
    """
    if not is_card_number(card_number) or not card_number.startswith(CARD_PREFIX):
        return
    serial = int(card_number[len(CARD_PREFIX):-1])
    if serial >= CARD_BLOCK:
        return
    if serial > int(session.get_meta("card_serial") or "0"):
        session.set_meta("card_serial", str(serial))


def apply_voucher(session: SqliteSession, payload: Mapping[str, Any]) -> None:
    stmt = sqlite_insert(t.voucher_status).values(
        voucher_id=str(payload["id"]), status=str(payload["status"]),
        face_value=payload.get("face_value"))
    session.conn.execute(stmt.on_conflict_do_update(
        index_elements=[t.voucher_status.c.voucher_id],
        set_={"status": stmt.excluded.status, "face_value": stmt.excluded.face_value}))


def apply_config(session: SqliteSession, config: Mapping[str, Any]) -> None:
    keys = {"offline_limits": OFFLINE_LIMITS, "programme": PROGRAMME,
            "public_keys": PUBLIC_KEYS}
    for name, value in config.items():
        if name in keys:
            session.set_meta(keys[name], json.dumps(value, sort_keys=True))


class MalformedPull(LoyaltyError):
    """A pull page this terminal cannot read: nothing of it is kept, the cursor stays."""

    code = "malformed_pull"


def apply_facts(session: SqliteSession, values: object) -> int:
    """Keep the pulled facts of members' events made at other terminals (each event once:
    an event already here is left as it is, its facts never change); returns how many came.
    Facts of an event kind this version does not know are kept too (and ignored when the
    state is folded): a later version may read them."""
    try:
        facts = protocol.facts_from_wire(values)
    except msgspec.ValidationError as exc:
        raise MalformedPull(f"The server's member event facts are malformed: {exc}.") from None
    if facts:
        session.raw.executemany(
            "INSERT OR IGNORE INTO foreign_facts (id, member_id, terminal_id, occurred_at, "
            "kind, voids, amount, discount, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(f.id, f.member_id, f.terminal_id, _fact_time(f.occurred_at), f.kind, f.voids,
              f.amount, f.discount, json.dumps([list(c) for c in f.changes]))
             for f in facts])
    return len(facts)


def _fact_time(text: str) -> str:
    """The time in this store's one format (the facts are ordered by it)."""
    try:
        return format_time(parse_time(text))
    except ValueError:
        raise MalformedPull(f"A member event fact's time {text[:40]!r} is not a time.") \
            from None


def apply_pull(session: SqliteSession, page: Mapping[str, Any]) -> None:
    as_of = int(page["as_of_seq"])
    for member in page.get("members", []):
        apply_member(session, member, as_of)
    for voucher in page.get("vouchers", []):
        apply_voucher(session, voucher)
    apply_config(session, page.get("config") or {})
    apply_facts(session, page.get("facts") or [])
    session.set_meta(CURSOR, str(page["cursor"]))


def hotlisted(session: SqliteSession, member_id: str) -> bool:
    value = session.conn.execute(select(t.member_sync.c.hotlisted).where(
        t.member_sync.c.member_id == member_id)).scalar()
    return bool(value)


def voucher_state(session: SqliteSession, voucher_id: str) -> str | None:
    value = session.conn.execute(select(t.voucher_status.c.status).where(
        t.voucher_status.c.voucher_id == voucher_id)).scalar()
    return None if value is None else str(value)


def digests(session: SqliteSession) -> list[tuple[str, str]]:
    """(member id, digest of what this terminal believes) for members with no pending events."""
    conn = session.conn
    pushed = pushed_seq(session)
    rows = conn.execute(select(t.member_sync.c.member_id, t.member_sync.c.as_of_seq)).all()
    out: list[tuple[str, str]] = []
    for row in rows:
        if row.as_of_seq < pushed:
            continue  # the snapshot predates events we pushed: the pull will refresh it
        balances = {r.asset: int(r.balance) for r in conn.execute(
            select(t.member_snapshots).where(t.member_snapshots.c.member_id == row.member_id))}
        lots = [[r.lot_id, r.expires_on, int(r.remaining)] for r in conn.execute(
            select(t.snapshot_lots).where(t.snapshot_lots.c.member_id == row.member_id))]
        out.append((row.member_id, protocol.member_digest(balances, lots)))
    return out


# --- offline debits -------------------------------------------------------------------------

def offline_usage(session: SqliteSession, member_id: str) -> OfflineUsage:
    """Debits this terminal allowed offline since its events were last pushed."""
    conn = session.conn
    pushed = pushed_seq(session)
    base = (select(t.offline_debits.c.member_id, t.offline_debits.c.amount)
            .join(t.events, t.events.c.id == t.offline_debits.c.event_id)
            .where(t.events.c.seq > pushed).subquery())
    total = conn.execute(select(func.coalesce(func.sum(base.c.amount), 0))).scalar_one()
    member = conn.execute(select(func.coalesce(func.sum(base.c.amount), 0), func.count())
                          .where(base.c.member_id == member_id)).one()
    return OfflineUsage(member_spent=int(member[0]), member_debits=int(member[1]),
                        terminal_spent=int(total))


def unpushed_credit(session: SqliteSession, member_id: str, asset: str) -> int:
    """What this terminal's events not yet pushed credit to the member's ``asset`` (a top-up
    made here a moment ago): the server's balance does not have it yet."""
    pushed = pushed_seq(session)
    total = session.conn.execute(
        select(func.coalesce(func.sum(t.postings.c.amount), 0))
        .select_from(t.postings.join(t.events, t.events.c.seq == t.postings.c.event_seq))
        .where(t.events.c.seq > pushed, t.postings.c.account == f"member:{member_id}",
               t.postings.c.asset == asset, t.postings.c.amount > 0)).scalar_one()
    return int(total)


def unpushed_voucher_redemptions(session: SqliteSession, voucher_id: str) -> list[str]:
    """The event ids of this terminal's redemptions of the voucher not pushed yet (as far as
    this till knows: a push the server committed a moment ago may not be marked yet; the
    server leaves out the ids it has received)."""
    return [str(row[0]) for row in session.conn.execute(
        select(t.events.c.id).select_from(t.voucher_uses.join(
            t.events, t.events.c.seq == t.voucher_uses.c.event_seq))
        .where(t.voucher_uses.c.voucher_id == voucher_id,
               t.voucher_uses.c.event_seq > pushed_seq(session))
        .order_by(t.voucher_uses.c.event_seq))]


def record_offline_debit(session: SqliteSession, event_id: str, member_id: str, amount: int,
                         when: datetime) -> None:
    session.conn.execute(t.offline_debits.insert().values(
        event_id=event_id, member_id=member_id, amount=amount, recorded_at=format_time(when)))

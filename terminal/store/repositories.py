"""The SQLite implementation of the core's ports (:mod:`terminal.ports`).

SQLAlchemy owns the engine, the pragmas, the transaction and the schema (Alembic); most
queries are Core statements. The few on the sale and lookup path (member, balances, lots,
journal head, append) run as plain SQL on the same connection's DBAPI cursor, inside the
same transaction: SQLAlchemy's per-statement overhead was measured at more than half of a
sale's CPU time (docs/benchmarks.md). Repository methods never commit:
:meth:`SqliteLedgerStore.session` owns the transaction.
"""

from __future__ import annotations

import heapq
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from terminal.ledger import (
    GENESIS_HASH,
    Asset,
    Event,
    EventKind,
    Posting,
    canonical_json,
    format_time,
    member_account,
    member_id_of,
    parse_time,
)
from terminal.lots import Lot
from terminal.member_pins import MemberPin
from terminal.members import Member
from terminal.programmes.member_state import EventFacts, state_changes
from terminal.programmes.model import StateChange
from terminal.staff import Role, Staff
from terminal.store import tables as t

VOUCHER_KEYS_META = "sync.public_keys"  # written by sync.client.localdb
# what the store writes (format_time, date.isoformat): passed through as they are
_WIRE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
_ASSETS = frozenset(a.value for a in Asset)
_KINDS = frozenset(k.value for k in EventKind)
_json_decode = msgspec.json.Decoder().decode


def _body(text: str) -> Any:
    """A stored body as ``json.loads`` reads it, ~5x faster (``json.loads`` still reads
    what msgspec refuses: ``NaN``, ``Infinity``, a float out of range)."""
    try:
        return _json_decode(text)
    except msgspec.DecodeError:
        return json.loads(text)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _member(row: Any) -> Member:
    return Member(row.id, row.card_number, row.name, row.phone, _date(row.birthday),
                  date.fromisoformat(row.enrolled_on), row.tier)


_MEMBER_COLUMNS = "id, card_number, name, phone, birthday, enrolled_on, tier"


def _member_tuple(row: tuple[Any, ...]) -> Member:
    member_id, card, name, phone, birthday, enrolled_on, tier = row
    return Member(member_id, card, name, phone, _date(birthday), date.fromisoformat(enrolled_on),
                  tier)


def _staff(row: Any) -> Staff:
    locked = None if row.locked_until is None else parse_time(row.locked_until)
    return Staff(row.id, row.name, Role(row.role), row.pin_hash, row.failed_attempts, locked,
                 bool(row.active))


class SqliteSession:
    """One transaction on the local store; implements :class:`terminal.ports.LedgerSession`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        self.raw: sqlite3.Connection = raw  # same connection, same transaction

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.raw.execute(sql, params).fetchone()
        return row

    # meta ------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return self.conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        stmt = sqlite_insert(t.meta).values(key=key, value=value)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=[t.meta.c.key],
                                                     set_={"value": value}))

    # members ---------------------------------------------------------------------------
    def member_by_id(self, member_id: str) -> Member | None:
        row = self._one(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE id = ?", (member_id,))
        return None if row is None else _member_tuple(row)

    def member_by_card(self, card_number: str) -> Member | None:
        row = self._one(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE card_number = ?",
                        (card_number,))
        return None if row is None else _member_tuple(row)

    def member_by_phone(self, phone: str) -> Member | None:
        row = self.conn.execute(select(t.members).where(t.members.c.phone == phone)).first()
        return None if row is None else _member(row)

    def add_member(self, member: Member, code_secret: bytes | None = None,
                   pin_hash: str | None = None) -> None:
        self.conn.execute(t.members.insert().values(
            id=member.id, card_number=member.card_number, name=member.name,
            phone=member.phone,
            birthday=member.birthday.isoformat() if member.birthday else None,
            enrolled_on=member.enrolled_on.isoformat(), tier=member.tier,
            code_secret=None if code_secret is None else code_secret.hex(),
            pin_hash=pin_hash))

    def next_card_serial(self, block: int | None = None) -> int:
        key = "card_serial" if block is None else f"card_serial.block.{block}"
        serial = int(self.get_meta(key) or "0") + 1
        self.set_meta(key, str(serial))
        return serial

    # members' phone-code secrets and PINs ------------------------------------------------
    def member_code_secret(self, member_id: str) -> bytes | None:
        row = self._one("SELECT code_secret FROM members WHERE id = ?", (member_id,))
        if row is None or not row[0]:
            return None
        try:
            return bytes.fromhex(str(row[0]))
        except ValueError:
            return None  # a damaged secret is no secret: the member syncs again

    def member_code_windows(self, member_id: str, since: int) -> set[int]:
        rows = self.raw.execute("SELECT code_window FROM member_code_uses WHERE member_id = ? "
                                "AND code_window >= ?", (member_id, since))
        return {int(window) for (window,) in rows}

    def record_member_code_window(self, member_id: str, window: int,
                                  forget_before: int) -> None:
        self.raw.execute("DELETE FROM member_code_uses WHERE code_window < ?", (forget_before,))
        self.raw.execute("INSERT OR IGNORE INTO member_code_uses (member_id, code_window) "
                         "VALUES (?, ?)", (member_id, window))

    def member_pin(self, member_id: str) -> MemberPin:
        row = self._one("SELECT m.pin_hash, a.failed_attempts, a.locked_until FROM members m "
                        "LEFT JOIN member_pin_attempts a ON a.member_id = m.id WHERE m.id = ?",
                        (member_id,))
        if row is None:
            return MemberPin(member_id, None)
        pin_hash, failed, locked = row
        return MemberPin(member_id, pin_hash or None, int(failed or 0),
                         None if locked is None else parse_time(locked))

    def save_member_pin(self, pin: MemberPin) -> None:
        self.raw.execute("UPDATE members SET pin_hash = ? WHERE id = ?",
                         (pin.pin_hash, pin.member_id))
        if pin.failed_attempts == 0 and pin.locked_until is None:
            self.raw.execute("DELETE FROM member_pin_attempts WHERE member_id = ?",
                             (pin.member_id,))
            return
        self.raw.execute(
            "INSERT INTO member_pin_attempts (member_id, failed_attempts, locked_until) "
            "VALUES (?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "failed_attempts = excluded.failed_attempts, locked_until = excluded.locked_until",
            (pin.member_id, pin.failed_attempts,
             None if pin.locked_until is None else format_time(pin.locked_until)))

    def member_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.members)).scalar_one())

    # ledger ----------------------------------------------------------------------------
    # A member known to the server (a ``member_sync`` row) has its balance and lots from the
    # server's snapshot plus this terminal's own postings after the snapshot's ``as_of_seq``;
    # any other member from this terminal's postings alone (the ``balances``/``lots`` caches,
    # which stay exactly the sums of local postings, so ``verify`` keeps its meaning).
    def snapshot_seq(self, member_id: str) -> int | None:
        row = self._one("SELECT as_of_seq FROM member_sync WHERE member_id = ?", (member_id,))
        return None if row is None else int(row[0])

    def balance(self, member_id: str, asset: Asset) -> int:
        account = member_account(member_id)
        as_of = self.snapshot_seq(member_id)
        if as_of is None:
            return self.account_balance(account, asset)
        snapshot = self._one("SELECT balance FROM member_snapshots WHERE member_id = ? AND "
                             "asset = ?", (member_id, asset.value))
        pending = self._one("SELECT sum(amount) FROM postings WHERE event_seq > ? AND "
                            "account = ? AND asset = ?", (as_of, account, asset.value))
        return int(snapshot[0] if snapshot else 0) + int(pending[0] or 0 if pending else 0)

    def balances(self, member_id: str) -> dict[Asset, int]:
        """Every asset's balance of a member in two queries (the member panel's hot path)."""
        account = member_account(member_id)
        as_of = self.snapshot_seq(member_id)
        out = dict.fromkeys(Asset, 0)
        if as_of is None:
            rows = self.raw.execute("SELECT asset, balance FROM balances WHERE account = ?",
                                    (account,))
        else:
            rows = self.raw.execute(
                "SELECT asset, sum(amount) FROM (SELECT asset, balance AS amount FROM "
                "member_snapshots WHERE member_id = ? UNION ALL SELECT asset, amount FROM "
                "postings WHERE event_seq > ? AND account = ?) GROUP BY asset",
                (member_id, as_of, account))
        for asset, amount in rows:
            out[Asset(asset)] = int(amount or 0)
        return out

    def account_balance(self, account: str, asset: Asset) -> int:
        row = self._one("SELECT balance FROM balances WHERE account = ? AND asset = ?",
                        (account, asset.value))
        return int(row[0]) if row else 0

    def lots(self, member_id: str) -> list[Lot]:
        as_of = self.snapshot_seq(member_id)
        if as_of is None:
            rows = self.raw.execute("SELECT lot_id, expires_on, remaining FROM lots "
                                    "WHERE member_id = ? AND remaining != 0", (member_id,))
            return [Lot(lot_id, member_id, _date(expires), remaining)
                    for lot_id, expires, remaining in rows]
        found: dict[str, list[Any]] = {}
        for lot_id, expires, remaining in self.raw.execute(
                "SELECT lot_id, expires_on, remaining FROM snapshot_lots WHERE member_id = ?",
                (member_id,)):
            found[lot_id] = [_date(expires), int(remaining)]
        for lot_id, expires, amount in self.raw.execute(
                "SELECT lot, expires_on, amount FROM postings WHERE event_seq > ? AND "
                "account = ? AND asset = ? AND lot IS NOT NULL",
                (as_of, member_account(member_id), Asset.POINTS.value)):
            entry = found.setdefault(lot_id, [_date(expires), 0])
            entry[1] += int(amount)
            if expires is not None:
                entry[0] = _date(expires)
        return [Lot(lot_id, member_id, expires, remaining)
                for lot_id, (expires, remaining) in sorted(found.items()) if remaining != 0]

    def journal_head(self) -> tuple[int, str]:
        row = self._one("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", ())
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

    def append(self, event: Event) -> None:
        member_id = event.body.get("member_id")
        voids = event.body.get("voided_event_id") if event.kind is EventKind.VOID else None
        raw = self.raw
        raw.execute(
            "INSERT INTO events (seq, id, terminal_id, cashier_id, occurred_at, kind, member_id,"
            " body, prev_hash, hash, voids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.seq, event.id, event.terminal_id, event.cashier_id,
             format_time(event.occurred_at), event.kind.value,
             None if member_id is None else str(member_id),
             canonical_json(event.body).decode(), event.prev_hash, event.hash, voids))
        concerned = {member_id_of(p.account) for p in event.postings} - {None}
        if member_id is not None:
            concerned.add(str(member_id))
        if concerned:
            raw.executemany("INSERT INTO event_members (member_id, event_seq) VALUES (?, ?)",
                            [(m, event.seq) for m in sorted(m for m in concerned if m)])
        if event.kind is EventKind.VOUCHER_REDEEM:
            raw.execute("INSERT INTO voucher_uses (voucher_id, event_seq) VALUES (?, ?)",
                        (str(event.body["voucher_id"]), event.seq))
        if not event.postings:
            return
        rows = [(p.account, p.asset.value, p.amount, p.lot,
                 p.expires_on.isoformat() if p.expires_on else None) for p in event.postings]
        raw.executemany(
            "INSERT INTO postings (event_seq, account, asset, amount, lot, expires_on) "
            "VALUES (?, ?, ?, ?, ?, ?)", [(event.seq, *row) for row in rows])
        raw.executemany(
            "INSERT INTO balances (account, asset, balance) VALUES (?, ?, ?) "
            "ON CONFLICT (account, asset) DO UPDATE SET balance = balance + excluded.balance",
            [(account, asset, amount) for account, asset, amount, _, _ in rows])
        lot_rows = []
        for p in event.postings:
            owner = member_id_of(p.account)
            if p.lot is not None and owner is not None and p.asset is Asset.POINTS:
                lot_rows.append((p.lot, owner, p.expires_on.isoformat() if p.expires_on
                                 else None, p.amount))
        if lot_rows:
            raw.executemany(
                "INSERT INTO lots (lot_id, member_id, expires_on, remaining) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (lot_id) DO UPDATE "
                "SET remaining = remaining + excluded.remaining", lot_rows)

    def event(self, event_id: str) -> Event | None:
        row = self.conn.execute(select(t.events).where(t.events.c.id == event_id)).first()
        return None if row is None else self._events([row])[0]

    def voided_by(self, event_id: str) -> str | None:
        return self.conn.execute(
            select(t.events.c.id).where(t.events.c.voids == event_id)).scalar()

    def member_events(self, member_id: str, limit: int) -> list[Event]:
        """The newest ``limit`` events that concern the member (newest first): its own, and
        others posting to its account (a transfer it received, a referral reward)."""
        return self._events(self.conn.execute(
            self._member_select(member_id).order_by(t.events.c.seq.desc()).limit(limit)).all())

    def member_facts(self, member_id: str) -> list[EventFacts]:
        """The member's own events, oldest first, as far as its programme state needs them:
        this terminal's (in journal order) merged by time with those other tills made
        (pulled into ``foreign_facts``), each event once."""
        own = self._own_member_facts(member_id)
        foreign = self._foreign_member_facts(member_id)
        if not foreign:
            return own
        known = {f.id for f in own}
        fresh = sorted((f for f in foreign if f.id not in known), key=lambda f: f.occurred_at)
        return list(heapq.merge(own, fresh, key=lambda f: f.occurred_at))

    def _foreign_member_facts(self, member_id: str) -> list[EventFacts]:
        rows = self.raw.execute(
            "SELECT id, kind, occurred_at, voids, amount, discount, changes FROM foreign_facts "
            "WHERE member_id = ? ORDER BY occurred_at, id", (member_id,))
        out = []
        for event_id, kind, occurred_at, voids, amount, discount, changes in rows:
            try:
                event_kind = EventKind(kind)
            except ValueError:
                continue  # a kind this version does not know changes none of its state
            parsed = json.loads(changes) if changes and changes != "[]" else []
            out.append(EventFacts(event_id, event_kind, parse_time(occurred_at), voids,
                                  int(amount), int(discount),
                                  tuple(StateChange(str(f), str(v), str(k))
                                        for f, v, k in parsed)))
        return out

    def _own_member_facts(self, member_id: str) -> list[EventFacts]:
        """This terminal's events of the member: SQLite's JSON functions pick the few body
        fields, no postings are read."""
        rows = self.raw.execute(
            "SELECT id, kind, occurred_at, voids, json_extract(body, '$.amount'), "
            "json_extract(body, '$.discount'), json_extract(body, '$.state_changes'), "
            "json_extract(body, '$.referred_by') FROM events WHERE member_id = ? ORDER BY seq",
            (member_id,))
        out = []
        for event_id, kind, occurred_at, voids, amount, discount, changes, referrer in rows:
            parsed = json.loads(changes) if changes and changes != "[]" else None
            out.append(EventFacts(event_id, EventKind(kind), parse_time(occurred_at), voids,
                                  amount if isinstance(amount, int) else 0,
                                  discount if isinstance(discount, int) else 0,
                                  tuple(state_changes(parsed, referrer))))
        return out

    def _member_select(self, member_id: str) -> Any:
        concerned = select(t.event_members.c.event_seq).where(
            t.event_members.c.member_id == member_id)
        return select(t.events).where(t.events.c.seq.in_(concerned))

    def set_member_tier(self, member_id: str, tier: str) -> None:
        self.raw.execute("UPDATE members SET tier = ? WHERE id = ?", (tier, member_id))

    def events_between(self, start: datetime, end: datetime) -> Iterator[Event]:
        rows = self.conn.execute(
            select(t.events).where(t.events.c.occurred_at >= format_time(start),
                                   t.events.c.occurred_at < format_time(end))
            .order_by(t.events.c.seq)).all()
        yield from self._events(rows)

    def journal(self, after_seq: int = 0, batch: int = 5000) -> Iterator[Event]:
        """Every event in sequence order, read in batches (for verify and sync)."""
        last = after_seq
        while True:
            rows = self.conn.execute(
                select(t.events).where(t.events.c.seq > last).order_by(t.events.c.seq)
                .limit(batch)).all()
            if not rows:
                return
            yield from self._events(rows)
            last = rows[-1].seq

    def journal_wire(self, after_seq: int, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` events after ``after_seq`` in sequence order, each exactly as
        :meth:`Event.to_wire` would give it, read straight from the rows (for the sync
        client, which needs only the wire form: no Event, Posting, enum or datetime objects,
        ~10x cheaper per event than :meth:`journal`). A value not in the form the store
        writes (a time, an expiry) is normalised as the domain path would; an unknown kind
        or asset raises the same ValueError."""
        raw = self.raw
        rows = raw.execute(
            "SELECT seq, id, terminal_id, cashier_id, occurred_at, kind, body, prev_hash, hash "
            "FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()
        if not rows:
            return []
        postings: dict[int, list[list[Any]]] = {row[0]: [] for row in rows}
        for seq, account, asset, amount, lot, expires in raw.execute(
                "SELECT event_seq, account, asset, amount, lot, expires_on FROM postings "
                "WHERE event_seq BETWEEN ? AND ? ORDER BY id", (rows[0][0], rows[-1][0])):
            lines = postings.get(seq)
            if lines is not None:
                if asset not in _ASSETS:
                    asset = Asset(asset).value
                if expires is not None and not _ISO_DATE.fullmatch(expires):
                    expires = date.fromisoformat(expires).isoformat()
                lines.append([account, asset, amount, lot, expires])
        out = []
        for seq, event_id, terminal_id, cashier_id, occurred_at, kind, body, prev, digest \
                in rows:
            if not _WIRE_TIME.fullmatch(occurred_at):
                occurred_at = format_time(parse_time(occurred_at))
            if kind not in _KINDS:
                kind = EventKind(kind).value
            out.append({"id": event_id, "terminal_id": terminal_id, "seq": seq,
                        "cashier_id": cashier_id, "occurred_at": occurred_at, "kind": kind,
                        "body": _body(body), "postings": postings[seq], "prev_hash": prev,
                        "hash": digest})
        return out

    def _events(self, rows: Sequence[Any]) -> list[Event]:
        if not rows:
            return []
        seqs = [r.seq for r in rows]
        by_seq: dict[int, list[Posting]] = {s: [] for s in seqs}
        lo, hi = min(seqs), max(seqs)
        # a contiguous run of events (the journal) reads its postings by range; scattered
        # events (a member's history) by their own sequence numbers
        where = (t.postings.c.event_seq.between(lo, hi) if hi - lo < 2 * len(seqs)
                 else t.postings.c.event_seq.in_(seqs))
        posting_rows = self.conn.execute(select(t.postings).where(where)
                                         .order_by(t.postings.c.id))
        for p in posting_rows:
            if p.event_seq in by_seq:
                by_seq[p.event_seq].append(Posting(p.account, Asset(p.asset), p.amount, p.lot,
                                                   _date(p.expires_on)))
        return [
            Event(r.id, r.terminal_id, r.seq, r.cashier_id, parse_time(r.occurred_at),
                  EventKind(r.kind), json.loads(r.body), tuple(by_seq[r.seq]), r.prev_hash,
                  r.hash)
            for r in rows
        ]

    # vouchers --------------------------------------------------------------------------
    def voucher_keys(self) -> dict[int, bytes]:
        """The voucher public keys the sync layer pulled (``{"key id": "hex"}`` in meta)."""
        text = self.get_meta(VOUCHER_KEYS_META)
        keys: dict[int, bytes] = {}
        if not text:
            return keys
        try:
            data = json.loads(text)
        except ValueError:
            return keys
        if isinstance(data, dict):
            for key_id, value in data.items():
                try:
                    keys[int(key_id)] = bytes.fromhex(str(value))
                except ValueError:
                    continue  # a malformed entry is no key: its vouchers show as forged
        return keys

    def voucher_status(self, voucher_id: str) -> str | None:
        row = self._one("SELECT status FROM voucher_status WHERE voucher_id = ?", (voucher_id,))
        return None if row is None else str(row[0])

    def voucher_uses(self, voucher_id: str) -> int:
        row = self._one("SELECT count(*) FROM voucher_uses WHERE voucher_id = ?", (voucher_id,))
        return int(row[0]) if row else 0

    # staff -----------------------------------------------------------------------------
    def staff_by_name(self, name: str) -> Staff | None:
        row = self.conn.execute(select(t.staff).where(t.staff.c.name == name)).first()
        return None if row is None else _staff(row)

    def staff_by_id(self, staff_id: str) -> Staff | None:
        row = self.conn.execute(select(t.staff).where(t.staff.c.id == staff_id)).first()
        return None if row is None else _staff(row)

    def all_staff(self) -> list[Staff]:
        return [_staff(r) for r in self.conn.execute(select(t.staff).order_by(t.staff.c.name))]

    def save_staff(self, staff: Staff) -> None:
        values = {"name": staff.name, "role": staff.role.value, "pin_hash": staff.pin_hash,
                  "failed_attempts": staff.failed_attempts,
                  "locked_until": None if staff.locked_until is None
                  else format_time(staff.locked_until),
                  "active": staff.active}
        stmt = sqlite_insert(t.staff).values(id=staff.id, **values)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=[t.staff.c.id],
                                                     set_=values))


class SqliteLedgerStore:
    """The local store; implements :class:`terminal.ports.LedgerStore`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self, write: bool = False) -> Iterator[SqliteSession]:
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield SqliteSession(conn)

    def close(self) -> None:
        self.engine.dispose()

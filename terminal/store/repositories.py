"""The SQLite implementation of the core's ports (:mod:`terminal.ports`).

Plain SQLAlchemy Core statements: the sale path is hot (DESIGN §5 measured an ORM session per
sale at a fifth of a raw loop). Repository methods never commit: :meth:`SqliteLedgerStore.session`
owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

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
from terminal.members import Member
from terminal.staff import Role, Staff
from terminal.store import tables as t

_balance_upsert = sqlite_insert(t.balances)
_balance_upsert = _balance_upsert.on_conflict_do_update(
    index_elements=[t.balances.c.account, t.balances.c.asset],
    set_={"balance": t.balances.c.balance + _balance_upsert.excluded.balance},
)
# Statements built once: building them per call costs SQLAlchemy more than SQLite's insert.
_event_insert = t.events.insert()
_posting_insert = t.postings.insert()
_lot_upsert = sqlite_insert(t.lots)
_lot_upsert = _lot_upsert.on_conflict_do_update(
    index_elements=[t.lots.c.lot_id],
    set_={"remaining": t.lots.c.remaining + _lot_upsert.excluded.remaining},
)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _member(row: Any) -> Member:
    return Member(row.id, row.card_number, row.name, row.phone, _date(row.birthday),
                  date.fromisoformat(row.enrolled_on), row.tier)


def _staff(row: Any) -> Staff:
    locked = None if row.locked_until is None else parse_time(row.locked_until)
    return Staff(row.id, row.name, Role(row.role), row.pin_hash, row.failed_attempts, locked,
                 bool(row.active))


class SqliteSession:
    """One transaction on the local store; implements :class:`terminal.ports.LedgerSession`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # meta ------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return self.conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        stmt = sqlite_insert(t.meta).values(key=key, value=value)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=[t.meta.c.key],
                                                     set_={"value": value}))

    # members ---------------------------------------------------------------------------
    def member_by_id(self, member_id: str) -> Member | None:
        row = self.conn.execute(select(t.members).where(t.members.c.id == member_id)).first()
        return None if row is None else _member(row)

    def member_by_card(self, card_number: str) -> Member | None:
        row = self.conn.execute(
            select(t.members).where(t.members.c.card_number == card_number)).first()
        return None if row is None else _member(row)

    def member_by_phone(self, phone: str) -> Member | None:
        row = self.conn.execute(select(t.members).where(t.members.c.phone == phone)).first()
        return None if row is None else _member(row)

    def add_member(self, member: Member) -> None:
        self.conn.execute(t.members.insert().values(
            id=member.id, card_number=member.card_number, name=member.name,
            phone=member.phone,
            birthday=member.birthday.isoformat() if member.birthday else None,
            enrolled_on=member.enrolled_on.isoformat(), tier=member.tier))

    def next_card_serial(self) -> int:
        serial = int(self.get_meta("card_serial") or "0") + 1
        self.set_meta("card_serial", str(serial))
        return serial

    def member_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.members)).scalar_one())

    # ledger ----------------------------------------------------------------------------
    # A member known to the server (a ``member_sync`` row) has its balance and lots from the
    # server's snapshot plus this terminal's own postings after the snapshot's ``as_of_seq``;
    # any other member from this terminal's postings alone (the ``balances``/``lots`` caches,
    # which stay exactly the sums of local postings, so ``verify`` keeps its meaning).
    def snapshot_seq(self, member_id: str) -> int | None:
        value = self.conn.execute(select(t.member_sync.c.as_of_seq).where(
            t.member_sync.c.member_id == member_id)).scalar()
        return None if value is None else int(value)

    def balance(self, member_id: str, asset: Asset) -> int:
        account = member_account(member_id)
        as_of = self.snapshot_seq(member_id)
        if as_of is None:
            return self.account_balance(account, asset)
        snapshot = self.conn.execute(select(t.member_snapshots.c.balance).where(
            t.member_snapshots.c.member_id == member_id,
            t.member_snapshots.c.asset == asset.value)).scalar()
        pending = self.conn.execute(select(func.sum(t.postings.c.amount)).where(
            t.postings.c.event_seq > as_of, t.postings.c.account == account,
            t.postings.c.asset == asset.value)).scalar()
        return int(snapshot or 0) + int(pending or 0)

    def account_balance(self, account: str, asset: Asset) -> int:
        value = self.conn.execute(
            select(t.balances.c.balance).where(t.balances.c.account == account,
                                               t.balances.c.asset == asset.value)).scalar()
        return int(value or 0)

    def lots(self, member_id: str) -> list[Lot]:
        as_of = self.snapshot_seq(member_id)
        if as_of is None:
            rows = self.conn.execute(
                select(t.lots).where(t.lots.c.member_id == member_id, t.lots.c.remaining != 0))
            return [Lot(r.lot_id, r.member_id, _date(r.expires_on), r.remaining) for r in rows]
        found: dict[str, list[Any]] = {}
        for r in self.conn.execute(select(t.snapshot_lots).where(
                t.snapshot_lots.c.member_id == member_id)):
            found[r.lot_id] = [_date(r.expires_on), int(r.remaining)]
        for r in self.conn.execute(select(t.postings).where(
                t.postings.c.event_seq > as_of, t.postings.c.account == member_account(member_id),
                t.postings.c.asset == Asset.POINTS.value, t.postings.c.lot.is_not(None))):
            entry = found.setdefault(r.lot, [_date(r.expires_on), 0])
            entry[1] += int(r.amount)
            if r.expires_on is not None:
                entry[0] = _date(r.expires_on)
        return [Lot(lot_id, member_id, expires, remaining)
                for lot_id, (expires, remaining) in sorted(found.items()) if remaining != 0]

    def journal_head(self) -> tuple[int, str]:
        row = self.conn.execute(
            select(t.events.c.seq, t.events.c.hash).order_by(t.events.c.seq.desc()).limit(1)
        ).first()
        return (0, GENESIS_HASH) if row is None else (row.seq, row.hash)

    def append(self, event: Event) -> None:
        member_id = event.body.get("member_id")
        voids = event.body.get("voided_event_id") if event.kind is EventKind.VOID else None
        self.conn.execute(_event_insert, dict(
            seq=event.seq, id=event.id, terminal_id=event.terminal_id,
            cashier_id=event.cashier_id, occurred_at=format_time(event.occurred_at),
            kind=event.kind.value, member_id=None if member_id is None else str(member_id),
            body=canonical_json(event.body).decode(), prev_hash=event.prev_hash,
            hash=event.hash, voids=voids))
        if not event.postings:
            return
        self.conn.execute(_posting_insert, [
            {"event_seq": event.seq, "account": p.account, "asset": p.asset.value,
             "amount": p.amount, "lot": p.lot,
             "expires_on": p.expires_on.isoformat() if p.expires_on else None}
            for p in event.postings])
        self.conn.execute(_balance_upsert, [
            {"account": p.account, "asset": p.asset.value, "balance": p.amount}
            for p in event.postings])
        lot_rows = []
        for p in event.postings:
            owner = member_id_of(p.account)
            if p.lot is not None and owner is not None and p.asset is Asset.POINTS:
                lot_rows.append({"lot_id": p.lot, "member_id": owner, "remaining": p.amount,
                                 "expires_on": p.expires_on.isoformat() if p.expires_on
                                 else None})
        if lot_rows:
            self.conn.execute(_lot_upsert, lot_rows)

    def event(self, event_id: str) -> Event | None:
        row = self.conn.execute(select(t.events).where(t.events.c.id == event_id)).first()
        return None if row is None else self._events([row])[0]

    def voided_by(self, event_id: str) -> str | None:
        return self.conn.execute(
            select(t.events.c.id).where(t.events.c.voids == event_id)).scalar()

    def member_events(self, member_id: str, limit: int) -> list[Event]:
        rows = self.conn.execute(
            select(t.events).where(t.events.c.member_id == member_id)
            .order_by(t.events.c.seq.desc()).limit(limit)).all()
        return self._events(rows)

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

    def _events(self, rows: Sequence[Any]) -> list[Event]:
        if not rows:
            return []
        seqs = [r.seq for r in rows]
        by_seq: dict[int, list[Posting]] = {s: [] for s in seqs}
        lo, hi = min(seqs), max(seqs)
        posting_rows = self.conn.execute(
            select(t.postings).where(t.postings.c.event_seq.between(lo, hi))
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

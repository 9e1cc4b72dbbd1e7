"""Migrations on a database with data. 0002: members get their store, the feed its store,
registered terminals their numbers, holds an expiry. 0006: holds get an asset (the existing
ones are stored value). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sync.server import service
from sync.server.db import make_engine
from sync.server.migrate import alembic_config, upgrade

ROWS = [
    "INSERT INTO stores VALUES ('s1', 'One', 'Asia/Taipei', '2026-01-01T00:00:00.000000Z'), "
    "('s2', 'Two', 'Asia/Taipei', '2026-01-01T00:00:00.000000Z')",
    "INSERT INTO terminals (id, store_id, name, token_hash, code_hash, code_expires_at, "
    "registered_at, head_seq, head_hash, created_at) VALUES "
    "('t2', 's1', 'b', 'h2', NULL, NULL, '2026-01-03T00:00:00.000000Z', 0, 'g', 'x'), "
    "('t1', 's1', 'a', 'h1', NULL, NULL, '2026-01-02T00:00:00.000000Z', 0, 'g', 'x'), "
    "('t3', 's1', 'c', NULL, 'c3', NULL, NULL, 0, 'g', 'x')",
    "INSERT INTO members (id, card_number, name, phone, enrolled_on, tier, store_id, "
    "hotlisted, hotlist_reason) VALUES ('m1', '1', 'A', '', '2026-01-01', 'basic', NULL, "
    "false, ''), ('m2', '2', 'B', '', '2026-01-01', 'basic', NULL, false, '')",
    "INSERT INTO events (id, terminal_id, seq, store_id, cashier_id, kind, member_id, "
    "occurred_at, prev_hash, hash, body, received_at, result) VALUES ('e1', 't1', 1, 's1', "
    "'c', 'enrol', 'm1', '2026-01-02T00:00:00.000000Z', 'g', 'h', '{}', "
    "'2026-01-02T00:00:00.000000Z', '{}')",
    "INSERT INTO changes (kind, key) VALUES ('member', 'm1'), ('config', 'offline_limits')",
    "INSERT INTO holds VALUES ('e9', 'm1', 't1', 50, '2026-01-02T10:00:00.000000Z')",
]


def test_migration_0002_fills_stores_numbers_and_hold_expiry(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        command.upgrade(alembic_config(engine), "0001")
        with engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))
        upgrade(engine)
        with engine.connect() as conn:
            def one(sql: str) -> object:
                return conn.execute(text(sql)).scalar()

            assert one("SELECT store_id FROM members WHERE id = 'm1'") == "s1"  # its enrol
            # no enrol event and two stores: no store, so no terminal sees it (sync/README.md)
            assert one("SELECT store_id FROM members WHERE id = 'm2'") is None
            assert one("SELECT store_id FROM changes WHERE kind = 'member'") == "s1"
            assert one("SELECT store_id FROM changes WHERE kind = 'config'") is None
            numbers = dict(conn.execute(text("SELECT id, terminal_number FROM terminals")).all())
            assert numbers == {"t1": 1, "t2": 2, "t3": None}
            assert one("SELECT expires_at FROM holds") == "2026-01-02T10:15:00.000000Z"
            assert one("SELECT COUNT(*) FROM members WHERE code_secret IS NULL") == 2
    finally:
        engine.dispose()


def test_migration_0006_keeps_existing_holds_as_stored_value(database_url: str) -> None:
    """A database at 0005 with an open hold (and its ``held``): after the upgrade the hold
    is a stored-value hold, the same event can hold cash-back too, and a push consumes both,
    each from its own balance. The downgrade releases the cash-back holds it cannot keep."""
    engine = make_engine(database_url, pool_size=1)
    try:
        command.upgrade(alembic_config(engine), "0005")
        with engine.begin() as conn:
            for sql in ROWS[:3]:
                conn.execute(text(sql))
            conn.execute(text(
                "INSERT INTO holds (event_id, member_id, terminal_id, amount, created_at, "
                "expires_at) VALUES ('e9', 'm1', 't1', 50, '2026-01-02T10:00:00.000000Z', "
                "'2026-01-02T10:15:00.000000Z')"))
            conn.execute(text(
                "INSERT INTO balances (account, asset, shard, balance, held) VALUES "
                "('member:m1', 'stored_value', '', 80, 50), ('member:m1', 'cash_back', '', 30, 0)"))
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT event_id, asset, amount FROM holds")).all() == [
                ("e9", "stored_value", 50)]
            conn.execute(text(
                "INSERT INTO holds (event_id, asset, member_id, terminal_id, amount, "
                "created_at, expires_at) VALUES ('e9', 'cash_back', 'm1', 't1', 20, 'x', 'y')"))
            conn.execute(text("UPDATE balances SET held = 20 WHERE asset = 'cash_back'"))
        with engine.begin() as conn, pytest.raises(IntegrityError):  # one per event and asset
            conn.execute(text(
                "INSERT INTO holds (event_id, asset, member_id, terminal_id, amount, "
                "created_at, expires_at) VALUES ('e9', 'stored_value', 'm1', 't1', 1, 'x', 'y')"))
        with engine.begin() as conn:
            assert sorted(service._consume_holds(conn, ["e9"])) == [
                ("m1", "cash_back", 20), ("m1", "stored_value", 50)]
            conn.rollback()

        command.downgrade(alembic_config(engine), "0005")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT event_id, amount FROM holds")).all() == [
                ("e9", 50)]
            assert dict(conn.execute(text("SELECT asset, held FROM balances")).all()) == {
                "stored_value": 50, "cash_back": 0}
    finally:
        engine.dispose()

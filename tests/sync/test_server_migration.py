"""Migration 0002 on a database with data: members get their store, the feed its store,
registered terminals their numbers, holds an expiry. SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

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

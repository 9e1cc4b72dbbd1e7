"""Engines for the server: PostgreSQL through psycopg 3, or a SQLite file (WAL, one writer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, pool_size: int = 20) -> Engine:
    """``hide_parameters``: a database error's message (which may reach a log) never carries
    the statement's values: member code secrets, PIN hashes, event bodies."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Every server transaction may write: take the write lock up front, so two
            # requests never both read and then fail to upgrade their lock.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping (a round trip per request); stale connections are recycled instead, and a
    # failed statement on a dead connection invalidates the pool (SQLAlchemy's default).
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_recycle=1800,
                         hide_parameters=True)

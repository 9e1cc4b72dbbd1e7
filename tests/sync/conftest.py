"""Fixtures for the sync tests: a server database (SQLite file, or a PostgreSQL schema of its
own per test), a running server on 127.0.0.1, and a way to look into the server's ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from synckit import Server

from sync.server.db import make_engine


def _schema_url(base: str, schema: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_database_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this test's own (created, then dropped)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _schema_url(postgres_url, schema)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite3'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(database_url, workdir=tmp_path).start()
    yield srv
    srv.stop()


@pytest.fixture
def sqlite_server(sqlite_database_url: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(sqlite_database_url, workdir=tmp_path).start()
    yield srv
    srv.stop()


class Ledger:
    """Read-only look into a server database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url, pool_size=2)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def postings_sum_by_asset(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self.rows(
            "SELECT asset, SUM(amount) FROM postings GROUP BY asset")}

    def balance(self, account: str, asset: str = "stored_value") -> int:
        return int(self.scalar("SELECT COALESCE(SUM(balance), 0) FROM balances "
                               "WHERE account = :a AND asset = :s", a=account, s=asset))

    def balances_match_postings(self) -> bool:
        cached = {(r[0], r[1]): int(r[2]) for r in self.rows(
            "SELECT account, asset, SUM(balance) FROM balances GROUP BY account, asset")}
        summed = {(r[0], r[1]): int(r[2]) for r in self.rows(
            "SELECT account, asset, SUM(amount) FROM postings GROUP BY account, asset")}
        keys = set(cached) | set(summed)
        return all(cached.get(k, 0) == summed.get(k, 0) for k in keys)

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def ledger(server: Server) -> Iterator[Ledger]:
    view = Ledger(server.database_url)
    yield view
    view.close()

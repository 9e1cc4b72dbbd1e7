"""Fixtures for the sync tests: a server database (SQLite file, or a PostgreSQL schema of its
own per test), a running server on 127.0.0.1, a way to look into the server's ledger, and
two registered tills of one store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from synckit import Ledger, Server, Till, make_till


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


@pytest.fixture
def ledger(server: Server) -> Iterator[Ledger]:
    view = Ledger(server.database_url)
    yield view
    view.close()


@pytest.fixture
def tills(server: Server, tmp_path: Path) -> Iterator[tuple[Till, Till]]:
    """Two real tills (SQLite files) registered with the server, in one new store."""
    store = server.new_store()
    a = make_till(tmp_path / "a", server, store)
    b = make_till(tmp_path / "b", server, store)
    try:
        yield a, b
    finally:
        a.close()
        b.close()

"""The migrations build exactly the schema ``sync/server/tables.py`` describes: a column,
index or table added to one and not the other (say a new table in tables.py without its
migration) is found here, on SQLite and PostgreSQL, instead of at a shop's first upgrade."""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc as sa_exc

from sync.server import tables as t
from sync.server.db import make_engine
from sync.server.migrate import upgrade


def _known(diff: Any, dialect: str) -> bool:
    """``changes.txid`` on PostgreSQL: an ``xid8`` with ``NOT NULL DEFAULT
    pg_current_xact_id()`` made by the migration, a type SQLAlchemy does not reflect."""
    return (dialect == "postgresql" and isinstance(diff, list) and len(diff) == 1
            and diff[0][0] == "modify_nullable" and diff[0][2:4] == ("changes", "txid"))


def test_the_migrated_schema_is_the_declared_one(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        upgrade(engine)
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore", sa_exc.SAWarning)  # "did not recognize xid8"
            diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
        assert [d for d in diff if not _known(d, engine.dialect.name)] == []
        assert {"voucher_holds", "holds", "events"} <= set(t.metadata.tables)
    finally:
        engine.dispose()

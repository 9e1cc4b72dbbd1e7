"""Schema migrations at start-up (Alembic), with a backup first and a refusal of the future.

A database whose revision this code does not know was written by a newer version of the app:
we refuse to open it rather than guess (like Anki's SCHEMA_MAX_VERSION check).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from terminal.errors import LoyaltyError

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseTooNew(LoyaltyError):
    code = "database_too_new"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup(path: Path, label: str) -> Path:
    """A consistent copy of the database file (SQLite's online backup API)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def upgrade(engine: Engine, path: Path) -> Path | None:
    """Bring the schema to head. Returns the backup made, if any."""
    script = ScriptDirectory(str(MIGRATIONS))
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None:
        known = {rev.revision for rev in script.walk_revisions()}
        if current not in known:
            raise DatabaseTooNew(
                f"The database {path} was written by a newer version of this app (schema "
                f"{current}; this version knows up to {head}). Update the app; the data was "
                "not touched."
            )
    made = backup(path, current or "empty") if current is not None else None
    command.upgrade(alembic_config(engine), "head")
    return made

"""Schema migrations at start-up (Alembic), with a backup first and a refusal of the future.

A database whose revision this code does not know was written by a newer version of the app:
we refuse to open it rather than guess (like Anki's SCHEMA_MAX_VERSION check).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from terminal.errors import LoyaltyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

# The newest migration. Kept here so that opening an up-to-date database does not import
# Alembic (half a second of start-up); a test checks it matches the migrations folder.
SCHEMA_HEAD = "0006"


class DatabaseTooNew(LoyaltyError):
    code = "database_too_new"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The head according to the migration scripts themselves (imports Alembic)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")).first()
        if exists is None:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = head_revision()
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

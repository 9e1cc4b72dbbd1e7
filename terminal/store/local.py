"""Open the local store in a data directory: engine, migrations, terminal identity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from terminal.errors import LoyaltyError
from terminal.ids import new_id
from terminal.store.db import make_engine
from terminal.store.migrate import upgrade
from terminal.store.paths import DB_NAME
from terminal.store.repositories import SqliteLedgerStore


class StoreUnavailable(LoyaltyError):
    code = "store_unavailable"


@dataclass
class LocalStore:
    path: Path
    store: SqliteLedgerStore
    terminal_id: str
    backup: Path | None

    def close(self) -> None:
        self.store.close()


def open_local_store(data_dir: Path, create: bool = True) -> LocalStore:
    """Open (and migrate) ``data_dir/terminal.sqlite3``; refuse clearly when that fails."""
    path = data_dir / DB_NAME
    if not path.exists() and not create:
        raise StoreUnavailable(
            f"No terminal database in {data_dir}: run `loyalty init` (or `loyalty init --demo`)."
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"Cannot create the data directory {data_dir}: {exc}.") from None
    engine = make_engine(path)
    try:
        made = upgrade(engine, path)
    except LoyaltyError:
        engine.dispose()
        raise
    store = SqliteLedgerStore(engine)
    with store.session(write=True) as session:
        terminal_id = session.get_meta("terminal_id")
        if terminal_id is None:
            terminal_id = new_id()
            session.set_meta("terminal_id", terminal_id)
    return LocalStore(path, store, terminal_id, made)

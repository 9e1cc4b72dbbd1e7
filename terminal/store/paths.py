"""Where the terminal keeps its files: --data-dir, else $LOYALTY_DATA_DIR, else platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "LOYALTY_DATA_DIR"
DB_NAME = "terminal.sqlite3"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("loyalty-terminal", appauthor=False))

"""The terminal's server credential: ``sync.json`` in the data directory, mode 0600."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CREDENTIALS_NAME = "sync.json"


@dataclass(frozen=True)
class Credentials:
    server_url: str
    terminal_id: str
    store_id: str
    store_name: str
    token: str

    def __repr__(self) -> str:  # never print the token
        return (f"Credentials(server_url={self.server_url!r}, terminal_id={self.terminal_id!r}, "
                f"store_id={self.store_id!r})")


def credentials_path(data_dir: Path) -> Path:
    return data_dir / CREDENTIALS_NAME


def save_credentials(data_dir: Path, creds: Credentials) -> Path:
    path = credentials_path(data_dir)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(asdict(creds), indent=2).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def load_credentials(data_dir: Path) -> Credentials | None:
    path = credentials_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(**{k: str(data[k]) for k in Credentials.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        from terminal.errors import LoyaltyError

        raise LoyaltyError(f"{path} is damaged ({exc}): register the terminal again.") from None

"""The terminal's server credential: ``sync.json`` in the data directory, mode 0600.

``terminal_number`` (1..999) is the number the server gave this terminal at registration:
the core mints card serials in its own range (``terminal_number * 1_000_000 + n``). Files
written before it existed load with ``None``."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

CREDENTIALS_NAME = "sync.json"


@dataclass(frozen=True)
class Credentials:
    server_url: str
    terminal_id: str
    store_id: str
    store_name: str
    token: str
    terminal_number: int | None = None

    @classmethod
    def from_registration(cls, server_url: str, answer: dict[str, Any]) -> Credentials:
        """From the server's answer to ``POST /v1/register``."""
        number = answer.get("terminal_number")
        return cls(server_url.rstrip("/"), str(answer["terminal_id"]), str(answer["store_id"]),
                   str(answer["store_name"]), str(answer["token"]),
                   None if number is None else int(number))

    def __repr__(self) -> str:  # never print the token
        return (f"Credentials(server_url={self.server_url!r}, terminal_id={self.terminal_id!r}, "
                f"store_id={self.store_id!r}, terminal_number={self.terminal_number!r})")


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
        values = {f.name: str(data[f.name]) for f in fields(Credentials)
                  if f.name != "terminal_number"}
        number = data.get("terminal_number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                                   or not 1 <= number <= 999):
            raise ValueError(f"terminal_number {number!r} is not 1-999")
        return Credentials(**values, terminal_number=number)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        from terminal.errors import LoyaltyError

        raise LoyaltyError(f"{path} is damaged ({exc}): register the terminal again.") from None

"""The terminal's server credential: ``sync.json`` in the data directory, mode 0600.

``terminal_number`` (1..999) is the number the server gave this terminal at registration:
the core mints card serials in its own range (``terminal_number * 1_000_000 + n``). Files
written before it existed load with ``None``; the server says the number on every pull, and
:func:`adopt_terminal_number` saves it into such a file (never over another number)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
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
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # (two processes never share one)
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

        raise LoyaltyError(f"{path} is damaged ({exc}): register the terminal again with "
                           "`loyalty register --force --server URL --code CODE` (a new code "
                           "from `loyalty-server admin reissue-code TERMINAL_ID`).") from None


def valid_terminal_number(value: object) -> int | None:
    """``value`` when it is a terminal number (an int 1..999), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 999:
        return value
    return None


@dataclass(frozen=True)
class NumberCheck:
    """What :func:`adopt_terminal_number` found: the number now in ``sync.json``, whether it
    was saved just now, and a mismatch with the server's number (in plain words)."""

    number: int | None
    saved: bool = False
    problem: str | None = None


def adopt_terminal_number(data_dir: Path, creds: Credentials, server_number: int) -> NumberCheck:
    """Save the server's number for this terminal into ``sync.json`` if the file has none.

    The file is read again (not ``creds``): if it no longer holds the credential the round
    used (the terminal was registered again meanwhile), nothing is written. A saved number
    that differs from the server's is left as it is and reported: the terminal keeps minting
    in the block it has used so far (its cards are there; quietly moving to another block
    would hide the fault), and only registering again gives one number on both sides."""
    current = load_credentials(data_dir)
    if current is None or (current.terminal_id, current.token) != (creds.terminal_id,
                                                                    creds.token):
        return NumberCheck(None if current is None else current.terminal_number)
    saved = current.terminal_number
    if saved is None:
        save_credentials(data_dir, replace(current, terminal_number=server_number))
        return NumberCheck(server_number, saved=True)
    if saved != server_number:
        return NumberCheck(saved, problem=(
            f"The server numbers this terminal {server_number}, but its sync.json says "
            f"{saved}: sync.json is left as it is and new card numbers still come from block "
            f"{saved}, which the server may give to another terminal. Register this terminal "
            "again (loyalty register --force with a new code) to get one number on both "
            "sides."))
    return NumberCheck(saved)

"""Terminal credentials after the first registration: re-issue an enrolment code, revoke.

* ``reissue_code``: a new one-time code for an existing terminal. Registering with it gives
  the terminal a new credential and keeps its id, store, number and chain head (see
  :func:`sync.server.service.register`); the old credential works until then.
* ``revoke``: the terminal's credential (and any code waiting for it) stops working at once.
  Its ``token_hash`` is replaced by a *revocation marker* (``"r"`` + 63 hex digits derived
  from the old hash: never a live hash, which is 64 hex digits, and unique like one), so a
  till presenting the revoked credential is told so in plain words instead of "unknown".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from sync.server import tables as t
from sync.server.errors import NotFound, Unauthorised
from terminal.ledger import format_time

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REVOKED_PREFIX = "r"


def new_code() -> str:
    """A 10-character enrolment code (no 0/O, 1/I look-alikes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def code_expiry(ttl_seconds: int) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=ttl_seconds))


def revoked_marker(live_hash: str) -> str:
    return REVOKED_PREFIX + hashlib.sha256(f"revoked:{live_hash}".encode()).hexdigest()[:63]


def is_revoked_marker(value: str | None) -> bool:
    return value is not None and value.startswith(REVOKED_PREFIX)


def refused_credential(conn: Connection, live_hash: str) -> Unauthorised:
    """The refusal for a credential no terminal holds: revoked (with what to do) or unknown."""
    row = conn.execute(select(t.terminals.c.id).where(
        t.terminals.c.token_hash == revoked_marker(live_hash))).first()
    if row is not None:
        return Unauthorised(
            f"This terminal's credential was revoked by the manager. To use it again, the "
            f"manager runs `loyalty-server admin reissue-code {row.id}` and the till runs "
            f"`loyalty register --force --server URL --code CODE`.", "credential_revoked")
    return Unauthorised("Unknown or revoked terminal credential.", "bad_credential")


def _terminal(conn: Connection, terminal_id: str) -> Any:
    row = conn.execute(select(t.terminals).where(t.terminals.c.id == terminal_id)).first()
    if row is None:
        raise NotFound(f"No terminal {terminal_id}.", "unknown_terminal")
    return row


def secret_hash(secret: str) -> str:
    """How credentials and codes are stored (the same as ``service.token_hash``)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def reissue_code(conn: Connection, terminal_id: str, ttl_seconds: int) -> dict[str, Any]:
    """Give ``terminal_id`` a new one-time enrolment code; a code issued before and not
    used is no longer valid. Its current credential keeps working until the code is used
    (``revoke`` stops it at once)."""
    row = _terminal(conn, terminal_id)
    code, expires = new_code(), code_expiry(ttl_seconds)
    conn.execute(update(t.terminals).where(t.terminals.c.id == terminal_id).values(
        code_hash=secret_hash(code), code_expires_at=expires, registered_at=None))
    return {"terminal_id": row.id, "store_id": row.store_id, "name": row.name,
            "terminal_number": row.terminal_number, "head_seq": int(row.head_seq),
            "enrolment_code": code, "expires_at": expires,
            "credential": _credential_state(row.token_hash)}


def revoke(conn: Connection, terminal_id: str) -> dict[str, Any]:
    """Stop the terminal's credential and any enrolment code waiting for it, now."""
    row = _terminal(conn, terminal_id)
    values: dict[str, Any] = {"code_hash": None, "code_expires_at": None}
    if row.token_hash is not None and not is_revoked_marker(row.token_hash):
        values["token_hash"] = revoked_marker(row.token_hash)
    conn.execute(update(t.terminals).where(t.terminals.c.id == terminal_id).values(**values))
    return {"terminal_id": row.id, "store_id": row.store_id, "name": row.name,
            "credential": "revoked", "was": _credential_state(row.token_hash),
            "code_cancelled": row.code_hash is not None and row.registered_at is None}


def _credential_state(token_hash: str | None) -> str:
    if token_hash is None:
        return "none"
    return "revoked" if is_revoked_marker(token_hash) else "active"

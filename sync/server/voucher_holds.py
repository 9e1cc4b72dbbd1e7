"""Voucher holds: a till online reserves one use of a voucher before it redeems it
(``POST /v1/sync/vouchers/{id}/hold``).

Without them, two online tills that scan the same single-use voucher in the same moment
both read "0 uses" and both honour it (the push then posts the second to
``voucher_double_redemption_loss``). With them, the second till is refused at the till.

A hold is granted when the voucher's uses so far are fewer than its signed ``uses``,
counting:

- ``vouchers.redemptions``: the redemptions pushed by every till;
- the live holds of *other* terminals: their redemptions on the way;
- ``pending``: the asking till's own redemptions it has not pushed yet, by event id (its own
  holds are among them, so they are not counted twice). The server counts only those it
  has not received: a push that committed a moment before the till marked it pushed is
  already in ``redemptions``, and is not counted again.

The count is one statement (one snapshot: a push that commits meanwhile moves a use from a
hold to ``redemptions`` atomically, never out of both). Holds of one voucher are decided one
at a time: SQLite writes one transaction at a time (``BEGIN IMMEDIATE``); PostgreSQL takes a
transaction-scoped advisory lock on the voucher id.

A hold ends when the redemption's push consumes it (:func:`consume_voucher_holds`), when the
till releases it (a redemption it refused after all), or when it expires (``hold_seconds``,
as for stored value): an expired hold no longer counts and is deleted by the next request
for that voucher.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, String, TextualSelect, column, delete, func, select, text

from sync.server import tables as t
from sync.server.errors import Conflict
from terminal.ledger import format_time

if TYPE_CHECKING:
    from sync.server.service import TerminalAuth

_VOUCHER_LOCK_CLASS = 0x4C56_4F55  # pg_advisory_xact_lock(class, key) class: "LVOU"


def counts(conn: Connection, voucher_id: str, terminal_id: str, now: str,
           pending: list[str] | None = None) -> tuple[str | None, int, int, int]:
    """(status, redemptions pushed by every till, live holds of other terminals, how many of
    ``pending`` the server has not received), read in one statement: one snapshot, so a
    push committing meanwhile moves a use from a hold (or from ``pending``) to
    ``redemptions`` atomically, never out of both."""
    status = (select(t.vouchers.c.status).where(t.vouchers.c.id == voucher_id)
              .scalar_subquery())
    redemptions = (select(func.coalesce(func.max(t.vouchers.c.redemptions), 0))
                   .where(t.vouchers.c.id == voucher_id).scalar_subquery())
    held = (select(func.count()).select_from(t.voucher_holds)
            .where(t.voucher_holds.c.voucher_id == voucher_id,
                   t.voucher_holds.c.terminal_id != terminal_id,
                   t.voucher_holds.c.expires_at > now).scalar_subquery())
    received = (select(func.count()).select_from(t.events)
                .where(t.events.c.id.in_(_id_list(conn, pending or []))).scalar_subquery())
    row = conn.execute(select(status, redemptions, held, received)).one()
    return (row[0], int(row[1]), int(row[2]), len(set(pending or [])) - int(row[3]))


def _id_list(conn: Connection, ids: list[str]) -> TextualSelect:
    """``ids`` as one JSON parameter unpacked in SQL: a till may send up to ``MAX_USES``
    pending ids, more bind parameters than PostgreSQL takes in one statement."""
    unpack = ("SELECT json_array_elements_text(CAST(:ids AS json)) AS id"
              if conn.dialect.name == "postgresql" else "SELECT value AS id FROM json_each(:ids)")
    return text(unpack).bindparams(ids=json.dumps(ids)).columns(column("id", String))


def _received(conn: Connection, event_id: str) -> bool:
    return conn.execute(select(t.events.c.id).where(t.events.c.id == event_id)).first() \
        is not None


def hold_voucher(conn: Connection, terminal: TerminalAuth, voucher_id: str, event_id: str,
                 uses: int, pending: list[str], hold_seconds: int,
                 now: datetime | None = None) -> dict[str, Any]:
    """Reserve one use of ``voucher_id`` for the redemption ``event_id``: ``{"held": True,
    "redemptions": n, …}`` with the uses taken before this one, or ``{"held": False,
    "redemptions": n}`` when ``n`` already reaches ``uses`` (a used-up voucher is an answer,
    not an error: the till says it in its words). ``held_elsewhere``: how many of the ``n``
    are other terminals' live holds (redemptions in progress, not used up yet).

    ``uses`` is what the voucher was signed with (the till verified the signature);
    ``pending`` the event ids of the till's redemptions of it not pushed yet. Asking again
    for the same event is the same hold; the same event id for another voucher or terminal
    is 409 ``hold_conflict``; an event the server already received (a late retry) is
    counted in ``redemptions`` and gets no hold (it would never be consumed)."""
    moment = now or datetime.now(UTC)
    stamp = format_time(moment)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, hashtext(:v))"),
                     {"c": _VOUCHER_LOCK_CLASS, "v": voucher_id})
    conn.execute(delete(t.voucher_holds).where(t.voucher_holds.c.voucher_id == voucher_id,
                                               t.voucher_holds.c.expires_at <= stamp))
    existing = conn.execute(select(t.voucher_holds).where(
        t.voucher_holds.c.event_id == event_id)).first()
    _status, redemptions, held, unreceived = counts(conn, voucher_id, terminal.id, stamp,
                                                    [e for e in pending if e != event_id])
    used = redemptions + held + unreceived
    if existing is None and _received(conn, event_id):
        return {"held": True, "event_id": event_id, "voucher_id": voucher_id,
                "redemptions": max(used - 1, 0), "already_received": True}
    if existing is not None:
        if existing.voucher_id != voucher_id or existing.terminal_id != terminal.id:
            raise Conflict("This event id holds another voucher.", "hold_conflict")
        return {"held": True, "event_id": event_id, "voucher_id": voucher_id,
                "redemptions": used, "held_elsewhere": held,
                "expires_at": existing.expires_at}
    if used >= uses:
        return {"held": False, "event_id": event_id, "voucher_id": voucher_id,
                "redemptions": used, "held_elsewhere": held}
    expires = format_time(moment + timedelta(seconds=hold_seconds))
    conn.execute(t.voucher_holds.insert().values(
        event_id=event_id, voucher_id=voucher_id, terminal_id=terminal.id, created_at=stamp,
        expires_at=expires))
    return {"held": True, "event_id": event_id, "voucher_id": voucher_id,
            "redemptions": used, "held_elsewhere": held, "expires_at": expires}


def release_voucher_holds(conn: Connection, terminal: TerminalAuth, event_id: str) -> int:
    """Release this terminal's voucher hold of ``event_id`` (a redemption it refused);
    returns how many were released (0 or 1)."""
    result = conn.execute(delete(t.voucher_holds).where(
        t.voucher_holds.c.event_id == event_id, t.voucher_holds.c.terminal_id == terminal.id))
    return int(result.rowcount or 0)


def consume_voucher_holds(conn: Connection, event_ids: list[str]) -> None:
    """Delete the holds of these pushed redemptions: their uses are in ``redemptions`` now,
    in the same transaction."""
    for start in range(0, len(event_ids), 500):
        conn.execute(delete(t.voucher_holds).where(
            t.voucher_holds.c.event_id.in_(event_ids[start:start + 500])))

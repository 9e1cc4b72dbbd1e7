"""The day report (``/v1/admin/reports/day``, ``loyalty-server admin report day``): totals per
store for one calendar day **in the store's own time zone** (for Taipei, 00:00–24:00 local
is 16:00–16:00 UTC).

* Voided sales and top-ups are **left out** of the totals (a sale counts unless some ``void``
  event names it, whenever that void was made: the analytics' rule) and shown apart as
  ``voided_sale_count`` / ``voided_sales_amount`` (and ``voided_top_up_…``); ``void_count``
  is the voids made that day.
* Amounts are read from the event bodies as the terminals sent them. A value that is not an
  integer within the protocol's bounds (``"12.5"``, ``12.5``, ``true``, 10**30) is counted
  as 0 and reported: ``unreadable_amounts`` (how many values) and
  ``unreadable_amount_events`` (the first event ids), never a failed report.
* An event the server kept in its terminal's chain without booking it (``unbookable_event``:
  refused, nothing posted) is left out.
* A store whose time zone is not a known zone (a row from before ``create-store`` checked
  it) gets no totals but ``error`` saying so: its day cannot be bounded.

Events carry their time as canonical UTC text (``…T12:34:56.123456Z``), so the day's bounds
are compared as text; one scan of ``events`` (there is no time index) reads every store's
window and the voids made since the earliest window began.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, or_, select, text

from sync import protocol
from sync.server import tables as t
from sync.server.errors import BadRequest
from sync.server.timezones import zone_problem
from terminal.ledger import format_time, parse_time

SERVER_TERMINAL = "server"
#: body fields summed per kind: (event kind, body field, total's name)
AMOUNT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("sale", "amount", "sales_amount"),
    ("sale", "stored_value_paid", "stored_value_spent"),
    ("sale", "points_earned", "points_earned"),
    ("sale", "points_redeemed", "points_redeemed"),
    ("top_up", "amount", "top_up_amount"),
)
VOIDABLE = ("sale", "top_up")
MAX_LISTED = 20  # unreadable amounts: event ids listed per store


def body_amount(body: dict[str, Any], name: str) -> int | None:
    """``body[name]`` as money/points: an int within ±``protocol.MAX_AMOUNT``; 0 when absent;
    ``None`` when present but not such an int (a string, a float, a bool, too large)."""
    value = body.get(name)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) <= protocol.MAX_AMOUNT:
        return value
    return None


def _body(raw: str) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _window(day: date, zone: ZoneInfo) -> tuple[str, str]:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return format_time(start), format_time(end)


def _shift(moment: str, days: int) -> str:
    return format_time(parse_time(moment) + timedelta(days=days))


def _canonical(moment: str) -> str:
    """An event's time as canonical UTC text (what terminals send; others are converted)."""
    if len(moment) == 27 and moment.endswith("Z"):
        return moment
    try:
        return format_time(parse_time(moment))
    except ValueError:  # not a time the protocol accepts: in no day
        return ""


def day_totals(conn: Connection, day: str) -> list[dict[str, Any]]:
    """One entry per store, sorted by store id: ``store_id``, ``name``, ``date``,
    ``timezone``, ``from``/``until`` (the local day as UTC), the counts per event kind and
    the totals (see the module's doc); or ``error`` for a store whose zone is unknown."""
    try:
        report_day = date.fromisoformat(day)
    except ValueError:
        raise BadRequest(f"{day!r} is not a date (YYYY-MM-DD).") from None
    stores = conn.execute(select(t.stores.c.id, t.stores.c.name, t.stores.c.timezone)
                          .order_by(t.stores.c.id)).all()
    out: dict[str, dict[str, Any]] = {}
    windows: dict[str, tuple[str, str]] = {}
    for store_id, name, zone_name in stores:
        entry: dict[str, Any] = {"store_id": store_id, "name": name, "date": day,
                                 "timezone": zone_name}
        out[store_id] = entry
        problem = zone_problem(zone_name)
        if problem is not None:
            entry["error"] = (f"invalid_timezone: {problem}; this store's day cannot be "
                              "bounded (fix the store's time zone)")
            continue
        windows[store_id] = _window(report_day, ZoneInfo(zone_name))
        entry["from"], entry["until"] = windows[store_id]
    if not windows:
        return list(out.values())
    # a day's margin each side: a time sent with an offset (``…+08:00``, accepted by the
    # protocol) is compared as text here and exactly below
    low = _shift(min(w[0] for w in windows.values()), -1)
    high = _shift(max(w[1] for w in windows.values()), 1)
    rows = conn.execute(
        select(t.events.c.id, t.events.c.store_id, t.events.c.kind, t.events.c.occurred_at,
               t.events.c.body)
        .where(t.events.c.terminal_id != SERVER_TERMINAL, t.events.c.occurred_at >= low,
               or_(t.events.c.occurred_at < high, t.events.c.kind == "void"),
               # an event kept in the chain but not booked (unbookable) counts for nothing
               text(t.booked_only("events")))).all()
    voided = {str(body.get("voided_event_id")) for r in rows if r.kind == "void"
              and (body := _body(r.body)) is not None and body.get("voided_event_id")}
    totals: dict[str, dict[str, int]] = {s: defaultdict(int) for s in windows}
    unreadable: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        window = windows.get(row.store_id)
        if window is None or not window[0] <= _canonical(row.occurred_at) < window[1]:
            continue
        entry_totals = totals[row.store_id]
        body = _body(row.body) or {}
        prefix = ""
        if row.kind in VOIDABLE and row.id in voided:
            prefix = "voided_"
        entry_totals[f"{prefix}{row.kind}_count"] += 1
        for kind, field, total in AMOUNT_FIELDS:
            if kind != row.kind or (prefix and field != "amount"):
                continue
            amount = body_amount(body, field)
            if amount is None:
                unreadable[row.store_id].append(row.id)
                amount = 0
            entry_totals[f"{prefix}{total}"] += amount
    for store_id, values in totals.items():
        out[store_id].update(sorted(values.items()))
        bad = unreadable.get(store_id, [])
        if bad:
            out[store_id]["unreadable_amounts"] = len(bad)
            out[store_id]["unreadable_amount_events"] = sorted(set(bad))[:MAX_LISTED]
    return list(out.values())

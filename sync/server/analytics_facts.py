"""The analytics facts (issue 7): the nightly analytics fold the events pushed since their
last run into ``sale_facts`` (one narrow row per member's sale that no void voids), so that
the reports read those instead of scanning the whole ``events`` table each night.

Why a per-terminal watermark picks up every event exactly once: a terminal's events are
accepted in ``seq`` order (each push checks ``seq`` = head + 1 under a lock on the terminal's
row, and commits its events with the new head), so in any snapshot the visible events of one
terminal are a prefix of its ``seq``. A fold reads, in ONE statement (one snapshot), the
highest visible ``seq`` of each terminal; every event up to it is committed and visible to
the later statements of the fold, and it folds exactly ``folded_seq < seq <= that bound``,
then moves ``analytics_cursor.folded_seq`` to the bound in the same transaction. Events
committed meanwhile are above the bound and wait for the next fold.

Events without a ``seq`` are the server's own (terminal ``server``: ``adjust`` events for
overdrafts and double-redeemed vouchers); they are never sales or voids, so the fold skips
them.

Voids: ``sale_voids`` keeps every voided id; a fold first records the new voids and deletes
the facts they void (a late void of an already-folded sale), then adds the new sales that no
void names (a sale whose void was folded before it, or in the same fold, is never added).
Exactly the old definition: a sale counts unless some ``void`` event names it.

``member_sales`` sums the facts per member and store (purchases, spend, last purchase, and
the first purchase from the end of the enrolment day in the store's zone, ``return_from``),
rebuilt from the facts for each member a fold touched (new sale, removed fact). A report
uses a row as it is only when it is exact for that report: every purchase before the end of
the report day (``last_at`` before it) and the same ``return_from`` (the member and store
were known when it was summed; on SQLite the zone's offset of the same day); the others are
summed again from the facts (by member, through the index). So the nightly reads one row
per member and store, not one per sale.

Each fold leaves the members whose summaries it changed in the temporary table
``af_members`` (until the next fold): :mod:`sync.server.analytics` rewrites their
``member_activity`` rows.

The push path never writes these tables (its throughput is measured on its own).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from sync.protocol import MAX_AMOUNT
from sync.server.tables import booked_only

FOLD_LOCK = 0x4C41_4E46  # pg_advisory_xact_lock key: "LANF"; folds run one at a time
LARGE_FOLD = 200_000  # events: from there on PostgreSQL reads them in one scan
WORK_MEM = "256MB"  # PostgreSQL, for the analytics transaction only (SET LOCAL)


#: a body's amount as JSON text that is an integer within ±MAX_AMOUNT (10**12): anything else
#: (a string "12.5", a float, true, 10**30) matches nothing and is read as NULL (0), where a
#: plain cast failed the whole report (PostgreSQL) or read "12.5" as 12 (SQLite)
_PG_AMOUNT = "^(-?(1000000000000|[0-9]{1,12}))$"
assert MAX_AMOUNT == 10**12, "_PG_AMOUNT spells MAX_AMOUNT out"
#: a calendar date as PostgreSQL can cast it (year 1000-9999, month 01-12, day 01-31); a
#: day past the month's end rolls over as in SQLite (2024-02-31 is 2024-03-02)
_PG_DATE = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def pg_date(column: str) -> str:
    """``column`` (text ``YYYY-MM-DD``, e.g. a member's ``enrolled_on`` as the enrolling
    terminal sent it) as a PostgreSQL date, NULL when it is not one: never a failed cast."""
    return (f"CASE WHEN {column} ~ '{_PG_DATE}' THEN CAST(substr({column}, 1, 8) || '01' AS "
            f"date) + (CAST(substr({column}, 9, 2) AS integer) - 1) END")


def sqlite_date(column: str) -> str:
    """``column`` when it looks like ``YYYY-MM-DD``, else NULL (SQLite's date functions read
    ``"12.5"`` as a Julian day number, i.e. a date in 4700 BC)."""
    return (f"CASE WHEN {column} GLOB '[1-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]' "
            f"THEN {column} END")


def event_expressions(dialect: str) -> dict[str, str]:
    """Per-event SQL shared by the fold and the full scan: ``t`` (alias ``e``) an event's time
    as canonical UTC text (what terminals send: ``…T12:34:56.123456Z``; other forms are
    converted), ``amount`` a sale's amount (alias ``e``; NULL unless an integer within
    ±``MAX_AMOUNT``), ``voided`` a void's voided id
    (alias ``v``), ``return_from`` the end of a member's enrolment day (alias ``m``) in a
    store's zone (alias ``z``: ``timezone``, and ``back``, the zone's offset reversed as a
    SQLite date() modifier: SQLite has no zone data)."""
    if dialect == "postgresql":
        return {
            "t": "CASE WHEN length(e.occurred_at) = 27 AND right(e.occurred_at, 1) = 'Z' "
                 "THEN e.occurred_at ELSE to_char(CAST(e.occurred_at AS timestamptz) AT TIME "
                 "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || 'Z' END",
            "amount": "CAST(substring(CAST(CAST(e.body AS json) -> 'amount' AS text) "
                      f"FROM '{_PG_AMOUNT}') AS bigint)",
            "voided": "CAST(v.body AS json) ->> 'voided_event_id'",
            "return_from": f"to_char(({pg_date('m.enrolled_on')} + 1)::timestamp AT TIME ZONE "
                           "z.timezone AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
                           "|| '.000000Z'",
        }
    return {
        "t": "CASE WHEN length(e.occurred_at) = 27 AND substr(e.occurred_at, 27) = 'Z' "
             "THEN e.occurred_at ELSE strftime('%Y-%m-%dT%H:%M:%S', e.occurred_at) "
             "|| '.000000Z' END",
        "amount": "CASE WHEN json_type(e.body, '$.amount') = 'integer' AND "
                  "json_extract(e.body, '$.amount') BETWEEN -:max_amount AND :max_amount "
                  "THEN json_extract(e.body, '$.amount') END".replace(
                      ":max_amount", str(MAX_AMOUNT)),
        "voided": "json_extract(v.body, '$.voided_event_id')",
        "return_from": f"strftime('%Y-%m-%dT%H:%M:%S', {sqlite_date('m.enrolled_on')}, "
                       "'+1 day', z.back) "
                       "|| '.000000Z'",
    }


def _drop(conn: Connection, members: bool = True) -> None:
    for table in ("af_range", "af_voids", "af_touched", "af_zones", "af_sales"):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    if members:
        conn.execute(text("DROP TABLE IF EXISTS af_members"))


def fold(conn: Connection, zones: str, params: dict[str, Any]) -> dict[str, Any]:
    """Fold every terminal's events since the last fold into ``sale_facts``, and rebuild the
    ``member_sales`` rows of the members whose facts changed, in the caller's transaction.
    ``zones``: a ``SELECT`` of ``store_id, timezone, back`` per store (with ``params``).
    Returns counts: ``events`` folded, facts ``added`` and ``removed``, ``summaries``
    (``member_sales`` rows) rebuilt, and ``backfill`` (True on the first fold, which folds
    the whole history)."""
    pg = conn.dialect.name == "postgresql"
    d = event_expressions(conn.dialect.name)
    if pg:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FOLD_LOCK})
    backfill = conn.execute(text("SELECT 1 FROM analytics_cursor LIMIT 1")).first() is None
    if backfill:  # a full fold, from nothing
        for table in ("sale_facts", "sale_voids", "member_sales", "member_activity",
                      "activity_zones"):
            conn.execute(text(f"DELETE FROM {table}"))
    _drop(conn)
    # ONE statement: the bound of each terminal is a prefix visible in one snapshot
    conn.execute(text("""
        CREATE TEMP TABLE af_range AS
        SELECT b.terminal_id AS terminal_id, COALESCE(c.folded_seq, 0) AS lo, b.hi AS hi
        FROM (SELECT tm.id AS terminal_id,
                     (SELECT max(e.seq) FROM events e WHERE e.terminal_id = tm.id) AS hi
              FROM terminals tm) b
        LEFT JOIN analytics_cursor c ON c.terminal_id = b.terminal_id
        WHERE b.hi > COALESCE(c.folded_seq, 0)"""))
    events = int(conn.execute(text("SELECT COALESCE(sum(hi - lo), 0) FROM af_range")).scalar()
                 or 0)
    large = pg and events > LARGE_FOLD
    # the planner cannot see how long each till's range is: on PostgreSQL a nightly's few
    # thousand events are read through the (terminal_id, seq) index (LATERAL, and OFFSET 0
    # keeps it from being turned back into a join), a backfill's millions in one scan
    if pg and not large:
        new = ("FROM af_range r CROSS JOIN LATERAL (SELECT * FROM events x "
               "WHERE x.terminal_id = r.terminal_id AND x.seq > r.lo AND x.seq <= r.hi "
               "OFFSET 0) {a}")
    else:
        new = ("FROM af_range r JOIN events {a} ON {a}.terminal_id = r.terminal_id "
               "AND {a}.seq > r.lo AND {a}.seq <= r.hi")
    if pg:
        conn.execute(text("ANALYZE af_range"))
        conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        conn.execute(text("SET LOCAL hash_mem_multiplier = 4"))
    if large:
        conn.execute(text("SET LOCAL enable_nestloop = off"))
    conn.execute(text(f"""
        CREATE TEMP TABLE af_voids AS
        SELECT DISTINCT {d['voided']} AS event_id {new.format(a='v')}
        WHERE v.kind = 'void' AND {d['voided']} IS NOT NULL
          AND {booked_only('v')}"""))
    if pg:
        conn.execute(text("ANALYZE af_voids"))
    # ON CONFLICT, not NOT EXISTS: an anti-join against the table being filled re-reads
    # the rows it has just added (quadratic on a backfill)
    conn.execute(text("""
        INSERT INTO sale_voids (event_id) SELECT event_id FROM af_voids WHERE true
        ON CONFLICT (event_id) DO NOTHING"""))
    # members whose facts a new void removes: summed again from their facts
    conn.execute(text("""
        CREATE TEMP TABLE af_touched AS
        SELECT DISTINCT f.member_id AS member_id FROM sale_facts f
        WHERE f.event_id IN (SELECT event_id FROM af_voids)"""))
    removed = conn.execute(text(
        "DELETE FROM sale_facts WHERE event_id IN (SELECT event_id FROM af_voids)")).rowcount
    # a sale without a member or a store is in no report (neither in the full scan)
    sales = f"""
        SELECT e.id AS event_id, e.member_id AS member_id, e.store_id AS store_id,
               {d['t']} AS t, COALESCE({d['amount']}, 0) AS amount
        {new.format(a='e')}
        WHERE e.kind = 'sale' AND e.member_id IS NOT NULL AND e.store_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sale_voids s WHERE s.event_id = e.id)"""
    columns = "event_id, member_id, store_id, t, amount"
    conn.execute(text(f"CREATE TEMP TABLE af_zones AS {zones}"), params)
    if backfill:
        added = conn.execute(text(f"INSERT INTO sale_facts ({columns}) {sales}")).rowcount
    else:
        conn.execute(text(f"CREATE TEMP TABLE af_sales AS {sales}"))
        added = conn.execute(text(
            f"INSERT INTO sale_facts ({columns}) SELECT {columns} FROM af_sales")).rowcount
    conn.execute(text("""
        UPDATE analytics_cursor SET folded_seq = (
            SELECT r.hi FROM af_range r WHERE r.terminal_id = analytics_cursor.terminal_id)
        WHERE terminal_id IN (SELECT terminal_id FROM af_range)"""))
    conn.execute(text("""
        INSERT INTO analytics_cursor (terminal_id, folded_seq)
        SELECT r.terminal_id, r.hi FROM af_range r
        WHERE NOT EXISTS (SELECT 1 FROM analytics_cursor c
                          WHERE c.terminal_id = r.terminal_id)"""))
    if backfill:
        summaries = _resum(conn, d, everyone=True)
    else:
        summaries = _add_sales(conn, d) + _resum(conn, d, everyone=False)
    if large:
        conn.execute(text("SET LOCAL enable_nestloop = on"))
    # the members whose summaries changed, for the caller (member_activity); a backfill
    # empties member_activity, which is then rebuilt whole
    changed = "SELECT member_id FROM af_touched"
    if not backfill:
        changed += " UNION SELECT member_id FROM af_sales"
    conn.execute(text(f"CREATE TEMP TABLE af_members AS {changed}"))
    _drop(conn, members=False)
    return {"events": events, "added": int(added), "removed": int(removed),
            "summaries": summaries, "backfill": backfill and events > 0}


def _add_sales(conn: Connection, d: dict[str, str]) -> int:
    """Add the new sales (``af_sales``) to their members' ``member_sales`` rows: counts and
    sums add up, the last purchase and the first return are the later and the earlier. A
    row whose ``return_from`` would differ (SQLite: the zone's offset moved) gets none: it is
    summed again from its facts (:func:`_resum`)."""
    # each new sale's member by its key (PostgreSQL would rather scan every member)
    members = ("LEFT JOIN LATERAL (SELECT x.enrolled_on FROM members x "
               "WHERE x.id = f.member_id OFFSET 0) m ON true"
               if conn.dialect.name == "postgresql" else
               "LEFT JOIN members m ON m.id = f.member_id")
    return int(conn.execute(text(f"""
        INSERT INTO member_sales (member_id, store_id, purchases, spend, last_at,
                                  return_from, return_at)
        SELECT * FROM (
            SELECT s.member_id, s.store_id, count(*), sum(s.amount), max(s.t), s.return_from,
                   min(CASE WHEN s.t >= s.return_from THEN s.t END)
            FROM (SELECT f.member_id AS member_id, f.store_id AS store_id, f.t AS t,
                         f.amount AS amount, {d['return_from']} AS return_from
                  FROM af_sales f
                  {members}
                  LEFT JOIN af_zones z ON z.store_id = f.store_id) s
            GROUP BY s.member_id, s.store_id, s.return_from) g
        WHERE true
        ON CONFLICT (member_id, store_id) DO UPDATE SET
            purchases = member_sales.purchases + excluded.purchases,
            spend = member_sales.spend + excluded.spend,
            last_at = CASE WHEN excluded.last_at > member_sales.last_at
                           THEN excluded.last_at ELSE member_sales.last_at END,
            return_at = CASE WHEN member_sales.return_from = excluded.return_from THEN
                            CASE WHEN member_sales.return_at IS NULL
                                      OR excluded.return_at < member_sales.return_at
                                 THEN excluded.return_at ELSE member_sales.return_at END
                        END,
            return_from = CASE WHEN member_sales.return_from = excluded.return_from
                               THEN member_sales.return_from END""")).rowcount)


def _resum(conn: Connection, d: dict[str, str], everyone: bool) -> int:
    """Sum ``member_sales`` again from the facts: for everyone (a backfill), or for the
    members in ``af_touched`` (a void removed one of their facts) and those of rows without
    a ``return_from`` whom the server now knows."""
    pg = conn.dialect.name == "postgresql"
    if everyone:
        conn.execute(text("DELETE FROM member_sales"))
        which = ""
    else:
        conn.execute(text("""
            INSERT INTO af_touched (member_id)
            SELECT DISTINCT s.member_id FROM member_sales s
            WHERE s.return_from IS NULL
              AND EXISTS (SELECT 1 FROM members m WHERE m.id = s.member_id)"""))
        if pg:
            conn.execute(text("ANALYZE af_touched"))
        conn.execute(text("DELETE FROM member_sales "
                          "WHERE member_id IN (SELECT member_id FROM af_touched)"))
        which = "WHERE f.member_id IN (SELECT member_id FROM af_touched)"
    count = conn.execute(text(f"""
        INSERT INTO member_sales (member_id, store_id, purchases, spend, last_at,
                                  return_from, return_at)
        SELECT f.member_id, f.store_id, count(*), sum(f.amount), max(f.t), f.return_from,
               min(CASE WHEN f.t >= f.return_from THEN f.t END)
        FROM (SELECT f.member_id AS member_id, f.store_id AS store_id, f.t AS t,
                     f.amount AS amount, {d['return_from']} AS return_from
              FROM sale_facts f
              LEFT JOIN members m ON m.id = f.member_id
              LEFT JOIN af_zones z ON z.store_id = f.store_id
              {which}) f
        GROUP BY f.member_id, f.store_id, f.return_from""")).rowcount
    if pg and everyone:
        conn.execute(text("ANALYZE sale_facts"))
        conn.execute(text("ANALYZE member_sales"))
    return int(count)

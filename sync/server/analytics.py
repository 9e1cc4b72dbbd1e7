"""The server's nightly analytics (issue 7): RFM, lifecycle stages, retention by enrolment
cohort, redemption rate and liability, overall (scope ``"all"``) and per store.

Set-based SQL that runs on PostgreSQL and SQLite; the definitions are the terminal's
(:mod:`terminal.analytics`, :mod:`terminal.lifecycle`), so a server report over one till's
data equals that till's own report:

* a purchase is a ``sale`` event of a member that no ``void`` event voids, dated on the
  store's local calendar (PostgreSQL: the store's time zone; SQLite has no zone database, so
  the zone's UTC offset on the report day is applied); the end of the report day is exact
  in both (zoneinfo); a sale on the report day's calendar after it is not counted;
* ``member_activity`` keeps a row per member and scope (0: all stores, then a number per
  store): purchases, spend, the days of enrolment, of the last purchase and of the first
  purchase after the enrolment day; each fold rewrites the rows of the members it touched.
  A report derives the ages and idle days from them; the members with a purchase after the
  report day are computed for it from the facts (temporary ``an_activity``); every report
  is a small grouped query over those rows (:func:`activity`);
* a store's scope is its purchases, over the members enrolled there or who bought there;
* RFM quintiles are ``rank() - 1`` × 5 // buyers + 1 (ties share the lower rank, as in
  :func:`terminal.analytics._quintiles`); segments are named by
  :func:`terminal.analytics.segment_of` over the (r, f) groups, never re-implemented;
* redemption and liability are the current balances (the ``as_of`` day does not apply).

The rows come from ``sale_facts`` and ``member_sales`` (:mod:`sync.server.analytics_facts`),
into which each run first folds the events pushed since the last one (the first run folds
every event: a backfill); ``source="events"`` keeps the original full scan of ``events``
into ``an_activity``, which gives the same figures (tests compare both).

On PostgreSQL a run is one transaction over every fact: while it runs, the pull feed
(which hands out changes below the oldest running transaction) waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from sync.server import service
from sync.server.analytics_facts import (
    WORK_MEM,
    event_expressions,
    fold,
    pg_date,
    sqlite_date,
)
from sync.server.errors import BadRequest, NotFound
from sync.server.tables import booked_only
from sync.server.timezones import zone_problem
from terminal import lifecycle
from terminal.analytics import SEGMENTS, Liability, Rate, redemption_rate, segment_of
from terminal.errors import InvalidInput
from terminal.ledger import Asset, ShopAccount
from terminal.rules import Rules

REPORTS = ("rfm", "lifecycle", "retention", "redemption")
ALL = "all"
HORIZONS = (1, 7, 30)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lifecycle stage limits in days (defaults: :mod:`terminal.lifecycle`)."""

    new_days: int = lifecycle.NEW_DAYS
    dormant_days: int = lifecycle.DORMANT_DAYS
    churned_days: int = lifecycle.CHURNED_DAYS

    def __post_init__(self) -> None:
        # the terminal's own rule (positive, new < dormant < churned), so both agree
        try:
            lifecycle.Thresholds(self.new_days, self.dormant_days, self.churned_days)
        except InvalidInput as exc:
            raise BadRequest(exc.message) from None


DEFAULTS = Thresholds()


# --- the per-member activity table ---------------------------------------------------------

def _dialect(conn: Connection) -> dict[str, str]:
    """The few expressions that differ. ``t`` is an event's time as canonical UTC text
    (what terminals send: ``…T12:34:56.123456Z``), so that per event only text is compared;
    dates are converted per member, not per event. ``day``: a date as days since
    1970-01-01 (the stored form: a report subtracts integers)."""
    if conn.dialect.name == "postgresql":
        return {
            "local": "CAST(CAST({x} AS timestamptz) AT TIME ZONE timezone AS date)",
            "enrolled": pg_date("m.enrolled_on"),
            "day": "(({x}) - DATE '1970-01-01')",
            **event_expressions(conn.dialect.name),
        }
    return {
        "local": "date({x}, shift)",
        "enrolled": sqlite_date("m.enrolled_on"),
        "day": "CAST(julianday({x}) - 2440587.5 AS INTEGER)",
        **event_expressions(conn.dialect.name),
    }


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


NO_CUTOFF = "9999"  # after every event's time: every folded purchase counts


def _zones(conn: Connection, as_of: date, params: dict[str, Any],
           cutoff: bool = True) -> tuple[str, dict[int, str], list[tuple[int, str, str, str]]]:
    """A ``SELECT`` of each store's time zone, the end of its report day as UTC text (exact,
    from zoneinfo; ``cutoff=False``: after every purchase) and its UTC offset that day as
    SQLite date() modifiers (SQLite has no zone data); its values go into ``params``. Each
    store has a number (its scope in ``an_activity``: small integers sort and group faster
    than ids); 0 is every store. Also the signature ``(no, store, zone, offset)`` of the
    numbering (the offset only on SQLite: on PostgreSQL the zone's rules apply)."""
    selects = []
    numbers = {0: ALL}
    signature = [(0, "", "", "")]
    next_day = as_of + timedelta(days=1)
    rows = conn.execute(text("SELECT id, timezone FROM stores ORDER BY id")).all()
    for index, (store_id, zone_name) in enumerate(rows):
        if zone_problem(zone_name) is None:
            zone = ZoneInfo(str(zone_name))
        else:  # a row from before create_store checked zones: counted in UTC, and said so
            zone, zone_name = ZoneInfo("UTC"), "UTC"  # (:func:`zone_problems`)
        midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
        offset = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=zone).utcoffset()
        minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
        params.update({f"zs{index}": str(store_id), f"zz{index}": str(zone_name),
                       f"zf{index}": f"{minutes:+d} minutes",
                       f"zb{index}": f"{-minutes:+d} minutes",
                       f"zc{index}": _utc_text(midnight) if cutoff else NO_CUTOFF,
                       f"zn{index}": index + 1})
        numbers[index + 1] = str(store_id)
        shift = "" if conn.dialect.name == "postgresql" else f"{minutes:+d} minutes"
        signature.append((index + 1, str(store_id), str(zone_name), shift))
        selects.append(f"SELECT :zs{index} AS store_id, :zz{index} AS timezone, "
                       f":zf{index} AS shift, :zb{index} AS back, :zc{index} AS cutoff, "
                       f"CAST(:zn{index} AS INTEGER) AS no")
    if not selects:
        return ("SELECT '' AS store_id, 'UTC' AS timezone, '+0 minutes' AS shift, "
                "'+0 minutes' AS back, '' AS cutoff, 0 AS no WHERE 1 = 0"), numbers, signature
    return " UNION ALL ".join(selects), numbers, signature


def zone_problems(conn: Connection) -> list[str]:
    """Plain lines for what the reports could not use as it is: each store whose time zone
    is not a known zone (stored before ``create_store`` refused such names; its days are
    counted in UTC until it is fixed), and the members whose enrolment day is not a date
    (left out of the activity reports)."""
    problems = [f"store {name} ({store_id}): {problem}; its days are counted in UTC"
                for store_id, name, zone in conn.execute(text(
                    "SELECT id, name, timezone FROM stores ORDER BY id"))
                if (problem := zone_problem(zone)) is not None]
    enrolled = _dialect(conn)["enrolled"]
    count, example = conn.execute(text(
        f"SELECT count(*), min(m.id) FROM members m WHERE {enrolled} IS NULL")).one()
    if count:
        problems.append(f"{count} member(s) have an enrolment day that is not a date (e.g. "
                        f"{example}): left out of the rfm, lifecycle and retention reports")
    return problems


SOURCES = ("facts", "events")


def _fresh_summaries(conn: Connection, by_member: bool) -> int:
    """``an_sum``: each ``member_sales`` row of a known store and member enrolled by the
    report day, ``stale`` when it is not exact for this report (a purchase after the end of
    the report day, or another ``return_from``): those are summed again from the facts.
    ``by_member``: for a few members (PostgreSQL: read by key, not scanned). Returns the
    number of stale rows."""
    pg = conn.dialect.name == "postgresql"
    rows = ("an_thresholds r CROSS JOIN LATERAL (SELECT * FROM member_sales x "
            "WHERE x.member_id = r.member_id OFFSET 0) s "
            "JOIN an_zones z ON z.store_id = s.store_id AND r.timezone = z.timezone"
            if pg and by_member else
            "member_sales s JOIN an_zones z ON z.store_id = s.store_id "
            "JOIN an_thresholds r ON r.member_id = s.member_id AND r.timezone = z.timezone")
    conn.execute(text("DROP TABLE IF EXISTS an_sum"))
    conn.execute(text(f"""
        CREATE TEMP TABLE an_sum AS
        SELECT s.member_id AS member_id, s.store_id AS store_id, z.no AS store_no,
               z.timezone AS timezone, z.shift AS shift, s.purchases AS purchases,
               s.spend AS spend, s.last_at AS last_at, s.return_at AS return_at,
               CASE WHEN s.last_at < z.cutoff AND s.return_from = r.return_from THEN 0 ELSE 1
               END AS stale
        FROM {rows}"""))
    if pg:
        conn.execute(text("ANALYZE an_sum"))
    return int(conn.execute(text("SELECT count(*) FROM an_sum WHERE stale = 1")).scalar()
               or 0)


# stale summaries up to this many are summed from their facts read by key (PostgreSQL),
# more in one scan of the facts
FEW_STALE = 100_000


def _per_member(d: dict[str, str], source: str, by_key: bool = False) -> str:
    """The sales grouped per member and store, before the report day's end: from
    ``member_sales`` (``an_sum``) and, for its stale rows, ``sale_facts`` (folded, voids
    already removed); or the full scan of ``events`` (the original path, kept to check the
    facts against)."""
    if source == "facts":
        facts = ("CROSS JOIN LATERAL (SELECT * FROM sale_facts x WHERE x.member_id = "
                 "st.member_id AND x.store_id = st.store_id AND st.stale = 1 OFFSET 0) f"
                 if by_key else
                 "JOIN sale_facts f ON f.member_id = st.member_id AND f.store_id = st.store_id")
        return f"""
        SELECT member_id, store_no, timezone, shift, purchases, spend, last_at, return_at
        FROM an_sum WHERE stale = 0
        UNION ALL
        SELECT f.member_id AS member_id, z.no AS store_no, z.timezone AS timezone,
               z.shift AS shift, count(*) AS purchases, sum(f.amount) AS spend,
               max(f.t) AS last_at, min(CASE WHEN f.t >= r.return_from THEN f.t END) AS return_at
        FROM an_sum st
        {facts}
        JOIN an_zones z ON z.store_id = f.store_id
        JOIN an_thresholds r ON r.member_id = f.member_id AND r.timezone = z.timezone
        WHERE st.stale = 1 AND f.t < z.cutoff
        GROUP BY f.member_id, z.no, z.timezone, z.shift"""
    t = d["t"]
    return f"""
        SELECT e.member_id AS member_id, z.no AS store_no, z.timezone AS timezone,
               z.shift AS shift, count(*) AS purchases,
               sum(COALESCE({d['amount']}, 0)) AS spend, max({t}) AS last_at,
               min(CASE WHEN {t} >= r.return_from THEN {t} END) AS return_at
        FROM events e
        JOIN an_zones z ON z.store_id = e.store_id
        JOIN an_thresholds r ON r.member_id = e.member_id AND r.timezone = z.timezone
        WHERE e.kind = 'sale' AND {t} < z.cutoff
          AND e.id NOT IN (SELECT {d['voided']} FROM events v
                           WHERE v.kind = 'void' AND {d['voided']} IS NOT NULL
                             AND {booked_only('v')})
        GROUP BY e.member_id, z.no, z.timezone, z.shift"""


def fold_facts(conn: Connection, as_of: date, refresh: bool = True) -> dict[str, Any]:
    """Fold the events pushed since the last run into the facts (the first run: all), then
    rewrite the ``member_activity`` rows of the members it touched (``activity``: how many;
    -1: all, as after a backfill)."""
    params: dict[str, Any] = {}
    zones, _numbers, _signature = _zones(conn, as_of, params)
    folded = fold(conn, zones, params)
    if refresh:
        folded["activity"] = refresh_activity(conn, as_of)
    return folded


def _prepare(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # the ranking sorts in memory, and the sales are grouped by member in a hash table
        # (up to 4 × work_mem) instead of sorting millions of them first
        conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        conn.execute(text("SET LOCAL hash_mem_multiplier = 4"))


def _activity_select(conn: Connection, as_of: date, zones: str, params: dict[str, Any],
                     source: str, which: str | None, stored: bool) -> str:
    """Create the small tables the activity reads (``an_zones``, ``an_members``: every
    member, or those in the temporary table ``which``; ``an_thresholds``; ``an_sum``) and
    return the ``SELECT`` of the activity rows: per member and scope, purchases, spend and
    the days (since 1970-01-01) of enrolment, last purchase and first return. ``stored``:
    every member and every folded purchase (``member_activity``); otherwise the members
    enrolled by ``as_of`` and their purchases before its end (``zones`` with cutoffs)."""
    d = _dialect(conn)
    pg = conn.dialect.name == "postgresql"
    params["as_of"] = as_of.isoformat()
    # small tables, analysed, so that PostgreSQL plans the join of the sales with them
    # knowing their sizes; members enrolled after the report day did not exist yet
    for table in ("an_zones", "an_members", "an_thresholds"):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    conn.execute(text(f"CREATE TEMP TABLE an_zones AS {zones}"), params)
    conditions = [] if stored else ["m.enrolled_on <= :as_of"]
    if which is not None:
        conditions.append(f"m.id IN (SELECT member_id FROM {which})")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    members = "members"
    if which is not None:
        conn.execute(text(f"""
            CREATE TEMP TABLE an_members AS
            SELECT m.id AS id, m.enrolled_on AS enrolled_on, m.store_id AS store_id
            FROM members m {where}"""), params)
        members = "an_members"
    conn.execute(text(f"""
        CREATE TEMP TABLE an_thresholds AS
        SELECT m.id AS member_id, z.timezone AS timezone, {d['return_from']} AS return_from
        FROM {members} m CROSS JOIN (SELECT DISTINCT timezone, back FROM an_zones) z
        {'' if which is not None else where}"""), params)
    if pg:
        conn.execute(text("ANALYZE an_zones"))
        conn.execute(text("ANALYZE an_thresholds"))
        if which is not None:
            conn.execute(text("ANALYZE an_members"))
    by_key = False
    if source == "facts":
        stale = _fresh_summaries(conn, by_member=which is not None)
        by_key = pg and stale <= FEW_STALE
    enrolled = d["enrolled"]
    # a member whose enrolment day is not a date (as an enrolling terminal sent it) has no
    # activity row: it is in no report, and the reports say how many (zone_problems)
    final = f"WHERE {d['day'].format(x=enrolled)} IS NOT NULL"
    if not stored and which is None:
        final += " AND m.enrolled_on <= :as_of"
    return f"""
    WITH per AS ({_per_member(d, source, by_key)}
    ), days AS (
        SELECT member_id, store_no, purchases, spend,
               {d['local'].format(x='last_at')} AS last_day,
               {d['local'].format(x='return_at')} AS first_return
        FROM per
    ), scoped AS (
        SELECT 0 AS scope, m.id AS member_id, m.enrolled_on AS enrolled_on,
               sum(p.purchases) AS purchases, sum(p.spend) AS spend,
               max(p.last_day) AS last_day, min(p.first_return) AS first_return
        FROM {members} m LEFT JOIN days p ON p.member_id = m.id
        GROUP BY m.id, m.enrolled_on
        UNION ALL
        SELECT p.store_no, p.member_id, m.enrolled_on, p.purchases, p.spend, p.last_day,
               p.first_return
        FROM days p JOIN {members} m ON m.id = p.member_id
        UNION ALL
        SELECT z.no, m.id, m.enrolled_on, 0, 0, NULL, NULL
        FROM {members} m JOIN an_zones z ON z.store_id = m.store_id
        WHERE NOT EXISTS (
            SELECT 1 FROM days p WHERE p.member_id = m.id AND p.store_no = z.no)
    )
    SELECT scope, member_id, substr(enrolled_on, 1, 7) AS month,
           {d['day'].format(x=enrolled)} AS enrolled_day,
           CAST(COALESCE(purchases, 0) AS BIGINT) AS purchases,
           CAST(COALESCE(spend, 0) AS BIGINT) AS spend,
           {d['day'].format(x='last_day')} AS last_day,
           {d['day'].format(x='first_return')} AS first_return
    FROM scoped m {final}"""


COLUMNS = "scope, member_id, month, enrolled_day, purchases, spend, last_day, first_return"


def build_activity(conn: Connection, as_of: date, source: str = "facts",
                   which: str | None = None) -> dict[int, str]:
    """(Re)create the temporary ``an_activity`` table for ``as_of`` (every member enrolled
    by then, or those in the temporary table ``which``) from ``source``: ``"facts"``
    (``sale_facts`` and ``member_sales``, as the last fold left them) or ``"events"`` (the
    full scan). Returns the scope numbers: 0 for all stores, then one per store.

    Per sale only text is compared: against the end of the report day in the store's zone
    (``an_zones.cutoff``) and against the end of the member's enrolment day in that zone
    (``an_thresholds.return_from``: from then on a purchase is a return).
    """
    _prepare(conn)
    params: dict[str, Any] = {}
    zones, numbers, _signature = _zones(conn, as_of, params)
    sql = _activity_select(conn, as_of, zones, params, source, which, stored=False)
    conn.execute(text("DROP TABLE IF EXISTS an_activity"))
    conn.execute(text(f"CREATE TEMP TABLE an_activity AS {sql}"), params)
    return numbers


def refresh_activity(conn: Connection, as_of: date) -> int:
    """Bring ``member_activity`` up to date after a fold: the rows of the members the fold
    touched (``af_members``) and of members new since, or every row when the stores (their
    numbers or zones; on SQLite the zones' offset on ``as_of``) differ from those it was
    computed with (``activity_zones``; also after a backfill, which empties both). Returns
    the number of members whose rows were rewritten (-1: all of them)."""
    _prepare(conn)
    pg = conn.dialect.name == "postgresql"
    params: dict[str, Any] = {}
    zones, _numbers, signature = _zones(conn, as_of, params, cutoff=False)
    kept = [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(text(
        "SELECT no, store_id, timezone, shift FROM activity_zones ORDER BY no"))]
    conn.execute(text("DROP TABLE IF EXISTS an_which"))
    everyone = kept != signature
    if everyone:
        conn.execute(text("DELETE FROM member_activity"))
        conn.execute(text("DELETE FROM activity_zones"))
        conn.execute(text("INSERT INTO activity_zones (no, store_id, timezone, shift) "
                          "VALUES (:no, :store, :zone, :shift)"),
                     [{"no": n, "store": s, "zone": z, "shift": f} for n, s, z, f in signature])
        which = None
    else:
        touched = ("SELECT member_id FROM af_members UNION "
                   if conn.execute(text("SELECT 1 FROM af_members LIMIT 1")).first() else "")
        # members enrolled since (every member has a row of scope 0)
        conn.execute(text(f"""
            CREATE TEMP TABLE an_which AS {touched}
            SELECT m.id AS member_id FROM members m
            WHERE NOT EXISTS (SELECT 1 FROM member_activity a
                              WHERE a.member_id = m.id AND a.scope = 0)"""))
        if pg:
            conn.execute(text("ANALYZE an_which"))
        count = int(conn.execute(text("SELECT count(*) FROM an_which")).scalar() or 0)
        if count == 0:
            return 0
        conn.execute(text("DELETE FROM member_activity "
                          "WHERE member_id IN (SELECT member_id FROM an_which)"))
        which = "an_which"
    sql = _activity_select(conn, as_of, zones, params, "facts", which, stored=True)
    conn.execute(text(f"INSERT INTO member_activity ({COLUMNS}) {sql}"), params)
    if pg and everyone:
        conn.execute(text("ANALYZE member_activity"))
    return -1 if everyone else count


def _stored_usable(conn: Connection, as_of: date) -> bool:
    """Whether ``member_activity`` was computed with the stores as numbered and zoned for
    ``as_of`` (see :func:`refresh_activity`)."""
    params: dict[str, Any] = {}
    _zones_sql, _numbers, signature = _zones(conn, as_of, params, cutoff=False)
    kept = [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(text(
        "SELECT no, store_id, timezone, shift FROM activity_zones ORDER BY no"))]
    return kept == signature


def activity(conn: Connection, as_of: date, store_id: str | None = None,
             source: str = "facts") -> tuple[str, dict[str, Any], dict[int, str]]:
    """The activity rows the reports read for ``as_of``, as a parenthesised ``SELECT`` (with
    its parameters) of ``scope, member_id, month, age, purchases, spend, idle,
    return_after``, and the scope numbers.

    From ``source="facts"``: the rows of ``member_activity`` (enrolled by ``as_of``) where
    they are exact for it, i.e. of members without a purchase after the end of ``as_of``
    (found through ``member_sales (store_id, last_at)``); the others' rows are computed
    for ``as_of`` from the facts (``an_activity``). When the stored rows were computed with
    other stores or zones, every row is. ``source="events"``: all from the full scan."""
    params: dict[str, Any] = {"asof_day": (as_of - date(1970, 1, 1)).days}
    zones_params: dict[str, Any] = {}
    zones, numbers, _signature = _zones(conn, as_of, zones_params)
    stored = _source(source) == "facts" and _stored_usable(conn, as_of)
    parts = []
    if stored:
        _prepare(conn)
        for table in ("an_zones", "an_stale"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(text(f"CREATE TEMP TABLE an_zones AS {zones}"), zones_params)
        sales = ("CROSS JOIN LATERAL (SELECT x.member_id FROM member_sales x "
                 "WHERE x.store_id = z.store_id AND x.last_at >= z.cutoff OFFSET 0) s"
                 if conn.dialect.name == "postgresql" else
                 "JOIN member_sales s ON s.store_id = z.store_id AND s.last_at >= z.cutoff")
        conn.execute(text(f"CREATE TEMP TABLE an_stale AS SELECT DISTINCT s.member_id "
                          f"AS member_id FROM an_zones z {sales}"))
        stale = conn.execute(text("SELECT 1 FROM an_stale LIMIT 1")).first() is not None
        kept = "SELECT * FROM member_activity WHERE enrolled_day <= :asof_day"
        if stale:
            build_activity(conn, as_of, "facts", which="an_stale")
            kept += " AND member_id NOT IN (SELECT member_id FROM an_stale)"
            parts = [kept, "SELECT * FROM an_activity"]
        else:
            parts = [kept]
    else:
        build_activity(conn, as_of, source)
        parts = ["SELECT * FROM an_activity"]
    rows = " UNION ALL ".join(f"SELECT {COLUMNS} FROM ({p}) p{i}" for i, p in enumerate(parts))
    where = ""
    if store_id is not None:
        where = "WHERE scope = :store"
        params["store"] = next((n for n, key in numbers.items() if key == store_id), -1)
    sql = (f"(SELECT scope, member_id, month, :asof_day - enrolled_day AS age, purchases, "
           f"spend, :asof_day - last_day AS idle, first_return - enrolled_day AS return_after "
           f"FROM ({rows}) r {where})")
    return sql, params, numbers


def drop_activity(conn: Connection) -> None:
    for table in ("an_activity", "an_sum", "an_thresholds", "an_zones", "an_members",
                  "an_which", "an_stale", "af_members"):
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


# --- the reports over an_activity -----------------------------------------------------------

def _scopes(conn: Connection, store_id: str | None) -> dict[str, str]:
    """The scopes a report covers, each with a display name."""
    if store_id is not None:
        name = conn.execute(text("SELECT name FROM stores WHERE id = :s"),
                            {"s": store_id}).scalar()
        if name is None:
            raise NotFound(f"No store {store_id}.", "unknown_store")
        return {store_id: str(name)}
    out = {ALL: "all stores"}
    out.update({str(i): str(n) for i, n in conn.execute(
        text("SELECT id, name FROM stores ORDER BY name, id"))})
    return out


def _ranks(column: str, order: str) -> str:
    """``rank() - 1`` of each distinct value of ``column`` per scope (the buyers before it
    in ``order``), from the counts per value (of ``g``): a few thousand groups to sort, not
    a row per member and scope."""
    return f"""
        SELECT scope, {column} AS v, CAST(sum(sum(c)) OVER (
                   PARTITION BY scope ORDER BY {column} {order}) - sum(c) AS BIGINT) AS before
        FROM g GROUP BY scope, {column}"""


def rfm_sql(act: str) -> str:
    """Quintiles as rank() - 1 (ties share the lower rank) × 5 // buyers + 1, per axis, over
    the activity rows ``act`` (see :func:`activity`), read once: the buyers are first
    counted per scope, recency, frequency and spend (a fifth as many groups as rows), and
    the ranks and scores computed from those counts."""
    return f"""
    WITH g AS (SELECT scope, idle, purchases, spend, count(*) AS c FROM {act} x
               WHERE idle IS NOT NULL GROUP BY scope, idle, purchases, spend),
         n AS (SELECT scope, CAST(sum(c) AS BIGINT) AS n FROM g GROUP BY scope),
         rr AS ({_ranks('idle', 'DESC')}),
         rf AS ({_ranks('purchases', 'ASC')}),
         rm AS ({_ranks('spend', 'ASC')}),
         b AS (
            SELECT a.scope AS scope, rr.before * 5 / n.n + 1 AS r,
                   rf.before * 5 / n.n + 1 AS f, rm.before * 5 / n.n + 1 AS m, a.c AS c
            FROM g a
            JOIN n ON n.scope = a.scope
            JOIN rr ON rr.scope = a.scope AND rr.v = a.idle
            JOIN rf ON rf.scope = a.scope AND rf.v = a.purchases
            JOIN rm ON rm.scope = a.scope AND rm.v = a.spend)
    SELECT scope, r, f, m, CAST(sum(c) AS BIGINT) FROM b GROUP BY scope, r, f, m"""


def rfm_report(conn: Connection, scopes: dict[str, str], numbers: dict[int, str],
               act: str, params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scope in scopes:
        out[scope] = {"members": 0, "buyers": 0, "segments": dict.fromkeys(SEGMENTS, 0),
                      "scores": {axis: {str(s): 0 for s in range(1, 6)}
                                 for axis in ("recency", "frequency", "monetary")}}
    rows = conn.execute(text(rfm_sql(act)), params)
    for scope, r, f, m, count in rows:
        entry = out.get(numbers.get(int(scope), ""))
        if entry is None:
            continue
        count = int(count)
        entry["buyers"] += count
        entry["segments"][segment_of(int(r), int(f))] += count
        for axis, score in (("recency", r), ("frequency", f), ("monetary", m)):
            entry["scores"][axis][str(int(score))] += count
    for scope, total, never in conn.execute(text(
            "SELECT scope, count(*), sum(CASE WHEN idle IS NULL THEN 1 ELSE 0 END) "
            f"FROM {act} x GROUP BY scope"), params):
        entry = out.get(numbers.get(int(scope), ""))
        if entry is not None:
            entry["members"] = int(total)
            entry["segments"]["never_bought"] = int(never or 0)
    return out


def lifecycle_report(conn: Connection, scopes: dict[str, str], numbers: dict[int, str],
                     limits: Thresholds, act: str, params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {s: {stage.value: 0 for stage in lifecycle.Stage} for s in scopes}
    rows = conn.execute(text(f"""
        SELECT scope, stage, count(*) FROM (
            SELECT scope, CASE
                WHEN idle IS NULL THEN CASE WHEN age <= :new THEN 'new' ELSE 'dormant' END
                WHEN idle <= :dormant THEN 'active'
                WHEN idle <= :churned THEN 'dormant'
                ELSE 'churned' END AS stage
            FROM {act} x) staged
        GROUP BY scope, stage"""), {"new": limits.new_days, "dormant": limits.dormant_days,
                                    "churned": limits.churned_days, **params})
    for scope, stage, count in rows:
        key = numbers.get(int(scope), "")
        if key in out:
            out[key][str(stage)] = int(count)
    return out


def _rate(rate: Rate) -> dict[str, Any]:
    return {"part": rate.part, "whole": rate.whole, "percent": rate.percent()}


def retention_report(conn: Connection, scopes: dict[str, str], numbers: dict[int, str],
                     act: str, params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {s: [] for s in scopes}
    columns = ", ".join(
        f"sum(CASE WHEN age >= {h} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN age >= {h} AND return_after <= {h} THEN 1 ELSE 0 END)"
        for h in HORIZONS)
    rows = conn.execute(text(f"SELECT scope, month, count(*), {columns} FROM {act} x "
                             "GROUP BY scope, month ORDER BY scope, month"), params)
    for scope, month, members, *counts in rows:
        key = numbers.get(int(scope), "")
        if key not in out:
            continue
        cohort: dict[str, Any] = {"month": str(month), "members": int(members)}
        for index, horizon in enumerate(HORIZONS):
            eligible, returned = int(counts[2 * index] or 0), int(counts[2 * index + 1] or 0)
            cohort[f"d{horizon}"] = _rate(Rate(returned, eligible))
        out[key].append(cohort)
    return out


def _programme_units(conn: Connection) -> tuple[int, int]:
    defaults = Rules()
    programme = service.get_config(conn, "programme")
    rules = programme.get("rules", programme) if isinstance(programme, dict) else {}
    points = rules.get("redeem_points_unit", defaults.redeem_points_unit)
    value = rules.get("redeem_value_unit", defaults.redeem_value_unit)
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        points = defaults.redeem_points_unit
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        value = defaults.redeem_value_unit
    return points, value


def redemption_report(conn: Connection, scopes: dict[str, str]) -> dict[str, Any]:
    """Points issued vs redeemed (the shop accounts, kept per terminal) and what members
    hold (per home store)."""
    issued_acc, redeemed_acc = ShopAccount.POINTS_ISSUED.value, ShopAccount.POINTS_REDEEMED.value
    shop: dict[str, dict[str, int]] = {s: {issued_acc: 0, redeemed_acc: 0} for s in scopes}
    held: dict[str, dict[str, int]] = {s: {} for s in scopes}
    params = {"issued": issued_acc, "redeemed": redeemed_acc, "points": Asset.POINTS.value}
    for scope, account, total in conn.execute(text(f"""
            SELECT '{ALL}', account, sum(balance) FROM balances
            WHERE account IN (:issued, :redeemed) AND asset = :points GROUP BY account
            UNION ALL
            SELECT t.store_id, b.account, sum(b.balance) FROM balances b
            JOIN terminals t ON t.id = b.shard
            WHERE b.account IN (:issued, :redeemed) AND b.asset = :points
            GROUP BY t.store_id, b.account"""), params):
        if str(scope) in shop:
            shop[str(scope)][str(account)] = int(total or 0)
    for scope, asset, total in conn.execute(text(f"""
            SELECT '{ALL}', asset, sum(balance) FROM balances
            WHERE account LIKE 'member:%' GROUP BY asset
            UNION ALL
            SELECT m.store_id, b.asset, sum(b.balance) FROM balances b
            JOIN members m ON b.account = 'member:' || m.id
            WHERE b.account LIKE 'member:%' AND m.store_id IS NOT NULL
            GROUP BY m.store_id, b.asset""")):
        if str(scope) in held:
            held[str(scope)][str(asset)] = int(total or 0)
    points_unit, value_unit = _programme_units(conn)
    out: dict[str, Any] = {}
    for scope in scopes:
        issued, redeemed = -shop[scope][issued_acc], shop[scope][redeemed_acc]
        owed = Liability.of(held[scope].get(Asset.STORED_VALUE.value, 0),
                            held[scope].get(Asset.POINTS.value, 0), points_unit, value_unit)
        out[scope] = {"points_issued": issued, "points_redeemed": redeemed,
                      "redemption_rate": _rate(redemption_rate(issued, redeemed)),
                      "stored_value": owed.stored_value, "points": owed.points,
                      "points_value": owed.points_value}
    return out


# --- entry points ----------------------------------------------------------------------------

def _run(conn: Connection, name: str, scopes: dict[str, str], numbers: dict[int, str],
         limits: Thresholds, act: str, params: dict[str, Any]) -> Any:
    if name == "rfm":
        return rfm_report(conn, scopes, numbers, act, params)
    if name == "lifecycle":
        return lifecycle_report(conn, scopes, numbers, limits, act, params)
    if name == "retention":
        return retention_report(conn, scopes, numbers, act, params)
    return redemption_report(conn, scopes)


def _source(source: str) -> str:
    if source not in SOURCES:
        raise BadRequest(f"No analytics source {source!r} (one of: {', '.join(SOURCES)}).")
    return source


def report(conn: Connection, name: str, *, store_id: str | None = None,
           as_of: date | None = None, limits: Thresholds | None = None,
           source: str = "facts") -> dict[str, Any]:
    """One report, computed now: ``{"report", "as_of", "stores", "scopes": {scope: …}}``.
    From the facts (folded first: the events pushed since the last fold), or with
    ``source="events"`` the full scan of the events."""
    if name not in REPORTS:
        raise NotFound(f"No report {name!r} (one of: {', '.join(REPORTS)}).", "unknown_report")
    day = as_of or datetime.now(UTC).date()
    limits = limits or Thresholds()
    scopes = _scopes(conn, store_id)
    numbers: dict[int, str] = {}
    act, params = "", dict[str, Any]()
    if name != "redemption":
        if _source(source) == "facts":
            fold_facts(conn, day)
        act, params, numbers = activity(conn, day, store_id, source)
    try:
        body = _run(conn, name, scopes, numbers, limits, act, params)
    finally:
        drop_activity(conn)
    out: dict[str, Any] = {"report": name, "as_of": day.isoformat(), "stores": scopes,
                           "scopes": body}
    if name == "lifecycle":
        out["thresholds"] = {"new_days": limits.new_days, "dormant_days": limits.dormant_days,
                             "churned_days": limits.churned_days}
    if problems := zone_problems(conn):
        out["problems"] = problems
    return out


BACKFILL_NOTE = ("first run: the analytics facts were backfilled from every event (a full "
                 "fold); later runs fold only the events pushed since")


REBUILT_NOTE = ("the member activity was computed again for every member (the first run "
                "after migration 0004, or the stores or their zones changed)")


def nightly(conn: Connection, as_of: date | None = None, limits: Thresholds | None = None,
            clock: Callable[[], float] = time.perf_counter,
            source: str = "facts") -> dict[str, Any]:
    """Every report over every scope from the same activity rows; ``seconds`` has the wall
    time of each step: ``fold`` (the events pushed since the last run into ``sale_facts``;
    the first run folds them all), ``activity`` (the ``member_activity`` rows of the members
    the fold touched, and the members with purchases after the report day; the full scan:
    the whole activity table) and each report. ``source="events"``: the full scan of the
    events instead (no fold)."""
    day = as_of or datetime.now(UTC).date()
    limits = limits or Thresholds()
    scopes = _scopes(conn, None)
    seconds: dict[str, float] = {}
    start = clock()
    folded: dict[str, Any] | None = None
    if _source(source) == "facts":
        folded = fold_facts(conn, day, refresh=False)
        seconds["fold"] = clock() - start
    step = clock()
    if folded is not None:
        folded["activity"] = refresh_activity(conn, day)
    act, params, numbers = activity(conn, day, source=source)
    seconds["activity"] = clock() - step
    reports: dict[str, Any] = {}
    try:
        for name in REPORTS:
            step = clock()
            reports[name] = _run(conn, name, scopes, numbers, limits, act, params)
            seconds[name] = clock() - step
    finally:
        drop_activity(conn)
    seconds["total"] = clock() - start
    out: dict[str, Any] = {"as_of": day.isoformat(), "stores": scopes, "reports": reports,
                           "seconds": seconds, "source": source}
    if folded is not None:
        out["fold"] = folded
        if folded["backfill"]:
            out["note"] = BACKFILL_NOTE
        elif folded["activity"] == -1:
            out["note"] = REBUILT_NOTE
    if problems := zone_problems(conn):
        out["problems"] = problems
    return out


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{value!r} is not a date (YYYY-MM-DD).") from None


def render(result: dict[str, Any]) -> list[str]:
    """A report as plain lines for the terminal (the admin CLI without ``--json``)."""
    name, stores = result["report"], result["stores"]
    lines = [f"{name} report, {result['as_of']}"]
    if name == "lifecycle":
        limits = result["thresholds"]
        lines[0] += (f" (new ≤ {limits['new_days']} days without a purchase, active ≤ "
                     f"{limits['dormant_days']}, dormant ≤ {limits['churned_days']} days idle)")
    for scope, body in result["scopes"].items():
        lines.append(f"{stores.get(scope, scope)} ({scope})")
        if name == "rfm":
            lines.append(f"  members {body['members']:,}  buyers {body['buyers']:,}")
            lines += [f"  {seg:<16} {count:>10,}" for seg, count in body["segments"].items()]
        elif name == "lifecycle":
            lines += [f"  {stage:<8} {count:>10,}" for stage, count in body.items()]
        elif name == "retention":
            lines.append(f"  {'month':<8} {'members':>9} {'D1':>7} {'D7':>7} {'D30':>7}")
            lines += [f"  {c['month']:<8} {c['members']:>9,} {c['d1']['percent']:>7} "
                      f"{c['d7']['percent']:>7} {c['d30']['percent']:>7}" for c in body]
        else:
            lines += [f"  points issued {body['points_issued']:,}  redeemed "
                      f"{body['points_redeemed']:,}  rate {body['redemption_rate']['percent']}",
                      f"  stored value owed {body['stored_value']:,}  points outstanding "
                      f"{body['points']:,} (worth {body['points_value']:,})"]
    lines += [f"problem: {problem}" for problem in result.get("problems", [])]
    return lines

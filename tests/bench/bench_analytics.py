"""Nightly analytics benchmark (PostgreSQL): `.venv/bin/python tests/bench/bench_analytics.py`.

Generates members and events (with postings and balances) directly in PostgreSQL with
set-based SQL (``generate_series``) in a schema of its own, created by the server's real
migrations, in short transactions of 250,000 events each (the cluster is shared: a long
transaction holds back every pull feed), then measures, with a baseline measured in the same
run on the same data (one full scan ``SELECT count(*), sum(amount) FROM postings``):

(a) the first incremental run: the backfill (a fold of every event into the analytics
    facts, and of ``member_activity``) and the reports from them; with a kept schema, the
    fold of what is new (and ``member_activity``'s backfill if it is empty, as after
    migration 0004), the reports as of a day before the last day's sales;
(b) one further day of events (--day-events, pushed in short transactions as the generator
    writes them, with voids of already-folded sales), then the nightly: the fold of that day
    and the reports. This is the figure against the goal of 60 s;
(c) the full scan on the same data: :func:`sync.server.analytics.nightly` with
    ``source="events"`` (the old nightly), whose figures must equal (b)'s.

Events: one enrolment per member; the rest sales (the amount in the body, two points
postings: an accrual, or every 10th a redemption), 1 % top-ups (two stored-value postings)
and 1 % voids of the same till's previous event, a sale (the reversing postings). Each till's
events have seqs 1, 2, 3, … chained by prev_hash, the till's head at the last; balances are
summed per chunk as a push keeps them. The schema is dropped at the end (``--keep`` keeps
it; a run finding a kept schema of the same scale reuses its data and analytics tables
(``--refold``: empties them) and adds another day).

Options: --members N (1000000), --events N (10000000), --stores N (10), --day-events N
(16000), --day D (2026-12-01), --no-full-scan, --refold, --postgres-url URL
($LOYALTY_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test), --keep (keep the
schema).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from sync.server import analytics  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.migrate import upgrade  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
GOAL_SECONDS = 60.0
AS_OF = date(2026, 11, 30)
ENROL_SPAN = 700  # members enrol over 700 days from 2024-06-01 …
BUY_SPAN = 210  # … and buy within 210 days of enrolling (all before AS_OF)
CHUNK = 250_000  # events per transaction (short: the cluster is shared)


def schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44} {now - started:8.1f} s", flush=True)
    return now


SERIES = """
    SELECT i, j, kind, mem, dd, term, amount, spts,
           CASE kind WHEN 'void' THEN -spts WHEN 'sale' THEN spts ELSE 0 END AS pts
    FROM (
        SELECT i, j, kind,
               CASE WHEN i < %(members)s THEN i ELSE (j * 7919) %% %(members)s END AS mem,
               CASE WHEN i < %(members)s THEN 0 ELSE (j * 131) %% %(buy)s END AS dd,
               i %% %(terms)s AS term,
               100 + (j * 53) %% 4900 AS amount,
               CASE WHEN j %% 10 = 5 THEN -20 ELSE 2 + j %% 90 END AS spts
        FROM generate_series(CAST(%(lo)s AS bigint), CAST(%(hi)s AS bigint)) i
        CROSS JOIN LATERAL (
            SELECT CASE WHEN i < %(members)s THEN 'enrol' WHEN i %% 100 = 0 THEN 'top_up'
                        WHEN i %% 100 = 2 AND i - %(terms)s >= %(members)s
                             AND (i - %(terms)s) %% 100 NOT IN (0, 2) THEN 'void'
                        ELSE 'sale' END AS kind) k
        CROSS JOIN LATERAL (
            SELECT CASE WHEN k.kind = 'void' THEN i - %(terms)s ELSE i END AS j) jj) g"""
# event i is terminal i %% terms's event seq i / terms + 1 (each till's seqs 1, 2, 3, …, each
# event's prev_hash the hash of the till's previous one); enrolments are members' first
# events (member i at store i %% stores); a void (i %% 100 = 2) voids the same till's
# previous event, a sale; i %% 100 = 0 is a top-up; the rest are sales of member
# (i * 7919) %% members on a day within BUY_SPAN of its enrolment (or all on --day)
EVENT_SQL = """
    INSERT INTO events (id, terminal_id, seq, store_id, cashier_id, kind, member_id,
                        occurred_at, prev_hash, hash, body, received_at, result)
    SELECT 'e' || i, 't' || term, i / %(terms)s + 1, 's' || (term %% %(stores)s), 'cashier',
           kind, 'm' || mem,
           to_char(COALESCE(CAST(%(day)s AS date),
                            date '2024-06-01' + CAST(mem %% %(span)s + dd AS integer))::timestamp
                   + make_interval(secs => (j * 37) %% 86000
                                           + CASE kind WHEN 'void' THEN 60 ELSE 0 END),
                   'YYYY-MM-DD"T"HH24:MI:SS') || '.000000Z',
           CASE WHEN i >= %(terms)s THEN md5('h' || (i - %(terms)s)) || md5('k' || (i - %(terms)s))
                ELSE repeat('0', 64) END,
           md5('h' || i) || md5('k' || i),
           CASE kind
             WHEN 'enrol' THEN '{"bonus_points":0,"member_id":"m' || mem || '"}'
             WHEN 'void' THEN '{"member_id":"m' || mem || '","reason":"","voided_event_id":"e'
                              || j || '","voided_kind":"sale"}'
             WHEN 'top_up' THEN '{"amount":500,"member_id":"m' || mem || '"}'
             ELSE '{"amount":' || amount || ',"member_id":"m' || mem || '",'
                  || CASE WHEN spts < 0 THEN '"points_redeemed":' || -spts
                          ELSE '"points_earned":' || spts END || '}' END,
           COALESCE(%(received)s, '2026-11-30T00:00:00.000000Z'),
           '{"flags":[],"status":"applied"}'
    FROM bench_g"""
# two postings per event but enrolments: points for a sale (an accrual, or every 10th a
# redemption) and their reversal for its void, stored value for a top-up
POSTINGS = """
    SELECT i, term, 'member:m' || mem AS account,
           CASE WHEN kind = 'top_up' THEN 'stored_value' ELSE 'points' END AS asset,
           CASE WHEN kind = 'top_up' THEN 500 ELSE pts END AS amount, false AS shop
    FROM bench_g WHERE kind <> 'enrol'
    UNION ALL
    SELECT i, term, CASE WHEN kind = 'top_up' THEN 'shop:stored_value_float'
                         WHEN spts < 0 THEN 'shop:points_redeemed'
                         ELSE 'shop:points_issued' END,
           CASE WHEN kind = 'top_up' THEN 'stored_value' ELSE 'points' END,
           CASE WHEN kind = 'top_up' THEN -500 ELSE -pts END, true
    FROM bench_g WHERE kind <> 'enrol'"""
POSTING_SQL = """
    INSERT INTO postings (event_id, account, asset, amount, lot, expires_on)
    SELECT 'e' || i, account, asset, amount, NULL, NULL FROM (""" + POSTINGS + """) x
    ORDER BY i, shop"""
# the balances as a push keeps them: members' accounts (shard ''), the shop's per terminal
BALANCE_SQL = """
    INSERT INTO balances (account, asset, shard, balance, held)
    SELECT account, asset, CASE WHEN shop THEN 't' || term ELSE '' END, sum(amount), 0
    FROM (""" + POSTINGS + """) x GROUP BY 1, 2, 3
    ON CONFLICT (account, asset, shard) DO UPDATE SET balance = balances.balance
                                                               + excluded.balance"""
HEAD_SQL = """
    UPDATE terminals SET head_seq = last / %(terms)s + 1,
                         head_hash = md5('h' || last) || md5('k' || last)
    FROM (SELECT k, %(hi)s - ((%(hi)s - k) %% %(terms)s) AS last
          FROM generate_series(0, %(terms)s - 1) k WHERE k <= %(hi)s) h
    WHERE terminals.id = 't' || h.k"""
# the bulk tables are generated without WAL and stay so (SET LOGGED would rewrite them in one
# long transaction): reading them is the same; the analytics' own tables are logged
UNLOGGED = ("events", "postings", "balances")
# the events' indexes are dropped while generating (their text keys cost more to keep up row
# by row than to sort once) and built at the end without holding a transaction open:
# (name, how to drop it, how to build it again)
LATE_INDEXES = (
    ("events_pkey", "ALTER TABLE events DROP CONSTRAINT events_pkey",
     ("CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON events (id)",
      "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey")),
    ("uq_events_terminal_seq", "ALTER TABLE events DROP CONSTRAINT uq_events_terminal_seq",
     ("CREATE UNIQUE INDEX CONCURRENTLY uq_events_terminal_seq ON events (terminal_id, seq)",
      "ALTER TABLE events ADD CONSTRAINT uq_events_terminal_seq "
      "UNIQUE USING INDEX uq_events_terminal_seq")),
    ("ix_postings_event_id", "DROP INDEX ix_postings_event_id",
     ("CREATE INDEX CONCURRENTLY ix_postings_event_id ON postings (event_id)",)),
)


def add_events(conn: psycopg.Connection[tuple[object, ...]], params: dict[str, object],
               lo: int, hi: int, day: date | None = None) -> None:
    """Events lo..hi (inclusive) with their postings, the balances and the tills' heads, in
    ONE short transaction (as a push writes them)."""
    values = {**params, "lo": lo, "hi": hi, "day": day.isoformat() if day else None,
              "received": f"{day.isoformat()}T23:00:00.000000Z" if day else None}
    conn.execute("CREATE TEMP TABLE bench_g ON COMMIT DROP AS " + SERIES, values)
    conn.execute(EVENT_SQL, values)
    conn.execute(POSTING_SQL, values)
    conn.execute(BALANCE_SQL, values)
    conn.execute(HEAD_SQL, values)
    conn.commit()


def generate(conn: psycopg.Connection[tuple[object, ...]], members: int, events: int,
             stores: int) -> dict[str, float]:
    """Fill the (migrated, empty) schema; returns seconds per phase."""
    times: dict[str, float] = {}
    begin = t0 = time.perf_counter()
    conn.execute("""
        INSERT INTO stores (id, name, timezone, created_at)
        SELECT 's' || s, 'Store ' || s, 'Asia/Taipei', '2024-01-01T00:00:00.000000Z'
        FROM generate_series(0, %(stores)s - 1) s""", {"stores": stores})
    conn.execute("""
        INSERT INTO terminals (id, store_id, name, token_hash, code_hash, code_expires_at,
                               registered_at, head_seq, head_hash, created_at, terminal_number)
        SELECT 't' || t, 's' || (t %% %(stores)s), 'till ' || t, md5('t' || t), NULL, NULL,
               '2024-01-01T00:00:00.000000Z', 0, repeat('0', 64),
               '2024-01-01T00:00:00.000000Z', t + 1
        FROM generate_series(0, 2 * %(stores)s - 1) t""", {"stores": stores})
    conn.execute("""
        INSERT INTO members (id, card_number, name, phone, birthday, enrolled_on, tier,
                             store_id, hotlisted, hotlist_reason)
        SELECT 'm' || i, lpad(i::text, 12, '8'), 'Member ' || i, '', NULL,
               to_char(date '2024-06-01' + (i %% %(span)s), 'YYYY-MM-DD'), 'basic',
               's' || (i %% %(stores)s), false, ''
        FROM generate_series(0, %(members)s - 1) i""",
                 {"members": members, "stores": stores, "span": ENROL_SPAN})
    for _name, drop, _create in LATE_INDEXES:
        conn.execute(drop)
    for table in UNLOGGED:
        conn.execute(f"ALTER TABLE {table} SET UNLOGGED")
    conn.commit()
    t0 = step(f"stores, terminals, {members:,} members", t0)
    times["members"] = time.perf_counter() - begin
    params = bench_params(members, stores)
    for lo in range(0, events, CHUNK):
        add_events(conn, params, lo, min(lo + CHUNK, events) - 1)
        if (lo + CHUNK) % 1_000_000 == 0 or lo + CHUNK >= events:
            t0 = step(f"events, postings, balances {min(lo + CHUNK, events):,}", t0)
    times["events"] = time.perf_counter() - begin - times["members"]
    conn.autocommit = True  # CREATE INDEX CONCURRENTLY: no transaction held for the build
    for name, _drop, create in LATE_INDEXES:
        for statement in create:
            conn.execute(statement)
        t0 = step(name, t0)
    conn.execute("ANALYZE")
    conn.autocommit = False
    step("ANALYZE", t0)
    times["indexes"] = time.perf_counter() - begin - times["members"] - times["events"]
    times["total"] = time.perf_counter() - begin
    return times


def bench_params(members: int, stores: int) -> dict[str, object]:
    return {"members": members, "stores": stores, "terms": 2 * stores, "span": ENROL_SPAN,
            "buy": BUY_SPAN}


def nightly(engine: Engine, day: date, source: str) -> dict[str, Any]:
    with engine.connect() as sa_conn, sa_conn.begin():
        return analytics.nightly(sa_conn, day, source=source)


def show(label: str, result: dict[str, Any], baseline: float) -> float:
    print(f"{label}:")
    for name, value in result["seconds"].items():
        print(f"  {name:<12} {value:8.2f} s  ({value / baseline:6.1f}× baseline)", flush=True)
    if "fold" in result:
        print(f"  fold: {result['fold']}")
    return float(result["seconds"]["total"])


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["reports"] == b["reports"] and a["stores"] == b["stores"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--day-events", type=int, default=16_000,
                        help="events of the further day (1 %% voids, 1 %% top-ups)")
    parser.add_argument("--no-full-scan", action="store_true",
                        help="skip the full scans of the events (the old nightly, which "
                             "also checks the facts' figures)")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("LOYALTY_TEST_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--keep", action="store_true",
                        help="keep the schema (a later run of the same scale reuses it)")
    parser.add_argument("--day", type=date.fromisoformat, default=AS_OF + timedelta(days=1),
                        help="the further day's date (default: the day after 2026-11-30; "
                             "with a kept schema, a day after those it already has)")
    parser.add_argument("--refold", action="store_true",
                        help="with a kept schema: empty the analytics tables, so that (a) "
                             "folds every event again (otherwise it folds what is new)")
    args = parser.parse_args(argv)
    if args.events < args.members:
        parser.error("--events must be at least --members (one enrolment each)")
    schema = f"bench_analytics_{args.members}_{args.events}"
    url = schema_url(args.postgres_url, schema)
    print(f"nightly analytics: {args.members:,} members, {args.events:,} events, "
          f"{args.stores} stores; schema {schema}", flush=True)
    with psycopg.connect(args.postgres_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = "
                               "%s AND table_name = 'balances'", (schema,)).fetchone()
        reuse = bool(exists) and bool(admin.execute(
            f"SELECT 1 FROM {schema}.balances LIMIT 1").fetchone())
        if not reuse:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.execute(f"CREATE SCHEMA {schema}")
    engine = make_engine(url, pool_size=2)
    full: dict[str, Any] = {}
    try:
        upgrade(engine)
        if reuse and args.refold:
            print("reusing the data a run with --keep generated (analytics facts emptied)")
            with psycopg.connect(url) as conn:
                conn.execute("TRUNCATE sale_facts, sale_voids, analytics_cursor")
        elif reuse:
            print("reusing the data and analytics tables a run with --keep left")
        else:
            print("generating (set-based SQL):", flush=True)
            with psycopg.connect(url) as conn:
                gen = generate(conn, args.members, args.events, args.stores)
            print(f"generation: {gen['total']:.1f} s (members {gen['members']:.1f} s, events "
                  f"with postings and balances {gen['events']:.1f} s, indexes and ANALYZE "
                  f"{gen['indexes']:.1f} s)")
        with psycopg.connect(url) as conn:
            sizes = conn.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('events')), "
                "pg_size_pretty(pg_total_relation_size('postings')), "
                "(SELECT count(*) FROM postings), (SELECT sum(head_seq) FROM terminals)"
            ).fetchone()
            assert sizes is not None
            print(f"events {sizes[0]} ({int(sizes[3]):,} rows), postings {sizes[1]} "
                  f"({int(sizes[2]):,} rows)")
            have = int(sizes[3])
            started = time.perf_counter()
            conn.execute("SELECT count(*), sum(amount) FROM postings").fetchone()
            baseline = time.perf_counter() - started
        print(f"baseline: SELECT count(*), sum(amount) FROM postings  {baseline:8.2f} s",
              flush=True)
        load = os.getloadavg()
        backfill = nightly(engine, AS_OF, "facts")
        show(f"(a) first run: backfill (a full fold, or of what is new and of member_activity "
             f"where empty) + reports, as of {AS_OF}", backfill, baseline)
        next_day = args.day
        started = time.perf_counter()
        with psycopg.connect(url) as conn:
            params = bench_params(args.members, args.stores)
            for lo in range(have, have + args.day_events, 4_000):
                add_events(conn, params, lo, min(lo + 4_000, have + args.day_events) - 1,
                           next_day)
            conn.execute("ANALYZE events")  # as autovacuum would after a day
            conn.commit()
        print(f"pushed a further day: {args.day_events:,} events on {next_day} "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
        night = nightly(engine, next_day, "facts")
        total = show(f"(b) nightly after that day (fold + reports), as of {next_day}", night,
                     baseline)
        load = max(load, os.getloadavg())
        if not args.no_full_scan:
            full = nightly(engine, next_day, "events")
            show(f"(c) full scan of the events (the old nightly) as of {next_day}", full,
                 baseline)
            print(f"check: facts == full scan as of {next_day}: {same(night, full)}")
        verdict = "meets" if total <= GOAL_SECONDS else "MISSES"
        print(f"nightly {total:.1f} s: {verdict} the goal of ≤ {GOAL_SECONDS:.0f} s "
              f"({total / baseline:.1f}× the baseline scan); load average "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        overall = night["reports"]["lifecycle"]["all"]
        print(f"check: lifecycle over all stores {overall} = "
              f"{sum(overall.values()):,} members")
    finally:
        engine.dispose()
        if not args.keep:
            with psycopg.connect(args.postgres_url, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            print(f"dropped schema {schema}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

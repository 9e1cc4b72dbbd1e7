"""Nightly analytics benchmark (PostgreSQL): `.venv/bin/python tests/bench/bench_analytics.py`.

Generates members and events (with postings and balances) directly in PostgreSQL with
set-based SQL (``generate_series``) in a schema of its own, created by the server's real
migrations, then times :func:`sync.server.analytics.nightly` (every report, overall and per
store) against the goal of 60 s, with a baseline measured in the same run on the same data:
one full scan ``SELECT count(*), sum(amount) FROM postings``. The schema is dropped at the
end (``--keep`` keeps it; a run finding a kept schema of the same scale reuses its data).

Events: one enrolment per member; the rest sales (each with two points postings: an accrual,
or every 10th a redemption), 1 % top-ups (two stored-value postings) and 1 % voids of a sale.

Options: --members N (1000000), --events N (10000000), --stores N (10),
--postgres-url URL ($LOYALTY_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test),
--keep (keep the schema).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

import psycopg

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
CHUNK = 1_000_000


def schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label:<44} {now - started:8.1f} s", flush=True)
    return now


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
                               registered_at, head_seq, head_hash, created_at)
        SELECT 't' || t, 's' || (t %% %(stores)s), 'till ' || t, md5('t' || t), NULL, NULL,
               '2024-01-01T00:00:00.000000Z', 0, repeat('0', 64), '2024-01-01T00:00:00.000000Z'
        FROM generate_series(0, 2 * %(stores)s - 1) t""", {"stores": stores})
    conn.execute("""
        INSERT INTO members (id, card_number, name, phone, birthday, enrolled_on, tier,
                             store_id, hotlisted, hotlist_reason)
        SELECT 'm' || i, lpad(i::text, 12, '8'), 'Member ' || i, '', NULL,
               to_char(date '2024-06-01' + (i %% %(span)s), 'YYYY-MM-DD'), 'basic',
               's' || (i %% %(stores)s), false, ''
        FROM generate_series(0, %(members)s - 1) i""",
                 {"members": members, "stores": stores, "span": ENROL_SPAN})
    conn.commit()
    t0 = step(f"stores, terminals, {members:,} members", t0)
    times["members"] = time.perf_counter() - begin
    # event i < members enrols member i on its enrolment day at its store; the others pick
    # member (j * 7919) %% members and a day within BUY_SPAN of that member's enrolment, where
    # j = i, or for a void (i %% 100 = 2) the sale it voids (i - 1); i %% 100 = 0: a top-up
    series = """
        SELECT i, kind, mem, dd, term, amount,
               CASE kind WHEN 'sale' THEN CASE WHEN i %% 10 = 5 THEN -20 ELSE 2 + i %% 90 END
                         WHEN 'void' THEN -(2 + j %% 90) ELSE 0 END AS pts
        FROM (
            SELECT i, j, kind,
                   CASE WHEN i < %(members)s THEN i ELSE (j * 7919) %% %(members)s END AS mem,
                   CASE WHEN i < %(members)s THEN 0 ELSE (j * 131) %% %(buy)s END AS dd,
                   CASE WHEN i < %(members)s THEN (i %% %(stores)s) * 2
                        ELSE (j * 13) %% (2 * %(stores)s) END AS term,
                   100 + (j * 53) %% 4900 AS amount
            FROM generate_series(CAST(%(lo)s AS bigint), CAST(%(hi)s AS bigint)) i
            CROSS JOIN LATERAL (
                SELECT CASE WHEN i < %(members)s THEN 'enrol' WHEN i %% 100 = 0 THEN 'top_up'
                            WHEN i %% 100 = 2 AND i - 1 >= %(members)s THEN 'void'
                            ELSE 'sale' END AS kind) k
            CROSS JOIN LATERAL (
                SELECT CASE WHEN k.kind = 'void' THEN i - 1 ELSE i END AS j) jj) g"""
    event_sql = """
        INSERT INTO events (id, terminal_id, seq, store_id, cashier_id, kind, member_id,
                            occurred_at, prev_hash, hash, body, received_at, result)
        SELECT 'e' || i, 't' || term, i, 's' || (term %% %(stores)s), 'cashier', kind,
               'm' || mem,
               to_char((date '2024-06-01' + CAST(mem %% %(span)s + dd AS integer))::timestamp
                       + make_interval(secs => (i * 37) %% 86400), 'YYYY-MM-DD"T"HH24:MI:SS')
                   || '.000000Z',
               md5('p' || i) || md5('q' || i), md5('h' || i) || md5('k' || i),
               CASE kind
                 WHEN 'enrol' THEN '{"member_id":"m' || mem || '","bonus_points":0}'
                 WHEN 'void' THEN '{"reason":"","voided_event_id":"e' || (i - 1) || '"}'
                 WHEN 'top_up' THEN '{"amount":500,"member_id":"m' || mem || '"}'
                 ELSE '{"amount":' || amount || ',"member_id":"m' || mem
                      || '","points_earned":' || amount / 50 || '}' END,
               '2026-11-30T00:00:00.000000Z', '{"flags":[],"status":"applied"}'
        FROM (""" + series + """) s"""
    # two postings per event but enrolments: points for a sale (an accrual, or every 10th a
    # redemption) and its void, stored value for a top-up
    posting_sql = """
        INSERT INTO postings (event_id, account, asset, amount, lot, expires_on)
        SELECT 'e' || s.i, p.account, p.asset, p.amount, NULL, NULL
        FROM (""" + series + """) s
        CROSS JOIN LATERAL (VALUES
            ('member:m' || s.mem, CASE WHEN s.kind = 'top_up' THEN 'stored_value'
                                       ELSE 'points' END,
             CASE WHEN s.kind = 'top_up' THEN 500 ELSE s.pts END),
            (CASE WHEN s.kind = 'top_up' THEN 'shop:stored_value_float'
                  WHEN s.kind = 'sale' AND s.pts < 0 THEN 'shop:points_redeemed'
                  ELSE 'shop:points_issued' END,
             CASE WHEN s.kind = 'top_up' THEN 'stored_value' ELSE 'points' END,
             CASE WHEN s.kind = 'top_up' THEN -500 ELSE -s.pts END)) p(account, asset, amount)
        WHERE s.kind <> 'enrol'"""
    shop_sql = """
        SELECT 't' || s.term AS shard,
               CASE WHEN s.kind = 'top_up' THEN 'shop:stored_value_float'
                    WHEN s.kind = 'sale' AND s.pts < 0 THEN 'shop:points_redeemed'
                    ELSE 'shop:points_issued' END AS account,
               CASE WHEN s.kind = 'top_up' THEN 'stored_value' ELSE 'points' END AS asset,
               CASE WHEN s.kind = 'top_up' THEN -500 ELSE -s.pts END AS amount
        FROM (""" + series + """) s WHERE s.kind <> 'enrol'"""
    params = {"members": members, "stores": stores, "span": ENROL_SPAN, "buy": BUY_SPAN}
    for lo in range(0, events, CHUNK):
        conn.execute(event_sql, {**params, "lo": lo, "hi": min(lo + CHUNK, events) - 1})
        conn.commit()
        t0 = step(f"events {min(lo + CHUNK, events):,}", t0)
    times["events"] = time.perf_counter() - begin - times["members"]
    for lo in range(0, events, CHUNK):
        conn.execute(posting_sql, {**params, "lo": lo, "hi": min(lo + CHUNK, events) - 1})
        conn.commit()
        t0 = step(f"postings for events {min(lo + CHUNK, events):,}", t0)
    conn.execute("""
        INSERT INTO balances (account, asset, shard, balance, held)
        SELECT account, asset, '', sum(amount), 0 FROM postings
        WHERE account LIKE 'member:%%' GROUP BY account, asset""")
    conn.execute("""
        INSERT INTO balances (account, asset, shard, balance, held)
        SELECT account, asset, shard, sum(amount), 0 FROM (""" + shop_sql + """) x
        GROUP BY account, asset, shard""", {**params, "lo": 0, "hi": events - 1})
    conn.commit()
    t0 = step("balances (summed from the postings)", t0)
    conn.execute("ANALYZE")
    conn.commit()
    step("ANALYZE", t0)
    times["postings_balances"] = (time.perf_counter() - begin - times["members"]
                                  - times["events"])
    times["total"] = time.perf_counter() - begin
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("LOYALTY_TEST_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--keep", action="store_true",
                        help="keep the schema (a later run of the same scale reuses it)")
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
    try:
        upgrade(engine)
        if reuse:
            print("reusing the data a run with --keep generated")
        else:
            print("generating (set-based SQL):", flush=True)
            with psycopg.connect(url) as conn:
                gen = generate(conn, args.members, args.events, args.stores)
            print(f"generation: {gen['total']:.1f} s (members {gen['members']:.1f} s, events "
                  f"{gen['events']:.1f} s, postings+balances {gen['postings_balances']:.1f} s)")
        with psycopg.connect(url) as conn:
            sizes = conn.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('events')), "
                "pg_size_pretty(pg_total_relation_size('postings')), "
                "(SELECT count(*) FROM postings)").fetchone()
            print(f"events {sizes[0] if sizes else '?'}, postings {sizes[1] if sizes else '?'} "
                  f"({int(sizes[2]) if sizes else 0:,} rows)")
            started = time.perf_counter()
            conn.execute("SELECT count(*), sum(amount) FROM postings").fetchone()
            baseline = time.perf_counter() - started
        print(f"baseline: SELECT count(*), sum(amount) FROM postings  {baseline:8.2f} s")
        with engine.connect() as sa_conn, sa_conn.begin():
            result = analytics.nightly(sa_conn, AS_OF)
        seconds = result["seconds"]
        print(f"nightly analytics as of {AS_OF} (overall + {args.stores} stores):")
        for name, value in seconds.items():
            print(f"  {name:<12} {value:8.2f} s  ({value / baseline:5.1f}× baseline)")
        total = seconds["total"]
        verdict = "meets" if total <= GOAL_SECONDS else "MISSES"
        print(f"total {total:.1f} s: {verdict} the goal of ≤ {GOAL_SECONDS:.0f} s "
              f"({total / baseline:.1f}× the baseline scan)")
        overall = result["reports"]["lifecycle"]["all"]
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

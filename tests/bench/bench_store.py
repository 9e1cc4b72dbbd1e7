"""Local store benchmark (issue: foundation). Not a test: run with `make bench` or directly.

    python tests/bench/bench_store.py [--members 1000000] [--events 5000000] [--keep DIR]

1. builds a store with N members and M events (bulk-loaded with raw sqlite3, then opened
   through the real code: migrations, pragmas);
2. member lookup by card number through ``CheckoutService.identify`` (parse, lookup, lots,
   balances): p50 / p99;
3. sales committed per second through ``CheckoutService.sale`` with synchronous=FULL, as a
   ratio to a raw sqlite3 loop making one equivalent INSERT + commit per sale in the same run;
4. database size per million events.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from terminal.checkout import CheckoutService  # noqa: E402
from terminal.ids import uuid7  # noqa: E402
from terminal.members import card_number_for_serial  # noqa: E402
from terminal.money import Money  # noqa: E402
from terminal.staff import Role  # noqa: E402
from terminal.store.local import open_local_store  # noqa: E402
from terminal.store.paths import DB_NAME  # noqa: E402

BATCH = 50_000


def build(data_dir: Path, members: int, events: int, seed: int = 1) -> tuple[float, int]:
    """A store with ``members`` members and ``events`` events; (seconds, bytes)."""
    started = time.perf_counter()
    local = open_local_store(data_dir)  # schema by the real migrations
    service = CheckoutService(local.store, terminal_id=local.terminal_id)
    manager = service.add_staff(None, "bench manager", Role.MANAGER, "9999")
    terminal_id = local.terminal_id
    local.close()
    rng = random.Random(seed)
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    member_ids = [str(uuid7(1_700_000_000_000 + i)) for i in range(members)]
    seq = 0
    rows_m, rows_e, rows_p, rows_l = [], [], [], []
    balances: dict[tuple[str, str], int] = {}

    def flush() -> None:
        conn.executemany("INSERT INTO members (id, card_number, name, phone, birthday, "
                         "enrolled_on, tier) VALUES (?,?,?,?,?,?,?)", rows_m)
        conn.executemany("INSERT INTO events (seq,id,terminal_id,cashier_id,occurred_at,kind,"
                         "member_id,body,prev_hash,hash,voids) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         rows_e)
        conn.executemany("INSERT INTO postings (event_seq,account,asset,amount,lot,expires_on)"
                         " VALUES (?,?,?,?,?,?)", rows_p)
        conn.executemany("INSERT INTO lots VALUES (?,?,?,?) ON CONFLICT(lot_id) DO UPDATE "
                         "SET remaining = remaining + excluded.remaining", rows_l)
        for rows in (rows_m, rows_e, rows_p, rows_l):
            rows.clear()

    def event(kind: str, member: str, body: dict[str, object], points: int,
              when: datetime) -> None:
        nonlocal seq
        seq += 1
        event_id = str(uuid7(int(when.timestamp() * 1000)))
        fake_hash = f"{seq:064x}"
        rows_e.append((seq, event_id, terminal_id, manager.id,
                       when.isoformat(timespec="microseconds").replace("+00:00", "Z"), kind,
                       member, json.dumps(body, separators=(",", ":")), f"{seq - 1:064x}",
                       fake_hash, None))
        account = f"member:{member}"
        expires = (when.date() + timedelta(days=365)).isoformat()
        lot = f"{expires}/{member}"  # terminal.lots.lot_key
        rows_p.append((seq, account, "points", points, lot, expires))
        rows_p.append((seq, "shop:points_issued", "points", -points, None, None))
        rows_l.append((lot, member, expires, points))
        balances[(account, "points")] = balances.get((account, "points"), 0) + points
        balances[("shop:points_issued", "points")] = \
            balances.get(("shop:points_issued", "points"), 0) - points

    span = timedelta(days=300).total_seconds()
    for serial, member in enumerate(member_ids, start=1):
        when = base + timedelta(seconds=span * serial / members)
        rows_m.append((member, card_number_for_serial(serial), f"Member {serial}",
                       f"09{serial:08d}", None, when.date().isoformat(), "basic"))
        event("enrol", member, {"member_id": member, "bonus_points": 100}, 100, when)
        if len(rows_e) >= BATCH:
            flush()
    for index in range(max(0, events - members)):
        member = member_ids[rng.randrange(members)]
        amount = rng.randrange(50, 3000)
        when = base + timedelta(seconds=span * index / max(1, events - members))
        event("sale", member, {"member_id": member, "amount": amount,
                               "points_earned": amount // 50}, amount // 50, when)
        if len(rows_e) >= BATCH:
            flush()
    flush()
    conn.executemany("INSERT INTO balances VALUES (?,?,?)",
                     [(a, s, v) for (a, s), v in balances.items()])
    conn.execute(f"INSERT OR REPLACE INTO meta VALUES ('card_serial', '{members}')")
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started, (data_dir / DB_NAME).stat().st_size


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def bench_lookup(service: CheckoutService, members: int, samples: int) -> list[float]:
    rng = random.Random(2)
    timings = []
    for _ in range(samples):
        card = card_number_for_serial(rng.randrange(1, members + 1))
        start = time.perf_counter()
        service.identify(card)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def bench_sales(service: CheckoutService, members: int, seconds: float) -> float:
    rng = random.Random(3)
    cashier = service.staff_named(None, Role.MANAGER)
    ids = []
    for _ in range(200):
        card = card_number_for_serial(rng.randrange(1, members + 1))
        ids.append(service.identify(card).member.id)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        service.sale(cashier, ids[done % len(ids)], Money(rng.randrange(50, 3000)))
        done += 1
    return done / (time.perf_counter() - start)


def bench_raw(path: Path, seconds: float) -> float:
    """One INSERT (an event-sized row) + commit per sale, WAL + synchronous=FULL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS raw_sales (seq INTEGER PRIMARY KEY, id TEXT, "
                 "member_id TEXT, body TEXT, hash TEXT)")
    body = json.dumps({"member_id": "x" * 36, "amount": 1250, "points_earned": 25})
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO raw_sales (id, member_id, body, hash) VALUES (?,?,?,?)",
                     (str(uuid7()), "m" * 36, body, "h" * 64))
        conn.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - start)
    conn.execute("DROP TABLE raw_sales")
    conn.close()
    return rate


def bench_raw_equivalent(path: Path, member_ids: list[str], seconds: float) -> float:
    """The same rows a sale writes (event, postings, balance and lot upserts) with raw
    sqlite3 in the same database, one commit per sale: what the store could do at best."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    done = 0
    expires = "2027-12-31"
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        member = member_ids[done % len(member_ids)]
        account = f"member:{member}"
        lot = f"{expires}/{member}"
        conn.execute("BEGIN IMMEDIATE")
        seq, prev = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
                                 ).fetchone()
        event_id = str(uuid7())
        body = json.dumps({"member_id": member, "amount": 1250, "points_earned": 25})
        conn.execute("INSERT INTO events (seq, id, terminal_id, cashier_id, occurred_at, kind,"
                     " member_id, body, prev_hash, hash, voids) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (seq + 1, event_id, "t" * 36, "c" * 36, "2026-11-22T00:00:00.000000Z",
                      "sale", member, body, prev, f"{seq + 1:064x}", None))
        conn.executemany("INSERT INTO postings (event_seq, account, asset, amount, lot, "
                         "expires_on) VALUES (?,?,?,?,?,?)",
                         [(seq + 1, account, "points", 25, lot, expires),
                          (seq + 1, "shop:points_issued", "points", -25, None, None)])
        conn.executemany("INSERT INTO balances VALUES (?,?,?) ON CONFLICT (account, asset) "
                         "DO UPDATE SET balance = balance + excluded.balance",
                         [(account, "points", 25), ("shop:points_issued", "points", -25)])
        conn.execute("INSERT INTO lots VALUES (?,?,?,?) ON CONFLICT (lot_id) DO UPDATE "
                     "SET remaining = remaining + excluded.remaining", (lot, member, expires, 25))
        conn.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - start)
    conn.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the database in this dir")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="loyalty-bench-"))
    reuse = (folder / DB_NAME).exists()
    if not reuse:
        build_s, size = build(folder, args.members, args.events)
        print(f"built {args.members:,} members / {args.events:,} events in {build_s:.0f} s")
    local = open_local_store(folder)
    size = (folder / DB_NAME).stat().st_size
    with local.store.session() as s:
        n_events = s.journal_head()[0]
        n_members = s.member_count()
    service = CheckoutService(local.store, terminal_id=local.terminal_id)
    bench_lookup(service, n_members, 500)  # warm the page cache
    lookups = bench_lookup(service, n_members, args.lookups)
    with local.store.session() as s:
        sample = [r[0] for r in s.raw.execute(
            "SELECT id FROM members ORDER BY random() LIMIT 200")]
    raw_rate = bench_raw(folder / "raw.sqlite3", args.seconds)
    equivalent = bench_raw_equivalent(folder / DB_NAME, sample, args.seconds)
    sale_rate = bench_sales(service, n_members, args.seconds)
    equivalent_after = bench_raw_equivalent(folder / DB_NAME, sample, args.seconds)
    raw_rate_after = bench_raw(folder / "raw.sqlite3", args.seconds)
    local.close()
    baseline = (raw_rate + raw_rate_after) / 2
    same_writes = (equivalent + equivalent_after) / 2
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"store: {n_members:,} members, {n_events:,} events, {size / 2**30:.2f} GiB "
          f"({size / n_events * 1e6 / 2**20:,.0f} MiB per million events)")
    print(f"member lookup by card (identify): p50 {statistics.median(lookups):.3f} ms, "
          f"p99 {percentile(lookups, 99):.3f} ms, max {max(lookups):.3f} ms "
          f"over {len(lookups):,} lookups (goal p99 <= 2 ms)")
    print(f"sales/s through CheckoutService.sale (synchronous=FULL): {sale_rate:,.0f}")
    print(f"raw sqlite3 INSERT + commit per sale: {raw_rate:,.0f} before, "
          f"{raw_rate_after:,.0f} after")
    print(f"raw sqlite3 writing the same rows as a sale + commit: {equivalent:,.0f} before, "
          f"{equivalent_after:,.0f} after")
    print(f"ratio sale / one-row raw loop: {sale_rate / baseline:.2f} (goal >= 0.5)")
    print(f"ratio sale / same-rows raw loop: {sale_rate / same_writes:.2f}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

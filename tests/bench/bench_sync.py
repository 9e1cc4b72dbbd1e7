"""Sync benchmarks (PostgreSQL): `make bench` or `.venv/bin/python tests/bench/bench_sync.py`.

1. Bulk push: 100,000 offline events of one terminal pushed to a real server on 127.0.0.1,
   compared with a raw baseline measured in the same run on the same database: COPY the same
   rows into a staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING.
   (a) the server path alone: pre-encoded push bodies, sequential HTTP requests;
   (b) the whole client path: a real terminal SQLite journal read, encoded and pushed by
       ``sync.client.round.push_all``.
2. Concurrency: 50 simulated terminals, each pushing batches of 20 events: p50/p99 latency
   and errors.

Options: --events N (100000), --terminals N (50), --batches N per terminal (10),
--batch-size N (push batch, 2000), --postgres-url URL ($LOYALTY_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "sync")]

from synckit import RawTerminal, Server  # noqa: E402

from sync import protocol  # noqa: E402
from sync.client.credentials import Credentials  # noqa: E402
from sync.client.round import RoundReport, push_all  # noqa: E402
from sync.client.transport import Transport  # noqa: E402
from terminal import ledger  # noqa: E402
from terminal.ids import new_id  # noqa: E402
from terminal.ledger import Asset, EventKind, Posting, ShopAccount, member_account  # noqa: E402
from terminal.lots import lot_key  # noqa: E402
from terminal.store.local import open_local_store  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def make_events(term: RawTerminal, count: int) -> list[dict[str, object]]:
    members = []
    events: list[dict[str, object]] = []
    for _ in range(200):
        member, enrol = term.enrol()
        members.append(member)
        events += [enrol, term.top_up(member, 100_000)]
    while len(events) < count:
        member = members[len(events) % len(members)]
        events.append(term.spend(member, 30) if len(events) % 3 else term.earn(member, 2))
    return events


def baseline(pg_url: str, events: list[dict[str, object]], with_postings: bool = False,
             ) -> float:
    """COPY into staging, then INSERT … SELECT … ON CONFLICT DO NOTHING (seconds).

    ``with_postings``: the posting rows too (one row per posting, keyed by event and line),
    i.e. the rows a push must write at the very least, without any rule, balance or lot.
    """
    import json

    suffix = "_p" if with_postings else ""
    columns = ("id", "terminal_id", "seq", "kind", "occurred_at", "prev_hash", "hash", "body")
    rows = [(e["id"], e["terminal_id"], e["seq"], e["kind"], e["occurred_at"], e["prev_hash"],
             e["hash"], json.dumps(e["body"])) for e in events]
    posting_rows = [(e["id"], line, *p) for e in events if with_postings
                    for line, p in enumerate(e["postings"])]  # type: ignore[arg-type]
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"CREATE TABLE base_events{suffix} (id text PRIMARY KEY, "
                     "terminal_id text, seq bigint, kind text, occurred_at text, "
                     "prev_hash text, hash text, body text)")
        conn.execute(f"CREATE TABLE base_postings{suffix} (event_id text, line int, "
                     "account text, asset text, amount bigint, lot text, expires_on text, "
                     "PRIMARY KEY (event_id, line))")
        conn.commit()
        started = time.perf_counter()
        conn.execute(f"CREATE TEMP TABLE staging (LIKE base_events{suffix}) ON COMMIT DROP")
        with conn.cursor() as cur, cur.copy(
                f"COPY staging ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(f"INSERT INTO base_events{suffix} SELECT * FROM staging "
                     "ON CONFLICT DO NOTHING")
        if with_postings:
            conn.execute("CREATE TEMP TABLE staging_p (LIKE base_postings_p) ON COMMIT DROP")
            with conn.cursor() as cur, cur.copy("COPY staging_p FROM STDIN") as copy:
                for posting in posting_rows:
                    copy.write_row(posting)
            conn.execute("INSERT INTO base_postings_p SELECT * FROM staging_p "
                         "ON CONFLICT DO NOTHING")
        conn.commit()
        return time.perf_counter() - started


def bench_server_path(server: Server, events: list[dict[str, object]], term: RawTerminal,
                      batch: int) -> float:
    bodies = [protocol.encode_push(events[i:i + batch], term.store_id)
              for i in range(0, len(events), batch)]
    headers = {"Authorization": f"Bearer {term.token}", "content-type": "application/json"}
    with httpx.Client(timeout=300) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(f"{server.url}/v1/sync/push", content=body, headers=headers)
            assert response.status_code == 200, response.text[:300]
        return time.perf_counter() - started


def bench_client_path(server: Server, store_id: str, count: int, folder: Path,
                      batch: int) -> tuple[float, float]:
    """A real terminal journal of ``count`` events pushed by the client code (seconds)."""
    local = open_local_store(folder)
    answer = Transport(server.url).register(server.new_code(store_id), local.terminal_id)
    creds = Credentials(server.url, answer["terminal_id"], store_id, "", answer["token"])
    now = datetime.now(UTC)
    expires = (now + timedelta(days=365)).date()  # the core's lot: one per member and expiry day
    members = [new_id() for _ in range(200)]
    made = time.perf_counter()
    with local.store.session(write=True) as session:
        seq, head = session.journal_head()
        for i in range(count):
            member = members[i % len(members)]
            if i < len(members):
                postings = [Posting(member_account(member), Asset.STORED_VALUE, 100_000),
                            Posting(ShopAccount.STORED_VALUE_FLOAT, Asset.STORED_VALUE,
                                    -100_000)]
                kind = EventKind.TOP_UP
            else:
                postings = [Posting(member_account(member), Asset.STORED_VALUE, -30),
                            Posting(ShopAccount.STORED_VALUE_SPENT, Asset.STORED_VALUE, 30),
                            Posting(member_account(member), Asset.POINTS, 1,
                                    lot_key(member, expires), expires),
                            Posting(ShopAccount.POINTS_ISSUED, Asset.POINTS, -1)]
                kind = EventKind.SALE
            event = ledger.seal(id=new_id(), terminal_id=local.terminal_id, seq=seq + 1,
                                cashier_id="bench", occurred_at=now, kind=kind,
                                body={"member_id": member, "amount": 30}, postings=postings,
                                prev_hash=head)
            session.append(event)
            seq, head = event.seq, event.hash
    made = time.perf_counter() - made
    with Transport(server.url, creds.token, timeout=300) as transport:
        started = time.perf_counter()
        push_all(local.store, creds, transport, RoundReport(), batch=batch)
        elapsed = time.perf_counter() - started
    local.close()
    return elapsed, made


def bench_concurrency(server: Server, store_id: str, terminals: int, batches: int,
                      pace: float) -> tuple[list[float], int]:
    """Each terminal pushes ``batches`` batches of 20; ``pace`` 0 = back to back (closed
    loop, the worst case), else a pause of uniform(0, 2·pace) s between its batches."""
    import random

    terms = [RawTerminal.create(server, store_id) for _ in range(terminals)]
    plans = []
    for term in terms:
        members = []
        first = []
        for _ in range(5):
            member, enrol = term.enrol()
            members.append(member)
            first += [enrol, term.top_up(member, 10_000)]
        plan = [first + [term.spend(members[i % 5], 10) for i in range(10)]]
        for _ in range(batches - 1):
            plan.append([term.spend(members[i % 5], 10) if i % 2 else term.earn(members[i % 5], 1)
                         for i in range(20)])
        plans.append([protocol.encode_push(b, store_id) for b in plan])
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_gate = threading.Barrier(terminals)

    def run(term: RawTerminal, bodies: list[bytes]) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {term.token}", "content-type": "application/json"}
        with httpx.Client(timeout=30) as client:
            start_gate.wait()
            for body in bodies:
                if pace:
                    time.sleep(random.uniform(0, 2 * pace))
                started = time.perf_counter()
                try:
                    response = client.post(f"{server.url}/v1/sync/push", content=body,
                                           headers=headers)
                    ok = response.status_code == 200 and all(
                        r["status"] in ("applied", "flagged") for r in response.json()["results"])
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=run, args=(t, p)) for t, p in zip(terms, plans,
                                                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def bench_bulk(server: Server, store: str, url: str, args: argparse.Namespace, workdir: Path,
               out: io.StringIO) -> None:
    term = RawTerminal.create(server, store)
    t0 = time.perf_counter()
    events = make_events(term, args.events)
    made = time.perf_counter() - t0
    base = baseline(url, events)
    base_rows = baseline(url, events, with_postings=True)
    served = bench_server_path(server, events, term, args.batch_size)
    client, journal = bench_client_path(server, store, args.events, workdir / "till",
                                        args.batch_size)
    n = len(events)
    print(f"server: {args.workers} worker process(es), PostgreSQL; {os.cpu_count()} cores "
          "shared by client, server and database", file=out)
    print(f"events: {n} (generated in {made:.1f} s; client journal written in "
          f"{journal:.1f} s)", file=out)
    print(f"raw baseline (COPY to staging + INSERT ... ON CONFLICT): {base:.2f} s, "
          f"{n / base:,.0f} events/s", file=out)
    postings = sum(len(e["postings"]) for e in events)  # type: ignore[arg-type]
    print(f"raw baseline with the {postings:,} posting rows too: {base_rows:.2f} s, "
          f"{n / base_rows:,.0f} events/s", file=out)
    print(f"server path (HTTP push, batches of {args.batch_size}): {served:.2f} s, "
          f"{n / served:,.0f} events/s, ratio to baseline {base / served:.2f} "
          f"(with postings {base_rows / served:.2f})", file=out)
    print(f"client path (SQLite journal -> push_all): {client:.2f} s, "
          f"{n / client:,.0f} events/s, ratio to baseline {base / client:.2f} "
          f"(with postings {base_rows / client:.2f})", file=out)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--only-concurrency", action="store_true")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("LOYALTY_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = schema_url(args.postgres_url, schema)
    out = io.StringIO()
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()), file=out)
    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    server = Server(url, subprocess_mode=True, workdir=workdir, workers=args.workers).start()
    try:
        store = server.new_store("bench")
        if not args.only_concurrency:
            bench_bulk(server, store, url, args, workdir, out)
        for pace in (0.0, 1.0):
            latencies, errors = bench_concurrency(server, store, args.terminals, args.batches,
                                                  pace)
            mode = "back to back" if not pace else f"one batch per ~{pace:.0f} s each"
            print(f"concurrency ({mode}): {args.terminals} terminals x {args.batches} batches "
                  f"of 20 events: {len(latencies)} requests, "
                  f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms, errors {errors}", file=out)
    finally:
        server.stop()
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()), file=out)
    print(out.getvalue(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

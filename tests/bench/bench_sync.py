"""Sync benchmarks (PostgreSQL): `make bench` or `.venv/bin/python tests/bench/bench_sync.py`.

1. Bulk push: 100,000 offline events of one terminal pushed to a real server on 127.0.0.1,
   compared with a raw baseline measured in the same run on the same database: COPY the same
   rows into a staging table, then INSERT … SELECT … ON CONFLICT DO NOTHING.
   (a) the server path alone: pre-encoded push bodies, sequential HTTP requests;
   (b) the whole client path: a real terminal SQLite journal (its 200 members enrolled
       there, then topped up; sales with 4 postings) read, encoded and pushed by
       ``sync.client.round.push_all``.
   Each phase also prints the CPU seconds of this process (the client), of the server's
   processes and of the PostgreSQL backends serving this run (``proc_cpu``): on a loaded
   machine they, and the ratios of the same run, are the figures to compare.
2. Concurrency: 50 simulated terminals (one asyncio loop, each terminal its own connection),
   each pushing batches of 20 events: p50/p99 latency, errors, requests/s and CPU per request;
   back to back (a closed loop with no pause: the saturation point of the machine, where
   latency is the number of terminals over the throughput), then with a random pause of
   0–1 s and 0–2 s between a terminal's batches (~100 and ~50 requests/s offered).

Options: --events N (100000), --terminals N (50), --batches N per terminal (10),
--batch-size N (push batch, 2000), --postgres-url URL ($LOYALTY_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "sync")]

from proc_cpu import CpuMeter, CpuUse  # noqa: E402
from synckit import RawTerminal, Server  # noqa: E402

from sync import protocol  # noqa: E402
from sync.client.credentials import Credentials  # noqa: E402
from sync.client.round import RoundReport, push_all  # noqa: E402
from sync.client.transport import Transport  # noqa: E402
from terminal import ledger  # noqa: E402
from terminal.ids import new_id  # noqa: E402
from terminal.ledger import Asset, EventKind, Posting, ShopAccount, member_account  # noqa: E402
from terminal.lots import lot_key  # noqa: E402
from terminal.member_codes import new_member_secret  # noqa: E402
from terminal.store.local import open_local_store  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def schema_url(base: str, schema: str) -> str:
    """The bench schema, and its name as the connections' ``application_name`` (how the
    CPU meter finds the PostgreSQL backends that work for this run, and only those)."""
    return (f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
            f"&application_name={schema}")


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


def baseline(pg_url: str, events: list[dict[str, object]], meter: CpuMeter,
             with_postings: bool = False) -> tuple[float, CpuUse]:
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
        cpu = meter.snapshot()
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
        elapsed = time.perf_counter() - started
        return elapsed, meter.used(cpu, meter.snapshot())


def bench_server_path(server: Server, events: list[dict[str, object]], term: RawTerminal,
                      batch: int, meter: CpuMeter) -> tuple[float, CpuUse]:
    bodies = [protocol.encode_push(events[i:i + batch], term.store_id)
              for i in range(0, len(events), batch)]
    headers = {"Authorization": f"Bearer {term.token}", "content-type": "application/json"}
    with httpx.Client(timeout=300) as client:
        cpu = meter.snapshot()
        started = time.perf_counter()
        for body in bodies:
            response = client.post(f"{server.url}/v1/sync/push", content=body, headers=headers)
            assert response.status_code == 200, response.text[:300]
        elapsed = time.perf_counter() - started
        return elapsed, meter.used(cpu, meter.snapshot())


def till_journal(terminal_id: str, count: int) -> Iterator[ledger.Event]:
    """A till's journal as the core writes it: 200 members enrolled at the till, topped up,
    then sales paid with stored value earning a point in the core's lot (one per member and
    expiry day): 4 postings per sale."""
    now = datetime.now(UTC)
    expires = (now + timedelta(days=365)).date()
    members = [new_id() for _ in range(200)]
    seq, head = 0, ledger.GENESIS_HASH
    for i in range(count):
        member = members[i % len(members)]
        body: dict[str, object] = {"member_id": member, "amount": 30}
        postings: list[Posting] = []
        if i < len(members):
            body = {"member": {"id": member, "card_number": f"{i:012d}", "name": "M",
                               "phone": "", "birthday": None,
                               "enrolled_on": now.date().isoformat(), "tier": "basic",
                               "code_secret": new_member_secret().hex(), "pin_hash": None},
                    "member_id": member, "bonus_points": 0}
            kind = EventKind.ENROL
        elif i < 2 * len(members):
            postings = [Posting(member_account(member), Asset.STORED_VALUE, 100_000),
                        Posting(ShopAccount.STORED_VALUE_FLOAT, Asset.STORED_VALUE, -100_000)]
            kind = EventKind.TOP_UP
        else:
            postings = [Posting(member_account(member), Asset.STORED_VALUE, -30),
                        Posting(ShopAccount.STORED_VALUE_SPENT, Asset.STORED_VALUE, 30),
                        Posting(member_account(member), Asset.POINTS, 1,
                                lot_key(member, expires), expires),
                        Posting(ShopAccount.POINTS_ISSUED, Asset.POINTS, -1)]
            kind = EventKind.SALE
        event = ledger.seal(id=new_id(), terminal_id=terminal_id, seq=seq + 1,
                            cashier_id="bench", occurred_at=now, kind=kind, body=body,
                            postings=postings, prev_hash=head)
        seq, head = event.seq, event.hash
        yield event


def bench_client_path(server: Server, store_id: str, count: int, folder: Path,
                      batch: int, meter: CpuMeter) -> tuple[float, CpuUse, float, RoundReport]:
    """A real terminal journal of ``count`` events pushed by the client code (seconds)."""
    local = open_local_store(folder)
    answer = Transport(server.url).register(server.new_code(store_id), local.terminal_id)
    creds = Credentials(server.url, answer["terminal_id"], store_id, "", answer["token"])
    made = time.perf_counter()
    with local.store.session(write=True) as session:
        assert session.journal_head()[0] == 0
        for event in till_journal(local.terminal_id, count):
            session.append(event)
    made = time.perf_counter() - made
    report = RoundReport()
    with Transport(server.url, creds.token, timeout=300) as transport:
        cpu = meter.snapshot()
        started = time.perf_counter()
        push_all(local.store, creds, transport, report, batch=batch)
        elapsed = time.perf_counter() - started
        used = meter.used(cpu, meter.snapshot())
    local.close()
    return elapsed, used, made, report


def bench_concurrency(server: Server, store_id: str, terminals: int, batches: int,
                      pace: float, meter: CpuMeter
                      ) -> tuple[list[float], int, float, CpuUse]:
    """Each terminal pushes ``batches`` batches of 20; ``pace`` 0 = back to back (closed
    loop, the worst case), else a pause of uniform(0, 2·pace) s between its batches.
    Returns the latencies, the errors, and the wall time and CPU of the pushing alone."""
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

    async def run(client: httpx.AsyncClient, term: RawTerminal, bodies: list[bytes]) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {term.token}", "content-type": "application/json"}
        for body in bodies:
            if pace:
                await asyncio.sleep(random.uniform(0, 2 * pace))
            started = time.perf_counter()
            try:
                response = await client.post(f"{server.url}/v1/sync/push", content=body,
                                             headers=headers)
                ok = response.status_code == 200 and all(
                    r["status"] in ("applied", "flagged") for r in response.json()["results"])
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += 0 if ok else 1

    async def run_all() -> tuple[float, CpuUse]:
        # each terminal connected before the clock starts (http://: no TLS context to load)
        clients = [httpx.AsyncClient(timeout=30, verify=False) for _ in terms]
        await asyncio.gather(*(c.get(f"{server.url}/health") for c in clients))
        cpu = meter.snapshot()
        started = time.perf_counter()
        await asyncio.gather(*(run(c, t, p) for c, t, p in zip(clients, terms, plans,
                                                                 strict=True)))
        took, used = time.perf_counter() - started, meter.used(cpu, meter.snapshot())
        await asyncio.gather(*(c.aclose() for c in clients))
        return took, used

    # One event loop drives every simulated terminal: 50 threads of a blocking client cost
    # this process several ms of CPU per request (GIL hand-offs), which real terminals, each
    # on its own machine, do not take from the server.
    took, used = asyncio.run(run_all())
    return latencies, errors, took, used


def bench_bulk(server: Server, store: str, url: str, args: argparse.Namespace, workdir: Path,
               meter: CpuMeter, out: io.StringIO) -> None:
    term = RawTerminal.create(server, store)
    t0 = time.perf_counter()
    events = make_events(term, args.events)
    made = time.perf_counter() - t0
    base, base_cpu = baseline(url, events, meter)
    base_rows, rows_cpu = baseline(url, events, meter, with_postings=True)
    served, served_cpu = bench_server_path(server, events, term, args.batch_size, meter)
    client, client_cpu, journal, report = bench_client_path(
        server, store, args.events, workdir / "till", args.batch_size, meter)
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
          f"(with postings {base_rows / client:.2f}); pushed {report.pushed}, "
          f"flagged {report.flagged}", file=out)
    print("CPU (bench process = client; server processes; PostgreSQL backends of this run):",
          file=out)
    for name, cpu, wall in (("raw baseline", base_cpu, base),
                            ("baseline with postings", rows_cpu, base_rows),
                            ("server path", served_cpu, served),
                            ("client path", client_cpu, client)):
        print(f"  {name}: {cpu.per_event(n)}; {cpu.total:.2f} CPU s in {wall:.2f} s wall "
              f"({cpu.total / wall:.2f} cores busy)", file=out)
    print("CPU ratio to the baseline with postings (its CPU / the path's): server path "
          f"{rows_cpu.total / served_cpu.total:.2f}, client path "
          f"{rows_cpu.total / client_cpu.total:.2f}", file=out)


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
    server = Server(url, subprocess_mode=True, workdir=workdir, workers=args.workers)
    meter = CpuMeter(args.postgres_url, schema)
    try:  # (a server that never became healthy is stopped and the schema dropped too)
        server.start()
        assert server.proc is not None
        meter.server_pid = server.proc.pid
        store = server.new_store("bench")
        if not args.only_concurrency:
            bench_bulk(server, store, url, args, workdir, meter, out)
        for pace in (0.0, 0.5, 1.0):
            latencies, errors, took, used = bench_concurrency(
                server, store, args.terminals, args.batches, pace, meter)
            mode = "back to back" if not pace else f"one batch per ~{pace:g} s each"
            print(f"concurrency ({mode}): {args.terminals} terminals x {args.batches} batches "
                  f"of 20 events: {len(latencies)} requests, "
                  f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms, errors {errors}; "
                  f"{len(latencies) / took:.0f} requests/s over {took:.1f} s; CPU per "
                  f"request {used.total / len(latencies) * 1000:.1f} ms (client "
                  f"{used.client / len(latencies) * 1000:.1f}, server "
                  f"{used.server / len(latencies) * 1000:.1f}, PostgreSQL "
                  f"{used.postgres / len(latencies) * 1000:.1f})", file=out)
    finally:
        meter.close()
        server.stop()
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()), file=out)
    print(out.getvalue(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

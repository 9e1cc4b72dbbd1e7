"""The incremental nightly analytics (issue 7): the reports from the folded facts equal the
full scan of the events on the same data (SQLite and PostgreSQL), over a generated history
pushed by real terminals in rounds, with a fold after each: three stores in three time zones
(two with summer time), sales across stores, voids in the same push, later (of an
already-folded sale) and before their sale (from another till), sales after the report day,
times in other formats, a sale of a member the server learns of only later. Folding twice
changes nothing; events committed while a fold runs are folded by the next one, never
skipped; the migration leaves the facts empty and the first run folds every event."""

from __future__ import annotations

import contextlib
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, event, text
from synckit import RawTerminal, Server

from sync import protocol
from sync.server import analytics, analytics_facts, service
from sync.server.db import make_engine
from sync.server.main import main as server_main
from sync.server.migrate import alembic_config, upgrade
from terminal.ids import new_id
from terminal.ledger import format_time, hash_canonical

ZONES = ("Asia/Taipei", "Europe/Berlin", "America/New_York")
# report days: around the end of summer time in Berlin (25 Oct) and New York (1 Nov), the
# end of the history, and a day before most of it
DAYS = (date(2026, 10, 24), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 30),
        date(2026, 12, 2))
START = datetime(2026, 9, 1, tzinfo=UTC)


def wire(term: RawTerminal, kind: str, body: dict[str, Any], occurred_at: str,
         event_id: str | None = None) -> dict[str, Any]:
    """The terminal's next event, at a chosen time (written as given)."""
    term.seq += 1
    out: dict[str, Any] = {
        "id": event_id or new_id(), "terminal_id": term.terminal_id, "seq": term.seq,
        "cashier_id": "cashier", "occurred_at": occurred_at, "kind": kind, "body": body,
        "postings": [], "prev_hash": term.head}
    out["hash"] = hash_canonical(out)
    term.head = out["hash"]
    return out


def time_text(moment: datetime, rng: random.Random) -> str:
    """Mostly the canonical form; sometimes whole seconds, or with a UTC offset."""
    roll = rng.random()
    if roll < 0.1:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if roll < 0.2:
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(
            timespec="seconds") + "+00:00"
    return format_time(moment)


@dataclass
class History:
    """Each till's events in its seq order, pushed in rounds (a prefix of each at a time)."""

    terminals: list[RawTerminal]
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)

    def push_round(self, rng: random.Random, everything: bool = False) -> None:
        for term in self.terminals:
            queue = self.queues[term.terminal_id]
            done = self.pushed.get(term.terminal_id, 0)
            upto = len(queue) if everything else min(len(queue), done + rng.randint(0, 40))
            if upto > done:
                response = term.push(queue[done:upto])
                assert response.status_code == 200, response.text
                self.pushed[term.terminal_id] = upto

    def left(self) -> int:
        return sum(len(q) - self.pushed.get(k, 0) for k, q in self.queues.items())


def generate(server: Server, seed: int = 7, members: int = 40,
             sales: int = 260) -> History:
    rng = random.Random(seed)
    stores = [str(server.admin("POST", "/v1/admin/stores",
                               {"name": f"S{i}", "timezone": zone})["id"])
              for i, zone in enumerate(ZONES)]
    terms = [RawTerminal.create(server, store) for store in stores]
    terms.append(RawTerminal.create(server, stores[0]))  # a second till in the first store
    history = History(terms, {t.terminal_id: [] for t in terms})
    # (terminal index, time, event) to be put in each till's queue in time order
    planned: list[tuple[int, datetime, str, dict[str, Any], str]] = []
    enrolled: dict[str, datetime] = {}
    for n in range(members):
        member = new_id()
        at = START + timedelta(days=rng.randint(0, 80), minutes=rng.randint(0, 1439))
        enrolled[member] = at
        info = {"id": member, "card_number": member[-12:], "name": "M", "phone": "",
                "birthday": None, "enrolled_on": at.date().isoformat(), "tier": "basic"}
        # the last two enrol late: their sales reach the server before they do
        when = at + timedelta(days=60) if n >= members - 2 else at
        planned.append((rng.randrange(len(terms)), when, "enrol",
                        {"member": info, "member_id": member, "bonus_points": 0}, new_id()))
    ids = list(enrolled)
    for _ in range(sales):
        member = rng.choice(ids)
        # around local midnights: any minute of the day, from the enrolment day on (and
        # some before it: a till with a wrong clock); some after the last report day
        at = (enrolled[member].replace(hour=0, minute=0)
              + timedelta(days=rng.randint(-1, 95), minutes=rng.randint(0, 1439)))
        sale_id = new_id()
        till = rng.randrange(len(terms))
        body: dict[str, Any] = {"member_id": member, "amount": rng.randint(1, 9) * 100}
        if rng.random() < 0.02:
            body = {"amount": 500}  # no member: in no report
        planned.append((till, at, "sale", body, sale_id))
        roll = rng.random()
        if roll < 0.08:  # voided by the same till, soon or much later
            later = at + timedelta(minutes=rng.choice([1, 5, 60 * 24 * 20]))
            planned.append((till, later, "void", {"member_id": member,
                                                  "voided_event_id": sale_id,
                                                  "voided_kind": "sale", "reason": ""},
                            new_id()))
        elif roll < 0.11:  # voided from another till, early in its queue
            other = (till + 1) % len(terms)
            planned.append((other, START - timedelta(days=1),
                            "void", {"member_id": member, "voided_event_id": sale_id,
                                     "voided_kind": "sale", "reason": ""}, new_id()))
    planned.sort(key=lambda p: p[1])
    for till, at, kind, body, event_id in planned:
        term = terms[till]
        history.queues[term.terminal_id].append(
            wire(term, kind, body, time_text(at, rng), event_id))
    return history


def nightly(engine: Engine, day: date, source: str) -> dict[str, Any]:
    with engine.begin() as conn:
        return analytics.nightly(conn, day, source=source)


def assert_same(engine: Engine, days: tuple[date, ...] = DAYS) -> None:
    for day in days:
        facts, full = nightly(engine, day, "facts"), nightly(engine, day, "events")
        assert facts["stores"] == full["stores"]
        assert facts["reports"] == full["reports"], day


def state(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {table: [tuple(r) for r in conn.execute(text(
            f"SELECT * FROM {table} ORDER BY 1, 2" if table != "sale_voids"
            else "SELECT * FROM sale_voids ORDER BY 1"))]
            for table in ("sale_facts", "sale_voids", "member_sales", "analytics_cursor",
                          "member_activity", "activity_zones")}


@pytest.fixture
def engine(server: Server) -> Iterator[Engine]:
    made = make_engine(server.database_url, pool_size=2)
    yield made
    made.dispose()


def test_facts_equal_the_full_scan_round_after_round(server: Server, engine: Engine) -> None:
    rng = random.Random(11)
    history = generate(server)
    rounds = 0
    while history.left():
        history.push_round(rng)
        rounds += 1
        assert_same(engine, DAYS[2:4] if rounds % 2 else DAYS)
    assert rounds >= 3
    folded = state(engine)
    assert folded["sale_voids"] and folded["member_sales"]
    # the reports for one store, and the GET endpoint, give the same from the facts
    with engine.begin() as conn:
        store = conn.execute(text("SELECT id FROM stores WHERE timezone = 'Europe/Berlin'")
                             ).scalar_one()
        for name in analytics.REPORTS:
            assert analytics.report(conn, name, store_id=store, as_of=DAYS[1]) == \
                analytics.report(conn, name, store_id=store, as_of=DAYS[1], source="events")


def test_folding_twice_changes_nothing(server: Server, engine: Engine,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # PostgreSQL reads a large fold in one scan: make this small backfill one
    monkeypatch.setattr(analytics_facts, "LARGE_FOLD", 10)
    history = generate(server, seed=3, members=15, sales=80)
    history.push_round(random.Random(1), everything=True)
    first = nightly(engine, DAYS[3], "facts")
    assert first["fold"]["backfill"] is True and first["note"] == analytics.BACKFILL_NOTE
    before = state(engine)
    again = nightly(engine, DAYS[3], "facts")
    assert again["fold"] == {"events": 0, "added": 0, "removed": 0, "summaries": 0,
                             "backfill": False, "activity": 0}
    assert "note" not in again
    assert state(engine) == before
    assert again["reports"] == first["reports"]
    assert first["reports"] == nightly(engine, DAYS[3], "events")["reports"]


def test_a_late_void_of_a_folded_sale(server: Server, engine: Engine) -> None:
    store = server.new_store("Late")
    term = RawTerminal.create(server, store)
    member = new_id()
    info = {"id": member, "card_number": member[-12:], "name": "M", "phone": "",
            "birthday": None, "enrolled_on": "2026-11-01", "tier": "basic"}
    sale, other = new_id(), new_id()
    events = [wire(term, "enrol", {"member": info, "member_id": member, "bonus_points": 0},
                   "2026-11-01T04:00:00.000000Z"),
              wire(term, "sale", {"member_id": member, "amount": 700},
                   "2026-11-02T04:00:00.000000Z", sale),
              wire(term, "sale", {"member_id": member, "amount": 300},
                   "2026-11-20T04:00:00.000000Z", other)]
    assert term.push(events).status_code == 200
    day = date(2026, 11, 30)
    before = nightly(engine, day, "facts")
    assert before["reports"]["lifecycle"][store]["active"] == 1
    void = wire(term, "void", {"member_id": member, "voided_event_id": other,
                               "voided_kind": "sale", "reason": ""},
                "2026-12-05T04:00:00.000000Z")
    assert term.push([void]).status_code == 200
    after = nightly(engine, day, "facts")
    assert after["fold"] == {"events": 1, "added": 0, "removed": 1, "summaries": 1,
                             "backfill": False, "activity": 1}
    with engine.connect() as conn:
        row = conn.execute(text("SELECT purchases, spend, last_at FROM member_sales "
                                "WHERE member_id = :m"), {"m": member}).one()
    assert tuple(row) == (1, 700, "2026-11-02T04:00:00.000000Z")
    assert after["reports"] == nightly(engine, day, "events")["reports"]
    # the last purchase moved back: 28 days idle instead of 10
    limits = analytics.Thresholds(5, 20, 100)
    with engine.begin() as conn:
        stages = analytics.report(conn, "lifecycle", store_id=store, as_of=day,
                                  limits=limits)["scopes"][store]
    assert stages == {"new": 0, "active": 0, "dormant": 1, "churned": 0}
    # voiding the last sale leaves no fact and no summary: never bought
    last = wire(term, "void", {"member_id": member, "voided_event_id": sale,
                               "voided_kind": "sale", "reason": ""},
                "2026-12-06T04:00:00.000000Z")
    assert term.push([last]).status_code == 200
    gone = nightly(engine, day, "facts")
    assert gone["reports"]["rfm"][store]["segments"]["never_bought"] == 1
    assert state(engine)["member_sales"] == []
    assert gone["reports"] == nightly(engine, day, "events")["reports"]


def test_events_committed_during_a_fold_wait_for_the_next(server: Server,
                                                          engine: Engine) -> None:
    """A push commits between the fold's first statement (each till's bound) and its insert
    of the facts: those events are neither folded now nor skipped later."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: a push cannot commit during a fold")
    history = generate(server, seed=5, members=12, sales=60)
    rng = random.Random(2)
    history.push_round(rng, everything=True)
    store = server.new_store("Busy")
    term = RawTerminal.create(server, store)
    member = new_id()
    info = {"id": member, "card_number": member[-12:], "name": "M", "phone": "",
            "birthday": None, "enrolled_on": "2026-11-01", "tier": "basic"}
    first = [wire(term, "enrol", {"member": info, "member_id": member, "bonus_points": 0},
                  "2026-11-01T04:00:00.000000Z"),
             wire(term, "sale", {"member_id": member, "amount": 100},
                  "2026-11-02T04:00:00.000000Z")]
    assert term.push(first).status_code == 200
    during = [wire(term, "sale", {"member_id": member, "amount": 200 + n},
                   f"2026-11-0{3 + n}T04:00:00.000000Z") for n in range(3)]
    pushed: list[int] = []

    def push_now() -> None:
        with engine.begin() as other:
            response, _conflict = service.push_with_token(
                other, term.token, protocol.encode_push(during, store))
            assert [r.status for r in response.results] == ["applied"] * 3
        pushed.append(1)

    def before_execute(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if "INSERT INTO sale_facts" in statement and not pushed:
            push_now()

    folding = engine.connect()
    event.listen(folding, "before_cursor_execute", before_execute)
    with folding.begin():
        result = analytics.nightly(folding, DAYS[3])
    event.remove(folding, "before_cursor_execute", before_execute)
    folding.close()
    assert pushed == [1]
    with engine.connect() as conn:
        folded = conn.execute(text("SELECT folded_seq FROM analytics_cursor "
                                   "WHERE terminal_id = :t"), {"t": term.terminal_id}).scalar()
        facts = conn.execute(text("SELECT count(*) FROM sale_facts WHERE member_id = :m"),
                             {"m": member}).scalar()
    assert (folded, facts) == (2, 1)  # the bound read before the push committed
    assert result["reports"]["rfm"][store]["buyers"] == 1
    later = nightly(engine, DAYS[3], "facts")
    assert later["fold"]["events"] == 3 and later["fold"]["added"] == 3
    assert later["reports"] == nightly(engine, DAYS[3], "events")["reports"]
    assert_same(engine, DAYS[3:])


# --- the migration on a database with events: the first run backfills ------------------

ROWS = [
    "INSERT INTO stores VALUES ('s1', 'One', 'Asia/Taipei', '2026-01-01T00:00:00.000000Z'), "
    "('s2', 'Two', 'Europe/Berlin', '2026-01-01T00:00:00.000000Z')",
    "INSERT INTO terminals (id, store_id, name, token_hash, code_hash, code_expires_at, "
    "registered_at, head_seq, head_hash, created_at) VALUES "
    "('t1', 's1', 'a', 'h1', NULL, NULL, '2026-01-02T00:00:00.000000Z', 4, 'g', 'x'), "
    "('t2', 's2', 'b', 'h2', NULL, NULL, '2026-01-02T00:00:00.000000Z', 2, 'g', 'x')",
    "INSERT INTO members (id, card_number, name, phone, enrolled_on, tier, store_id, "
    "hotlisted, hotlist_reason) VALUES ('m1', '1', 'A', '', '2026-10-01', 'basic', 's1', "
    "false, ''), ('m2', '2', 'B', '', '2026-10-05', 'basic', 's2', false, '')",
]
EVENTS = [  # id, terminal, seq, store, kind, member, time, body
    ("e1", "t1", 1, "s1", "enrol", "m1", "2026-10-01T02:00:00.000000Z", "{}"),
    ("e2", "t1", 2, "s1", "sale", "m1", "2026-10-02T02:00:00.000000Z",
     '{"amount": 500, "member_id": "m1"}'),
    ("e3", "t1", 3, "s1", "sale", "m2", "2026-10-06T02:00:00.000000Z",
     '{"amount": 900, "member_id": "m2"}'),
    ("e4", "t1", 4, "s1", "void", "m2", "2026-10-06T02:05:00.000000Z",
     '{"voided_event_id": "e3", "member_id": "m2"}'),
    ("e5", "t2", 1, "s2", "sale", "m2", "2026-10-05T23:30:00.000000Z",
     '{"amount": 250, "member_id": "m2"}'),
    ("e6", "t2", 2, "s2", "sale", "m1", "2026-10-20T08:00:00.000000Z",
     '{"amount": 100, "member_id": "m1"}'),
    ("e7", "server", None, "s2", "adjust", "m1", "2026-10-20T08:00:01.000000Z",
     '{"rule": "offline_overdraft"}'),
]


def admin(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(["admin", "--database-url", url, *args])
    # (every admin command first says which database it used: not part of what is checked)
    said = [line for line in err.getvalue().splitlines(keepends=True)
            if not line.startswith("database: ")]
    return code, out.getvalue(), "".join(said)


def test_migration_then_the_first_run_backfills(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        command.upgrade(alembic_config(engine), "0002")
        with engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))
            for row in EVENTS:
                conn.execute(text(
                    "INSERT INTO events (id, terminal_id, seq, store_id, cashier_id, kind, "
                    "member_id, occurred_at, prev_hash, hash, body, received_at, result) "
                    "VALUES (:i, :t, :s, :st, 'c', :k, :m, :at, 'p', 'h', :b, :at, '{}')"),
                    dict(zip(("i", "t", "s", "st", "k", "m", "at", "b"), row, strict=True)))
        upgrade(engine)
        with engine.connect() as conn:
            for table in ("sale_facts", "sale_voids", "member_sales", "analytics_cursor",
                          "member_activity", "activity_zones"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        code, out, err = admin(database_url, "analytics-nightly", "--date", "2026-10-31")
        assert code == 0, err
        first = json.loads(out)
        assert first["fold"] == {"events": 6, "added": 3, "removed": 0, "summaries": 3,
                                 "backfill": True, "activity": -1}
        assert "backfilled" in first["note"] and "backfilled" in err
        code, out, err = admin(database_url, "analytics-nightly", "--date", "2026-10-31",
                               "--full-scan")
        assert code == 0 and json.loads(out)["reports"] == first["reports"]
        assert "fold" not in json.loads(out)
        code, out, err = admin(database_url, "analytics-nightly", "--date", "2026-10-31")
        assert code == 0 and "note" not in json.loads(out) and err == ""
        assert json.loads(out)["fold"]["events"] == 0
        with engine.connect() as conn:
            assert conn.execute(text("SELECT event_id FROM sale_facts ORDER BY 1")
                                ).scalars().all() == ["e2", "e5", "e6"]
            assert dict(conn.execute(text("SELECT terminal_id, folded_seq "
                                          "FROM analytics_cursor")).all()) == {"t1": 4,
                                                                              "t2": 2}
        # the migration goes down and up again
        command.downgrade(alembic_config(engine), "0002")
        upgrade(engine)
    finally:
        engine.dispose()


def test_sales_of_a_member_the_server_learns_of_later(server: Server, engine: Engine) -> None:
    """Summed while the member was unknown (no enrolment day to count returns from), the
    member's row is summed again from the facts once the member is known."""
    store = server.new_store("Later")
    till, other = RawTerminal.create(server, store), RawTerminal.create(server, store)
    member = new_id()
    sales = [wire(till, "sale", {"member_id": member, "amount": 100 * n},
                  f"2026-11-0{n}T04:00:00.000000Z") for n in (1, 2, 9)]
    assert till.push(sales).status_code == 200
    day = date(2026, 11, 30)
    unknown = nightly(engine, day, "facts")
    assert unknown["reports"]["rfm"][store]["members"] == 0  # not a member yet
    info = {"id": member, "card_number": member[-12:], "name": "M", "phone": "",
            "birthday": None, "enrolled_on": "2026-11-01", "tier": "basic"}
    enrol = wire(other, "enrol", {"member": info, "member_id": member, "bonus_points": 0},
                 "2026-11-01T03:00:00.000000Z")
    assert other.push([enrol]).status_code == 200
    known = nightly(engine, day, "facts")
    assert known["fold"]["summaries"] == 1  # summed again now that the member is known
    with engine.connect() as conn:
        assert conn.execute(text("SELECT return_from FROM member_sales")).scalar() == (
            "2026-11-01T16:00:00.000000Z")  # midnight in Taipei
    cohort = known["reports"]["retention"][store][0]
    assert (cohort["d1"]["part"], cohort["d7"]["part"]) == (1, 1)  # back on 2 November
    assert known["reports"] == nightly(engine, day, "events")["reports"]


RANK_RFM = """
    WITH b AS (
        SELECT scope,
               count(*) OVER (PARTITION BY scope) AS n,
               rank() OVER (PARTITION BY scope ORDER BY idle DESC) AS rr,
               rank() OVER (PARTITION BY scope ORDER BY purchases) AS rf,
               rank() OVER (PARTITION BY scope ORDER BY spend) AS rm
        FROM {act} x WHERE idle IS NOT NULL)
    SELECT scope, (rr - 1) * 5 / n + 1, (rf - 1) * 5 / n + 1, (rm - 1) * 5 / n + 1, count(*)
    FROM b GROUP BY scope, (rr - 1) * 5 / n + 1, (rf - 1) * 5 / n + 1, (rm - 1) * 5 / n + 1"""


def test_rfm_ranks_from_counts_equal_the_window_ranks(server: Server, engine: Engine) -> None:
    """The RFM quintiles from counts per value equal ``rank()`` over every buyer (ties)."""
    history = generate(server, seed=13, members=60, sales=300)
    history.push_round(random.Random(4), everything=True)
    with engine.begin() as conn:
        for day in DAYS:
            analytics.fold_facts(conn, day)
            act, params, _numbers = analytics.activity(conn, day)
            fast = sorted(tuple(int(v) for v in r) for r in conn.execute(
                text(analytics.rfm_sql(act)), params))
            ranked = sorted(tuple(int(v) for v in r) for r in conn.execute(
                text(RANK_RFM.format(act=act)), params))
            assert fast == ranked and (day < DAYS[1] or fast)
            analytics.drop_activity(conn)


def activity_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT * FROM member_activity ORDER BY member_id, scope"))]


def test_member_activity_kept_by_the_folds_equals_a_rebuild(server: Server,
                                                           engine: Engine) -> None:
    """``member_activity``, rewritten by each fold for the members it touched only (pushes
    in rounds with late voids and new members), equals the rows rebuilt from nothing; the
    reports from it equal the full scan on past days (sales after their end: those members
    are computed again for the report), on the last day and on a day after every sale."""
    rng = random.Random(5)
    history = generate(server, seed=21, members=45, sales=300)
    day = DAYS[3]
    touched: list[int] = []
    while history.left():
        history.push_round(rng)
        folded = nightly(engine, day, "facts")
        touched.append(folded["fold"]["activity"])
    assert touched[0] == -1 and any(n > 0 for n in touched[1:])  # backfill, then members
    kept = activity_rows(engine)
    assert kept and {r[1] for r in kept} == {0, 1, 2, 3}
    with engine.begin() as conn:  # as the signature changed: every row again
        conn.execute(text("DELETE FROM activity_zones WHERE no = 0"))
    rebuilt = nightly(engine, day, "facts")
    assert rebuilt["fold"]["activity"] == -1 and rebuilt["note"] == analytics.REBUILT_NOTE
    assert activity_rows(engine) == kept
    again = nightly(engine, day, "facts")
    assert again["fold"]["activity"] == 0 and activity_rows(engine) == kept
    with engine.connect() as conn:  # some purchases after the end of the past days
        late = conn.execute(text("SELECT count(*) FROM sale_facts WHERE t >= :t"),
                            {"t": "2026-10-27"}).scalar()
    assert late
    assert_same(engine, (DAYS[0], DAYS[1], DAYS[3], date(2027, 3, 1)))
    # a store added: every row computed again, with the new store's scope
    server.new_store("Later")
    assert nightly(engine, day, "facts")["fold"]["activity"] == -1
    assert len({r[1] for r in activity_rows(engine)}) == 4  # nobody in the new one yet
    assert_same(engine, (DAYS[2],))

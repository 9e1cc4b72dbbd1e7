"""Programme state across tills: the pull feed hands each terminal the facts of its store's
members' events made at other terminals (one feed row per pushed batch), and the terminal
folds them into the member's state. Real server on 127.0.0.1, real SQLite tills; SQLite and
PostgreSQL servers."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import text
from synckit import Ledger, RawTerminal, Server, Till, eventually, fact_page_sizes, make_till
from test_admin_cli import admin
from test_programmes_admin import demo, put

from terminal.ledger import format_time
from terminal.money import Money
from terminal.programmes import MemberState
from terminal.store.verify import verify_store

SILVER = 10000  # the demo document's silver threshold


def state(till: Till, member: str) -> MemberState:
    return till.service.programme_state(member)


def foreign_rows(till: Till) -> list[Any]:
    with till.local.store.session() as session:
        return list(session.conn.execute(text("SELECT id, member_id, kind FROM foreign_facts")))


def spend(till: Till, member: str, amount: int) -> str:
    return till.service.sale(till.cashier, member, Money(amount)).event.id


def pull_facts(term: RawTerminal, cursor: str = "0", limit: int | None = None,
               expect: int = 0) -> tuple[list[dict[str, Any]], int, str]:
    """Every fact after ``cursor`` (pages of ``limit`` rows): facts, pages, last cursor. With
    ``expect``, pull on until that many have come (a PostgreSQL row waits for every older
    transaction of the cluster)."""
    facts: list[dict[str, Any]] = []
    pages = 0
    deadline = time.monotonic() + 60  # (other suites' long transactions hold rows back)
    while True:
        params: dict[str, Any] = {"cursor": cursor}
        if limit:
            params["limit"] = limit
        page = term.call("GET", "/v1/sync/pull", params=params).json()
        pages += 1
        facts += page["facts"]
        cursor = page["cursor"]
        if page["has_more"]:
            continue
        if (len(facts) >= expect and not page["withheld"]) or time.monotonic() > deadline:
            return facts, pages, cursor
        time.sleep(0.05)



def insert_sale_and_feed_row(held: psycopg.Connection[Any], till: RawTerminal, store: str,
                             member: str) -> str:
    """A sale of ``till`` (seq 1000, NT$42) and its ``member_events`` feed row, written in
    the open transaction ``held`` (not committed: the caller holds it open); its event id."""
    held_id = str(uuid.uuid4())
    held.execute(
        "INSERT INTO events (id, terminal_id, seq, store_id, cashier_id, kind, "
        "member_id, occurred_at, prev_hash, hash, body, received_at, result) VALUES "
        "(%s, %s, 1000, %s, 'c', 'sale', %s, '2026-01-02T00:00:00.000000Z', 'p', 'h', "
        "'{\"amount\": 4200}', '2026-01-02T00:00:00.000000Z', '{}')",
        (held_id, till.terminal_id, store, member))
    held.execute("INSERT INTO changes (kind, key, store_id) VALUES "
                 "('member_events', %s, %s)", (f"{till.terminal_id}@1000+0", store))
    return held_id

def test_two_tills_share_the_members_programme_state(server: Server, tmp_path: Path) -> None:
    """GIVEN two tills of one store and the demo programmes (tiers, welcome, birthday)
    WHEN a member enrols and spends at till 1, then spends at till 2, and each syncs
    THEN each till's rolling spend has both sales, the welcome and birthday rewards are not
    given again at till 2, and till 2's tier upgrade (from the joint spend) reaches till 1;
    a void at till 2 of its sale leaves both tills with till 1's sale alone."""
    store = server.new_store()
    put(server, demo())
    one = make_till(tmp_path / "one", server, store)
    two = make_till(tmp_path / "two", server, store)
    try:
        two.sync()
        one.sync()
        today = one.service.today()
        member = one.service.enrol(one.cashier, name="Mei",
                                   birthday=date(1990, today.month, 1)).event.body["member_id"]
        first = one.service.sale(one.cashier, member, Money(6000))
        assert "birthday:" + str(today.year) in state(one, member).awarded
        assert state(one, member).rolling_spend == 6000
        one.sync()
        report = two.sync()
        assert report.pulled_facts >= 2  # the enrolment and the sale
        at_two = state(two, member)
        assert at_two.rolling_spend == 6000 and at_two.purchases == 1
        assert {"welcome:welcome", f"birthday:{today.year}"} <= at_two.awarded

        second = two.service.sale(two.cashier, member, Money(5000))
        fields = {(c["field"], c["value"]) for c in second.event.body.get("state_changes", [])}
        assert ("award", f"birthday:{today.year}") not in fields  # not given twice
        assert ("tier", "silver") in fields  # 6000 at till 1 + 5000 here
        assert {"field": "award", "value": f"birthday:{today.year}"} in \
            first.event.body["state_changes"]  # (till 1 gave it)
        two.sync()
        one.sync()
        for till in (one, two):
            seen = state(till, member)
            assert seen.rolling_spend == 6000 + 5000 >= SILVER
            assert seen.purchases == 2 and seen.tier == "silver"
        assert {r.kind for r in foreign_rows(one)} == {"sale"}
        assert {r.kind for r in foreign_rows(two)} == {"enrol", "sale"}

        two.service.void(two.manager, second.event.id, "wrong member")
        two.sync()
        one.sync()
        for till in (one, two):
            seen = state(till, member)
            assert (seen.rolling_spend, seen.purchases) == (6000, 1)
            assert f"birthday:{today.year}" in seen.awarded  # till 1's award stands
        assert state(one, member).tier == "basic"  # the voided sale's upgrade is undone
        assert {r.kind for r in foreign_rows(one)} == {"sale", "void"}
        for till in (one, two):  # the facts are not in the journal: verify is unchanged
            assert verify_store(till.local.store).ok
    finally:
        one.close()
        two.close()


def test_a_till_of_another_store_receives_no_facts(server: Server, tmp_path: Path) -> None:
    """GIVEN two stores, each a till, and a member of store A spending at both of A's tills
    WHEN store B's till syncs (and pulls raw from the start)
    THEN it has no fact and no member of store A; A's second till has the facts."""
    store_a, store_b = server.new_store("A"), server.new_store("B")
    here = make_till(tmp_path / "a1", server, store_a)
    elsewhere = make_till(tmp_path / "b1", server, store_b)
    peer = RawTerminal.create(server, store_a)
    try:
        member = here.enrol("Lin")
        spend(here, member, 900)
        here.sync()
        peer.pull_all(expect={member})
        assert peer.push([peer.earn(member, 3)]).status_code == 200
        elsewhere.sync()
        here.sync()
        raw = RawTerminal.create(server, store_b)
        facts, _pages, _cursor = pull_facts(raw)
        assert facts == [] and foreign_rows(elsewhere) == []
        with elsewhere.local.store.session() as session:
            assert session.member_by_id(member) is None
        assert [r.member_id for r in foreign_rows(here)] == [member]  # the peer's sale
        assert state(here, member).rolling_spend == 900 + 150
    finally:
        here.close()
        elsewhere.close()


def test_facts_carry_only_what_the_state_needs(sqlite_server: Server) -> None:
    """A fact is the event's id, member, terminal, kind, time, voided id, amount, discount
    and state changes (the referrer among them): no body, no secret, no postings; the
    requester's own events are never handed back to it."""
    store = sqlite_server.new_store()
    till, other = RawTerminal.create(sqlite_server, store), RawTerminal.create(sqlite_server,
                                                                               store)
    member, enrol = till.enrol(code_secret="ab" * 32, pin_hash="scrypt$PIN-SECRET")
    sale = till.event("sale", {"member_id": member, "amount": 700, "discount": 50,
                               "referred_by": "m-referrer", "card": "CARD-NUMBER-4111",
                               "state_changes": [{"field": "award", "value": "x:1"},
                                                 {"field": "plan", "value": "2026-12-31",
                                                  "key": "plus"}, "junk"]}, [])
    void = till.event("void", {"member_id": member, "voided_event_id": sale["id"],
                                "voided": sale["body"]}, [])
    anonymous = till.event("sale", {"amount": 100}, [])
    assert till.push([enrol, sale, void, anonymous]).status_code == 200
    facts, _, _ = pull_facts(other, expect=3)
    assert facts == [
        {"id": enrol["id"], "member_id": member, "terminal_id": till.terminal_id,
         "kind": "enrol", "occurred_at": enrol["occurred_at"]},
        {"id": sale["id"], "member_id": member, "terminal_id": till.terminal_id,
         "kind": "sale", "occurred_at": sale["occurred_at"], "amount": 700, "discount": 50,
         "changes": [["award", "x:1", ""], ["plan", "2026-12-31", "plus"],
                     ["referred_by", "m-referrer", ""]]},
        {"id": void["id"], "member_id": member, "terminal_id": till.terminal_id,
         "kind": "void", "occurred_at": void["occurred_at"], "voids": sale["id"]},
    ]
    # Markers no id or timestamp can contain by chance (a bare "4111" once matched the
    # microseconds of an occurred_at).
    text = json.dumps(facts)
    assert "PIN-SECRET" not in text and "CARD-NUMBER" not in text and "ab" * 32 not in text
    own, _, _ = pull_facts(till)
    assert own == []


def test_one_feed_row_per_batch_and_pages_of_many_batches(server: Server,
                                                          ledger: Ledger) -> None:
    """GIVEN 12 batches of member events pushed by one till (and its batches without a
    member: no row)
    WHEN another till of the store pulls 2 feed rows a page, from the start and then from a
    cursor in the middle
    THEN each batch is one feed row, every fact comes exactly once, in sequence order, and a
    later pull from the last cursor brings nothing again."""
    store = server.new_store()
    till, other = RawTerminal.create(server, store), RawTerminal.create(server, store)
    members = []
    for _ in range(3):
        member, enrol = till.enrol()
        members.append(member)
        assert till.push([enrol]).status_code == 200
    made = []
    for n in range(12):
        batch = [till.earn(members[(n + k) % 3], 1 + k) for k in range(3)]
        made += [e["id"] for e in batch]
        assert till.push(batch).status_code == 200
    assert till.push([till.event("sale", {"amount": 5}, [])]).status_code == 200
    assert ledger.scalar("SELECT COUNT(*) FROM changes WHERE kind = 'member_events'") == 15
    facts, pages, cursor = pull_facts(other, limit=2, expect=3 + 36)
    ids = [f["id"] for f in facts]
    assert len(ids) == len(set(ids)) == 39 and ids[3:] == made
    assert pages >= 8  # 15 feed rows and 3 member rows, 2 a page
    again, _, _ = pull_facts(other, cursor=cursor)
    assert again == []
    assert till.push([till.earn(members[0], 9)]).status_code == 200
    later, _, _ = pull_facts(other, cursor=cursor, expect=1)
    assert [f["amount"] for f in later] == [450]


def test_a_page_holds_a_bounded_number_of_facts(sqlite_server: Server,
                                                monkeypatch: Any) -> None:
    """Each feed row stands for a whole batch: a page stops adding rows past the fact budget
    (but always carries one), and the rest comes with the next page."""
    from sync.server import service

    monkeypatch.setattr(service, "FACTS_PER_PAGE", 5)
    store = sqlite_server.new_store()
    till, other = RawTerminal.create(sqlite_server, store), RawTerminal.create(sqlite_server,
                                                                               store)
    member, enrol = till.enrol()
    assert till.push([enrol]).status_code == 200
    for size in (4, 3, 8, 1):
        assert till.push([till.earn(member, 1) for _ in range(size)]).status_code == 200
    sizes = fact_page_sizes(other)
    assert sum(sizes) == 1 + 16 and max(sizes) == 8 and len(sizes) >= 3


def test_compaction_merges_the_batches_and_keeps_every_fact(server: Server, ledger: Ledger,
                                                            tmp_path: Path) -> None:
    """Compacting the feed merges a till's batch rows into one (its newest, covering them
    all): a till syncing after the compaction still folds every other till's sale."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    other = RawTerminal.create(server, store)
    try:
        member = till.enrol()
        till.sync()
        other.pull_all(expect={member})
        for amount in (3, 5, 7):
            assert other.push([other.earn(member, amount)]).status_code == 200
        code, answer = admin(server.database_url, "compact-changes")
        assert code == 0 and answer["deleted"] > 0  # the member's older rows
        assert ledger.rows("SELECT key FROM changes WHERE kind = 'member_events' AND key "
                           "LIKE :t", t=f"{other.terminal_id}@%") == [
            (f"{other.terminal_id}@1+2",)]
        assert eventually(lambda: till.sync() is not None
                          and state(till, member).rolling_spend == 50 * 15, timeout=60)
        assert len(foreign_rows(till)) == 3
    finally:
        till.close()


def test_a_batch_committed_out_of_order_is_not_skipped(pg_database_url: str,
                                                       tmp_path: Path) -> None:
    """GIVEN a batch's feed row written by a transaction that stays open while a later batch
    commits
    WHEN another till pulls, then the first transaction commits, and the till pulls on from
    its cursor
    THEN the held batch's facts arrive (a plain id cursor would have skipped them)."""
    server = Server(pg_database_url, workdir=tmp_path).start()
    try:
        store = server.new_store()
        till, other = RawTerminal.create(server, store), RawTerminal.create(server, store)
        member, enrol = till.enrol()
        assert till.push([enrol]).status_code == 200
        url = pg_database_url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url, autocommit=False) as held:
            held_id = insert_sale_and_feed_row(held, till, store, member)
            later = till.earn(member, 2)
            assert till.push([later]).status_code == 200
            first = other.call("GET", "/v1/sync/pull", params={"cursor": "0"}).json()
            assert held_id not in {f["id"] for f in first["facts"]}
            assert first["withheld"] is True
            held.commit()
        facts, _, _ = pull_facts(other, cursor=first["cursor"], expect=1)
        seen = {f["id"] for f in first["facts"]} | {f["id"] for f in facts}
        assert held_id in seen and later["id"] in seen
        assert [f["amount"] for f in facts if f["id"] == held_id] == [4200]
    finally:
        server.stop()


def test_a_malformed_fact_keeps_nothing_of_the_page(sqlite_server: Server,
                                                    tmp_path: Path) -> None:
    """The client refuses a page whose facts are malformed with a clear error: nothing of
    the page is kept and the cursor stays."""
    from sync.client import localdb

    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    try:
        with till.local.store.session() as session:
            cursor = localdb.cursor(session)
        page = {"as_of_seq": 0, "cursor": "99", "members": [], "vouchers": [], "config": {},
                "facts": [{"id": "e1", "member_id": "m1", "terminal_id": "t2",
                           "kind": "sale", "occurred_at": "2026-01-02T00:00:00.000000Z",
                           "amount": "lots"}]}
        try:
            with till.local.store.session(write=True) as session:
                localdb.apply_pull(session, page)
        except localdb.MalformedPull as exc:
            assert "amount" in exc.message
        else:
            raise AssertionError("a malformed fact was accepted")
        with till.local.store.session() as session:
            assert localdb.cursor(session) == cursor
        assert foreign_rows(till) == []
    finally:
        till.close()


def test_pull_still_answers_old_clients(sqlite_server: Server) -> None:
    """A page is the old page plus ``facts`` and ``terminal_number``: a client that ignores
    the keys reads the rest."""
    store = sqlite_server.new_store()
    term = RawTerminal.create(sqlite_server, store)
    page = httpx.get(f"{sqlite_server.url}/v1/sync/pull",
                     headers={"Authorization": f"Bearer {term.token}"}).json()
    assert {"cursor", "has_more", "withheld", "as_of_seq", "members", "vouchers", "config",
            "facts", "terminal_number"} <= set(page)


def test_member_facts_merge_by_time_and_count_each_event_once(sqlite_server: Server,
                                                              tmp_path: Path) -> None:
    """Foreign facts interleave with the till's own events by time; a fact of an event the
    till already has (own or pulled twice) counts once; a foreign void removes a foreign
    sale."""
    from sync.client import localdb

    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    try:
        member = till.enrol()
        own_sale = spend(till, member, 100)
        with till.local.store.session() as session:
            enrol_time = session.member_facts(member)[0].occurred_at
        before = format_time(enrol_time - timedelta(hours=1))
        after = format_time(enrol_time + timedelta(seconds=1))

        def fact(event_id: str, kind: str, when: str, **more: Any) -> dict[str, Any]:
            return {"id": event_id, "member_id": member, "terminal_id": "t2", "kind": kind,
                    "occurred_at": when, **more}

        facts = [fact("f-early", "sale", before, amount=300),
                 fact(own_sale, "sale", after, amount=999),  # already here: ours counts
                 fact("f-late", "sale", after, amount=50),
                 fact("f-void", "void", after, voids="f-early"),
                 fact("f-new-kind", "hologram", after)]  # kept, not folded
        for _ in range(2):  # a page pulled twice changes nothing
            with till.local.store.session(write=True) as session:
                assert localdb.apply_facts(session, facts) == 5
        with till.local.store.session() as session:
            ids = [f.id for f in session.member_facts(member)]
        assert ids[0] == "f-early" and ids.count(own_sale) == 1
        assert ids.index(own_sale) < ids.index("f-late") < ids.index("f-void")
        assert "f-new-kind" not in ids and len(foreign_rows(till)) == 5
        seen = state(till, member)
        assert (seen.rolling_spend, seen.purchases) == (100 + 50, 2)
        assert verify_store(till.local.store).ok
    finally:
        till.close()

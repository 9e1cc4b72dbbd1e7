"""Compacting the pull feed keeps only the newest change per entity, and merges each till's
member-event rows; a terminal whose cursor is older than the compaction still converges to
every entity's latest state and gets every member event fact. Runs against SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from synckit import Ledger, RawTerminal, Server, Till, eventually, fact_page_sizes, make_till
from test_admin_cli import admin
from test_member_event_feed import insert_sale_and_feed_row, pull_facts

from sync import protocol
from terminal.ledger import Asset


def test_a_terminal_with_an_old_cursor_converges_after_compaction(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN a till that synced, then many changes to its members made elsewhere
    WHEN the feed is compacted and the till syncs from its old cursor
    THEN the feed holds one row per entity and the till has every member's latest state."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    other = RawTerminal.create(server, store)
    try:
        members = [till.enrol(f"M{i}") for i in range(3)]
        till.sync()
        with till.local.store.session() as session:
            old_cursor = session.get_meta("sync.cursor")
            bonus = session.balance(members[0], Asset.POINTS)  # the new-member bonus
        other.pull_all()
        events = []
        for round_ in range(4):
            for n, member in enumerate(members):
                events.append(other.top_up(member, 10 * (n + 1)))
            events.append(other.earn(members[0], round_ + 1))
        late, enrol = other.enrol()
        events.append(enrol)
        assert other.push(events).status_code == 200
        before = ledger.scalar("SELECT COUNT(*) FROM changes")

        code, answer = admin(server.database_url, "compact-changes")
        assert code == 0 and answer["deleted"] > 0
        after = ledger.scalar("SELECT COUNT(*) FROM changes")
        assert after == before - answer["deleted"]
        assert after == ledger.scalar("SELECT COUNT(*) FROM (SELECT DISTINCT kind, key "
                                      "FROM changes) d")

        with till.local.store.session() as session:
            assert session.get_meta("sync.cursor") == old_cursor

        def converged() -> bool:
            till.sync()
            with till.local.store.session() as session:
                return (all(session.balance(member, Asset.STORED_VALUE) == 40 * (n + 1)
                            for n, member in enumerate(members))
                        and session.balance(members[0], Asset.POINTS) == bonus + 10
                        and session.member_by_id(late) is not None)

        assert eventually(converged)
        fresh = RawTerminal.create(server, store).pull_all(expect={*members, late})
        assert set(fresh) == {*members, late}
    finally:
        till.close()


# --- member event rows: merged, never lost ---------------------------------------------------

def feed_rows(ledger: Ledger) -> list[tuple[str, int, int, str | None]]:
    """The ``member_events`` rows: (terminal, first seq, last seq, store)."""
    out = []
    for key, store in ledger.rows("SELECT key, store_id FROM changes "
                                  "WHERE kind = 'member_events'"):
        parsed = protocol.parse_event_range_key(key)
        assert parsed is not None
        out.append((*parsed, store))
    return sorted(out)


def member_event_ids(*terminals: RawTerminal, members: set[str]) -> set[str]:
    return {e["id"] for term in terminals for e in term.sent
            if e["body"].get("member_id") in members
            or e["body"].get("member", {}).get("id") in members}


def test_member_event_rows_are_merged_and_every_fact_still_arrives(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN two tills of store A pushing 60 small batches for A's members (and one for store
    B's member), store B's till pushing too, and a till of A that synced before them
    WHEN the feed is compacted THEN each terminal's rows of each store are one row; and a
    fresh terminal of A gets every fact of A once, the till with the old cursor ends up with
    every fact (each stored once), and B's fresh terminal gets exactly B's."""
    store_a, store_b = server.new_store("A"), server.new_store("B")
    one, two = RawTerminal.create(server, store_a), RawTerminal.create(server, store_a)
    far = RawTerminal.create(server, store_b)
    behind = make_till(tmp_path / "behind", server, store_a)
    try:
        members = []
        for _ in range(2):
            member, enrol = one.enrol()
            members.append(member)
            assert one.push([enrol]).status_code == 200
        stranger, enrol = far.enrol()
        assert far.push([enrol]).status_code == 200
        behind.sync()
        with behind.local.store.session() as session:
            old_cursor = session.get_meta("sync.cursor")
        assert len(foreign_ids(behind)) == 2  # the enrolments

        for n in range(30):
            assert one.push([one.earn(members[n % 2], 1 + n % 3)]).status_code == 200
            batch = [two.earn(members[0], 1), two.earn(members[1], 2)]
            assert two.push(batch).status_code == 200
            if n % 10 == 0:
                assert far.push([far.earn(stranger, 5)]).status_code == 200
        assert one.push([one.earn(stranger, 4)]).status_code == 200  # B's member, at A's till
        mine = member_event_ids(one, two, members=set(members))
        theirs = member_event_ids(one, far, members={stranger})
        rows_before = len(feed_rows(ledger))
        assert rows_before == 2 + 1 + 60 + 3 + 1

        code, answer = admin(server.database_url, "compact-changes")
        assert code == 0 and answer["deleted"] >= rows_before - 4
        rows = feed_rows(ledger)
        assert sorted((r[0], r[3]) for r in rows) == sorted([
            (one.terminal_id, store_a), (one.terminal_id, store_b),
            (two.terminal_id, store_a), (far.terminal_id, store_b)])
        assert all(first <= last for _t, first, last, _s in rows)
        assert admin(server.database_url, "compact-changes")[1]["deleted"] == 0

        fresh = RawTerminal.create(server, store_a)
        facts, _pages, _cursor = pull_facts(fresh, expect=len(mine))
        ids = [f["id"] for f in facts]
        assert len(ids) == len(set(ids)) and set(ids) == mine

        with behind.local.store.session() as session:
            assert session.get_meta("sync.cursor") == old_cursor
        assert eventually(lambda: behind.sync() is not None
                          and foreign_ids(behind) == mine, timeout=60)

        outsider = RawTerminal.create(server, store_b)
        facts, _pages, _cursor = pull_facts(outsider, expect=len(theirs))
        ids = [f["id"] for f in facts]
        assert len(ids) == len(set(ids)) and set(ids) == theirs
    finally:
        behind.close()


def foreign_ids(till: Till) -> set[str]:
    with till.local.store.session() as session:
        ids = [r[0] for r in session.conn.execute(text("SELECT id FROM foreign_facts"))]
    assert len(ids) == len(set(ids))
    return set(ids)


def test_a_terminal_between_merged_rows_loses_nothing(sqlite_server: Server,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a reader whose cursor is in the middle of a till's batches, and a merged range
    capped at the page's fact budget (5 here) WHEN the feed is compacted
    THEN each merged row spans at most 5 sequence numbers, and the reader, pulling on from its
    cursor, gets every fact it lacked (those it had may come again: the till keeps each
    event once), a page never carrying more than one merged row's facts."""
    from sync.server import service

    monkeypatch.setattr(service, "FACTS_PER_PAGE", 5)
    ledger = Ledger(sqlite_server.database_url)
    store = sqlite_server.new_store()
    till, reader = RawTerminal.create(sqlite_server, store), RawTerminal.create(sqlite_server,
                                                                                store)
    try:
        member, enrol = till.enrol()
        assert till.push([enrol]).status_code == 200
        for _ in range(6):
            assert till.push([till.earn(member, 1)]).status_code == 200
        had, _pages, cursor = pull_facts(reader, expect=7)
        for _ in range(7):
            assert till.push([till.earn(member, 2)]).status_code == 200
        assert len(feed_rows(ledger)) == 14

        code, answer = admin(sqlite_server.database_url, "compact-changes")
        assert code == 0 and answer["deleted"] > 0
        rows = feed_rows(ledger)
        assert all(last - first < 5 for _t, first, last, _s in rows)
        assert [first for _t, first, _l, _s in rows] == [1, 6, 11]  # runs 1-5, 6-10, 11-14
        every = {e["id"] for e in till.sent}

        later, pages, _ = pull_facts(reader, cursor=cursor, expect=7)
        ids = [f["id"] for f in later]
        assert len(ids) == len(set(ids)) and {f["id"] for f in had} | set(ids) == every
        assert every - {f["id"] for f in had} <= set(ids)
        assert pages >= 2
        sizes = fact_page_sizes(reader)
        assert max(sizes) <= 5 and sum(sizes) == 14
    finally:
        ledger.close()


def test_compaction_does_not_make_a_pull_skip_a_batch_committed_out_of_order(
        pg_database_url: str, tmp_path: Path) -> None:
    """PostgreSQL. GIVEN a batch's feed row written by a transaction that stays open while
    later batches commit and the feed is compacted WHEN it commits
    THEN a reader pulling on from its cursor gets the held batch and every compacted one."""
    server = Server(pg_database_url, workdir=tmp_path).start()
    ledger = Ledger(pg_database_url)
    try:
        store = server.new_store()
        till, reader = RawTerminal.create(server, store), RawTerminal.create(server, store)
        member, enrol = till.enrol()
        assert till.push([enrol]).status_code == 200
        _had, _pages, cursor = pull_facts(reader, expect=1)
        url = pg_database_url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url, autocommit=False) as held:
            held_id = insert_sale_and_feed_row(held, till, store, member)
            for _ in range(5):
                assert till.push([till.earn(member, 1)]).status_code == 200
            code, answer = admin(server.database_url, "compact-changes")
            assert code == 0 and answer["deleted"] == 5 + 5  # of the member's 6 rows and of
            assert len(feed_rows(ledger)) == 1  # the 6 batches' (the held one is not seen)
            first = reader.call("GET", "/v1/sync/pull", params={"cursor": cursor}).json()
            assert held_id not in {f["id"] for f in first["facts"]}
            assert first["withheld"] is True
            held.commit()
        facts, _, _ = pull_facts(reader, cursor=first["cursor"], expect=1)
        seen = {f["id"] for f in first["facts"]} | {f["id"] for f in facts}
        assert seen >= {e["id"] for e in till.sent[1:]} | {held_id}
        assert len(feed_rows(ledger)) == 2  # the merged row and the held batch's
    finally:
        ledger.close()
        server.stop()

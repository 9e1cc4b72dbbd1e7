"""Compacting the pull feed keeps only the newest change per entity; a terminal whose cursor
is older than the compaction still converges to every entity's latest state.
Runs against SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from synckit import Ledger, RawTerminal, Server, eventually, make_till
from test_admin_cli import admin

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

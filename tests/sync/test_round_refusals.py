"""A till whose journal holds an event the server refuses: one it kept (unbookable: the till
goes on, and the round still pulls) and one it cannot chain (a bad hash: the push stops, the
round still pulls, then fails plainly). Real tills (SQLite files) against a real server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from synckit import Ledger, RawTerminal, Server, Till, eventually, make_till

from sync.client import localdb
from sync.client.round import PushRefused, run_round
from terminal.ids import new_id
from terminal.ledger import Asset, Event, EventKind, Posting, member_account

NEW_ACCOUNT = "shop:gift_cards"  # a shop account a newer terminal version might post to


def append_unbookable(till: Till, member: str, amount: int = 100) -> str:
    """A sale a newer terminal version might write: well chained and hashed, but paid into a
    shop account this server does not know. Returns its id."""
    with till.local.store.session(write=True) as session:
        seq, head = session.journal_head()
        event = Event(new_id(), till.local.terminal_id, seq + 1, till.cashier.id,
                      datetime.now(UTC), EventKind.SALE,
                      {"member_id": member, "amount": amount, "stored_value_paid": amount},
                      (Posting(member_account(member), Asset.STORED_VALUE, -amount),
                       Posting(NEW_ACCOUNT, Asset.STORED_VALUE, amount)), head)
        session.append(replace(event, hash=event.compute_hash()))
    return event.id


def overdraw_elsewhere(server: Server, store: str, member: str, amount: int) -> None:
    """Another till of the store overdraws the member: the server hotlists it."""
    other = RawTerminal.create(server, store)
    result = other.push([other.spend(member, amount)]).json()["results"][0]
    assert result["flags"] == ["stored_value_overdraft"]


def hotlisted(till: Till, member: str) -> bool:
    with till.local.store.session() as session:
        return localdb.hotlisted(session, member)


def test_a_kept_refusal_is_delivered_reported_and_the_round_goes_on_to_the_pull(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN a till with [top-up, an unbookable sale, top-up] waiting and a hotlist change on
    the server WHEN it syncs THEN all three are delivered (none waiting, never sent again),
    the sale is reported refused with its reason, and the hotlist arrives in that round."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    member = till.enrol()
    till.top_up(member, 700)
    first = till.sync()
    assert first.pushed == 2 and not first.problems
    overdraw_elsewhere(server, store, member, 1000)

    till.top_up(member, 100)
    kept = append_unbookable(till, member)
    till.top_up(member, 50)
    report = till.sync()
    assert report.problems == [] and report.waiting == 0
    assert report.pushed == 2
    assert len(report.refused) == 1 and kept in report.refused[0]
    assert f"unknown account {NEW_ACCOUNT!r}" in report.refused[0]
    assert hotlisted(till, member)  # pulled in the same round
    with till.local.store.session() as session:
        assert localdb.pushed_seq(session) == localdb.head_seq(session) == 5
        assert session.get_meta(localdb.LAST_ERROR) == ""
    assert ledger.scalar("SELECT kind FROM flags WHERE event_id = :e", e=kept) \
        == "unbookable_event"

    again = till.sync()  # nothing is sent again
    assert again.pushed == again.already == 0 and again.refused == [] and again.waiting == 0
    till.close()


def test_a_broken_event_stops_the_push_but_the_round_still_pulls_then_fails_plainly(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN a till whose journal has an event whose content no longer matches its hash
    WHEN it syncs THEN the events before it are delivered, it and the ones after stay
    waiting, the round fails naming it, and the hotlist still arrives."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    member = till.enrol()
    till.top_up(member, 700)
    assert till.sync().pushed == 2
    overdraw_elsewhere(server, store, member, 1000)
    till.top_up(member, 100)
    till.top_up(member, 200)
    till.top_up(member, 300)
    with till.local.store.session(write=True) as session:  # the journal is damaged
        broken = session.conn.execute(text("SELECT id FROM events WHERE seq = 4")).scalar()
        session.conn.execute(text("UPDATE events SET body = replace(body, '200', '201') "
                                  "WHERE seq = 4"))

    def round_pulls_the_hotlist() -> bool:
        with till.transport() as transport, pytest.raises(PushRefused) as refused:
            run_round(till.local.store, till.creds, transport)
        assert refused.value.message == (
            f"The server refused an event: event #4 ({broken}): refused: content does not "
            "match its hash")
        return hotlisted(till, member)

    assert eventually(round_pulls_the_hotlist)
    with till.local.store.session() as session:
        assert localdb.pushed_seq(session) == 3 and localdb.pending_count(session) == 2
        assert "content does not match its hash" in (session.get_meta(localdb.LAST_ERROR)
                                                     or "")
    assert ledger.scalar("SELECT head_seq FROM terminals WHERE id = :t",
                         t=till.local.terminal_id) == 3
    till.close()

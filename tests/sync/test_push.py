"""Push: idempotent by event id, chained per terminal, per-event reasons, never bounced for
business reasons. Runs against SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from synckit import Ledger, RawTerminal, Server

from terminal.ledger import hash_canonical


def test_the_same_batch_pushed_concurrently_and_repeatedly_applies_exactly_once(
        server: Server, ledger: Ledger) -> None:
    """GIVEN one batch of 40 events WHEN 8 clients push it at once, twice each
    THEN every event is applied once: one row each, postings once, balances equal postings."""
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    batch = [enrol, term.top_up(member, 1000)]
    batch += [term.spend(member, 10) for _ in range(19)]
    batch += [term.earn(member, 5) for _ in range(19)]

    def push_twice(_: int) -> list[str]:
        statuses = []
        for _round in range(2):
            response = term.push(batch)
            assert response.status_code == 200, response.text
            statuses += [r["status"] for r in response.json()["results"]]
        return statuses

    with ThreadPoolExecutor(8) as pool:
        outcomes = [s for statuses in pool.map(push_twice, range(8)) for s in statuses]
    assert outcomes.count("applied") == len(batch)
    assert outcomes.count("already_applied") == len(batch) * 15
    assert ledger.scalar("SELECT COUNT(*) FROM events WHERE terminal_id = :t",
                         t=term.terminal_id) == len(batch)
    assert ledger.scalar("SELECT COUNT(*) FROM postings") == 2 + 19 * 2 + 19 * 2
    assert ledger.balance(f"member:{member}") == 1000 - 190
    assert ledger.balance(f"member:{member}", "points") == 95
    assert ledger.balances_match_postings()
    assert all(v == 0 for v in ledger.postings_sum_by_asset().values())


def test_same_id_with_other_content_is_a_409_conflict(server: Server, ledger: Ledger) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    top_up = term.top_up(member, 500)
    assert term.push([enrol, top_up]).status_code == 200
    forged = dict(top_up, body={"member_id": member, "amount": 900})
    response = term.push([forged])
    assert response.status_code == 409
    assert response.json()["results"][0]["status"] == "conflict"
    assert ledger.balance(f"member:{member}") == 500


def test_a_malformed_event_is_refused_with_a_reason_and_does_not_block_the_rest(
        server: Server, ledger: Ledger) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    top_up = term.top_up(member, 300)
    garbage = [{"id": "x"}, {"hello": "world"}, 42]
    response = term.push([enrol, *garbage, top_up])  # type: ignore[list-item]
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "refused", "refused", "refused",
                                              "applied"]
    assert all("malformed" in r["reason"] for r in results[1:4])
    assert ledger.balance(f"member:{member}") == 300


def test_a_broken_chain_or_tampered_content_is_refused_with_a_reason(server: Server) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    assert term.push([enrol]).status_code == 200
    tampered = term.top_up(member, 100)
    tampered = dict(tampered, body={"member_id": member, "amount": 1})
    result = term.push([tampered]).json()["results"][0]
    assert result["status"] == "refused" and "hash" in result["reason"]
    term.seq += 5
    gap = term.top_up(member, 100)
    result = term.push([gap]).json()["results"][0]
    assert result["status"] == "refused" and "gap" in result["reason"]
    unbalanced = RawTerminal.create(server, store)
    _m, e = unbalanced.enrol()
    bad = unbalanced.event("top_up", {}, [[f"member:{member}", "stored_value", 5, None, None]])
    results = unbalanced.push([e, bad]).json()["results"]
    assert results[1]["status"] == "refused" and "balance" in results[1]["reason"]


def test_business_violations_are_accepted_and_flagged_not_bounced(server: Server,
                                                                  ledger: Ledger) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    lot = "lot-1"
    events = [enrol, term.top_up(member, 100), term.spend(member, 250),
              term.earn(member, 10, lot), term.redeem_points(member, 30, lot)]
    results = term.push(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "flagged", "applied",
                                              "flagged"]
    assert results[2]["flags"] == ["stored_value_overdraft"]
    assert results[4]["flags"] == ["points_overdraft"]
    # the shortfall sits in the receivable, the member's stored value is zero, not negative
    assert ledger.balance(f"member:{member}") == 0
    assert ledger.balance("shop:offline_overdraft_receivable") == -150
    assert ledger.balance(f"member:{member}", "points") == -20
    assert ledger.scalar("SELECT hotlisted FROM members WHERE id = :m", m=member) in (1, True)
    # a later top-up repays the receivable first, then the points are earned back
    more = [term.top_up(member, 200), term.earn(member, 20)]
    assert [r["status"] for r in term.push(more).json()["results"]] == ["applied", "applied"]
    assert ledger.balance(f"member:{member}") == 50
    assert ledger.balance("shop:offline_overdraft_receivable") == 0
    assert ledger.scalar("SELECT hotlisted FROM members WHERE id = :m", m=member) in (0, False)
    assert ledger.balances_match_postings()


def test_two_server_processes_share_one_port_and_stop_together(pg_database_url: str,
                                                                 tmp_path: Path) -> None:
    """GIVEN `loyalty-server --workers 2` (one SO_REUSEPORT socket per process) WHEN many
    terminals push on their own connections THEN every push applies, and stopping the
    server stops both processes (the port is free again)."""
    server = Server(pg_database_url, subprocess_mode=True, workdir=tmp_path, workers=2).start()
    try:
        store = server.new_store()
        terms = [RawTerminal.create(server, store) for _ in range(8)]

        def push(term: RawTerminal) -> list[str]:
            member, enrol = term.enrol()
            response = term.push([enrol, term.top_up(member, 100), term.spend(member, 30)])
            assert response.status_code == 200, response.text
            return [r["status"] for r in response.json()["results"]]

        with ThreadPoolExecutor(8) as pool:
            statuses = [s for result in pool.map(push, terms) for s in result]
        assert statuses == ["applied"] * 24
    finally:
        server.stop()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", server.port))  # nothing listens any more


def unknown_asset(term: RawTerminal, member: str) -> dict[str, Any]:
    """A well-chained sale in an asset this server does not know (a newer terminal's)."""
    return term.event("sale", {"member_id": member, "amount": 100}, [
        [f"member:{member}", "gold", 5, None, None], ["shop:points_issued", "gold", -5, None,
                                                       None]])


def test_an_unbookable_event_is_kept_refused_and_flagged_and_does_not_block_the_chain(
        server: Server, ledger: Ledger) -> None:
    """GIVEN [top-up, a sale in an unknown asset, top-up] after an enrolment WHEN pushed
    THEN the top-ups apply, the sale is refused with its reason but kept (the head is past it,
    no postings, a flag for the manager); pushing all of it again answers the same, posts
    nothing new, and the next event chains on."""
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    assert term.push([enrol]).status_code == 200
    batch = [term.top_up(member, 300), unknown_asset(term, member), term.top_up(member, 200)]
    response = term.push(batch)
    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert [r["status"] for r in results] == ["applied", "refused", "applied"]
    assert "unknown asset 'gold'" in results[1]["reason"]
    assert results[1]["flags"] == ["unbookable_event"] and results[1]["seq"] == 3
    assert body["head_seq"] == 4 and body["head_hash"] == batch[2]["hash"]
    assert ledger.balance(f"member:{member}") == 500
    assert ledger.scalar("SELECT COUNT(*) FROM postings WHERE event_id = :e",
                         e=batch[1]["id"]) == 0
    kept = ledger.rows("SELECT seq, member_id, result FROM events WHERE id = :e",
                       e=batch[1]["id"])
    assert kept[0][0] == 3 and kept[0][1] is None and "unknown asset" in kept[0][2]
    flags = ledger.rows("SELECT kind, event_id, detail, member_id FROM flags")
    assert [(f[0], f[1], f[3]) for f in flags] == [("unbookable_event", batch[1]["id"], member)]
    assert "unknown asset 'gold'" in flags[0][2]
    postings = ledger.scalar("SELECT COUNT(*) FROM postings")

    again = term.push([enrol, *batch]).json()
    assert [r["status"] for r in again["results"]] == ["already_applied"] * 2 + [
        "refused", "already_applied"]
    assert again["results"][2]["reason"] == results[1]["reason"]
    assert again["results"][2]["flags"] == ["unbookable_event"]
    assert again["head_seq"] == 4
    assert ledger.scalar("SELECT COUNT(*) FROM postings") == postings
    assert ledger.scalar("SELECT COUNT(*) FROM flags") == 1
    assert [r["status"] for r in term.push([term.spend(member, 50)]).json()["results"]] == [
        "applied"]
    assert ledger.balance(f"member:{member}") == 450
    assert ledger.balances_match_postings()
    # the manager sees it in the flags list
    listed = term.call("GET", "/v1/sync/conflicts").json()
    assert [f["kind"] for f in listed] == ["unbookable_event"]


def test_an_unknown_kind_alone_and_twice_in_one_batch_is_kept_once(server: Server,
                                                                  ledger: Ledger) -> None:
    store = server.new_store()
    term = RawTerminal.create(server, store)
    odd = term.event("gift_wrap", {"note": "a newer terminal's kind"}, [])
    results = term.push([odd, odd]).json()["results"]
    assert [r["status"] for r in results] == ["refused", "refused"]
    assert all("unknown event kind 'gift_wrap'" in r["reason"] for r in results)
    assert ledger.scalar("SELECT head_seq FROM terminals WHERE id = :t",
                         t=term.terminal_id) == 1
    assert ledger.scalar("SELECT COUNT(*) FROM events WHERE id = :e", e=odd["id"]) == 1


def test_an_event_whose_hash_does_not_verify_blocks_the_events_behind_it_plainly(
        server: Server, ledger: Ledger) -> None:
    """A broken event cannot be chained (its hash is not trusted): it stays refused and the
    events after it are refused with a reason naming it, until it arrives intact."""
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    good = term.top_up(member, 100)
    tampered = dict(term.top_up(member, 100), body={"member_id": member, "amount": 1})
    after = term.top_up(member, 100)
    results = term.push([enrol, good, tampered, after]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "refused", "refused"]
    assert results[2]["reason"] == "content does not match its hash"
    assert results[3]["reason"].startswith(f"waits for event #3 ({tampered['id']}), which was "
                                           "refused (content does not match its hash)")
    assert ledger.scalar("SELECT head_seq FROM terminals WHERE id = :t",
                         t=term.terminal_id) == 2
    assert ledger.scalar("SELECT COUNT(*) FROM flags") == 0
    # an event that cannot even be read blocks in the same way
    garbled = {k: v for k, v in after.items() if k != "hash"}
    results = term.push([garbled, term.top_up(member, 5)]).json()["results"]
    assert results[0]["status"] == "refused" and "malformed" in results[0]["reason"]
    assert results[1]["reason"].startswith("waits for the event at position 1 of this push")


def untimed_sale(term: RawTerminal, member: str, paid: int) -> dict[str, Any]:
    """A sale with sound postings whose time has no zone: kept but not booked."""
    sale = term.event("sale", {"member_id": member, "amount": paid,
                               "stored_value_paid": paid}, [
        [f"member:{member}", "stored_value", -paid, None, None],
        ["shop:stored_value_spent", "stored_value", paid, None, None]])
    sale["occurred_at"] = "2026-12-04T23:30:00.000000"
    del sale["hash"]
    sale["hash"] = hash_canonical(sale)
    term.head = sale["hash"]
    return sale


def void_of(term: RawTerminal, sale: dict[str, Any]) -> dict[str, Any]:
    return term.event("void", {"member_id": sale["body"]["member_id"],
                               "voided_event_id": sale["id"], "voided_kind": "sale",
                               "voided": sale["body"], "reason": ""},
                      [[a, s, -amount, lot, exp] for a, s, amount, lot, exp in sale["postings"]])


@pytest.mark.parametrize("together", [True, False], ids=["same push", "later push"])
def test_a_void_of_an_event_kept_without_booking_is_not_booked_either(
        server: Server, ledger: Ledger, together: bool) -> None:
    """The review's case: a sale kept unbooked (its time has no zone) whose postings are
    sound, then its void: booking the void's reversal would credit stored value that was
    never debited. The void is kept unbooked too, with a reason naming the sale."""
    term = RawTerminal.create(server, server.new_store())
    member, enrol = term.enrol()
    top_up = term.top_up(member, 100)
    sale = untimed_sale(term, member, 40)
    void = void_of(term, sale)
    batches = [[enrol, top_up, sale, void]] if together else [[enrol, top_up, sale], [void]]
    statuses = [r for b in batches for r in term.push(b).json()["results"]]
    assert [r["status"] for r in statuses] == ["applied", "applied", "refused", "refused"]
    assert statuses[3]["reason"] == (f"it voids event {sale['id']}, which the server kept "
                                     "without booking it")
    assert ledger.balance(f"member:{member}") == 100
    assert ledger.balances_match_postings()


def test_an_event_with_a_nul_character_is_refused_like_malformed_json(
        server: Server, ledger: Ledger) -> None:
    """No database keeps a NUL in text: such an event is refused as unreadable (the push is
    no 500, the events before it apply, those behind it wait for it)."""
    term = RawTerminal.create(server, server.new_store())
    member, enrol = term.enrol()
    good = term.top_up(member, 100)
    odd = term.event("sale", {"member_id": member, "note": "a\x00b"}, [])
    odd["cashier_id"] = "cash\x00ier"
    response = term.push([enrol, good, odd, term.top_up(member, 5)])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "refused", "refused"]
    assert "NUL character" in results[2]["reason"]
    assert ledger.scalar("SELECT head_seq FROM terminals WHERE id = :t",
                         t=term.terminal_id) == 2

"""Store scoping: a terminal reads only its own store's members (pull, check, authorise) and
pushes only as itself; an event touching another store's member is accepted and flagged.
Runs against SQLite and PostgreSQL."""

from __future__ import annotations

from synckit import Ledger, RawTerminal, Server


def test_a_terminal_cannot_read_another_stores_members_through_pull_or_check(
        server: Server, ledger: Ledger) -> None:
    """GIVEN store 1 with terminal A and store 2 with terminals B and B2, members enrolled
    and imported on both sides WHEN A pulls, checks and asks to authorise
    THEN it sees only store 1's members, and the config that is for every store."""
    store_1, store_2 = server.new_store("One"), server.new_store("Two")
    a = RawTerminal.create(server, store_1)
    b = RawTerminal.create(server, store_2)
    b2 = RawTerminal.create(server, store_2)
    mine, enrol_a = a.enrol()
    assert a.push([enrol_a, a.top_up(mine, 100)]).status_code == 200
    theirs, enrol_b = b.enrol()
    assert b.push([enrol_b, b.top_up(theirs, 500)]).status_code == 200
    server.admin("PUT", "/v1/admin/config/offline-limits", {"per_transaction": 700})
    imported = server.admin("POST", "/v1/admin/members/import", {
        "store_id": store_2, "members": [{"card_number": "880000000013", "name": "Lin"}]}
    )["ids"][0]

    # store 2's terminal gets its members: every row written so far is visible to pulls now
    assert set(b2.pull_all(expect={theirs, imported})) == {theirs, imported}
    assert set(a.pull_all()) == {mine}
    page = a.call("GET", "/v1/sync/pull", params={"cursor": "0"}).json()
    assert page["config"]["offline_limits"]["per_transaction"] == 700

    answer = a.check([(mine, "stale"), (theirs, "stale"), (imported, "stale")])
    assert [m["id"] for m in answer["members"]] == [mine]

    refused = a.authorise(theirs, 10, "01a00000-0000-7000-8000-000000000001")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_member"
    # not even the balance leaks (the member's id, which the message names, is random hex)
    assert "500" not in refused.text.replace(theirs, "")
    assert ledger.scalar("SELECT COUNT(*) FROM holds") == 0


def test_a_terminal_cannot_push_as_another_terminal_or_for_another_store(
        server: Server, ledger: Ledger) -> None:
    store_1, store_2 = server.new_store("One"), server.new_store("Two")
    a = RawTerminal.create(server, store_1)
    b = RawTerminal.create(server, store_2)
    _member, as_b = b.enrol()
    result = a.push([as_b]).json()["results"][0]  # B's event with A's credential
    assert result["status"] == "refused" and "own events" in result["reason"]
    assert ledger.scalar("SELECT COUNT(*) FROM events") == 0
    a.store_id = store_2
    _m, mine = a.enrol()
    wrong_store = a.push([mine])
    assert wrong_store.status_code == 403
    assert wrong_store.json()["error"]["code"] == "wrong_store"


def test_events_touching_another_stores_member_are_accepted_flagged_and_not_revealed(
        server: Server, ledger: Ledger) -> None:
    """GIVEN a member of store 2 WHEN a terminal of store 1 pushes a sale debiting it and a
    PIN change for it THEN the chain goes on (accepted), both are flagged foreign_member,
    the PIN is not changed, and only store 2's terminals pull the member's new state."""
    store_1, store_2 = server.new_store("One"), server.new_store("Two")
    a = RawTerminal.create(server, store_1)
    b = RawTerminal.create(server, store_2)
    theirs, enrol_b = b.enrol(pin_hash="scrypt$original")
    assert b.push([enrol_b, b.top_up(theirs, 500)]).status_code == 200
    b.pull_all(expect={theirs})
    a.pull_all()

    spend = a.spend(theirs, 600)  # more than the member has: an overdraft of 100
    pin = a.member_pin(theirs, "scrypt$attacker")
    results = a.push([spend, pin]).json()["results"]
    assert [r["status"] for r in results] == ["flagged", "flagged"]
    assert all(r["flags"] == ["foreign_member"] for r in results)
    assert ledger.scalar("SELECT pin_hash FROM members WHERE id = :m", m=theirs) \
        == "scrypt$original"
    assert ledger.balance(f"member:{theirs}") == 0
    assert ledger.balance("shop:offline_overdraft_receivable") == -100
    seen_by_1 = a.call("GET", "/v1/sync/conflicts").json()
    seen_by_2 = b.call("GET", "/v1/sync/conflicts").json()
    assert [f["kind"] for f in seen_by_1] == ["foreign_member"] * 2  # nothing of the balance
    assert sorted(f["kind"] for f in seen_by_2) == ["foreign_member", "foreign_member",
                                                     "stored_value_overdraft"]
    assert {f["store_id"] for f in seen_by_1} == {store_1}
    assert {f["store_id"] for f in seen_by_2} == {store_2}
    assert all(a.terminal_id in f["detail"] for f in seen_by_2
               if f["kind"] == "foreign_member")
    # the chain continues after the flagged events; an enrolment reusing store 2's member
    # id does not take the member over
    mine, enrol_a = a.enrol()
    _same, takeover = a.enrol(member_id=theirs)
    results = a.push([enrol_a, takeover]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "flagged"]
    assert ledger.scalar("SELECT store_id FROM members WHERE id = :m", m=theirs) == store_2

    assert set(a.pull_all(a.cursor, expect={mine})) == {mine}
    refreshed = b.pull_all(b.cursor, expect={theirs})
    assert refreshed[theirs]["balances"]["stored_value"] == 0
    assert refreshed[theirs]["hotlisted"] is True

"""Member code secrets and PIN hashes travel through the server: in the enrol event, in
``member_pin`` events, out to the terminals of the member's store, and to the admin for the
phone app. Runs against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import create_engine, text
from synckit import Ledger, RawTerminal, Server
from test_admin_cli import admin

from terminal.member_codes import new_member_secret

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_an_enrolled_members_secret_and_pin_reach_the_other_terminals_of_its_store(
        server: Server, ledger: Ledger) -> None:
    store = server.new_store()
    till_1, till_2 = RawTerminal.create(server, store), RawTerminal.create(server, store)
    secret = new_member_secret().hex()
    member, enrol = till_1.enrol(code_secret=secret, pin_hash="scrypt$16384$8$1$salt$hash")
    assert till_1.push([enrol]).json()["results"][0]["status"] == "applied"

    pulled = till_2.pull_all(expect={member})[member]
    assert pulled["code_secret"] == secret
    assert pulled["pin_hash"] == "scrypt$16384$8$1$salt$hash"

    change = till_1.member_pin(member, "scrypt$16384$8$1$salt$other")
    assert till_1.push([change]).json()["results"][0]["status"] == "applied"
    again = till_2.pull_all(till_2.cursor, expect={member})[member]
    assert again["pin_hash"] == "scrypt$16384$8$1$salt$other"
    assert again["code_secret"] == secret
    assert ledger.scalar("SELECT COUNT(*) FROM postings") == 0


def test_a_member_without_a_good_secret_gets_one_made_by_the_server(
        server: Server, ledger: Ledger) -> None:
    store = server.new_store()
    till = RawTerminal.create(server, store)
    plain, enrol_plain = till.enrol()  # an older terminal: no secret, no PIN
    odd, enrol_odd = till.enrol(code_secret="ABC", pin_hash=42)
    results = till.push([enrol_plain, enrol_odd]).json()["results"]
    assert results[0]["status"] == "applied"
    assert results[1]["status"] == "flagged"
    assert set(results[1]["flags"]) == {"invalid_member_secret", "invalid_pin_hash"}
    members = till.pull_all(expect={plain, odd})
    assert HEX64.match(members[plain]["code_secret"]) and members[plain]["pin_hash"] is None
    assert HEX64.match(members[odd]["code_secret"]) and members[odd]["pin_hash"] is None
    assert members[plain]["code_secret"] != members[odd]["code_secret"]


def test_member_pin_events_are_checked_and_never_change_an_unknown_member(
        server: Server, ledger: Ledger) -> None:
    store = server.new_store()
    till = RawTerminal.create(server, store)
    stranger = "01a00000-0000-7000-8000-00000000dead"
    unknown = till.member_pin(stranger, "scrypt$x")
    results = till.push([unknown]).json()["results"]
    assert results[0]["status"] == "flagged" and results[0]["flags"] == ["unknown_member"]
    assert ledger.scalar("SELECT COUNT(*) FROM members") == 0

    other = RawTerminal.create(server, store)
    bad = other.event("member_pin", {"member_id": stranger, "pin_hash": 1234}, [])
    result = other.push([bad]).json()["results"][0]
    assert result["status"] == "refused" and "pin_hash" in result["reason"]
    with_postings = RawTerminal.create(server, store)
    wrong = with_postings.event("member_pin", {"member_id": stranger, "pin_hash": "x"}, [
        [f"member:{stranger}", "points", 5, None, None],
        ["shop:points_issued", "points", -5, None, None]])
    result = with_postings.push([wrong]).json()["results"][0]
    assert result["status"] == "refused" and "no postings" in result["reason"]


def test_imported_members_get_a_secret_the_admin_can_show_for_the_phone_app(
        database_url: str, tmp_path: Path) -> None:
    assert admin(database_url, "init")[0] == 0  # a new database: only `init` creates one
    code, store = admin(database_url, "create-store", "Main")
    assert code == 0
    members = f"{tmp_path}/members.json"
    with open(members, "w", encoding="utf-8") as out:
        out.write('[{"card_number": "880000000013", "name": "Lin"}]')
    code, imported = admin(database_url, "import-members", members, "--store", store["id"])
    assert code == 0
    member = imported["ids"][0]
    code, shown = admin(database_url, "member-secret", member)
    assert code == 0 and HEX64.match(shown["code_secret"])
    assert shown["uri"] == f"LMS1:{member}:{shown['code_secret']}"
    assert admin(database_url, "member-secret", member)[1] == shown  # stable
    assert admin(database_url, "member-secret", "nobody")[0] == 1
    # a store is required: imported members belong to one
    assert admin(database_url, "import-members", members, "--store", "nope")[0] == 1


def test_a_pin_change_leaves_a_hotlisted_member_hotlisted(server: Server,
                                                          ledger: Ledger) -> None:
    store = server.new_store()
    till = RawTerminal.create(server, store)
    member, enrol = till.enrol()
    overdraw = till.redeem_points(member, 30, "lot-1")  # points past zero: hotlisted
    assert till.push([enrol, overdraw]).json()["results"][1]["flags"] == ["points_overdraft"]
    assert ledger.scalar("SELECT hotlisted FROM members WHERE id = :m", m=member)
    assert till.push([till.member_pin(member, "scrypt$new")]).status_code == 200
    assert ledger.scalar("SELECT hotlisted FROM members WHERE id = :m", m=member)
    assert ledger.scalar("SELECT pin_hash FROM members WHERE id = :m", m=member) == "scrypt$new"


def test_issue_missing_gives_secrets_to_members_from_before_secrets(
        server: Server, ledger: Ledger) -> None:
    """GIVEN members of two stores whose rows have no secret (enrolled before secrets
    existed) WHEN the admin runs member-secret --issue-missing [--store S] THEN each gets one,
    the store's terminals pull it, the secrets are not printed, and a second run issues none."""
    store, other = server.new_store("Main"), server.new_store("Other")
    till, far = RawTerminal.create(server, store), RawTerminal.create(server, other)
    kept, enrol_kept = till.enrol(code_secret=new_member_secret().hex())
    old_1, enrol_1 = till.enrol()
    old_2, enrol_2 = till.enrol()
    old_far, enrol_far = far.enrol()
    assert till.push([enrol_kept, enrol_1, enrol_2]).status_code == 200
    assert far.push([enrol_far]).status_code == 200
    before = ledger.scalar("SELECT code_secret FROM members WHERE id = :m", m=kept)
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as conn:  # as the rows of a server from before secrets
            conn.execute(text("UPDATE members SET code_secret = NULL WHERE id <> :m"),
                         {"m": kept})
    finally:
        engine.dispose()
    till.pull_all(expect={kept, old_1, old_2})  # the feed so far

    code, issued = admin(server.database_url, "member-secret", "--issue-missing",
                         "--store", store)
    assert code == 0
    assert issued == {"issued": 2, "ids": sorted([old_1, old_2])}
    for member in (old_1, old_2):
        secret = ledger.scalar("SELECT code_secret FROM members WHERE id = :m", m=member)
        assert HEX64.match(secret) and secret not in json.dumps(issued)
    assert ledger.scalar("SELECT code_secret FROM members WHERE id = :m", m=old_far) is None
    assert ledger.scalar("SELECT code_secret FROM members WHERE id = :m", m=kept) == before
    pulled = till.pull_all(till.cursor, expect={old_1, old_2})
    for member in (old_1, old_2):
        assert pulled[member]["code_secret"] == ledger.scalar(
            "SELECT code_secret FROM members WHERE id = :m", m=member)
    assert admin(server.database_url, "member-secret", "--issue-missing", "--store",
                 store)[1] == {"issued": 0, "ids": []}
    code, everywhere = admin(server.database_url, "member-secret", "--issue-missing")
    assert code == 0 and everywhere == {"issued": 1, "ids": [old_far]}
    assert admin(server.database_url, "member-secret", "--issue-missing", "--store",
                 "nope")[0] == 1
    assert admin(server.database_url, "member-secret")[0] == 2  # neither an id nor the flag
    assert admin(server.database_url, "member-secret", old_1, "--issue-missing")[0] == 2

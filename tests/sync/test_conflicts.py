"""Money rules across terminals: offline overdrafts, double voucher redemption, the hotlist,
online authorisation, offline limits. Real tills (SQLite files) against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from synckit import Ledger, RawTerminal, Server, make_till

from sync.client import localdb
from terminal.errors import InsufficientBalance
from terminal.limits import OfflineRefused
from terminal.store import tables as t
from terminal.store.verify import verify_store


@pytest.mark.parametrize("order", ["a_first", "b_first"])
def test_two_offline_terminals_spend_one_balance_and_one_voucher_in_either_order(
        server: Server, ledger: Ledger, order: str) -> None:
    """GIVEN a member with NT$1,000 and a NT$300 voucher WHEN two terminals offline each take
    NT$700 and the voucher, then sync in either order THEN the postings are the same: NT$400
    receivable, one NT$300 loss, one flag each, and both terminals see the hotlist."""
    store = server.new_store()
    a, b = RawTerminal.create(server, store), RawTerminal.create(server, store)
    member, enrol = a.enrol()
    assert a.push([enrol, a.top_up(member, 1000)]).status_code == 200
    server.admin("POST", "/v1/admin/vouchers", {"id": "V-300", "face_value": 300})
    batches = {"a": [a.spend(member, 700), a.redeem_voucher("V-300", 300, member)],
               "b": [b.spend(member, 700), b.redeem_voucher("V-300", 300, member)]}
    terms = {"a": a, "b": b}
    sequence = "ab" if order == "a_first" else "ba"
    statuses = []
    for name in sequence:
        response = terms[name].push(batches[name])
        assert response.status_code == 200
        statuses.append([r["status"] for r in response.json()["results"]])
    assert statuses == [["applied", "applied"], ["flagged", "flagged"]]

    assert ledger.balance(f"member:{member}") == 0
    assert ledger.balance("shop:offline_overdraft_receivable") == -400
    assert ledger.balance("shop:voucher_double_redemption_loss") == 300
    kinds = sorted(r[0] for r in ledger.rows("SELECT kind FROM flags"))
    assert kinds == ["stored_value_overdraft", "voucher_double_redemption"]
    loser = terms[sequence[1]].terminal_id
    assert ledger.scalar("SELECT terminal_id FROM flags WHERE kind = 'voucher_double_redemption'"
                         ) == loser
    assert ledger.scalar("SELECT status FROM vouchers WHERE id = 'V-300'") == "redeemed"
    assert all(v == 0 for v in ledger.postings_sum_by_asset().values())
    assert ledger.balances_match_postings()
    for term in (a, b):
        pulled = term.pull_all()[member]
        assert pulled["hotlisted"] is True and "overdraft 400" in pulled["hotlist_reason"]
        assert pulled["balances"]["stored_value"] == 0


def test_offline_tills_overdraw_one_member_and_the_hotlist_reaches_both(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    store = server.new_store()
    a = make_till(tmp_path / "a", server, store)
    b = make_till(tmp_path / "b", server, store)
    try:
        member = a.enrol("Lin")
        a.top_up(member, 1500)
        a.sync()
        b.sync()
        assert b.service.member_view(member).stored_value == 1500  # pulled from the server

        a.online = b.online = False
        a.pay(member, 1000)
        with pytest.raises(OfflineRefused, match="per sale"):
            b.pay(member, 1001, total=2000)
        b.pay(member, 1000)
        a.online = b.online = True
        a.sync()
        b.sync()
        a.sync()

        assert ledger.balance(f"member:{member}") == 0
        assert ledger.balance("shop:offline_overdraft_receivable") == -500
        for till in (a, b):
            with till.local.store.session() as session:
                assert localdb.hotlisted(session, member)
                assert localdb.pending_count(session) == 0
            assert till.service.member_view(member).stored_value == 0
        a.online = False
        with pytest.raises(InsufficientBalance):
            a.pay(member, 10)
        assert verify_store(a.local.store).ok
    finally:
        a.close()
        b.close()


def test_online_debits_are_authorised_by_the_server_so_none_overdraws(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    store = server.new_store()
    a = make_till(tmp_path / "a", server, store)
    b = make_till(tmp_path / "b", server, store)
    try:
        member = a.enrol()
        a.top_up(member, 1000)
        a.sync()
        b.sync()
        a.pay(member, 800)  # the server holds 800 for this sale
        with pytest.raises(InsufficientBalance, match="200 available"):
            b.pay(member, 800)  # b still believes 1000, the server says no
        b.pay(member, 200)
        a.sync()
        b.sync()
        assert ledger.balance(f"member:{member}") == 0
        assert ledger.scalar("SELECT SUM(held) FROM balances") == 0
        assert ledger.scalar("SELECT COUNT(*) FROM flags") == 0
    finally:
        a.close()
        b.close()


def test_offline_limits_pulled_from_the_server_are_enforced_with_plain_messages(
        server: Server, tmp_path: Path) -> None:
    store = server.new_store()
    server.admin("PUT", "/v1/admin/config/offline-limits",
                 {"per_transaction": 300, "per_member_total": 500, "per_member_debits": 2,
                  "per_terminal_total": 20000, "max_offline_hours": 24,
                  "voucher_face_max": 500})
    a = make_till(tmp_path / "a", server, store)
    try:
        member = a.enrol()
        a.top_up(member, 5000)
        a.sync()
        a.online = False
        with pytest.raises(OfflineRefused, match="NT\\$300 of stored value can be used per sale"):
            a.pay(member, 301)
        a.pay(member, 300)
        with pytest.raises(OfflineRefused, match="only NT\\$200 more"):
            a.pay(member, 250)
        a.pay(member, 200)
        with pytest.raises(OfflineRefused, match="at most 2 times"):
            a.pay(member, 1)
        a.online = True
        a.sync()  # a new offline period starts after a successful sync
        a.online = False
        a.pay(member, 300)
        with a.local.store.session() as session:
            assert localdb.offline_usage(session, member).member_spent == 300
    finally:
        a.close()


def test_a_member_whose_local_snapshot_drifted_is_reloaded_by_the_balance_check(
        sqlite_server: Server, tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    try:
        member = till.enrol()
        till.top_up(member, 300)
        till.sync()
        with till.local.store.session(write=True) as session:
            session.conn.execute(update(t.member_snapshots).where(
                t.member_snapshots.c.member_id == member,
                t.member_snapshots.c.asset == "stored_value").values(balance=999))
        assert till.service.member_view(member).stored_value == 999
        report = till.sync()
        assert report.reloaded == 1
        assert till.service.member_view(member).stored_value == 300
    finally:
        till.close()

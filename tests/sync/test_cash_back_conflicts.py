"""Cash-back across terminals. Online, the server holds each cash-back spend (like stored
value): a second till spending the same cash-back is refused and nothing overdraws; a sale
refused for one of its payments leaves nothing held. Offline, two tills spending the same
cash-back are flagged and the member hotlisted whatever the sync order; a hotlisted member
cannot spend cash-back offline, and cash-back counts against the offline limits. Real tills
(SQLite files) against a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from synckit import Ledger, RawTerminal, Server, Till, make_till

from sync.client import localdb
from terminal.errors import InsufficientBalance
from terminal.ledger import Asset
from terminal.limits import OfflineRefused
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.store.verify import verify_store


def credit(term: RawTerminal, member: str, amount: int) -> dict[str, Any]:
    """A sale that gave the member ``amount`` of cash-back (as a cash-back programme does)."""
    return term.event("sale", {"member_id": member, "amount": amount * 10}, [
        [f"member:{member}", "cash_back", amount, None, None],
        ["shop:cash_back_issued", "cash_back", -amount, None, None]])


def spend(term: RawTerminal, member: str, amount: int) -> dict[str, Any]:
    return term.event("sale", {"member_id": member, "amount": amount,
                               "cash_back_paid": amount}, [
        [f"member:{member}", "cash_back", -amount, None, None],
        ["shop:cash_back_redeemed", "cash_back", amount, None, None]])


@pytest.mark.parametrize("order", ["a_first", "b_first"])
def test_two_offline_tills_spending_one_cash_back_are_flagged_in_either_order(
        server: Server, ledger: Ledger, order: str) -> None:
    """GIVEN a member with NT$300 cash-back WHEN two terminals each spend NT$200 of it offline
    and sync in either order THEN both sales apply, the later one is flagged
    ``cash_back_overdraft`` 100, the member is hotlisted on both, and a NT$100 credit lifts it."""
    store = server.new_store()
    a, b = RawTerminal.create(server, store), RawTerminal.create(server, store)
    member, enrol = a.enrol()
    assert a.push([enrol, credit(a, member, 300)]).status_code == 200
    batches = {"a": [spend(a, member, 200)], "b": [spend(b, member, 200)]}
    terms = {"a": a, "b": b}
    sequence = "ab" if order == "a_first" else "ba"
    statuses = []
    for name in sequence:
        response = terms[name].push(batches[name])
        assert response.status_code == 200
        statuses.append([(r["status"], r.get("flags", [])) for r in response.json()["results"]])
    assert statuses == [[("applied", [])], [("flagged", ["cash_back_overdraft"])]]

    assert ledger.balance(f"member:{member}", "cash_back") == -100
    assert ledger.rows("SELECT kind, amount, terminal_id FROM flags") == [
        ("cash_back_overdraft", 100, terms[sequence[1]].terminal_id)]
    assert all(v == 0 for v in ledger.postings_sum_by_asset().values())
    assert ledger.balances_match_postings()
    for term in (a, b):
        pulled = term.pull_all()[member]
        assert pulled["hotlisted"] is True
        assert pulled["hotlist_reason"] == "cash-back balance -100"
        assert pulled["balances"]["cash_back"] == -100

    assert a.push([credit(a, member, 100)]).json()["results"][0]["status"] == "applied"
    pulled = b.pull_all(b.cursor)[member]
    assert pulled["hotlisted"] is False and pulled["balances"]["cash_back"] == 0


def give_cash_back(server: Server, store: str, till: Till, member: str, amount: int) -> None:
    """The member earns cash-back elsewhere in the store; ``till`` learns it by a pull."""
    raw = RawTerminal.create(server, store)
    assert raw.push([credit(raw, member, amount)]).status_code == 200
    till.sync()


@pytest.fixture
def shared_cash_back(server: Server, tills: tuple[Till, Till]) -> tuple[Till, Till, str]:
    """Two tills of one store and a member enrolled at the first with NT$300 of cash-back,
    which both tills have pulled."""
    a, b = tills
    member = a.enrol("Lin")
    a.sync()
    give_cash_back(server, a.creds.store_id, a, member, 300)
    b.sync()
    return a, b, member


def test_offline_tills_spend_one_cash_back_and_the_hotlist_reaches_both(
        ledger: Ledger, shared_cash_back: tuple[Till, Till, str]) -> None:
    a, b, member = shared_cash_back
    with b.local.store.session() as session:
        assert session.balances(member)[Asset.CASH_BACK] == 300  # pulled from the server
    a.online = b.online = False
    a.service.sale(a.cashier, member, Money(500), cash_back=Money(300))
    b.service.sale(b.cashier, member, Money(400), cash_back=Money(250))
    a.online = b.online = True
    a.sync()
    b.sync()
    a.sync()

    assert ledger.balance(f"member:{member}", "cash_back") == -250
    assert ledger.rows("SELECT kind, amount FROM flags") == [("cash_back_overdraft", 250)]
    for till in (a, b):
        with till.local.store.session() as session:
            assert localdb.hotlisted(session, member)
            assert localdb.pending_count(session) == 0
    assert verify_store(a.local.store).ok


def test_a_hotlisted_member_spends_cash_back_only_when_the_server_holds_it(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """Points redeemed past zero elsewhere (past the welcome points too) hotlist the member:
    offline, the till refuses a cash-back payment with a plain message and records nothing;
    online, the server holds the cash-back (its balance is there), as for stored value."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    try:
        member = till.enrol()
        till.sync()
        raw = RawTerminal.create(server, store)
        assert raw.push([credit(raw, member, 300), raw.earn(member, 10, "lot-1"),
                         raw.redeem_points(member, 200, "lot-1")]).status_code == 200
        till.sync()
        with till.local.store.session() as session:
            assert localdb.hotlisted(session, member)
        till.online = False
        with pytest.raises(OfflineRefused, match="cannot pay with cash-back now") as info:
            till.service.sale(till.cashier, member, Money(500), cash_back=Money(100))
        assert info.value.params["reason"] == "cash_back_hotlisted"
        with till.local.store.session() as session:
            assert localdb.pending_count(session) == 0
        till.service.sale(till.cashier, member, Money(500))  # a plain sale still works
        till.online = True
        till.service.sale(till.cashier, member, Money(500), cash_back=Money(100))
        assert ledger.rows("SELECT asset, amount FROM holds") == [("cash_back", 100)]
        with till.local.store.session() as session:
            assert localdb.offline_usage(session, member).member_spent == 0
        assert not till.sync().problems
        assert ledger.balance(f"member:{member}", "cash_back") == 200
        assert ledger.scalar("SELECT COUNT(*) FROM holds") == 0
    finally:
        till.close()


def test_cash_back_counts_against_the_offline_limits(server: Server, tmp_path: Path) -> None:
    store = server.new_store()
    server.admin("PUT", "/v1/admin/config/offline-limits",
                 {"per_transaction": 300, "per_member_total": 500, "per_member_debits": 3,
                  "per_terminal_total": 20000, "max_offline_hours": 24,
                  "voucher_face_max": 500})
    till = make_till(tmp_path / "till", server, store)
    try:
        member = till.enrol()
        till.top_up(member, 5000)
        till.sync()
        give_cash_back(server, store, till, member, 1000)
        till.online = False
        with pytest.raises(OfflineRefused, match="NT\\$300 of cash-back can be used per sale"):
            till.service.sale(till.cashier, member, Money(1000), cash_back=Money(301))
        till.pay(member, 200)  # stored value, offline
        till.service.sale(till.cashier, member, Money(1000), cash_back=Money(250))
        with till.local.store.session() as session:
            usage = localdb.offline_usage(session, member)
        assert (usage.member_spent, usage.member_debits) == (450, 2)
        with pytest.raises(OfflineRefused, match="only NT\\$50 more cash-back"):
            till.service.sale(till.cashier, member, Money(1000), cash_back=Money(100))
        till.service.sale(till.cashier, member, Money(1000), cash_back=Money(50))
        with pytest.raises(OfflineRefused, match="at most 3 times"):
            till.service.sale(till.cashier, member, Money(1000), cash_back=Money(1))
    finally:
        till.close()


def test_two_online_tills_cannot_spend_one_cash_back_twice(
        ledger: Ledger, shared_cash_back: tuple[Till, Till, str]) -> None:
    """GIVEN a member with NT$300 of cash-back, known to two online tills WHEN each spends
    NT$200 of it before either syncs THEN the server holds the first and refuses the second
    with a plain "not enough cash-back" (nothing recorded there); after the syncs the balance
    is 100, nothing is held, flagged or hotlisted, and the second till can spend the 100."""
    a, b, member = shared_cash_back
    a.service.sale(a.cashier, member, Money(500), cash_back=Money(200))
    with pytest.raises(InsufficientBalance) as info:
        b.service.sale(b.cashier, member, Money(400), cash_back=Money(200))
    assert info.value.params == {"reason": "server_cash_back", "cash_back": 200}
    assert info.value.message == "Not enough cash-back: 100 available, 200 asked."
    with b.local.store.session() as session:
        assert localdb.pending_count(session) == 0
        assert localdb.offline_usage(session, member).member_spent == 0
    with a.local.store.session() as session:
        assert localdb.offline_usage(session, member).member_spent == 0  # held online
    assert ledger.rows("SELECT asset, amount, terminal_id FROM holds") == [
        ("cash_back", 200, a.local.terminal_id)]

    assert not a.sync().problems
    assert not b.sync().problems
    with b.local.store.session() as session:
        assert session.balances(member)[Asset.CASH_BACK] == 100
    b.service.sale(b.cashier, member, Money(400), cash_back=Money(100))
    assert not b.sync().problems
    assert ledger.balance(f"member:{member}", "cash_back") == 0
    assert ledger.scalar("SELECT COUNT(*) FROM holds") == 0
    assert ledger.scalar("SELECT COALESCE(SUM(held), 0) FROM balances") == 0
    assert ledger.rows("SELECT kind FROM flags") == []
    assert not ledger.scalar("SELECT hotlisted FROM members WHERE id = :m", m=member)
    assert ledger.balances_match_postings()


def test_a_sale_refused_for_its_stored_value_leaves_no_cash_back_held(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN NT$500 of stored value and NT$300 of cash-back, NT$200 of the stored value held
    by another till WHEN this till sells paying 500 + 300 THEN the server holds the cash-back,
    refuses the stored value, and the till releases the cash-back at once: the sale paying
    300 + 300 then goes through (the first sale's cash-back is not held twice)."""
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    try:
        member = till.enrol()
        till.top_up(member, 500)
        till.sync()
        give_cash_back(server, store, till, member, 300)
        other = RawTerminal.create(server, store)
        assert other.authorise(member, 200, other.pay(member, 200)["id"]).status_code == 200
        with pytest.raises(InsufficientBalance) as info:
            till.service.sale(till.cashier, member, Money(1_000), stored_value=Money(500),
                              cash_back=Money(300), identified_by=IdentifiedBy.PHONE_CODE)
        assert info.value.params == {"reason": "server", "stored_value": 500}
        assert ledger.rows("SELECT asset, amount FROM holds") == [("stored_value", 200)]
        assert ledger.scalar("SELECT held FROM balances WHERE account = :a AND asset = "
                             "'cash_back'", a=f"member:{member}") == 0
        till.service.sale(till.cashier, member, Money(1_000), stored_value=Money(300),
                          cash_back=Money(300), identified_by=IdentifiedBy.PHONE_CODE)
        assert sorted(ledger.rows("SELECT asset, amount FROM holds WHERE terminal_id = :t",
                                  t=till.local.terminal_id)) == [("cash_back", 300),
                                                                 ("stored_value", 300)]
        assert not till.sync().problems
        assert ledger.balance(f"member:{member}") == 200
        assert ledger.balance(f"member:{member}", "cash_back") == 0
        assert ledger.rows("SELECT asset, amount FROM holds") == [("stored_value", 200)]
        assert ledger.balances_match_postings()
    finally:
        till.close()

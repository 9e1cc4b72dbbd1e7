"""Online authorisations (holds) of stored value and cash-back: never beyond the available
balance, even with two terminals asking at once; one hold per event and asset (a sale paid
with both holds both), consumed by the sale's push, released by the till that refused the
sale. They expire: a sale that failed at the till stops reducing the member's available
balance after ``hold_seconds``; if its event does arrive later it still applies (under the
offline-overdraft rule when short), and a hold is released exactly once, from its own
asset, even while pushes and authorisations race. Runs against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from synckit import Ledger, RawTerminal, Server, make_till

from terminal.errors import InsufficientBalance

HOLD_SECONDS = 3600  # long: a test expires holds itself (expire_holds), never by the clock


@pytest.fixture
def short_holds(database_url: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(database_url, workdir=tmp_path, hold_seconds=HOLD_SECONDS).start()
    yield srv
    srv.stop()


def expire_holds(ledger: Ledger) -> None:
    """Make every hold past its expiry, as the clock would after ``hold_seconds``: a
    1-second hold made the next request race the clock on a loaded machine."""
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE holds SET expires_at = '2000-01-01T00:00:00.000000Z'"))


def funded(server: Server, amount: int) -> tuple[RawTerminal, str]:
    till = RawTerminal.create(server, server.new_store())
    member, enrol = till.enrol()
    assert till.push([enrol, till.top_up(member, amount)]).status_code == 200
    return till, member


def funded_cash_back(server: Server, cash_back: int, stored_value: int = 0
                     ) -> tuple[RawTerminal, str]:
    till = RawTerminal.create(server, server.new_store())
    member, enrol = till.enrol()
    events = [enrol, till.give_cash_back(member, cash_back)]
    if stored_value:
        events.append(till.top_up(member, stored_value))
    assert till.push(events).status_code == 200
    return till, member


def held_matches_holds(ledger: Ledger, member: str,
                       asset: str = "stored_value") -> tuple[int, int]:
    """(the member's ``held`` of ``asset``, the sum of its open holds of that asset)."""
    held = int(ledger.scalar("SELECT COALESCE(SUM(held), 0) FROM balances WHERE account = :a "
                             "AND asset = :s AND shard = ''", a=f"member:{member}", s=asset))
    open_holds = int(ledger.scalar("SELECT COALESCE(SUM(amount), 0) FROM holds "
                                   "WHERE member_id = :m AND asset = :s", m=member, s=asset))
    return held, open_holds


def test_an_expired_hold_no_longer_reduces_the_available_balance(
        database_url: str, short_holds: Server) -> None:
    """GIVEN 1000 stored value and a hold of 800 for a sale that failed at the till
    WHEN 300 more is asked at once THEN it is refused; after the hold expires THEN granted;
    and WHEN the 'failed' sale's event arrives after all THEN it applies, the shortfall goes
    to the offline-overdraft receivable, and nothing stays held."""
    ledger = Ledger(database_url)
    try:
        till, member = funded(short_holds, 1000)
        failed_sale = till.spend(member, 800)
        assert till.authorise(member, 800, failed_sale["id"]).status_code == 200
        second_sale = till.spend(member, 300)
        refused = till.authorise(member, 300, second_sale["id"])
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "insufficient_balance"
        assert "200 available" in refused.json()["error"]["message"]

        expire_holds(ledger)
        granted = till.authorise(member, 300, second_sale["id"])
        assert granted.status_code == 200, granted.text
        assert held_matches_holds(ledger, member) == (300, 300)

        results = till.push([failed_sale, second_sale]).json()["results"]
        assert results[0]["status"] == "applied"
        assert results[1]["status"] == "flagged"
        assert results[1]["flags"] == ["stored_value_overdraft"]
        assert ledger.balance(f"member:{member}") == 0
        assert ledger.balance("shop:offline_overdraft_receivable") == -100
        assert held_matches_holds(ledger, member) == (0, 0)
        assert ledger.balances_match_postings()
    finally:
        ledger.close()


def test_a_hold_not_yet_expired_is_consumed_by_its_event(server: Server,
                                                         ledger: Ledger) -> None:
    till, member = funded(server, 500)
    sale = till.spend(member, 400)
    assert till.authorise(member, 400, sale["id"]).json()["expires_at"] > sale["occurred_at"]
    assert till.authorise(member, 400, sale["id"]).status_code == 200  # a retry: same hold
    assert held_matches_holds(ledger, member) == (400, 400)
    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    assert held_matches_holds(ledger, member) == (0, 0)
    assert ledger.balance(f"member:{member}") == 100


@pytest.mark.parametrize("asset", ["stored_value", "cash_back"])
def test_expiry_and_pushes_racing_release_each_hold_exactly_once(
        database_url: str, short_holds: Server, asset: str) -> None:
    """GIVEN 30 expired holds WHEN their sales are pushed while 30 new authorisations (each
    releasing expired holds first) run at the same time THEN ``held`` equals the open holds:
    no hold was released twice or forgotten (of stored value, and of cash-back)."""
    ledger = Ledger(database_url)
    try:
        if asset == "cash_back":
            till, member = funded_cash_back(short_holds, 100_000)
            sales = [till.pay(member, cash_back=10) for _ in range(30)]
        else:
            till, member = funded(short_holds, 100_000)
            sales = [till.spend(member, 10) for _ in range(30)]
        for sale in sales:
            assert till.authorise(member, 10, sale["id"], asset).status_code == 200
        expire_holds(ledger)
        later = [f"01a00000-0000-7000-8000-{n:012d}" for n in range(30)]

        def push(start: int) -> None:
            assert till.push(sales[:start + 10]).status_code == 200

        def authorise(event_id: str) -> None:
            assert till.authorise(member, 10, event_id, asset).status_code == 200

        with ThreadPoolExecutor(6) as pool:
            jobs = [pool.submit(push, start) for start in (0, 10, 20)]
            jobs += [pool.submit(authorise, event_id) for event_id in later]
            for job in jobs:
                job.result()
        held, open_holds = held_matches_holds(ledger, member, asset)
        assert held == open_holds and 0 <= held <= 300
        assert ledger.balance(f"member:{member}", asset) == 100_000 - 300
        assert ledger.balances_match_postings()
    finally:
        ledger.close()


# -- cash-back holds -------------------------------------------------------------------------

def test_two_terminals_never_hold_more_cash_back_than_the_balance(server: Server,
                                                                  ledger: Ledger) -> None:
    """GIVEN NT$1,000 of cash-back WHEN two terminals of the store ask for NT$100 of it 15
    times each, all at once THEN exactly 10 are held, the others are refused for the balance,
    and ``held`` never passes the balance."""
    first, member = funded_cash_back(server, 1_000)
    second = RawTerminal.create(server, first.store_id)
    asks = [(term, f"01b00000-0000-7000-8000-{n:012d}") for n in range(30)
            for term in [(first, second)[n % 2]]]

    def ask(term: RawTerminal, event_id: str) -> tuple[int, str]:
        response = term.authorise(member, 100, event_id, "cash_back")
        code = response.json()["error"]["code"] if response.status_code != 200 else ""
        return response.status_code, code

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda a: ask(*a), asks))
    assert answers.count((200, "")) == 10
    assert answers.count((409, "insufficient_balance")) == 20
    assert held_matches_holds(ledger, member, "cash_back") == (1_000, 1_000)
    assert held_matches_holds(ledger, member) == (0, 0)  # no stored value held for it
    refused = second.authorise(member, 1, "01b00000-0000-7000-8000-999999999999", "cash_back")
    assert refused.json()["error"]["message"] == "Not enough cash-back: 0 available, 1 asked."


def test_a_cash_back_hold_is_consumed_by_its_sale(server: Server, ledger: Ledger) -> None:
    """GIVEN NT$500 of cash-back and a hold of 400 for a sale WHEN the sale is pushed THEN
    the hold is gone, nothing stays held, and the balance is debited once (100 left)."""
    till, member = funded_cash_back(server, 500)
    sale = till.pay(member, cash_back=400)
    answer = till.authorise(member, 400, sale["id"], "cash_back")
    assert answer.status_code == 200, answer.text
    assert answer.json()["asset"] == "cash_back"
    assert till.authorise(member, 400, sale["id"], "cash_back").status_code == 200  # a retry
    assert held_matches_holds(ledger, member, "cash_back") == (400, 400)
    refused = till.authorise(member, 101, till.pay(member, cash_back=101)["id"], "cash_back")
    assert refused.status_code == 409
    assert refused.json()["error"] == {"code": "insufficient_balance", "message":
                                       "Not enough cash-back: 100 available, 101 asked."}
    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    assert held_matches_holds(ledger, member, "cash_back") == (0, 0)
    assert ledger.balance(f"member:{member}", "cash_back") == 100
    assert ledger.balances_match_postings()


def test_an_expired_cash_back_hold_is_released_from_cash_back(
        database_url: str, short_holds: Server) -> None:
    """GIVEN a member with NT$1,000 of stored value and of cash-back, and an expired hold of
    each (sales that failed at the till) WHEN cash-back is asked again THEN each expired hold
    is released from its own asset: the cash-back is granted in full and nothing of the
    stored value stays held."""
    ledger = Ledger(database_url)
    try:
        till, member = funded_cash_back(short_holds, 1_000, stored_value=1_000)
        # the failed sales never make an event: only their ids reach the server
        failed = "01c00000-0000-7000-8000-000000000001", "01c00000-0000-7000-8000-000000000002"
        assert till.authorise(member, 700, failed[0], "stored_value").status_code == 200
        assert till.authorise(member, 800, failed[1], "cash_back").status_code == 200
        second_sale = till.pay(member, cash_back=300)
        refused = till.authorise(member, 300, second_sale["id"], "cash_back")
        assert refused.json()["error"]["message"] == ("Not enough cash-back: 200 available, "
                                                      "300 asked.")

        expire_holds(ledger)
        granted = till.authorise(member, 300, second_sale["id"], "cash_back")
        assert granted.status_code == 200, granted.text
        assert held_matches_holds(ledger, member, "cash_back") == (300, 300)
        assert held_matches_holds(ledger, member) == (0, 0)

        assert till.push([second_sale]).json()["results"][0]["status"] == "applied"
        assert held_matches_holds(ledger, member, "cash_back") == (0, 0)
        assert ledger.balance(f"member:{member}", "cash_back") == 700
        assert ledger.balance(f"member:{member}") == 1_000
        assert ledger.balances_match_postings()
    finally:
        ledger.close()


def test_a_sale_paid_with_stored_value_and_cash_back_holds_both(server: Server,
                                                               ledger: Ledger) -> None:
    """GIVEN NT$500 of stored value and NT$300 of cash-back WHEN one sale pays 400 + 200 and
    both are held under its one event id THEN two holds, each on its own balance; the same
    event id for another cash-back amount is a conflict; the push consumes both."""
    till, member = funded_cash_back(server, 300, stored_value=500)
    sale = till.pay(member, stored_value=400, cash_back=200)
    assert till.authorise(member, 200, sale["id"], "cash_back").status_code == 200
    assert till.authorise(member, 400, sale["id"], "stored_value").status_code == 200
    assert sorted(ledger.rows("SELECT asset, amount FROM holds WHERE event_id = :e",
                              e=sale["id"])) == [("cash_back", 200), ("stored_value", 400)]
    assert held_matches_holds(ledger, member) == (400, 400)
    assert held_matches_holds(ledger, member, "cash_back") == (200, 200)
    other = till.authorise(member, 150, sale["id"], "cash_back")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "hold_conflict")

    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    assert ledger.scalar("SELECT COUNT(*) FROM holds") == 0
    assert held_matches_holds(ledger, member) == (0, 0)
    assert held_matches_holds(ledger, member, "cash_back") == (0, 0)
    assert ledger.balance(f"member:{member}") == 100
    assert ledger.balance(f"member:{member}", "cash_back") == 100
    assert ledger.balances_match_postings()


def test_a_request_without_an_asset_holds_stored_value(server: Server, ledger: Ledger) -> None:
    """A till from before cash-back holds sends no asset: it still holds stored value."""
    till, member = funded_cash_back(server, 300, stored_value=300)
    sale = till.spend(member, 250)
    answer = till.authorise(member, 250, sale["id"])  # no "asset" in the request
    assert answer.status_code == 200 and answer.json()["asset"] == "stored_value"
    assert ledger.rows("SELECT asset, amount FROM holds") == [("stored_value", 250)]
    assert held_matches_holds(ledger, member) == (250, 250)
    assert held_matches_holds(ledger, member, "cash_back") == (0, 0)
    assert till.push([sale]).status_code == 200
    assert held_matches_holds(ledger, member) == (0, 0)


@pytest.mark.parametrize("asset", ["points", "stamps", "donation", "Cash_Back"])
def test_only_stored_value_and_cash_back_are_held(server: Server, ledger: Ledger,
                                                  asset: str) -> None:
    till, member = funded_cash_back(server, 300)
    refused = till.authorise(member, 10, till.pay(member, cash_back=10)["id"], asset)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unsupported_asset"
    assert asset in refused.json()["error"]["message"]
    assert ledger.scalar("SELECT COUNT(*) FROM holds") == 0
    assert ledger.scalar("SELECT COALESCE(SUM(held), 0) FROM balances") == 0


def test_a_terminal_releases_the_holds_of_a_sale_it_refused(server: Server,
                                                           ledger: Ledger) -> None:
    """Stored value held, then the cash-back of the same sale refused: the till releases the
    sale's holds at once (another terminal cannot release them; twice releases nothing)."""
    till, member = funded_cash_back(server, 100, stored_value=500)
    sale = till.pay(member, stored_value=300, cash_back=200)
    assert till.authorise(member, 300, sale["id"], "stored_value").status_code == 200
    assert till.authorise(member, 200, sale["id"], "cash_back").status_code == 409
    stranger = RawTerminal.create(server, till.store_id)
    assert stranger.release(sale["id"]).json()["released"] == {}
    assert held_matches_holds(ledger, member) == (300, 300)
    released = till.release(sale["id"])
    assert released.status_code == 200, released.text
    assert released.json() == {"event_id": sale["id"], "released": {"stored_value": 300},
                               "vouchers": 0}
    assert held_matches_holds(ledger, member) == (0, 0)
    assert till.release(sale["id"]).json()["released"] == {}
    assert held_matches_holds(ledger, member) == (0, 0)


def test_a_till_online_can_spend_its_own_top_up_before_the_next_round(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    """GIVEN a member known to the server with 100 of stored value, topped up by 500 at a
    till that has not synced since WHEN the member pays 300 there at once THEN the sale goes
    through (the server's "100 available" is behind the till's own top-up: the offline
    rules apply) and, after the round, the server has both events and no overdraft; while a
    payment beyond what the till itself knows (700 > 600) is still refused."""
    till = make_till(tmp_path / "till", server, server.new_store())
    try:
        member = till.enrol()
        till.top_up(member, 100)
        till.sync()  # the server knows the member with 100
        till.top_up(member, 500)  # not pushed yet
        with pytest.raises(InsufficientBalance):
            till.pay(member, 700)
        till.pay(member, 300)
        report = till.sync()
        assert report.flagged == 0
        balance = ledger.scalar("SELECT balance FROM balances WHERE account = :a AND "
                                "asset = 'stored_value' AND shard = ''", a=f"member:{member}")
        assert balance == 300
    finally:
        till.close()


def test_without_credits_of_its_own_the_servers_refusal_stands(
        server: Server, tmp_path: Path) -> None:
    """The other side: the till has pushed everything, the server says "not enough" → the
    sale is refused with the server's reason (no offline fallback)."""
    till = make_till(tmp_path / "till", server, server.new_store())
    try:
        member = till.enrol()
        till.top_up(member, 100)
        till.sync()
        other = RawTerminal.create(server, till.creds.store_id)
        assert other.push([other.spend(member, 80)]).status_code == 200
        with pytest.raises(InsufficientBalance) as refused:
            till.pay(member, 50)  # the till still believes 100
        assert refused.value.params["reason"] == "server"
    finally:
        till.close()


def test_a_late_authorisation_of_a_pushed_sale_holds_nothing(server: Server,
                                                             ledger: Ledger) -> None:
    """GIVEN a sale held and pushed WHEN its authorisation arrives again (a late retry) THEN
    it is answered without a new hold: the debit is booked, and a hold would never be
    consumed (it lowered what the member could spend at every till for 15 minutes)."""
    till, member = funded(server, 1000)
    sale = till.spend(member, 600)
    assert till.authorise(member, 600, sale["id"]).status_code == 200
    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    late = till.authorise(member, 600, sale["id"])
    assert late.status_code == 200 and late.json()["already_received"] is True
    assert held_matches_holds(ledger, member) == (0, 0)
    assert till.authorise(member, 400, till.spend(member, 400)["id"]).status_code == 200


def test_a_sale_that_fails_at_the_till_after_its_hold_releases_it(
        server: Server, ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an online till and a member with 1000 WHEN a sale of 800 is held and then the
    till's journal write fails THEN the till releases the hold at once: the member can
    still spend the 1000 (not 200 until the hold expires)."""
    till = make_till(tmp_path / "till", server, server.new_store())
    try:
        member = till.enrol()
        till.top_up(member, 1000)
        till.sync()

        def disk_full(*_args: object, **_kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as patch:
            patch.setattr(till.service, "_append", disk_full)
            with pytest.raises(OSError):
                till.pay(member, 800)
        assert held_matches_holds(ledger, member) == (0, 0)
        till.pay(member, 1000)
        assert held_matches_holds(ledger, member) == (1000, 1000)
    finally:
        till.close()

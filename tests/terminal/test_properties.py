"""Hypothesis: ledger invariants under any sequence of valid and invalid operations."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from terminal_testkit import FakeClock

from terminal.checkout import CheckoutService
from terminal.errors import LoyaltyError
from terminal.ledger import Asset, balances_from_postings, member_account, unbalanced_assets
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.staff import Role
from terminal.store.local import open_local_store
from terminal.store.paths import DB_NAME
from terminal.store.verify import verify_store

_TEMPLATE: Path | None = None


def template() -> Path:
    """One migrated empty database per test session, copied for each example."""
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="loyalty-template-"))
        open_local_store(folder).close()
        _TEMPLATE = folder / DB_NAME
    return _TEMPLATE


amounts = st.integers(1, 3000)
points = st.one_of(st.just(0), st.sampled_from([5, 100, 200, 250, "all"]))
stored_shares = st.sampled_from(["none", "all", "all", "half", "over"])
invalid_ops = st.sampled_from(["zero_sale", "negative_sale", "absurd_sale", "cashier_top_up",
                               "negative_top_up", "odd_points", "negative_stored_value",
                               "too_many_points", "unknown_member"])


class LedgerMachine(RuleBasedStateMachine):
    members = Bundle("members")
    events = Bundle("events")

    @initialize()
    def open_shop(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="loyalty-prop-"))
        shutil.copy(template(), self.folder / DB_NAME)
        self.local = open_local_store(self.folder)
        self.clock = FakeClock()
        self.service = CheckoutService(self.local.store, terminal_id=self.local.terminal_id,
                                       clock=self.clock)
        self.manager = self.service.add_staff(None, "m", Role.MANAGER, "9999")
        self.cashier = self.service.add_staff(self.manager, "c", Role.CASHIER, "1111")
        self.refusals = 0
        self.enrolled = 0

    def teardown(self) -> None:
        if hasattr(self, "local"):
            report = verify_store(self.local.store)
            self.local.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            assert report.ok, report.problems

    @precondition(lambda self: self.enrolled < 3)
    @rule(target=members, name=st.sampled_from(["王小明", "Alice", "林美玲"]))
    def enrol(self, name: str) -> str:
        result = self.service.enrol(self.cashier, name=name)
        assert result.member is not None
        self.enrolled += 1
        return result.member.member.id

    @rule(target=events, member=members, amount=amounts, redeem=points, share=stored_shares)
    def sale(self, member: str, amount: int, redeem: int | str, share: str) -> object:
        view = self.service.member_view(member)
        if redeem == "all":
            redeem = self.service.rules.max_points_for(max(amount, 0), view.points)
        assert isinstance(redeem, int)
        balance = view.stored_value
        stored = {"none": 0, "all": balance, "half": balance // 2, "over": balance + 1,
                  "negative": -1}[share]
        if share in ("all", "half"):
            amount = max(amount, stored + 20)
        try:
            result = self.service.sale(self.cashier, member, Money(amount),
                                       redeem_points=redeem, stored_value=Money(stored),
                                       identified_by=IdentifiedBy.PHONE_CODE)
        except LoyaltyError:
            self.refusals += 1
            return multiple()  # nothing to void later
        assert unbalanced_assets(result.event.postings) == {}
        return result.event.id

    @rule(target=events, member=members, amount=amounts)
    def top_up(self, member: str, amount: int) -> str:
        return self.service.top_up(self.manager, member, Money(amount)).event.id

    @rule(member=members, op=invalid_ops)
    def invalid_operation_changes_nothing(self, member: str, op: str) -> None:
        with self.local.store.session() as session:
            head = session.journal_head()
        calls = {
            "zero_sale": lambda: self.service.sale(self.cashier, member, Money(0)),
            "negative_sale": lambda: self.service.sale(self.cashier, member, Money(-50)),
            "absurd_sale": lambda: self.service.sale(self.cashier, member, Money(10**9)),
            "cashier_top_up": lambda: self.service.top_up(self.cashier, member, Money(100)),
            "negative_top_up": lambda: self.service.top_up(self.manager, member, Money(-100)),
            "odd_points": lambda: self.service.sale(self.cashier, member, Money(500),
                                                    redeem_points=7),
            "negative_stored_value": lambda: self.service.sale(
                self.cashier, member, Money(500), stored_value=Money(-1)),
            "too_many_points": lambda: self.service.sale(
                self.cashier, member, Money(10**5), redeem_points=10**6 - 5),
            "unknown_member": lambda: self.service.sale(self.cashier, "nobody", Money(100)),
        }
        try:
            calls[op]()
        except LoyaltyError:
            self.refusals += 1
        else:
            raise AssertionError(f"{op} was accepted")
        with self.local.store.session() as session:
            assert session.journal_head() == head

    @rule(event=events)
    def void(self, event: str) -> None:
        self._void(event)

    @rule(member=members)
    def void_latest_top_up(self, member: str) -> None:
        """Voiding a top-up after its money was spent is the classic way to overdraw."""
        for event in self.service.history(member, 50):
            if event.kind.value == "top_up":
                self._void(event.id)
                return

    def _void(self, event: str) -> None:
        try:
            self.service.void(self.manager, event)
        except LoyaltyError:
            self.refusals += 1

    @rule(giver=members, receiver=members, points=st.integers(-5, 300))
    def transfer(self, giver: str, receiver: str, points: int) -> None:
        try:
            self.service.transfer_points(self.manager, giver, receiver, points)
        except LoyaltyError:
            self.refusals += 1

    @rule(days=st.integers(0, 200))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @invariant()
    def balances_are_the_replay_of_postings_and_never_negative(self) -> None:
        if not hasattr(self, "local"):
            return
        with self.local.store.session() as session:
            postings = [p for e in session.journal() for p in e.postings]
            replay = balances_from_postings(postings)
            for (account, asset), total in replay.items():
                if account.startswith("member:"):
                    member = account.removeprefix("member:")
                    assert session.balance(member, asset) == total
                    assert total >= 0, f"{account} {asset} went negative"
            for asset in Asset:
                assert sum(v for (a, s), v in replay.items() if s is asset) == 0
            for member in {a.removeprefix("member:") for a, _ in replay if
                           a.startswith("member:")}:
                lots = session.lots(member)
                assert all(lot.remaining >= 0 for lot in lots)
                assert sum(lot.remaining for lot in lots) == replay.get(
                    (member_account(member), Asset.POINTS), 0)


LedgerMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_ledger_invariants = LedgerMachine.TestCase

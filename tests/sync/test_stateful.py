"""A Hypothesis state machine: two tills selling, going offline, syncing, losing replies, and a
server restarting (cleanly, killed with SIGKILL while idle, or killed in the middle of a
till's sync), against a real server process on SQLite and on PostgreSQL. Invariants: server
postings sum to zero, balances equal postings, every event is applied once, and every event a
till committed reaches the server once everything is back online."""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from synckit import Ledger, Server, Till, make_till
from test_faults import DroppingProxy

from sync.client.credentials import Credentials
from terminal.errors import LoyaltyError


def run_machine(server: Server, ledger: Ledger) -> None:
    class Shop(RuleBasedStateMachine):
        members = Bundle("members")

        def __init__(self) -> None:
            super().__init__()
            self.folder = Path(tempfile.mkdtemp(prefix="stateful-"))
            store = server.new_store()
            self.tills = [make_till(self.folder / f"t{i}", server, store) for i in range(2)]
            self.proxy = DroppingProxy(server.url, drops=0)

        @rule(target=members, till=st.integers(0, 1))
        def enrol(self, till: int) -> str:
            return self.tills[till].enrol()

        @rule(till=st.integers(0, 1), member=members, amount=st.integers(1, 2000))
        def top_up(self, till: int, member: str, amount: int) -> None:
            target = self.tills[till]
            if self._known(target, member):
                target.top_up(member, amount)

        @rule(till=st.integers(0, 1), member=members, amount=st.integers(1, 1500))
        def pay(self, till: int, member: str, amount: int) -> None:
            target = self.tills[till]
            if not self._known(target, member):
                return
            # refused (balance, offline limits): nothing was written
            with contextlib.suppress(LoyaltyError):
                target.pay(member, amount)

        @rule(till=st.integers(0, 1))
        def toggle_network(self, till: int) -> None:
            self.tills[till].online = not self.tills[till].online

        @rule(till=st.integers(0, 1))
        def sync(self, till: int) -> None:
            with contextlib.suppress(LoyaltyError):
                self.tills[till].sync()

        @rule(till=st.integers(0, 1))
        def sync_reply_lost(self, till: int) -> None:
            target = self.tills[till]
            if not target.online:
                return
            self.proxy.drops = self.proxy.dropped + 1
            saved = target.creds
            target.creds = Credentials(self.proxy.url, saved.terminal_id, saved.store_id,
                                       saved.store_name, saved.token)
            try:
                target.sync()
            except LoyaltyError:
                pass
            finally:
                target.creds = saved

        @rule()
        def restart_server(self) -> None:
            server.stop()
            server.start()

        @rule()
        def kill_server(self) -> None:
            server.kill()  # SIGKILL: no shutdown of any kind
            server.start()

        @rule(till=st.integers(0, 1), delay_ms=st.integers(0, 60))
        def kill_server_during_sync(self, till: int, delay_ms: int) -> None:
            """SIGKILL while the till's round is (probably) in flight: whatever the server
            had committed stays, the rest is pushed again by a later round."""
            target = self.tills[till]

            def run() -> None:
                with contextlib.suppress(LoyaltyError):
                    target.sync()

            worker = threading.Thread(target=run)
            worker.start()
            time.sleep(delay_ms / 1000 * random.random())
            server.kill()
            worker.join(30)
            assert not worker.is_alive(), "a sync hung after the server was killed"
            server.start()

        @invariant()
        def ledger_balances(self) -> None:
            assert all(v == 0 for v in ledger.postings_sum_by_asset().values())
            assert ledger.balances_match_postings()

        @invariant()
        def each_event_once_and_as_committed(self) -> None:
            for till in self.tills:
                remote = dict(ledger.rows("SELECT id, hash FROM events WHERE terminal_id = :t",
                                          t=till.creds.terminal_id))
                with till.local.store.session() as session:
                    local = {e.id: e.hash for e in session.journal()}
                assert set(remote) <= set(local)
                assert all(local[i] == h for i, h in remote.items())

        def teardown(self) -> None:
            try:
                for till in self.tills:
                    till.online = True
                for till in self.tills:
                    till.sync()
                for till in self.tills:
                    count = ledger.scalar("SELECT COUNT(*) FROM events WHERE terminal_id = :t",
                                          t=till.creds.terminal_id)
                    with till.local.store.session() as session:
                        assert count == session.journal_head()[0]
            finally:
                self.proxy.close()
                for till in self.tills:
                    till.close()
                shutil.rmtree(self.folder, ignore_errors=True)

        @staticmethod
        def _known(till: Till, member: str) -> bool:
            with till.local.store.session() as session:
                return session.member_by_id(member) is not None

    run_state_machine_as_test(Shop, settings=settings(
        max_examples=5, stateful_step_count=12, deadline=None,
        suppress_health_check=list(HealthCheck)))


@pytest.mark.slow
def test_sales_syncs_lost_replies_and_restarts_keep_the_ledger_whole(
        database_url: str, tmp_path: Path) -> None:
    # a server process (not a thread), so that it can be killed with SIGKILL
    server = Server(database_url, subprocess_mode=True, workdir=tmp_path).start()
    ledger = Ledger(database_url)
    try:
        run_machine(server, ledger)
    finally:
        ledger.close()
        server.stop()

"""The pure offline-limits rules and the background worker's backoff (no server needed)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from sync.client.round import RoundReport
from sync.client.worker import UNEXPECTED, SyncWorker, backoff_delay
from terminal.errors import LoyaltyError
from terminal.limits import (
    OfflineLimits,
    OfflineRefused,
    OfflineUsage,
    allowance,
    check_offline_debit,
    check_offline_voucher,
)

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
LIMITS = OfflineLimits()


def debit(amount: int, usage: OfflineUsage = OfflineUsage(), hotlisted: bool = False,
          last_sync: datetime | None = NOW - timedelta(hours=1)) -> None:
    check_offline_debit(LIMITS, amount=amount, now=NOW, last_sync=last_sync,
                        hotlisted=hotlisted, usage=usage)


def test_the_defaults_are_design_section_6() -> None:
    assert LIMITS.to_mapping() == {"max_offline_hours": 24, "per_transaction": 1000,
                                   "per_member_total": 2000, "per_member_debits": 3,
                                   "per_terminal_total": 20000, "voucher_face_max": 500}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"amount": 1001}, "at most NT\\$1,000 .* per sale"),
    ({"amount": 10, "hotlisted": True}, "only while the terminal is online"),
    ({"amount": 10, "last_sync": None}, "has not synced"),
    ({"amount": 10, "last_sync": NOW - timedelta(hours=25)}, "more than 24 hours ago"),
    ({"amount": 10, "usage": OfflineUsage(100, 3, 100)}, "at most 3 times"),
    ({"amount": 600, "usage": OfflineUsage(1500, 1, 1500)}, "only NT\\$500 more"),
    ({"amount": 600, "usage": OfflineUsage(0, 0, 19800)}, "terminal can accept only NT\\$200"),
])
def test_offline_debits_beyond_the_limits_are_refused_plainly(kwargs: dict[str, object],
                                                             message: str) -> None:
    with pytest.raises(OfflineRefused, match=message):
        debit(**kwargs)  # type: ignore[arg-type]


def test_offline_debits_within_the_limits_pass() -> None:
    debit(1000)
    debit(500, OfflineUsage(1500, 2, 19500))


def test_vouchers_offline_are_bounded_by_face_value_and_window() -> None:
    check_offline_voucher(LIMITS, face_value=500, now=NOW, last_sync=NOW)
    with pytest.raises(OfflineRefused, match="up to NT\\$500"):
        check_offline_voucher(LIMITS, face_value=501, now=NOW, last_sync=NOW)
    with pytest.raises(OfflineRefused, match="24 hours"):
        check_offline_voucher(LIMITS, face_value=1, now=NOW, last_sync=None)


def test_allowance_counts_down_time_and_money() -> None:
    left = allowance(LIMITS, now=NOW, last_sync=NOW - timedelta(hours=23), terminal_spent=500)
    assert left.seconds_left == 3600 and left.terminal_left == 19500 and left.usable
    assert not allowance(LIMITS, now=NOW, last_sync=None, terminal_spent=0).usable
    used_up = allowance(LIMITS, now=NOW, last_sync=NOW - timedelta(hours=25), terminal_spent=0)
    assert (used_up.seconds_left, used_up.terminal_left, used_up.per_transaction) == (0, 0, 0)


def test_limits_from_the_server_ignore_unknown_keys_and_refuse_negatives() -> None:
    assert OfflineLimits.from_mapping({"per_transaction": 5, "future": 1}).per_transaction == 5
    with pytest.raises(ValueError):
        OfflineLimits(per_transaction=-1)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert backoff_delay(0, 1, 300) == 0
    assert backoff_delay(1, 1, 300, rng=lambda: 0.5) == 1
    assert backoff_delay(4, 1, 300, rng=lambda: 0.5) == 8
    assert backoff_delay(20, 1, 300, rng=lambda: 0.5) == 300
    assert backoff_delay(3, 1, 300, rng=lambda: 0.0) == 2
    assert backoff_delay(3, 1, 300, rng=lambda: 0.999) == pytest.approx(5.996)


def test_the_worker_backs_off_while_offline_and_recovers() -> None:
    calls: list[float] = []
    fail = threading.Event()
    fail.set()

    def round_() -> None:
        calls.append(time.monotonic())
        if fail.is_set():
            raise LoyaltyError("Cannot reach the server.")

    worker = SyncWorker(round_, interval=0.05, base_delay=0.02, max_delay=0.2,
                        rng=lambda: 0.5)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while worker.status.failures < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        status = worker.status
        assert not status.online and status.failures >= 4
        assert status.last_error == "Cannot reach the server."
        gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
        # exponential: the third wait is at least base·2² (a wait is never shorter than asked;
        # comparing two gaps instead failed when a loaded machine woke the first one late)
        assert gaps[0] >= 0.02 * 0.95 and gaps[2] >= 0.08 * 0.95
        fail.clear()
        worker.trigger()
        while not worker.status.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.status.online and worker.status.failures == 0
        assert worker.status.last_success is not None
    finally:
        worker.stop()


def test_the_worker_comes_back_soon_when_the_server_held_changes_back() -> None:
    """GIVEN a round whose pull was told that changes are held back (``behind``)
    THEN the next round is due in 2 s, not after the whole interval; otherwise the interval."""
    behind = threading.Event()
    behind.set()

    def round_() -> RoundReport:
        return RoundReport(behind=behind.is_set())

    worker = SyncWorker(round_, interval=60.0)
    assert worker._once() == 2.0 and worker.status.next_delay == 2.0
    behind.clear()
    assert worker._once() == 60.0 and worker.status.next_delay == 60.0


def test_a_round_that_raises_something_unexpected_is_logged_and_the_worker_lives_on(
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN rounds that die of an OSError (a full disk, a SQLite I/O error), not a LoyaltyError
    THEN each is logged with its traceback and counted as a failure (backoff); the thread
    stays alive and the next good round brings it back online."""
    fail = threading.Event()
    fail.set()

    def round_() -> None:
        if fail.is_set():
            raise OSError(28, "No space left on device")

    worker = SyncWorker(round_, interval=60.0, base_delay=0.02, max_delay=0.2,
                        rng=lambda: 0.5)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while worker.status.failures < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        status = worker.status
        assert status.failures >= 3 and not status.online
        assert status.last_error == UNEXPECTED  # plain words, no traceback
        assert status.next_delay == pytest.approx(backoff_delay(status.failures, 0.02, 0.2,
                                                                lambda: 0.5))
        assert worker._thread.is_alive()
        logged = [r for r in caplog.records if r.name == "loyalty.sync"
                  and r.levelno == logging.ERROR]
        assert len(logged) >= 3 and all(r.exc_info is not None
                                        and isinstance(r.exc_info[1], OSError) for r in logged)
        fail.clear()
        worker.trigger()
        while not worker.status.online and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.status.online and worker.status.failures == 0
    finally:
        worker.stop()
    assert not worker._thread.is_alive()

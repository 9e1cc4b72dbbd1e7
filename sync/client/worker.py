"""The background sync worker: rounds on a timer, exponential backoff with jitter on failure.

One thread; :meth:`SyncWorker.trigger` asks for a round now (e.g. after a sale);
:attr:`SyncWorker.status` is what the status bar shows. The round itself is injected, so the
worker knows nothing about HTTP or SQLite. A round that raises anything else than a
:class:`LoyaltyError` (a SQLite or disk error, a bug) is logged with its traceback and counted
as a failure like any other: the thread never dies of it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from terminal.errors import LoyaltyError

log = logging.getLogger("loyalty.sync")
BEHIND_DELAY = 2.0  # seconds to the next round when the server held changes back
UNEXPECTED = "Sync failed unexpectedly; the details are in the log."


@dataclass(frozen=True)
class WorkerStatus:
    online: bool = False
    last_success: datetime | None = None
    last_error: str = ""
    failures: int = 0
    next_delay: float = 0.0
    rounds: int = 0


def backoff_delay(failures: int, base: float, cap: float,
                  rng: Callable[[], float] = random.random) -> float:
    """Full-jitter-ish exponential backoff: base·2^(n−1), capped, times a factor in [0.5, 1.5)."""
    if failures <= 0:
        return 0.0
    return float(min(cap, base * 2.0 ** (failures - 1)) * (0.5 + rng()))


class SyncWorker:
    def __init__(self, run_round: Callable[[], object], *, interval: float = 30.0,
                 base_delay: float = 1.0, max_delay: float = 300.0,
                 rng: Callable[[], float] = random.random) -> None:
        self._run_round = run_round
        self.interval = interval
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._rng = rng
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._status = WorkerStatus()
        self._thread = threading.Thread(target=self._loop, name="sync-worker", daemon=True)

    @property
    def status(self) -> WorkerStatus:
        with self._lock:
            return self._status

    def start(self) -> None:
        self._thread.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        delay = 0.0
        while not self._stop.is_set():
            if delay:
                self._wake.wait(delay)
                self._wake.clear()
                if self._stop.is_set():
                    return
            delay = self._once()

    def _once(self) -> float:
        try:
            result = self._run_round()
        except LoyaltyError as exc:
            delay = self._failed(exc.message)
            log.warning("sync round failed", extra={"error": exc.message, "retry_in": delay})
            return delay
        except Exception:  # a SQLite or disk error, a bug: logged, retried; the thread lives on
            delay = self._failed(UNEXPECTED)
            log.exception("sync round failed unexpectedly (retry in %.1f s)", delay)
            return delay
        # the server held changes back (an open transaction on its side): fetch them soon
        delay = min(self.interval, BEHIND_DELAY) if getattr(result, "behind", False) \
            else self.interval
        with self._lock:
            self._status = replace(self._status, online=True, last_success=datetime.now(UTC),
                                   last_error="", failures=0, next_delay=delay,
                                   rounds=self._status.rounds + 1)
        return delay

    def _failed(self, message: str) -> float:
        """Count one failed round; returns the backoff delay to the next one."""
        with self._lock:
            failures = self._status.failures + 1
            delay = backoff_delay(failures, self.base_delay, self.max_delay, self._rng)
            self._status = replace(self._status, online=False, last_error=message,
                                   failures=failures, next_delay=delay,
                                   rounds=self._status.rounds + 1)
        return delay

"""What the UI needs from sync, as a small Protocol, and the controller that polls it.

``sync/`` (client, outbox, server) is written separately; the status bar, the offline banner
and "sync now" only need :class:`SyncPort`. :class:`SyncController` runs every round on the
network lane (never the UI thread, never the database worker) and announces each new state;
after a failed round it waits the backoff's delay (exponential, with jitter) before the next.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from sync.client.worker import backoff_delay
from terminal.ports import Guard, LedgerSession
from terminal.vouchers import UsesTaken
from ui.ops import Lane, Op, TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conflict:
    """One item the server flagged, as the manager's list shows it."""

    kind: str  # the server's identifier (stored_value_overdraft …), kept for the tooltip
    text: str  # one line in the screen's language
    detail: str = ""  # the server's own words (English), for the tooltip


@dataclass(frozen=True)
class SyncState:
    online: bool
    events_waiting: int
    last_sync: datetime | None
    detail: str = ""  # why offline, in plain words ('' when online)
    conflicts: tuple[Conflict, ...] = field(default=())  # flagged by the server, for the manager
    retry_at: datetime | None = None  # offline: when the next try is (None: none planned)


class SyncPort(Protocol):
    def state(self) -> SyncState:
        """The current state without any network traffic (cheap; any thread)."""
        ...

    def sync_now(self) -> SyncState:
        """One blocking sync round (push, pull); returns the state after it. Never raises for
        a network failure: that is ``online=False`` with a ``detail``."""
        ...


class NoSync:
    """No server configured: the terminal works on its own, and says so."""

    def state(self) -> SyncState:
        return SyncState(False, 0, None,
                         QCoreApplication.translate("sync", "no sync server configured"))

    def sync_now(self) -> SyncState:
        return self.state()


class DemoSync:
    """A simulated server for ``--demo``: online, and every round "pushes" what waits."""

    def __init__(self, count_events: CountEvents) -> None:
        self._count = count_events
        self._lock = threading.Lock()
        self._synced_upto = count_events()
        self._last: datetime | None = datetime.now(UTC)
        self._online = True

    @property
    def online(self) -> bool:
        with self._lock:
            return self._online

    @online.setter
    def online(self, value: bool) -> None:
        """Demo only: pretend the server went away (or came back)."""
        with self._lock:
            self._online = value

    def state(self) -> SyncState:
        with self._lock:
            waiting = max(0, self._count() - self._synced_upto)
            detail = "" if self._online else QCoreApplication.translate(
                "sync", "demo: server switched off")
            return SyncState(self._online, waiting, self._last, detail)

    def sync_now(self) -> SyncState:
        with self._lock:
            if self._online:
                self._synced_upto = self._count()
                self._last = datetime.now(UTC)
        return self.state()


class LazySyncPort:
    """Builds the real port on first use (on the network lane): the sync client's libraries
    (httpx, msgspec) then load off the UI thread and after the window is up."""

    def __init__(self, factory: Callable[[], SyncPort]) -> None:
        self._factory = factory
        self._port: SyncPort | None = None
        self._lock = threading.Lock()

    def _get(self) -> SyncPort:
        with self._lock:
            if self._port is None:
                self._port = self._factory()
            return self._port

    def state(self) -> SyncState:
        return self._get().state()

    def sync_now(self) -> SyncState:
        return self._get().sync_now()


class LazyGuard:
    """The stored-value and voucher guard of ``sync.client.guard``, imported on first use (on
    the database worker). A terminal without credentials is standalone: the guard then allows
    what the local balance (and the voucher's own checks) allow."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._guard: Guard | None = None

    def _sync_guard(self) -> Guard:
        if self._guard is None:
            from sync.client.guard import SyncGuard

            self._guard = SyncGuard(self.data_dir)
        return self._guard

    def authorise(self, session: LedgerSession, member_id: str, amount: int,
                  event_id: str, cash_back: int = 0) -> bool:
        return self._sync_guard().authorise(session, member_id, amount, event_id, cash_back)

    def redeemable(self, session: LedgerSession, voucher_id: str,
                   worth: int) -> UsesTaken | None:
        return self._sync_guard().redeemable(session, voucher_id, worth)

    def reserve(self, session: LedgerSession, voucher_id: str, worth: int, uses: int,
                event_id: str) -> UsesTaken | None:
        return self._sync_guard().reserve(session, voucher_id, worth, uses, event_id)

    def release(self, event_id: str) -> None:
        self._sync_guard().release(event_id)


class CountEvents(Protocol):
    def __call__(self) -> int: ...


@dataclass(frozen=True)
class Backoff:
    """When to try again after failed rounds: ``backoff_delay(failures, base_s, cap_s, rng)``
    (sync.client.worker), i.e. base·2^(n−1) capped, times a jitter factor in [0.5, 1.5)."""

    base_s: float = 5.0
    cap_s: float = 300.0
    rng: Callable[[], float] = random.random

    def delay(self, failures: int) -> float:
        return backoff_delay(failures, self.base_s, self.cap_s, self.rng)


class SyncController(QObject):
    """Runs sync rounds on the network lane (never the UI thread) and announces each state.

    One single-shot timer decides when the next round runs: ``interval`` after a good round,
    the :class:`Backoff` delay (growing, with jitter) after a failed one; a good round resets
    it. A recorded event (sale, top-up …) asks for a prompt round unless the last round
    failed: then the backoff is kept (the event waits, counted in "waiting to sync", and the
    status bar says when the next try is). "Sync now" always runs a round at once. A round
    that raises (a SQLite or disk error, a bug) is logged with its traceback and counts as a
    failure. ``interval_ms`` 0 turns background rounds off (only the first round, "sync now")."""

    state_changed = Signal(object)  # SyncState

    def __init__(self, port: SyncPort, runner: TaskRunner, interval_ms: int = 60_000,
                 parent: QObject | None = None, backoff: Backoff | None = None) -> None:
        super().__init__(parent)
        self.port = port
        self.backoff = backoff or Backoff()
        self._runner = runner
        self._interval_ms = interval_ms
        self._state: SyncState | None = None
        self._running = False
        self._again = False  # an event was recorded during a round: run another after it
        self._stopped = False
        self.failures = 0  # failed rounds in a row
        self.next_delay = 0.0  # seconds from the last round to the next (0: none planned)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)

    @property
    def state(self) -> SyncState | None:
        return self._state

    @property
    def background(self) -> bool:
        """Whether rounds run on their own (a server to sync with, and an interval)."""
        return self._interval_ms > 0 and not isinstance(self.port, NoSync)

    def set_port(self, port: SyncPort) -> None:
        """Switch to the real port once the store is open (before :meth:`start`)."""
        self.port = port

    def start(self) -> None:
        self._stopped = False
        self.refresh()
        self.sync_now()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()

    def refresh(self) -> None:
        """Re-read the state (e.g. after a sale added an event waiting to sync)."""
        Op(self.port.state, Lane.NETWORK).success(self._refreshed).run(self._runner)

    def event_recorded(self) -> None:
        """A sale, top-up, enrolment … was written: show it waiting, and push it promptly
        (unless the server is failing: then the backoff's next try takes it)."""
        self.refresh()
        if not self.background or self.failures:
            return
        if self._running:
            self._again = True
        else:
            self.sync_now()

    def sync_now(self) -> None:
        if self._running or self._stopped:
            return
        self._running = True
        self._again = False
        self._timer.stop()
        Op(self._round, Lane.NETWORK).success(self._round_done).failure(
            self._round_failed).run(self._runner)

    def _round(self) -> SyncState | str:
        """One round, on the network lane: its state, or a plain message when it raised."""
        try:
            return self.port.sync_now()
        except Exception:  # a SQLite or disk error, a bug: logged with its traceback, retried
            log.exception("sync round failed unexpectedly")
            return QCoreApplication.translate(
                "sync", "Sync failed unexpectedly; the details are in the log.")

    def _round_done(self, result: SyncState | str) -> None:
        if isinstance(result, str):
            self._round_failed(result)
            return
        self._running = False
        self._finish(result)

    def _round_failed(self, message: str) -> None:
        self._running = False
        previous = self._state
        self._finish(SyncState(False, previous.events_waiting if previous else 0,
                               previous.last_sync if previous else None, message,
                               previous.conflicts if previous else ()))

    def _finish(self, state: SyncState) -> None:
        """Plan the next round from this one's outcome, then show the state."""
        if state.online:
            self.failures = 0
            self.next_delay = self._interval_ms / 1000
        elif not isinstance(self.port, NoSync):
            self.failures += 1
            self.next_delay = self.backoff.delay(self.failures)
            log.info("sync: %d failed round(s) in a row; next try in %.1f s", self.failures,
                     self.next_delay)
        if not self.background or self._stopped:
            self.next_delay = 0.0
            self._publish(state)
            return
        if state.online and self._again:
            self.next_delay = 0.0
        self._timer.start(int(self.next_delay * 1000))
        self._publish(state if state.online else replace(
            state, retry_at=datetime.now(UTC) + timedelta(seconds=self.next_delay)))

    def _refreshed(self, state: SyncState) -> None:
        """A fresh count; while rounds fail, the last round's verdict (offline, why, next try)
        stands: the port may not know that its last round raised."""
        previous = self._state
        if self.failures and previous is not None and not previous.online:
            state = replace(state, online=False, detail=previous.detail,
                            retry_at=previous.retry_at)
        self._publish(state)

    def _publish(self, state: SyncState) -> None:
        self._state = state
        self.state_changed.emit(state)

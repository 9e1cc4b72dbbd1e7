"""What the UI needs from sync, as a small Protocol, and the controller that polls it.

``sync/`` (client, outbox, server) is written separately; the status bar, the offline banner
and "sync now" only need :class:`SyncPort`. :class:`SyncController` runs every round on the
network lane (never the UI thread, never the database worker) and announces each new state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from terminal.ports import Guard, LedgerSession
from ui.ops import Lane, Op, TaskRunner


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
                  event_id: str, cash_back: int = 0) -> None:
        self._sync_guard().authorise(session, member_id, amount, event_id, cash_back)

    def redeemable(self, session: LedgerSession, voucher_id: str, worth: int) -> int | None:
        return self._sync_guard().redeemable(session, voucher_id, worth)


class CountEvents(Protocol):
    def __call__(self) -> int: ...


class SyncController(QObject):
    """Polls the port's state, runs rounds in the background and on demand."""

    state_changed = Signal(object)  # SyncState

    def __init__(self, port: SyncPort, runner: TaskRunner, interval_ms: int = 60_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.port = port
        self._runner = runner
        self._state: SyncState | None = None
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sync_now)

    @property
    def state(self) -> SyncState | None:
        return self._state

    def set_port(self, port: SyncPort) -> None:
        """Switch to the real port once the store is open (before :meth:`start`)."""
        self.port = port

    def start(self) -> None:
        self.refresh()
        self.sync_now()
        if self._timer.interval() > 0:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def refresh(self) -> None:
        """Re-read the state (e.g. after a sale added an event waiting to sync)."""
        Op(self.port.state, Lane.NETWORK).success(self._publish).run(self._runner)

    def sync_now(self) -> None:
        if self._running:
            return
        self._running = True
        Op(self.port.sync_now, Lane.NETWORK).success(self._round_done).failure(
            self._round_failed).run(self._runner)

    def _round_done(self, state: SyncState) -> None:
        self._running = False
        self._publish(state)

    def _round_failed(self, message: str) -> None:
        self._running = False
        previous = self._state
        self._publish(SyncState(False, previous.events_waiting if previous else 0,
                                previous.last_sync if previous else None, message))

    def _publish(self, state: SyncState) -> None:
        self._state = state
        self.state_changed.emit(state)

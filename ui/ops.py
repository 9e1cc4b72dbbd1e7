"""Background operations, after Anki's ``aqt/operations``.

All database work runs on ONE worker thread (SQLite sees one writer and the UI never blocks);
network work (sync) runs on a second one so a slow server never delays a sale, and devices
are built and started on a third (their libraries are slow to import). A result comes
back to the UI thread through a queued signal and only then are the callbacks run, so the
function passed to an :class:`Op` must never touch a widget.

    Op(lambda: service.identify(code)).success(panel.show_member).failure(show_error).run(tasks)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from ui.errors import error_text

log = logging.getLogger(__name__)

T = TypeVar("T")


class Lane(Enum):
    DB = "db"  # the one database worker
    NETWORK = "net"  # sync rounds
    DEVICES = "dev"  # building and starting devices (slow imports, probing)


class TaskRunner(QObject):
    """Owns the worker threads; delivers results on the thread the runner lives in (the UI)."""

    _delivered = Signal(object)  # a zero-argument callable, run on the UI thread
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executors = {
            Lane.DB: ThreadPoolExecutor(max_workers=1, thread_name_prefix="loyalty-db"),
            Lane.NETWORK: ThreadPoolExecutor(max_workers=1, thread_name_prefix="loyalty-net"),
            Lane.DEVICES: ThreadPoolExecutor(max_workers=1, thread_name_prefix="loyalty-dev"),
        }
        self._pending = 0
        self._closed = False
        self._delivered.connect(self._deliver)

    @property
    def pending(self) -> int:
        """Operations submitted whose callbacks have not run yet."""
        return self._pending

    def submit(self, lane: Lane, work: Callable[[], T], on_success: Callable[[T], None],
               on_failure: Callable[[BaseException], None]) -> None:
        if self._closed:
            log.warning("operation submitted after shutdown: ignored")
            return
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

        def job() -> None:
            try:
                result = work()
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to the UI
                error = exc
                self._delivered.emit(lambda: self._finish(lambda: on_failure(error)))
                return
            self._delivered.emit(lambda: self._finish(lambda: on_success(result)))

        self._executors[lane].submit(job)

    def _deliver(self, callback: Callable[[], None]) -> None:
        callback()

    def _finish(self, callback: Callable[[], None]) -> None:
        self._pending -= 1
        try:
            callback()
        except Exception:  # noqa: BLE001 - a UI callback bug must not kill the event loop
            log.exception("operation callback failed")
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Wait for running work to end; later submissions are ignored."""
        self._closed = True
        for executor in self._executors.values():
            executor.shutdown(wait=True, cancel_futures=False)


class Op(Generic[T]):
    """One background call with its callbacks; nothing runs until :meth:`run`."""

    def __init__(self, work: Callable[[], T], lane: Lane = Lane.DB) -> None:
        self._work = work
        self._lane = lane
        self._success: Callable[[T], None] = _ignore
        self._failure: Callable[[str], None] | None = None

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[str], None]) -> Op[T]:
        """``callback`` gets a plain-words message, never a traceback."""
        self._failure = callback
        return self

    def run(self, runner: TaskRunner) -> None:
        failure = self._failure

        def on_failure(exc: BaseException) -> None:
            message = error_text(exc)
            if failure is None:
                log.warning("operation failed: %s", message)
            else:
                failure(message)

        runner.submit(self._lane, self._work, self._success, on_failure)


def _ignore(_value: object) -> None:
    return None

"""The print queue: printing never blocks or fails the sale.

``enqueue()`` only appends to a list and never raises. One worker thread prints jobs in order;
a job whose sending fails stays at the head of the queue and is retried with backoff (the
status says why: paper out, offline, …). A job that cannot be built at all (a broken template,
no TC font for image mode) cannot succeed by retrying: it is set aside in ``failed`` and the
status says why. The queue lives in memory; after a restart, "reprint" rebuilds from the sale.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devices.base import (
    Backoff,
    DeviceMissing,
    DeviceState,
    OnStatus,
    ThreadedDevice,
    call_safely,
)
from devices.printing.escpos_printer import PaperOut, PrinterError, PrinterOffline, ReceiptPrinter
from devices.printing.layout import TemplateError
from devices.printing.receipt import Receipt

log = logging.getLogger(__name__)


@dataclass
class PrintJob:
    id: int
    receipt: Receipt
    reprint: bool = False
    attempts: int = 0
    last_error: str = ""
    data: bytes | None = None  # the built ESC/POS bytes, kept across retries


OnJob = Callable[[PrintJob], None]


class PrintQueue(ThreadedDevice):
    def __init__(
        self,
        printer: ReceiptPrinter,
        on_status: OnStatus | None = None,
        *,
        on_printed: OnJob | None = None,
        max_pending: int = 100,
        name: str = "printer",
    ) -> None:
        super().__init__(name, "receipt-printer", on_status)
        self.printer = printer
        self.max_pending = max_pending
        self._on_printed = on_printed
        self._jobs: deque[PrintJob] = deque()
        self._failed: list[PrintJob] = []
        self._last: Receipt | None = None
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._idle = threading.Event()
        self._idle.set()
        self._retry_now = False

    # -- the API for the sale and the UI (any thread; never raises) ---------------------------
    def enqueue(self, receipt: Receipt, *, reprint: bool = False) -> int | None:
        """Queue a receipt; returns the job id (None only if the queue was unusable)."""
        try:
            with self._cond:
                job = PrintJob(next(self._ids), receipt, reprint)
                self._jobs.append(job)
                while len(self._jobs) > self.max_pending:
                    dropped = self._jobs.popleft()
                    log.warning("print queue full: dropped job %d", dropped.id)
                self._idle.clear()
                self._cond.notify_all()
                return job.id
        except Exception:  # noqa: BLE001 - the sale must not fail because of its receipt
            log.exception("could not queue a receipt")
            return None

    def reprint_last(self) -> int | None:
        """Queue the last printed receipt again; None when nothing has been printed yet."""
        with self._cond:
            last = self._last
        return None if last is None else self.enqueue(last, reprint=True)

    def retry_now(self) -> None:
        """Skip the current backoff wait (e.g. after the cashier loaded paper)."""
        with self._cond:
            self._retry_now = True
            self._cond.notify_all()

    @property
    def last_printed(self) -> Receipt | None:
        with self._cond:
            return self._last

    def pending(self) -> list[PrintJob]:
        with self._cond:
            return list(self._jobs)

    @property
    def failed(self) -> list[PrintJob]:
        with self._cond:
            return list(self._failed)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is pending (True) or ``timeout`` passes (False)."""
        return self._idle.wait(timeout)

    def describe(self) -> dict[str, Any]:
        c = self.printer.config
        return {
            "transport": c.transport,
            "target": self.printer.describe_target(),
            "profile": c.profile,
            "paper_mm": c.paper_mm,
            "text_mode": c.text_mode,
            "template": self.printer.template.source,
            "pending_jobs": len(self.pending()),
        }

    # -- the worker ---------------------------------------------------------------------------
    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _run(self) -> None:
        probe = self.printer.probe()
        self._status.set(probe.state, probe.reason)
        backoff = Backoff(self.printer.config.retry_min_s, self.printer.config.retry_max_s)
        while not self._stopping.is_set():
            with self._cond:
                while not self._jobs and not self._stopping.is_set():
                    self._idle.set()
                    self._cond.wait()
                if self._stopping.is_set():
                    return
                job = self._jobs[0]
            if self._print(job):
                backoff.reset()
            else:
                self._wait_retry(backoff.next_delay())

    def _print(self, job: PrintJob) -> bool:
        """Try one job; True when it is finished with (printed or set aside)."""
        self._status.set(DeviceState.BUSY, f"printing job {job.id}")
        job.attempts += 1
        try:
            if job.data is None:
                job.data = self.printer.build_job(job.receipt)
        except (TemplateError, DeviceMissing) as exc:
            job.last_error = str(exc)
            self._finish(job, printed=False)
            self._status.set(DeviceState.ERROR, f"receipt cannot be built: {exc}")
            return True
        try:
            status = self.printer.send(job.data)
        except PaperOut as exc:
            return self._failed_attempt(job, DeviceState.ERROR, str(exc))
        except PrinterOffline as exc:
            return self._failed_attempt(job, DeviceState.DISCONNECTED, str(exc))
        except PrinterError as exc:
            return self._failed_attempt(job, DeviceState.ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - an unknown failure is retried, never raised
            log.exception("printing job %d failed", job.id)
            return self._failed_attempt(job, DeviceState.ERROR, f"printing failed: {exc}")
        self.printer.write_preview_quietly(job.receipt)
        self._finish(job, printed=True)
        self._status.set(status.state, status.reason)
        return True

    def _failed_attempt(self, job: PrintJob, state: DeviceState, reason: str) -> bool:
        job.last_error = reason
        waiting = len(self.pending())
        self._status.set(state, f"{reason}; {waiting} receipt(s) waiting, retrying")
        return False

    def _finish(self, job: PrintJob, printed: bool) -> None:
        with self._cond:
            if self._jobs and self._jobs[0] is job:
                self._jobs.popleft()
            if printed:
                self._last = job.receipt
            else:
                self._failed.append(job)
            if not self._jobs:
                self._idle.set()
        if printed and self._on_printed is not None:
            call_safely(self._on_printed, job)

    def _wait_retry(self, delay: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._stopping.is_set() or self._retry_now, delay)
            self._retry_now = False


"""Helpers for the device tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devices.base import DeviceState, DeviceStatus


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class Recorder:
    def __init__(self) -> None:
        self.codes: list[str] = []
        self.statuses: list[DeviceStatus] = []
        self._lock = threading.Lock()

    def on_code(self, code: str) -> None:
        with self._lock:
            self.codes.append(code)

    def on_status(self, status: DeviceStatus) -> None:
        with self._lock:
            self.statuses.append(status)

    @property
    def states(self) -> list[DeviceState]:
        with self._lock:
            return [s.state for s in self.statuses]

    def wait_codes(self, count: int, timeout: float = 5.0) -> list[str]:
        assert wait_for(lambda: len(self.codes) >= count, timeout), (
            f"expected {count} codes, got {self.codes}; statuses {self.statuses}"
        )
        return list(self.codes)

    def wait_state(self, state: DeviceState, after: int = 0, timeout: float = 5.0) -> DeviceStatus:
        """The first status in ``state`` reported after the first ``after`` statuses."""

        def found() -> DeviceStatus | None:
            with self._lock:
                return next((s for s in self.statuses[after:] if s.state == state), None)

        assert wait_for(lambda: found() is not None, timeout), (
            f"no {state} status; got {self.statuses}"
        )
        status = found()
        assert status is not None
        return status

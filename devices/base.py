"""What every device shares: a status, errors, callbacks and a stoppable worker thread."""

from __future__ import annotations

import enum
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

OnCode = Callable[[str], None]


class DeviceState(enum.Enum):
    DISABLED = "disabled"  # not configured / switched off in the config
    STARTING = "starting"
    READY = "ready"
    BUSY = "busy"  # printer: a job is being sent
    MISSING = "missing"  # the hardware or a library it needs is not there
    DISCONNECTED = "disconnected"  # was there, went away; reconnecting
    ERROR = "error"
    STOPPED = "stopped"


OPERATIONAL_STATES = frozenset({DeviceState.READY, DeviceState.BUSY})
PROBLEM_STATES = frozenset({DeviceState.MISSING, DeviceState.DISCONNECTED, DeviceState.ERROR})


@dataclass(frozen=True)
class DeviceStatus:
    """A device's state plus a plain-English reason (empty when all is well)."""

    state: DeviceState
    reason: str = ""
    since: float = field(default_factory=time.time, compare=False)

    @property
    def ok(self) -> bool:
        return self.state in OPERATIONAL_STATES

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state.value, "reason": self.reason, "since": self.since}


OnStatus = Callable[[DeviceStatus], None]


class DeviceError(Exception):
    """A device failed; the message is shown to the user as the status reason."""


class DeviceMissing(DeviceError):
    """The hardware, a file or a library the device needs is not there."""


class ConfigError(ValueError):
    """The device configuration is invalid; the message names the key."""


class Device(Protocol):
    """What the registry, the CLI and the UI need from any device."""

    name: str  # the config section: "scanner", "camera", "printer", "wedge"
    kind: str  # the implementation: "serial-scanner", "camera", "escpos-printer", ...

    @property
    def status(self) -> DeviceStatus: ...

    def start(self) -> None: ...

    def stop(self, timeout: float = 1.0) -> None: ...

    def describe(self) -> dict[str, Any]: ...


def ignore_code(code: str) -> None:
    """The default ``on_code``: drop the code."""


def ignore_status(status: DeviceStatus) -> None:
    """The default ``on_status``: drop the status."""


class StatusHolder:
    """Keeps a device's current status and reports each change once through ``on_status``.

    A callback that raises is logged and otherwise ignored: a broken listener must never
    take a device thread down.
    """

    def __init__(self, on_status: OnStatus | None, initial: DeviceStatus) -> None:
        self._on_status = on_status or ignore_status
        self._status = initial
        self._lock = threading.Lock()

    @property
    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def set(self, state: DeviceState, reason: str = "") -> None:
        with self._lock:
            if self._status.state == state and self._status.reason == reason:
                return
            self._status = DeviceStatus(state, reason)
            status = self._status
        call_safely(self._on_status, status)


def call_safely(callback: Callable[[Any], None], value: object) -> None:
    """Call a listener; log and swallow what it raises (it is someone else's bug)."""
    try:
        callback(value)
    except Exception:  # noqa: BLE001 - a listener's bug must not stop the device
        log.exception("device callback %r failed", callback)


class ThreadedDevice(ABC):
    """A device whose work runs in one daemon thread until ``stop()``.

    Subclasses implement ``_run()``, which must return soon after ``self._stopping`` is set
    (wait on it rather than sleeping). Any exception escaping ``_run()`` becomes an ERROR
    status; it never reaches the caller.
    """

    name: str
    kind: str

    def __init__(self, name: str, kind: str, on_status: OnStatus | None) -> None:
        self.name = name
        self.kind = kind
        self._status = StatusHolder(on_status, DeviceStatus(DeviceState.STOPPED, "not started"))
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> DeviceStatus:
        return self._status.status

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._status.set(DeviceState.STARTING)
        self._thread = threading.Thread(
            target=self._guarded_run, name=f"device-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stopping.set()
        self._wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("device %s did not stop within %.1f s", self.name, timeout)
                return
        self._thread = None
        self._status.set(DeviceState.STOPPED)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _wake(self) -> None:
        """Hook: interrupt a blocking wait in ``_run()`` (the stop event is already set)."""
        return None  # most devices only wait on ``self._stopping``, which is set already

    def _guarded_run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - a device failure is a status, never a crash
            log.exception("device %s failed", self.name)
            self._status.set(DeviceState.ERROR, f"unexpected failure: {exc}")

    @abstractmethod
    def _run(self) -> None: ...

    @abstractmethod
    def describe(self) -> dict[str, Any]: ...


class Backoff:
    """Exponential backoff delays: first, 2×first, … capped at ``maximum``."""

    def __init__(self, first: float, maximum: float) -> None:
        self.first = first
        self.maximum = maximum
        self._next = first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.first

"""Keyboard-wedge (HID) scanner detection, Qt-free.

A wedge scanner "types" a code much faster than a person and ends it with Enter. The UI's Qt
event filter feeds every printable key and every Enter here with its timestamp (seconds, any
monotonic clock); ``enter()`` answers whether the keys before it were a scanner burst.

Rules, all thresholds from ``WedgeConfig``:
- a gap longer than ``max_interkey_ms`` between two keys starts a new run (what came before
  was typed by a person);
- Enter ends a burst when the run has at least ``min_length`` keys and Enter came within
  ``max_enter_ms`` of the last key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.base import DeviceState, DeviceStatus, OnCode, call_safely, ignore_code
from devices.config import WedgeConfig


@dataclass(frozen=True)
class Burst:
    code: str
    duration_ms: float  # first key to Enter


class WedgeDetector:
    name = "wedge"
    kind = "keyboard-wedge"

    def __init__(self, config: WedgeConfig | None = None, on_code: OnCode | None = None) -> None:
        self.config = config or WedgeConfig()
        self._on_code = on_code or ignore_code
        self._keys: list[str] = []
        self._first_t = 0.0
        self._last_t = 0.0

    # -- the Device protocol: nothing to start, a wedge scanner is just a keyboard -------------
    @property
    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY, "listens to the keyboard")

    def start(self) -> None:
        self.reset()

    def stop(self, timeout: float = 1.0) -> None:
        self.reset()

    def describe(self) -> dict[str, Any]:
        return {
            "max_interkey_ms": self.config.max_interkey_ms,
            "max_enter_ms": self.config.max_enter_ms,
            "min_length": self.config.min_length,
        }

    # -- detection ------------------------------------------------------------------------------
    @property
    def pending(self) -> str:
        """The keys of the current fast run (what a scan in progress has typed so far)."""
        return "".join(self._keys)

    def key(self, text: str, t: float) -> None:
        """A printable key (its text, usually one character) pressed at time ``t``."""
        if not text:
            return
        if self._keys and (t - self._last_t) * 1000.0 > self.config.max_interkey_ms:
            self._keys.clear()
        if not self._keys:
            self._first_t = t
        self._keys.append(text)
        self._last_t = t

    def enter(self, t: float) -> Burst | None:
        """Enter pressed at ``t``: the burst if the run was a scanner, else None (a person).

        The run is consumed either way. A burst is also reported through ``on_code``.
        """
        keys, self._keys = self._keys, []
        if len(keys) < self.config.min_length:
            return None
        if (t - self._last_t) * 1000.0 > self.config.max_enter_ms:
            return None
        burst = Burst("".join(keys), (t - self._first_t) * 1000.0)
        call_safely(self._on_code, burst.code)
        return burst

    def reset(self) -> None:
        """Forget the current run (e.g. focus moved, a non-printable key was pressed)."""
        self._keys.clear()

"""A barcode scanner on a serial port (or any pyserial URL: socket://, loop://, rfc2217://).

Reads bytes, joins codes split across reads, splits on the configured terminator and reports
each non-empty code. After an unplug it reports DISCONNECTED and reopens the port with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

import serial

from devices.base import (
    Backoff,
    DeviceState,
    OnCode,
    OnStatus,
    ThreadedDevice,
    call_safely,
    ignore_code,
)
from devices.config import SerialScannerConfig

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1  # how often the reader looks at the stop flag
MAX_CODE_BYTES = 4096  # a "code" longer than this without a terminator is line noise


class SerialPort(Protocol):
    """The part of ``serial.SerialBase`` the scanner uses (the transport seam for tests)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


PortOpener = Callable[[SerialScannerConfig], SerialPort]


def open_port(config: SerialScannerConfig) -> SerialPort:
    """Open ``config.port`` (a device path or a pyserial URL) with a short read timeout."""
    port: SerialPort = serial.serial_for_url(
        config.port, baudrate=config.baudrate, timeout=READ_TIMEOUT_S
    )
    return port


class LineSplitter:
    """Joins bytes arriving in pieces and yields complete codes, terminator removed."""

    def __init__(self, terminator: bytes, max_bytes: int = MAX_CODE_BYTES) -> None:
        self.terminator = terminator
        self.max_bytes = max_bytes
        self._buffer = b""

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        *complete, self._buffer = self._buffer.split(self.terminator)
        if len(self._buffer) > self.max_bytes:
            log.warning("serial scanner: dropping %d bytes without terminator", len(self._buffer))
            self._buffer = b""
        codes = (piece.decode("utf-8", errors="replace").strip() for piece in complete)
        return [code for code in codes if code]

    def clear(self) -> None:
        self._buffer = b""


class SerialScanner(ThreadedDevice):
    def __init__(
        self,
        config: SerialScannerConfig,
        on_code: OnCode | None = None,
        on_status: OnStatus | None = None,
        *,
        opener: PortOpener = open_port,
        name: str = "scanner",
    ) -> None:
        super().__init__(name, "serial-scanner", on_status)
        self.config = config
        self._on_code = on_code or ignore_code
        self._opener = opener
        self._splitter = LineSplitter(config.terminator.encode("latin-1"))

    def describe(self) -> dict[str, Any]:
        return {
            "port": self.config.port,
            "baudrate": self.config.baudrate,
            "terminator": self.config.terminator,
        }

    def _run(self) -> None:
        backoff = Backoff(self.config.reconnect_min_s, self.config.reconnect_max_s)
        ever_opened = False
        while not self._stopping.is_set():
            try:
                port = self._opener(self.config)
            except (serial.SerialException, OSError, ValueError) as exc:
                delay = backoff.next_delay()
                state = DeviceState.DISCONNECTED if ever_opened else DeviceState.MISSING
                self._status.set(state, f"cannot open {self.config.port}: {_reason(exc)}; "
                                 f"retrying in {delay:g} s")
                self._stopping.wait(delay)
                continue
            ever_opened = True
            backoff.reset()
            self._splitter.clear()
            self._status.set(DeviceState.READY)
            try:
                self._read_until_lost(port)
            except (serial.SerialException, OSError) as exc:
                self._status.set(DeviceState.DISCONNECTED, f"{self.config.port} was lost: "
                                 f"{_reason(exc)}; reconnecting")
                self._stopping.wait(backoff.next_delay())
            finally:
                _close_quietly(port)

    def _read_until_lost(self, port: SerialPort) -> None:
        while not self._stopping.is_set():
            data = port.read(max(1, port.in_waiting))
            if not data:
                continue
            for code in self._splitter.feed(data):
                call_safely(self._on_code, code)


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _close_quietly(port: SerialPort) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError) as exc:
        log.debug("closing serial port: %s", exc)

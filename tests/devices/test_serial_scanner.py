"""The serial scanner against real ports: a pty pair, pyserial's loop:// and socket://."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from device_testkit import Recorder, wait_for

from devices.base import DeviceState
from devices.config import SerialScannerConfig
from devices.scanners.serial_scanner import LineSplitter, SerialScanner
from devices.simulated import PtyScanner

FAST = {"reconnect_min_s": 0.05, "reconnect_max_s": 0.2}


@pytest.fixture
def pty_scanner(tmp_path: Path) -> Iterator[PtyScanner]:
    with PtyScanner(link=tmp_path / "scanner") as pty:
        yield pty


def test_splitter_joins_codes_split_across_reads_and_drops_empty_lines() -> None:
    splitter = LineSplitter(b"\r\n")
    assert splitter.feed(b"8860") == []
    assert splitter.feed(b"1234\r") == []
    assert splitter.feed(b"\n\r\nABC\r\nDE") == ["88601234", "ABC"]
    assert splitter.feed(b"F\r\n") == ["DEF"]


def test_splitter_discards_an_endless_line_then_reads_on() -> None:
    splitter = LineSplitter(b"\r", max_bytes=16)
    assert splitter.feed(b"x" * 40) == []
    assert splitter.feed(b"OK\r") == ["OK"]


def test_pty_scanner_reports_codes_typed_in_pieces(
    pty_scanner: PtyScanner, recorder: Recorder
) -> None:
    """GIVEN a scanner on a pty WHEN codes arrive split over several writes THEN each code is
    reported once, whole, in order."""
    scanner = SerialScanner(SerialScannerConfig(pty_scanner.port, **FAST),
                            recorder.on_code, recorder.on_status)
    scanner.start()
    try:
        recorder.wait_state(DeviceState.READY)
        pty_scanner.type_code("8860123456781234", pieces=5, pause_s=0.02)
        pty_scanner.type_code("/ABC+123")
        pty_scanner.write(b"VOUCHER:")
        time.sleep(0.15)  # the reader certainly sees the half code before the rest
        pty_scanner.write(b"XYZ\r")
        assert recorder.wait_codes(3) == ["8860123456781234", "/ABC+123", "VOUCHER:XYZ"]
    finally:
        scanner.stop()
    assert scanner.status.state == DeviceState.STOPPED


def test_unplugged_pty_is_reported_and_the_scanner_reconnects(
    pty_scanner: PtyScanner, recorder: Recorder
) -> None:
    """GIVEN a scanner on a stable symlink WHEN the pty disappears THEN the status says
    DISCONNECTED; WHEN a new pty appears behind the link THEN it reads codes again."""
    scanner = SerialScanner(SerialScannerConfig(pty_scanner.port, **FAST),
                            recorder.on_code, recorder.on_status)
    scanner.start()
    try:
        recorder.wait_state(DeviceState.READY)
        pty_scanner.type_code("BEFORE")
        recorder.wait_codes(1)
        seen = len(recorder.statuses)
        pty_scanner.unplug()
        lost = recorder.wait_state(DeviceState.DISCONNECTED, after=seen)
        assert "scanner" in lost.reason  # names the port
        pty_scanner.plug_in()  # a fresh pty behind the same link, as a udev rule gives
        recorder.wait_state(DeviceState.READY, after=seen)
        pty_scanner.type_code("AFTER")
        assert recorder.wait_codes(2) == ["BEFORE", "AFTER"]
    finally:
        scanner.stop()


def test_missing_port_is_a_status_not_an_exception(tmp_path: Path, recorder: Recorder) -> None:
    config = SerialScannerConfig(str(tmp_path / "no-such-port"), **FAST)
    scanner = SerialScanner(config, recorder.on_code, recorder.on_status)
    scanner.start()
    try:
        missing = recorder.wait_state(DeviceState.MISSING)
        assert "no-such-port" in missing.reason and "retrying" in missing.reason
    finally:
        started = time.monotonic()
        scanner.stop(timeout=5.0)
        assert time.monotonic() - started < 3.0
    assert recorder.codes == []


def test_loop_url_scanner_reads_what_is_written_to_the_port(recorder: Recorder) -> None:
    port = serial.serial_for_url("loop://", timeout=0.1)
    scanner = SerialScanner(SerialScannerConfig("loop://", terminator="\n", **FAST),
                            recorder.on_code, recorder.on_status, opener=lambda config: port)
    scanner.start()
    try:
        recorder.wait_state(DeviceState.READY)
        port.write(b"AB")
        time.sleep(0.15)
        port.write(b"C\nDEF\n")
        assert recorder.wait_codes(2) == ["ABC", "DEF"]
    finally:
        scanner.stop()


def test_loop_url_from_config_opens_and_reports_ready(recorder: Recorder) -> None:
    scanner = SerialScanner(SerialScannerConfig("loop://", **FAST), recorder.on_code,
                            recorder.on_status)
    scanner.start()
    try:
        recorder.wait_state(DeviceState.READY)
    finally:
        scanner.stop()


class OneClientServer:
    """A TCP 'network scanner' on 127.0.0.1 that serves one connection at a time."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        self.listener.close()
        self._thread.join(1)


def test_socket_scanner_reconnects_after_the_server_drops_it(recorder: Recorder) -> None:
    server = OneClientServer()
    url = f"socket://127.0.0.1:{server.port}"
    scanner = SerialScanner(SerialScannerConfig(url, **FAST), recorder.on_code,
                            recorder.on_status)
    scanner.start()
    try:
        assert wait_for(lambda: len(server.connections) == 1)
        server.connections[0].sendall(b"FIRST\r")
        recorder.wait_codes(1)
        seen = len(recorder.statuses)
        server.connections[0].close()
        recorder.wait_state(DeviceState.DISCONNECTED, after=seen)
        assert wait_for(lambda: len(server.connections) == 2)
        server.connections[1].sendall(b"SECOND\r")
        assert recorder.wait_codes(2) == ["FIRST", "SECOND"]
    finally:
        scanner.stop()
        server.close()


def test_a_listener_that_raises_does_not_stop_the_scanner(pty_scanner: PtyScanner) -> None:
    got: list[str] = []

    def on_code(code: str) -> None:
        got.append(code)
        if code == "BAD":
            raise RuntimeError("listener bug")

    scanner = SerialScanner(SerialScannerConfig(pty_scanner.port, **FAST), on_code)
    scanner.start()
    try:
        assert wait_for(lambda: scanner.status.state == DeviceState.READY)
        pty_scanner.type_code("BAD")
        pty_scanner.type_code("GOOD")
        assert wait_for(lambda: got == ["BAD", "GOOD"])
        assert scanner.status.state == DeviceState.READY
    finally:
        scanner.stop()

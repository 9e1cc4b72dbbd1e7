"""The print queue: never blocks or fails the sale, retries, reprints; real transports."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from device_testkit import Recorder, wait_for
from escpos.printer import Dummy

from devices.base import DeviceState
from devices.config import PrinterConfig
from devices.printing.escpos_printer import ReceiptPrinter
from devices.printing.layout import ReceiptTemplate
from devices.printing.queue import PrintQueue
from devices.printing.receipt import sample_receipt

RECEIPT = sample_receipt(datetime(2025, 11, 20, 14, 5))
FAST_RETRY = {"retry_min_s": 0.05, "retry_max_s": 0.2}


class FlakyDummy(Dummy):  # type: ignore[misc]
    """A Dummy printer whose first ``failures`` writes send half the bytes, then raise."""

    def __init__(self, failures: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures = failures
        self.gate = threading.Event()
        self.gate.set()

    def _raw(self, msg: bytes) -> None:
        self.gate.wait(5)
        if self.failures:
            self.failures -= 1
            super()._raw(msg[: len(msg) // 2])
            raise OSError("printer went away mid-job")
        super()._raw(msg)


def queue_with(transport: Dummy, recorder: Recorder, **config: Any) -> PrintQueue:
    printer = ReceiptPrinter(PrinterConfig(transport="dummy", **{**FAST_RETRY, **config}),
                             transport_factory=lambda c: transport)
    return PrintQueue(printer, recorder.on_status)


def test_a_printer_failing_mid_job_keeps_the_job_and_retries_it(recorder: Recorder) -> None:
    transport = FlakyDummy(failures=2)
    queue = queue_with(transport, recorder)
    queue.start()
    try:
        job_id = queue.enqueue(RECEIPT)
        assert job_id == 1
        error = recorder.wait_state(DeviceState.ERROR)
        assert "mid-job" in error.reason and "waiting" in error.reason
        assert queue.wait_idle(5)
    finally:
        queue.stop()
    job = queue.printer.build_job(RECEIPT)
    assert transport.output.endswith(job)  # printed whole on the third attempt
    assert transport.output.count(job) == 1
    assert queue.last_printed == RECEIPT
    assert recorder.states[-2:] == [DeviceState.READY, DeviceState.STOPPED]


def test_enqueue_returns_at_once_while_the_printer_hangs(recorder: Recorder) -> None:
    transport = FlakyDummy(failures=0)
    transport.gate.clear()  # the printer blocks on write
    queue = queue_with(transport, recorder)
    queue.start()
    try:
        queue.enqueue(RECEIPT)
        assert wait_for(lambda: queue.status.state == DeviceState.BUSY)
        started = time.monotonic()
        ids = [queue.enqueue(RECEIPT) for _ in range(20)]
        # at once: the printer is blocked until the gate opens (a second is generous for a
        # loaded machine and still far from "waits for the printer")
        assert time.monotonic() - started < 1.0
        assert ids == list(range(2, 22))
        assert len(queue.pending()) == 21
        transport.gate.set()
        assert queue.wait_idle(10)
    finally:
        transport.gate.set()
        queue.stop()
    assert transport.output.count(queue.printer.build_job(RECEIPT)) == 21


def test_enqueue_never_raises_even_when_nothing_can_print(recorder: Recorder) -> None:
    printer = ReceiptPrinter(PrinterConfig(**FAST_RETRY),
                             template=ReceiptTemplate("left {no_such_field}"))
    queue = PrintQueue(printer, recorder.on_status)
    assert queue.enqueue(RECEIPT) == 1  # not even started: still accepted
    queue.start()
    try:
        assert wait_for(lambda: len(queue.failed) == 1)
        assert "cannot be built" in queue.status.reason
        assert queue.enqueue(RECEIPT) == 2
    finally:
        queue.stop()


def test_reprint_last_receipt_prints_it_again(recorder: Recorder) -> None:
    transport = FlakyDummy(failures=0)
    queue = queue_with(transport, recorder)
    assert queue.reprint_last() is None  # nothing printed yet
    queue.start()
    try:
        queue.enqueue(RECEIPT)
        assert queue.wait_idle(5)
        assert queue.reprint_last() == 2
        assert queue.wait_idle(5)
    finally:
        queue.stop()
    assert transport.output.count(queue.printer.build_job(RECEIPT)) == 2


def test_stop_returns_within_a_second_during_a_retry_wait(recorder: Recorder) -> None:
    queue = queue_with(FlakyDummy(failures=1000), recorder, retry_min_s=30.0, retry_max_s=30.0)
    queue.start()
    queue.enqueue(RECEIPT)
    recorder.wait_state(DeviceState.ERROR)
    started = time.monotonic()
    queue.stop(timeout=5.0)
    assert time.monotonic() - started < 3.0  # not the 30 s retry wait
    assert len(queue.pending()) == 1  # still there for the next start


def test_file_transport_appends_each_receipt(tmp_path: Path, recorder: Recorder) -> None:
    path = tmp_path / "lp0"
    printer = ReceiptPrinter(PrinterConfig(transport="file", path=str(path), **FAST_RETRY))
    queue = PrintQueue(printer, recorder.on_status)
    queue.start()
    try:
        queue.enqueue(RECEIPT)
        queue.enqueue(RECEIPT)
        assert queue.wait_idle(5)
    finally:
        queue.stop()
    job = printer.build_job(RECEIPT)
    assert path.read_bytes() == job + job


class FakeNetworkPrinter:
    """An ESC/POS printer on 127.0.0.1: keeps the bytes, answers DLE EOT status queries."""

    ONLINE = 0x12
    PAPER_OK, PAPER_OUT = 0x12, 0x72

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.paper = self.PAPER_OK
        self.received = bytearray()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.2)
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        while not self._stop:
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            if data == b"\x10\x04\x01":
                conn.sendall(bytes([self.ONLINE]))
            elif data == b"\x10\x04\x04":
                conn.sendall(bytes([self.paper]))
            else:
                self.received += data

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.server.close()


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


def test_paper_out_holds_the_job_until_paper_is_loaded(
    network_printer: FakeNetworkPrinter, recorder: Recorder
) -> None:
    network_printer.paper = FakeNetworkPrinter.PAPER_OUT
    printer = ReceiptPrinter(PrinterConfig(transport="network", host="127.0.0.1",
                                           port=network_printer.port, timeout_s=2.0,
                                           **FAST_RETRY))
    queue = PrintQueue(printer, recorder.on_status)
    queue.start()
    try:
        queue.enqueue(RECEIPT)
        error = recorder.wait_state(DeviceState.ERROR)
        assert "paper out" in error.reason
        assert len(queue.pending()) == 1 and network_printer.received == b""
        network_printer.paper = FakeNetworkPrinter.PAPER_OK
        queue.retry_now()
        assert queue.wait_idle(5)
    finally:
        queue.stop()
    job = printer.build_job(RECEIPT)
    assert wait_for(lambda: bytes(network_printer.received) == job)  # the server reads on


def test_unreachable_network_printer_is_disconnected_and_keeps_the_job(
    recorder: Recorder,
) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here now
    printer = ReceiptPrinter(PrinterConfig(transport="network", host="127.0.0.1", port=port,
                                           **FAST_RETRY))
    queue = PrintQueue(printer, recorder.on_status)
    queue.start()
    try:
        first = recorder.wait_state(DeviceState.ERROR)  # the start-up probe
        assert "not reachable" in first.reason
        queue.enqueue(RECEIPT)
        lost = recorder.wait_state(DeviceState.DISCONNECTED)
        assert f"127.0.0.1:{port}" in lost.reason and "waiting" in lost.reason
    finally:
        queue.stop()
    assert len(queue.pending()) == 1

"""Fixtures for the device tests.

    recorder      collects codes and statuses from device callbacks, with waits
    no_thread_leak  (autouse) fails a test that leaves a device thread running
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from device_testkit import Recorder, wait_for


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _device_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("device-")}


@pytest.fixture(autouse=True)
def no_thread_leak() -> Iterator[None]:
    before = _device_threads()
    yield
    assert wait_for(lambda: not (_device_threads() - before), 2.0), (
        f"device threads left running: {_device_threads() - before}"
    )

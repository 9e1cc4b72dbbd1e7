"""Kill a process making sales with SIGKILL; every sale it reported as committed survives."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from terminal.store.local import open_local_store
from terminal.store.paths import DB_NAME
from terminal.store.verify import verify_store

CHILD = Path(__file__).with_name("crash_child.py")


def run_and_kill(data_dir: Path, rng: random.Random) -> list[str]:
    """Start the child, let it sell for a random while, SIGKILL it; the ids it reported."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    child = subprocess.Popen([sys.executable, str(CHILD), str(data_dir)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "ready":
                ready.set()
            elif line.strip():
                reported.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(30), child.stderr.read() if child.stderr else "child never got ready"
    time.sleep(rng.uniform(0.05, 0.6))
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    reader.join(5)
    assert child.returncode == -signal.SIGKILL
    return reported


def check_survivors(data_dir: Path, reported: list[str]) -> int:
    local = open_local_store(data_dir)
    try:
        with local.store.session() as session:
            missing = [i for i in reported if session.event(i) is None]
        report = verify_store(local.store)
    finally:
        local.close()
    assert missing == [], f"{len(missing)} reported sales were lost"
    assert report.ok, report.problems
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return report.events


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_mid_sales_loses_no_committed_sale(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    total_reported = 0
    for _ in range(2):
        reported = run_and_kill(tmp_path, rng)
        total_reported += len(reported)
        events = check_survivors(tmp_path, reported)
        assert events >= total_reported
    assert total_reported > 0


@pytest.mark.slow
def test_sigkill_many_rounds(tmp_path: Path) -> None:
    rng = random.Random(99)
    for _ in range(8):
        check_survivors(tmp_path, run_and_kill(tmp_path, rng))

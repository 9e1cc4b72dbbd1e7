"""The POS hand-off: ``loyalty pos amount`` writes what the app's inbox reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.pos_inbox import take_amount

ROOT = Path(__file__).parents[2]


def test_cli_pos_amount_is_read_by_the_app_inbox(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "pos", "amount", "NT$1,250",
                           "--reference", "POS-42", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    got = take_amount(tmp_path / "pos", "TWD")
    assert got is not None and (got.amount, got.reference) == (1250, "POS-42")
    assert take_amount(tmp_path / "pos", "TWD") is None  # taken once


def test_cli_pos_amount_refuses_zero(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "pos", "amount", "0",
                           "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 1 and "more than zero" in done.stderr
    assert not (tmp_path / "pos" / "amount.json").exists()

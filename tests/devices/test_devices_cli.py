"""``loyalty devices --json`` and ``loyalty print-test`` as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args, "--data-dir",
                           str(data_dir)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def write_config(data_dir: Path, printer_path: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.toml").write_text(f"""
[shop]
name = "Test"

[devices.scanner]
port = "loop://"

[devices.printer]
transport = "file"
path = "{printer_path}"
text_mode = "big5"
paper_mm = 58
""", encoding="utf-8")


def test_devices_json_lists_each_configured_device_with_its_status(tmp_path: Path) -> None:
    write_config(tmp_path / "data", tmp_path / "printer.bin")
    done = run(tmp_path / "data", "devices", "--json", "--settle", "0.5")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["scanner"]["state"] == "ready"
    assert {"scanner", "printer"} <= set(rows)


def test_print_test_writes_escpos_bytes_with_big5_text(tmp_path: Path) -> None:
    printer = tmp_path / "printer.bin"
    write_config(tmp_path / "data", printer)
    done = run(tmp_path / "data", "print-test", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["printed"] is True and result["bytes"] == printer.stat().st_size
    data = printer.read_bytes()
    assert b"\x1c&" in data and b"\x1c." in data  # FS & ... FS . around Big5 text
    assert b"\x1dV" in data  # cut


def test_print_test_with_an_unreachable_printer_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "config.toml").write_text(
        '[devices.printer]\ntransport = "network"\nhost = "127.0.0.1"\nport = 9\n'
        "timeout_s = 0.5\n", encoding="utf-8")
    done = run(data_dir, "print-test")
    assert done.returncode == 1
    assert done.stderr.startswith("error: Test receipt not printed")
    assert len(done.stderr.strip().splitlines()) == 1

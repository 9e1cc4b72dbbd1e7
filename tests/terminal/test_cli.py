"""The real ``loyalty`` command in a subprocess, on a real data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]


def loyalty(data_dir: Path, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    full_env.pop("LOYALTY_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args, "--data-dir",
                           str(data_dir)], capture_output=True, text=True, env=full_env,
                          timeout=120, check=False)


def ok_json(data_dir: Path, *args: str) -> Any:
    done = loyalty(data_dir, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refused(data_dir: Path, *args: str, status: int = 1) -> str:
    done = loyalty(data_dir, *args)
    assert done.returncode == status, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    result = ok_json(data_dir, "init", "--demo")
    assert result["demo"] is True
    return data_dir


def new_shop(data_dir: Path) -> Path:
    ok_json(data_dir, "init", "--shop", "Test Shop", "--manager", "Mei",
            "--manager-pin", "2468")
    done = loyalty(data_dir, "staff", "add", "--name", "Kai", "--role", "cashier",
                   "--new-pin", "1357", "--pin", "2468")
    assert done.returncode == 0, done.stderr
    return data_dir


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    return new_shop(tmp_path / "shop")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop with one member (card 880000000021) for tests that only read or get refused."""
    data_dir = new_shop(tmp_path_factory.mktemp("shared"))
    ok_json(data_dir, "enrol", "--name", "林美玲", "--card", "880000000021")
    return data_dir


def test_demo_shop_has_members_history_and_a_sound_journal(demo: Path) -> None:
    member = ok_json(demo, "member", "880000000013")
    assert member["name"] and member["points"] >= 0
    history = ok_json(demo, "history", "880000000013", "--limit", "5")
    assert history["events"] and history["events"][-1]["kind"] in {"enrol", "sale", "top_up"}
    verify = ok_json(demo, "verify")
    assert verify["ok"] is True and verify["events"] > 20 and verify["integrity"] == "ok"
    staff = ok_json(demo, "staff", "list")
    assert {s["role"] for s in staff} == {"cashier", "manager"}


def test_demo_pins_work(demo: Path) -> None:
    member = ok_json(demo, "member", "880000000021")
    result = ok_json(demo, "topup", "--member", "880000000021", "--amount", "500",
                     "--pin", "9999")
    assert result["member"]["stored_value"] == member["stored_value"] + 500
    line = refused(demo, "topup", "--member", "880000000021", "--amount", "500",
                   "--pin", "1111", "--user", "林小美")
    assert "Only a manager" in line


def test_sale_topup_void_report_flow(fresh: Path, clear_of_midnight: None) -> None:
    enrolled = ok_json(fresh, "enrol", "--name", "王小明", "--phone", "0912345678",
                       "--birthday", "1990-05-01", "--member-pin", "4321")
    card = enrolled["member"]["card_number"]
    assert enrolled["member"]["points"] == 100
    ok_json(fresh, "topup", "--member", card, "--amount", "NT$1,000", "--pin", "2468")
    dry = ok_json(fresh, "sale", "--member", card, "--amount", "350", "--redeem-points", "100",
                  "--stored-value", "200", "--dry-run")
    sale = ok_json(fresh, "sale", "--member", card, "--amount", "350", "--redeem-points", "100",
                   "--stored-value", "200", "--member-pin", "4321")
    assert sale["plan"] == dry["plan"]
    assert sale["plan"]["discount"] == 20 and sale["plan"]["other_tender"] == 130
    assert sale["plan"]["points_earned"] == 6
    assert sale["member"]["stored_value"] == 800 and sale["member"]["points"] == 6

    report = ok_json(fresh, "report", "day")
    assert report["total"]["sales"] == 1 and report["total"]["sales_amount"] == 350
    assert report["total"]["top_up_amount"] == 1000
    assert report["by_cashier"]["Kai"]["sales"] == 1

    voided = ok_json(fresh, "void", sale["event_id"], "--pin", "2468", "--reason", "test")
    assert voided["member"]["stored_value"] == 1000 and voided["member"]["points"] == 100
    after = ok_json(fresh, "report", "day")
    assert after["total"]["sales"] == 0 and after["total"]["voids"] == 1
    assert ok_json(fresh, "verify")["ok"] is True


def test_human_output_is_readable(shared: Path) -> None:
    done = loyalty(shared, "member", "880000000021")
    assert done.returncode == 0
    assert "林美玲" in done.stdout and "points 100" in done.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (("member", "880000000039"), "No member has card"),
    (("member", "880000000012"), "check digit"),
    (("member", "hello"), "not a member"),
    (("sale", "--member", "880000000021", "--amount", "0"), "more than zero"),
    (("sale", "--member", "880000000021", "--amount", "99999999"), "over the limit"),
    (("sale", "--member", "880000000021", "--amount", "100", "--stored-value", "50"),
     "stored value"),
    (("sale", "--member", "880000000021", "--amount", "100", "--redeem-points", "500"),
     "points"),
    (("topup", "--member", "880000000021", "--amount", "100", "--pin", "0000"), "Wrong PIN"),
    (("void", "01a20000-0000-7000-8000-000000000000", "--pin", "2468"), "No event"),
])
def test_bad_input_is_one_line_and_nonzero(shared: Path, args: tuple[str, ...],
                                           needle: str) -> None:
    line = refused(shared, *args)
    assert needle in line


@pytest.mark.parametrize("amount", ["12.5", "-5", "ten"])
def test_malformed_amounts_are_usage_errors(shared: Path, amount: str) -> None:
    done = loyalty(shared, "sale", "--member", "880000000021", "--amount", amount)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_json_errors_are_machine_readable(shared: Path) -> None:
    done = loyalty(shared, "member", "880000000039", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "unknown_member"


def test_commands_before_init_explain_what_to_do(tmp_path: Path) -> None:
    line = refused(tmp_path / "empty", "member", "880000000013")
    assert "loyalty init" in line


def test_broken_config_is_a_clear_error(fresh: Path) -> None:
    (fresh / "config.toml").write_text("[rules]\nearn_unit = -3\n", encoding="utf-8")
    line = refused(fresh, "member", "880000000013")
    assert "config.toml" in line and "earn_unit" in line
    (fresh / "config.toml").write_text("[rules\n", encoding="utf-8")
    assert "not valid TOML" in refused(fresh, "member", "880000000013")


def test_data_dir_from_environment(tmp_path: Path) -> None:
    env_dir = tmp_path / "from-env"
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), LOYALTY_DATA_DIR=str(env_dir))
    done = subprocess.run([sys.executable, "-m", "terminal.cli", "init", "--json"],
                          capture_output=True, text=True, env=full_env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data_dir"] == str(env_dir)
    assert (env_dir / "terminal.sqlite3").exists()
    assert oct((env_dir / "config.toml").stat().st_mode & 0o777) == "0o600"


def test_stamp_card_from_the_command_line(fresh: Path) -> None:
    card = ok_json(fresh, "enrol", "--name", "陳美玲")["member"]["card_number"]
    stamped = ok_json(fresh, "stamp", "--member", card, "--count", "10")
    assert stamped["member"]["stamps"] == 10 and stamped["stamp_card_size"] == 10
    redeemed = ok_json(fresh, "stamp", "--member", card, "--redeem")
    assert redeemed["member"]["stamps"] == 0
    assert "stamps" in refused(fresh, "stamp", "--member", card, "--redeem")


def test_voucher_from_the_command_line(fresh: Path) -> None:
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from terminal.vouchers import VoucherFields, VoucherKind, issue_voucher, new_signing_key

    private, public = new_signing_key()
    with sqlite3.connect(fresh / "terminal.sqlite3") as conn:  # as the sync layer stores keys
        conn.execute("INSERT INTO meta VALUES ('sync.public_keys', ?)",
                     (json.dumps({"1": public.hex()}),))
    now = datetime.now(UTC)
    text = issue_voucher(private, 1, VoucherFields(
        kind=VoucherKind.AMOUNT_OFF, value=50, not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=1)))
    dry = ok_json(fresh, "voucher", text, "--amount", "300", "--dry-run")
    assert dry["discount"] == 50 and dry["uses_left_after"] == 0
    assert ok_json(fresh, "voucher", text, "--amount", "300")["discount"] == 50
    assert "already been used" in refused(fresh, "voucher", text)
    assert "not genuine" in refused(fresh, "voucher", text[:-4] + "ABCD")


def test_manager_reports_on_the_demo_shop(demo: Path) -> None:
    rfm = ok_json(demo, "report", "rfm")
    assert sum(rfm["segments"].values()) == 20 and len(rfm["members"]) == 20
    cohorts = ok_json(demo, "report", "retention")
    assert sum(c["members"] for c in cohorts) == 20
    owed = ok_json(demo, "report", "liability")
    member = ok_json(demo, "member", "880000000013")
    assert owed["stored_value"] >= member["stored_value"] and owed["points"] > 0
    assert owed["redemption_rate"].endswith("%")
    assert "not registered" in refused(demo, "report", "conflicts")


def test_transfer_from_the_command_line(fresh: Path) -> None:
    a = ok_json(fresh, "enrol", "--name", "陳一")["member"]["card_number"]
    b = ok_json(fresh, "enrol", "--name", "陳二")["member"]["card_number"]
    moved = ok_json(fresh, "transfer", "--from", a, "--to", b, "--points", "40", "--pin", "2468")
    assert moved["from"]["points"] == 60 and moved["to"]["points"] == 140
    assert "Wrong PIN" in refused(fresh, "transfer", "--from", a, "--to", b, "--points", "1",
                                  "--pin", "0000")

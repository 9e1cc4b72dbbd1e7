import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from terminal_testkit import FakeClock

from terminal.analytics import Activity
from terminal.checkout import CheckoutService, MemberView
from terminal.config import ConfigError, parse_config
from terminal.errors import InvalidInput
from terminal.lifecycle import (
    CHURNED_DAYS,
    DORMANT_DAYS,
    NEW_DAYS,
    Stage,
    Thresholds,
    lifecycle_stage,
    prompts,
    stage_counts,
)
from terminal.lots import Lot
from terminal.members import Member
from terminal.money import Money
from terminal.rules import Rules
from terminal.store.local import open_local_store

ROOT = Path(__file__).parents[2]

TODAY = date(2026, 11, 22)


def test_stages_by_days_since_the_last_purchase() -> None:
    enrolled = date(2026, 1, 1)
    assert lifecycle_stage(date(2026, 11, 1), None, TODAY) is Stage.NEW
    assert lifecycle_stage(enrolled, None, TODAY) is Stage.DORMANT  # never bought, long ago
    assert lifecycle_stage(enrolled, date(2026, 10, 1), TODAY) is Stage.ACTIVE
    assert lifecycle_stage(enrolled, date(2026, 8, 1), TODAY) is Stage.DORMANT
    assert lifecycle_stage(enrolled, date(2026, 3, 1), TODAY) is Stage.CHURNED


def test_prompts_birthday_expiring_and_wake_up() -> None:
    member = Member("m", "880000000013", "王小明", "0912345678", date(1990, 11, 3),
                    date(2026, 1, 1))
    lot = Lot("l", "m", date(2026, 12, 10), 82)
    view = MemberView(member, 182, 0, 0, (lot,))
    got = prompts(view, Stage.DORMANT, date(2026, 8, 1), TODAY)
    kinds = {p.kind: p for p in got}
    assert set(kinds) == {"birthday", "expiring", "dormant"}
    assert kinds["expiring"].points == 82 and kinds["expiring"].expires_on == date(2026, 12, 10)
    assert kinds["dormant"].days == 113


# thresholds ------------------------------------------------------------------------------
ENROLLED = date(2025, 1, 1)


@pytest.mark.parametrize(("idle", "stage"), [
    (0, Stage.ACTIVE), (60, Stage.ACTIVE), (61, Stage.DORMANT), (180, Stage.DORMANT),
    (181, Stage.CHURNED),
])
def test_default_thresholds_at_their_boundaries(idle: int, stage: Stage) -> None:
    assert lifecycle_stage(ENROLLED, TODAY - timedelta(days=idle), TODAY) is stage


@pytest.mark.parametrize(("since_enrolment", "stage"), [
    (0, Stage.NEW), (30, Stage.NEW), (31, Stage.DORMANT),
])
def test_a_member_without_purchases_is_new_for_30_days(since_enrolment: int,
                                                         stage: Stage) -> None:
    assert lifecycle_stage(TODAY - timedelta(days=since_enrolment), None, TODAY) is stage


@pytest.mark.parametrize(("idle", "stage"), [
    (14, Stage.ACTIVE), (15, Stage.DORMANT), (90, Stage.DORMANT), (91, Stage.CHURNED),
])
def test_configured_thresholds_move_the_boundaries(idle: int, stage: Stage) -> None:
    rules = Rules(lifecycle_new_days=7, lifecycle_dormant_days=14, lifecycle_churned_days=90)
    thresholds = Thresholds.of(rules)
    assert lifecycle_stage(ENROLLED, TODAY - timedelta(days=idle), TODAY, thresholds) is stage
    assert lifecycle_stage(TODAY - timedelta(days=7), None, TODAY, thresholds) is Stage.NEW
    assert lifecycle_stage(TODAY - timedelta(days=8), None, TODAY, thresholds) is Stage.DORMANT


def test_the_module_defaults_are_the_rule_defaults() -> None:
    assert Thresholds.of(Rules()) == Thresholds(NEW_DAYS, DORMANT_DAYS, CHURNED_DAYS)


@pytest.mark.parametrize(("settings", "named"), [
    ({"lifecycle_new_days": 0}, "lifecycle_new_days"),
    ({"lifecycle_dormant_days": -5}, "lifecycle_dormant_days"),
    ({"lifecycle_new_days": 60}, "lifecycle_dormant_days"),  # not more than new
    ({"lifecycle_churned_days": 60}, "lifecycle_churned_days"),  # not more than dormant
    ({"lifecycle_dormant_days": 200}, "lifecycle_churned_days"),
])
def test_bad_thresholds_are_refused_naming_the_setting(settings: dict[str, int],
                                                       named: str) -> None:
    with pytest.raises(InvalidInput, match=named):
        Rules.from_mapping(settings)


def test_a_config_file_with_bad_thresholds_names_file_and_setting() -> None:
    text = "[rules]\nlifecycle_dormant_days = 200\nlifecycle_churned_days = 150\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "/data/config.toml")
    assert "/data/config.toml" in caught.value.message
    assert "[rules]" in caught.value.message and "lifecycle_churned_days" in caught.value.message
    with pytest.raises(ConfigError, match="lifecycle_new_days.*whole number"):
        parse_config("[rules]\nlifecycle_new_days = 2.5\n")
    good = parse_config("[rules]\nlifecycle_new_days = 14\nlifecycle_dormant_days = 45\n")
    assert Thresholds.of(good.rules) == Thresholds(14, 45, 180)


def test_stage_counts_match_the_stage_of_every_member() -> None:
    def member(name: str, enrolled_ago: int, idle: int | None) -> Activity:
        last = None if idle is None else TODAY - timedelta(days=idle)
        return Activity(name, TODAY - timedelta(days=enrolled_ago), last, last,
                        0 if last is None else 1, 0 if last is None else 100)

    members = [member("a", 400, 60), member("b", 400, 61), member("c", 400, 181),
               member("d", 30, None), member("e", 31, None), member("f", 400, 0)]
    counts = stage_counts(members, TODAY)
    assert list(counts) == [Stage.NEW, Stage.ACTIVE, Stage.DORMANT, Stage.CHURNED]
    assert counts == {Stage.NEW: 1, Stage.ACTIVE: 2, Stage.DORMANT: 2, Stage.CHURNED: 1}
    tight = stage_counts(members, TODAY, Thresholds(29, 59, 179))
    assert tight == {Stage.NEW: 0, Stage.ACTIVE: 1, Stage.DORMANT: 4, Stage.CHURNED: 1}
    assert stage_counts([], TODAY) == dict.fromkeys(Stage, 0)


# through the real `loyalty report lifecycle` ----------------------------------------------
def loyalty(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("LOYALTY_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "terminal.cli", *args, "--data-dir",
                           str(data_dir)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def report(data_dir: Path) -> dict[str, Any]:
    done = loyalty(data_dir, "report", "lifecycle", "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def set_rules(data_dir: Path, lines: str) -> None:
    config = data_dir / "config.toml"
    text = config.read_text(encoding="utf-8")
    base = text.split("# lifecycle-test\n")[0]
    config.write_text(base.replace("[rules]\n", "[rules]\n# lifecycle-test\n" + lines + "\n",
                                   1) if lines else base, encoding="utf-8")


@pytest.fixture(scope="module")
def aged_shop(tmp_path_factory: pytest.TempPathFactory, clear_of_midnight_module: None) -> Path:
    """Seven members whose last purchases sit on the default boundaries, written into a real
    data directory with the clock set back (the CLI then reads it with the real clock)."""
    data_dir = tmp_path_factory.mktemp("lifecycle") / "shop"
    done = loyalty(data_dir, "init", "--shop", "Lifecycle Shop", "--manager", "Mei",
                   "--manager-pin", "2468", "--json")
    assert done.returncode == 0, done.stderr
    now = datetime.now(UTC)
    clock = FakeClock(now - timedelta(days=400))
    local = open_local_store(data_dir, create=False)
    try:
        service = CheckoutService(local.store, terminal_id=local.terminal_id, clock=clock)
        mei = service.login("Mei", "2468")
        ids = {}
        for name in ("active60", "dormant61", "dormant180", "churned181", "never"):
            enrolled = service.enrol(mei, name=name).member
            assert enrolled is not None
            ids[name] = enrolled.member.id
        for name, days_ago in (("churned181", 181), ("dormant180", 180), ("dormant61", 61),
                               ("active60", 60)):
            clock.now = now - timedelta(days=days_ago)
            service.sale(mei, ids[name], Money(500))
        clock.now = now - timedelta(days=31)
        service.enrol(mei, name="enrolled31")
        clock.now = now - timedelta(days=30)
        service.enrol(mei, name="enrolled30")
    finally:
        local.close()
    return data_dir


def test_report_lifecycle_counts_members_per_stage(aged_shop: Path) -> None:
    set_rules(aged_shop, "")
    data = report(aged_shop)
    assert data["members"] == 7
    assert data["stages"] == {"new": 1, "active": 1, "dormant": 4, "churned": 1}
    assert data["thresholds"] == {"new_days": 30, "dormant_days": 60, "churned_days": 180}
    human = loyalty(aged_shop, "report", "lifecycle")
    assert human.returncode == 0, human.stderr
    rows = dict(line.split() for line in human.stdout.splitlines()[1:])
    assert rows == {"new": "1", "active": "1", "dormant": "4", "churned": "1"}


def test_report_lifecycle_follows_the_configured_thresholds(aged_shop: Path) -> None:
    set_rules(aged_shop, "lifecycle_new_days = 29\nlifecycle_dormant_days = 59\n"
                         "lifecycle_churned_days = 179")
    try:
        data = report(aged_shop)
        assert data["stages"] == {"new": 0, "active": 0, "dormant": 5, "churned": 2}
        assert data["thresholds"] == {"new_days": 29, "dormant_days": 59, "churned_days": 179}
    finally:
        set_rules(aged_shop, "")


def test_report_lifecycle_refuses_bad_thresholds_plainly(aged_shop: Path) -> None:
    set_rules(aged_shop, "lifecycle_dormant_days = 20")
    try:
        done = loyalty(aged_shop, "report", "lifecycle")
        assert done.returncode != 0 and "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert "config.toml" in lines[0] and "lifecycle_dormant_days" in lines[0]
    finally:
        set_rules(aged_shop, "")

"""The `loyalty` commands for sync: sync, status --json, report conflicts (real server)."""

from __future__ import annotations

from pathlib import Path

from synckit import RawTerminal, Server, make_till
from test_registration import cli

from terminal.cli import main as loyalty


def test_sync_status_and_conflicts_from_the_command_line(sqlite_server: Server,
                                                         tmp_path: Path) -> None:
    store = sqlite_server.new_store("Main")
    till = make_till(tmp_path / "till", sqlite_server, store)
    member = till.enrol()
    till.top_up(member, 700)
    till.close()

    status, state = cli(till.data_dir, "status")
    assert status == 0
    assert state["online"] is True and state["events_waiting"] == 2
    assert state["last_successful_sync"] is None
    assert state["offline_allowance"]["seconds_left"] == 0  # never synced: no offline spending

    status, report = cli(till.data_dir, "sync")
    assert status == 0 and report["pushed"] == 2 and report["waiting"] == 0

    status, state = cli(till.data_dir, "status")
    assert state["events_waiting"] == 0 and state["last_successful_sync"]
    assert state["offline_allowance"]["stored_value_left"] == 20000
    assert state["offline_allowance"]["seconds_left"] > 23 * 3600

    # another terminal of the store overdraws the member: the manager sees it
    other = RawTerminal.create(sqlite_server, store)
    other.push([other.spend(member, 1000)])
    status, flags = cli(till.data_dir, "report", "conflicts")
    assert status == 0 and [f["kind"] for f in flags] == ["stored_value_overdraft"]  # type: ignore[union-attr, index]
    assert loyalty(["--data-dir", str(till.data_dir), "report", "day"]) == 0


def test_status_and_sync_when_the_server_is_down(sqlite_server: Server, tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    till.close()
    sqlite_server.stop()
    status, state = cli(till.data_dir, "status")
    assert status == 0 and state["online"] is False
    status, answer = cli(till.data_dir, "sync")
    assert status == 1 and answer["error"]["code"] == "offline"  # type: ignore[index]

"""The `loyalty` commands for sync: sync, status --json, report conflicts (real server)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from synckit import RawTerminal, Server, make_till
from test_registration import cli
from test_round_refusals import NEW_ACCOUNT, append_unbookable

from sync.client import localdb
from terminal.cli import main as loyalty
from terminal.store.local import open_local_store


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


def test_status_says_plainly_when_the_url_is_not_a_loyalty_server(sqlite_server: Server,
                                                                  tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    till.close()
    creds = till.data_dir / "sync.json"
    saved = json.loads(creds.read_text())
    creds.write_text(json.dumps({**saved, "server_url": f"{sqlite_server.url}/wrong/path"}))
    status, state = cli(till.data_dir, "status")
    assert status == 0 and state["online"] is False
    assert "does not answer like a loyalty server (HTTP 404" in str(state["server_problem"])
    assert "Not Found" not in str(state)


def test_status_shows_no_allowance_once_the_offline_window_is_used_up(
        sqlite_server: Server, tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store)
    till.close()
    assert cli(till.data_dir, "sync")[0] == 0
    status, state = cli(till.data_dir, "status")
    assert state["offline_allowance"]["stored_value_left"] == 20000  # type: ignore[index]
    local = open_local_store(till.data_dir, create=False)
    with local.store.session(write=True) as session:
        localdb.mark_success(session, datetime.now(UTC) - timedelta(hours=25))
    local.close()
    status, state = cli(till.data_dir, "status")
    assert status == 0 and state["credential"] == "accepted"
    assert state["offline_allowance"] == {"seconds_left": 0, "stored_value_left": 0,
                                          "per_transaction": 0}


def test_loyalty_sync_reports_an_event_the_server_kept_but_refused(sqlite_server: Server,
                                                                   tmp_path: Path) -> None:
    """A till with an event the server cannot book: `loyalty sync` succeeds, names the event
    and the reason, nothing stays waiting, and the manager sees the flag."""
    store = sqlite_server.new_store("Main")
    till = make_till(tmp_path / "till", sqlite_server, store)
    member = till.enrol()
    till.top_up(member, 700)
    kept = append_unbookable(till, member)
    till.top_up(member, 100)
    till.close()

    status, state = cli(till.data_dir, "status")
    assert status == 0 and state["events_waiting"] == 4
    status, report = cli(till.data_dir, "sync")
    assert status == 0 and report["pushed"] == 3 and report["waiting"] == 0
    refused = report["refused"]
    assert isinstance(refused, list) and len(refused) == 1
    assert kept in refused[0] and f"unknown account {NEW_ACCOUNT!r}" in refused[0]
    status, state = cli(till.data_dir, "status")
    assert state["events_waiting"] == 0 and state["last_error"] == ""
    assert state["offline_allowance"]["seconds_left"] > 23 * 3600  # type: ignore[index]
    status, flags = cli(till.data_dir, "report", "conflicts")
    assert [(f["kind"], f["event_id"]) for f in flags] == [("unbookable_event", kept)]  # type: ignore[union-attr, index]
    status, report = cli(till.data_dir, "sync")
    assert status == 0 and report["pushed"] == 0 and report["refused"] == []

    out = io.StringIO()  # the plain text names it too
    till.local = open_local_store(till.data_dir)
    append_unbookable(till, member)
    till.close()
    with contextlib.redirect_stdout(out):
        assert loyalty(["--data-dir", str(till.data_dir), "sync"]) == 0
    assert "1 event(s) refused by the server" in out.getvalue()
    assert f"unknown account {NEW_ACCOUNT!r}" in out.getvalue()

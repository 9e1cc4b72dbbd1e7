"""A terminal that lost its registration gets it back; a revoked one is stopped at once.

Real server on 127.0.0.1 (SQLite and PostgreSQL), the real `loyalty` and
`loyalty-server admin` commands."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import httpx
from synckit import Ledger, RawTerminal, Server, make_till
from test_registration import cli

from sync.client import localdb
from sync.client.transport import SyncRefused, Transport
from sync.server.main import main as server_main
from terminal.store.local import open_local_store


def admin_cli(url: str, *args: str) -> tuple[int, Any, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(["admin", "--database-url", url, *args])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


def pull_status(server: Server, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/sync/pull", timeout=10,
                     headers={"Authorization": f"Bearer {token}"})


def test_a_till_with_a_damaged_registration_registers_again_as_the_same_terminal(
        server: Server, ledger: Ledger, tmp_path: Path) -> None:
    store = server.new_store("Main")
    till = make_till(tmp_path / "till", server, store)
    member = till.enrol()
    till.top_up(member, 500)
    assert till.sync().pushed == 2
    till.enrol("Not yet pushed")  # event 3 stays in the till's journal
    old_token, terminal, number = till.creds.token, till.creds.terminal_id, \
        till.creds.terminal_number
    till.close()
    (till.data_dir / "sync.json").write_text("{half a file", encoding="utf-8")

    status, state = cli(till.data_dir, "status")  # still answers, and says what to do
    assert status == 0 and state["registered"] is False
    assert "register --force" in str(state["server_problem"])
    status, answer = cli(till.data_dir, "register", "--server", server.url, "--code", "X")
    assert status == 1 and answer["error"]["code"] == "damaged_credentials"  # type: ignore[index]

    # a code for a new terminal cannot take over this till's id: the message says what can
    status, answer = cli(till.data_dir, "register", "--force", "--server", server.url,
                         "--code", server.new_code(store))
    assert status == 1 and answer["error"]["code"] == "refused"  # type: ignore[index]
    assert f"reissue-code {terminal}" in str(answer["error"])

    # as after a server rebuilt from scratch: the till's cursor points far past the feed
    local = open_local_store(till.data_dir, create=False)
    with local.store.session(write=True) as session:
        session.set_meta(localdb.CURSOR, "987654321")
    local.close()

    code, issued, err = admin_cli(server.database_url, "reissue-code", terminal)
    assert code == 0, err
    assert issued["terminal_number"] == number and issued["head_seq"] == 2
    assert err.startswith("database: ")  # every admin command says which database it used
    status, answer = cli(till.data_dir, "register", "--force", "--server", server.url,
                         "--code", issued["enrolment_code"])
    assert status == 0, answer
    assert answer["terminal_id"] == terminal and answer["terminal_number"] == number
    assert answer["registered_again"] is True and answer["server_head_seq"] == 2
    assert answer["events_waiting"] == 1

    status, report = cli(till.data_dir, "sync")
    assert status == 0, report
    assert report["pushed"] == 1 and report["waiting"] == 0 and not report["problems"]
    assert report["pulled_members"] >= 1  # pulled from the start again, nothing skipped
    assert ledger.scalar("SELECT head_seq FROM terminals WHERE id = :i", i=terminal) == 3
    assert ledger.scalar("SELECT count(*) FROM terminals") == 2  # the unused new one only
    assert pull_status(server, old_token).status_code == 401  # the credential was replaced
    again = httpx.post(f"{server.url}/v1/register", json={
        "code": issued["enrolment_code"], "terminal_id": terminal})
    assert again.status_code == 403 and again.json()["error"]["code"] == "code_used"


def test_revoke_stops_a_credential_at_once_and_the_till_says_why(
        server: Server, tmp_path: Path) -> None:
    store = server.new_store()
    till = make_till(tmp_path / "till", server, store)
    till.enrol()
    assert till.sync().pushed == 1
    till.enrol()
    till.close()
    terminal, token = till.creds.terminal_id, till.creds.token

    revoked = server.admin("POST", f"/v1/admin/terminals/{terminal}/revoke")
    assert revoked["credential"] == "revoked" and revoked["was"] == "active"
    refused = pull_status(server, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "credential_revoked"
    raw = RawTerminal(server, terminal, store, token)
    pushed = raw.push([raw.enrol()[1]])  # the push checks the credential its own way
    assert pushed.status_code == 401
    assert pushed.json()["error"]["code"] == "credential_revoked"

    status, answer = cli(till.data_dir, "sync")
    assert status == 1 and "revoked by the manager" in str(answer["error"])
    status, state = cli(till.data_dir, "status")
    assert status == 0 and state["online"] is True and state["credential"] == "refused"
    assert "revoked by the manager" in str(state["server_problem"])

    # revoking also cancels a code waiting for the terminal
    code = server.admin("POST", f"/v1/admin/terminals/{terminal}/enrolment-code")
    assert code["credential"] == "revoked"
    assert admin_cli(server.database_url, "revoke", terminal)[0] == 0
    status, answer = cli(till.data_dir, "register", "--force", "--server", server.url,
                         "--code", code["enrolment_code"])
    assert status == 1 and "Unknown enrolment code" in str(answer["error"])

    code = server.admin("POST", f"/v1/admin/terminals/{terminal}/enrolment-code",
                        {"ttl_seconds": 600})
    status, answer = cli(till.data_dir, "register", "--force", "--server", server.url,
                         "--code", code["enrolment_code"])
    assert status == 0 and answer["events_waiting"] == 1
    status, state = cli(till.data_dir, "status")
    assert state["credential"] == "accepted" and not state["server_problem"]
    status, report = cli(till.data_dir, "sync")
    assert status == 0 and report["pushed"] == 1 and not report["problems"]


def test_a_reissued_code_is_only_for_the_till_holding_that_chain(server: Server) -> None:
    store = server.new_store()
    raw = RawTerminal.create(server, store)
    member, enrol = raw.enrol()
    first = raw.top_up(member, 100)
    raw.push([enrol, first, raw.top_up(member, 200)])
    code = server.admin("POST", f"/v1/admin/terminals/{raw.terminal_id}/enrolment-code")
    code_text = code["enrolment_code"]
    with Transport(server.url) as transport:
        behind = _refusal(lambda: transport.register(code_text, raw.terminal_id,
                                                     (2, first["hash"])))
        assert behind.reason_code == "chain_mismatch" and "up to 3" in behind.message
        forked = _refusal(lambda: transport.register(code_text, raw.terminal_id, (3, "0" * 64)))
        assert forked.reason_code == "chain_mismatch"
        other = _refusal(lambda: transport.register(code_text, RawTerminal.create(
            server, store).terminal_id, (0, "")))
        assert other.reason_code == "terminal_mismatch"
        # the code was not used up by the refusals
        answer = transport.register(code_text, raw.terminal_id, (3, raw.head))
    assert answer["registered_again"] is True and answer["head_seq"] == 3
    assert answer["head_hash"] == raw.head and answer["terminal_id"] == raw.terminal_id
    raw.token = answer["token"]
    assert raw.push([raw.top_up(member, 50)]).json()["results"][0]["status"] == "applied"


def test_admin_reissue_and_revoke_need_a_known_terminal(server: Server) -> None:
    for path in ("enrolment-code", "revoke"):
        response = httpx.post(f"{server.url}/v1/admin/terminals/nope/{path}", timeout=10,
                              headers={"Authorization": "Bearer test-admin-token"})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "unknown_terminal"
    code, _, err = admin_cli(server.database_url, "reissue-code", "nope")
    assert code == 1 and "No terminal nope" in err and "Traceback" not in err


def _refusal(call: Any) -> SyncRefused:
    try:
        call()
    except SyncRefused as exc:
        return exc
    raise AssertionError("not refused")

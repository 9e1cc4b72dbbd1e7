"""Registration and authentication: the one-time code, the 0600 credential, every refusal."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import httpx
import pytest
from synckit import ADMIN_TOKEN, RawTerminal, Server

from terminal.cli import main as loyalty


def cli(data_dir: Path, *args: str) -> tuple[int, dict[str, object]]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = loyalty(["--data-dir", str(data_dir), "--json", *args])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else {})


def test_register_stores_id_store_and_a_0600_credential(sqlite_server: Server,
                                                        data_dir: Path) -> None:
    store = sqlite_server.new_store("Taipei Main")
    code = sqlite_server.new_code(store)
    status, answer = cli(data_dir, "register", "--server", sqlite_server.url, "--code", code)
    assert status == 0, answer
    assert answer["store_id"] == store
    creds = data_dir / "sync.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    saved = json.loads(creds.read_text())
    assert saved["terminal_id"] == answer["terminal_id"] and saved["token"]

    status, state = cli(data_dir, "status")
    assert status == 0 and state["online"] is True and state["registered"] is True


def test_a_used_code_is_refused_with_a_reason(sqlite_server: Server, tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    code = sqlite_server.new_code(store)
    assert cli(tmp_path / "a", "register", "--server", sqlite_server.url, "--code", code)[0] == 0
    status, answer = cli(tmp_path / "b", "register", "--server", sqlite_server.url,
                         "--code", code)
    assert status == 1
    assert "already used" in str(answer["error"])


def test_wrong_and_expired_codes_are_refused_with_a_reason(sqlite_server: Server) -> None:
    store = sqlite_server.new_store()
    wrong = httpx.post(f"{sqlite_server.url}/v1/register", json={"code": "NOPE-NOPE"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "unknown_code"
    code = sqlite_server.new_code(store, ttl=1)
    time.sleep(1.2)
    expired = httpx.post(f"{sqlite_server.url}/v1/register", json={"code": code})
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "code_expired"
    assert "expired" in expired.json()["error"]["message"]


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_sync_requests_without_a_valid_credential_are_refused(sqlite_server: Server,
                                                              header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("GET", "/v1/sync/pull"), ("POST", "/v1/sync/push"),
                         ("POST", "/v1/sync/authorise"), ("GET", "/v1/sync/conflicts")):
        response = httpx.request(method, f"{sqlite_server.url}{path}", headers=headers,
                                 json={"events": []})
        assert response.status_code == 401, (path, response.text)


def test_admin_api_needs_the_admin_credential(sqlite_server: Server) -> None:
    url = f"{sqlite_server.url}/v1/admin/stores"
    assert httpx.post(url, json={"name": "x"}).status_code == 401
    assert httpx.post(url, json={"name": "x"},
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.post(url, json={"name": "x"},
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert ok.status_code == 200


def test_a_terminal_pushes_only_as_itself_and_for_its_own_store(sqlite_server: Server) -> None:
    store_a, store_b = sqlite_server.new_store("A"), sqlite_server.new_store("B")
    one = RawTerminal.create(sqlite_server, store_a)
    other = RawTerminal.create(sqlite_server, store_b)
    _member, event = other.enrol()
    # one's credential, other's event: refused per event
    response = one.push([event])
    result = response.json()["results"][0]
    assert result["status"] == "refused" and "own events" in result["reason"]
    # right terminal, wrong store in the envelope: refused as a whole
    one.store_id = store_b
    _m, mine = one.enrol()
    assert one.push([mine]).status_code == 403

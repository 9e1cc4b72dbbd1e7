"""Terminal numbers (the card-serial ranges): unique per server, allocated at registration,
saved in sync.json; old credential files load without one and get it from a sync round."""

from __future__ import annotations

import contextlib
import io
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from synckit import Ledger, Server, register
from test_registration import cli

from sync.client.credentials import Credentials, load_credentials, save_credentials
from terminal.cli import main as loyalty
from terminal.members import CARD_BLOCK
from terminal.store.local import open_local_store


def test_concurrent_registrations_get_distinct_terminal_numbers(server: Server,
                                                                 ledger: Ledger) -> None:
    """GIVEN 12 enrolment codes in two stores WHEN all terminals register at once
    THEN each gets its own number 1..12 (no two offline terminals mint one card)."""
    stores = [server.new_store("A"), server.new_store("B")]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda i: register(server, stores[i % 2]), range(12)))
    numbers = sorted(a["terminal_number"] for a in answers)
    assert numbers == list(range(1, 13))
    stored = {r[0]: r[1] for r in ledger.rows("SELECT id, terminal_number FROM terminals")}
    assert all(stored[a["terminal_id"]] == a["terminal_number"] for a in answers)


def test_the_terminal_number_is_saved_in_sync_json(sqlite_server: Server,
                                                   tmp_path: Path) -> None:
    store = sqlite_server.new_store()
    register(sqlite_server, store)  # takes number 1
    data_dir = tmp_path / "till"
    status, _answer = cli(data_dir, "register", "--server", sqlite_server.url,
                          "--code", sqlite_server.new_code(store))
    assert status == 0
    assert json.loads((data_dir / "sync.json").read_text())["terminal_number"] == 2
    creds = load_credentials(data_dir)
    assert creds is not None and creds.terminal_number == 2
    assert "token" not in repr(creds) and creds.token not in repr(creds)


def test_a_credentials_file_from_before_terminal_numbers_loads_with_none(
        tmp_path: Path) -> None:
    old = {"server_url": "http://127.0.0.1:1", "terminal_id": "t", "store_id": "s",
           "store_name": "S", "token": "secret"}
    (tmp_path / "sync.json").write_text(json.dumps(old))
    creds = load_credentials(tmp_path)
    assert creds is not None and creds.terminal_number is None and creds.token == "secret"
    save_credentials(tmp_path, Credentials(**old, terminal_number=7))
    reloaded = load_credentials(tmp_path)
    assert reloaded is not None and reloaded.terminal_number == 7


# --- a till registered before terminal numbers: its first round saves the number ----------

def new_till_dir(folder: Path) -> tuple[Path, str]:
    """A terminal data directory with a manager and a cashier (the real commands); returns
    it and the terminal's id."""
    assert cli(folder, "init", "--shop", "Shop", "--manager", "Mei",
               "--manager-pin", "2468")[0] == 0
    assert cli(folder, "staff", "add", "--name", "Kai", "--role", "cashier", "--new-pin", "1357",
               "--pin", "2468")[0] == 0
    local = open_local_store(folder, create=False)
    try:
        return folder, local.terminal_id
    finally:
        local.close()


def old_style_sync_json(folder: Path, server: Server, answer: dict[str, Any]) -> None:
    """sync.json as ``loyalty register`` wrote it before terminal numbers (mode 0600)."""
    old = {"server_url": server.url, "terminal_id": answer["terminal_id"],
           "store_id": answer["store_id"], "store_name": answer["store_name"],
           "token": answer["token"]}
    path = folder / "sync.json"
    path.write_text(json.dumps(old, indent=2))
    path.chmod(0o600)


def enrolled_serial(folder: Path) -> int:
    status, answer = cli(folder, "enrol", "--name", "Lin")
    assert status == 0, answer
    card = str(answer["member"]["card_number"])  # type: ignore[index]
    return int(card[2:-1])


def text_of(folder: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert loyalty(["--data-dir", str(folder), *args]) == 0
    return out.getvalue()


def test_an_old_sync_json_gets_the_terminal_number_from_one_sync_round(
        server: Server, tmp_path: Path) -> None:
    """GIVEN a till registered before terminal numbers (sync.json without one; the server
    numbered it 3) WHEN it runs one `loyalty sync`
    THEN its number is saved into sync.json (still 0600, nothing else changed), it mints
    cards in its own block from then on, and the status says which block, in plain words."""
    store = server.new_store()
    register(server, store)
    register(server, store)  # numbers 1 and 2 taken: this till's is 3
    folder, terminal_id = new_till_dir(tmp_path / "till")
    answer = register(server, store, terminal_id)
    assert answer["terminal_number"] == 3
    old_style_sync_json(folder, server, answer)
    before = json.loads((folder / "sync.json").read_text())

    assert enrolled_serial(folder) < CARD_BLOCK  # no number: the shared block
    status, state = cli(folder, "status")
    assert status == 0 and state["terminal_number"] is None
    assert "shared block of terminals without a number" in text_of(folder, "status")

    status, report = cli(folder, "sync")
    assert status == 0, report
    assert report["terminal_number"] == 3 and report["terminal_number_saved"] is True
    assert report["problems"] == []
    path = folder / "sync.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {**before, "terminal_number": 3}
    assert not list(folder.glob("sync.*.tmp"))

    assert enrolled_serial(folder) == 3 * CARD_BLOCK + 1
    assert enrolled_serial(folder) == 3 * CARD_BLOCK + 2
    status, report = cli(folder, "sync")
    assert status == 0 and report["terminal_number_saved"] is False and not report["problems"]
    status, state = cli(folder, "status")
    assert state["terminal_number"] == 3 and state["terminal_number_problem"] == ""
    assert "own block (terminal number 3)" in text_of(folder, "status")


def test_a_saved_number_other_than_the_servers_is_reported_not_overwritten(
        sqlite_server: Server, tmp_path: Path) -> None:
    """GIVEN sync.json saying 7 where the server numbers the terminal 1
    WHEN it syncs THEN the round reports the mismatch (also in `status`), sync.json keeps 7
    and cards still come from block 7; once the file agrees the report goes."""
    store = sqlite_server.new_store()
    folder, terminal_id = new_till_dir(tmp_path / "till")
    answer = register(sqlite_server, store, terminal_id)
    assert answer["terminal_number"] == 1
    save_credentials(folder, Credentials.from_registration(
        sqlite_server.url, {**answer, "terminal_number": 7}))

    status, report = cli(folder, "sync")
    assert status == 0, report  # the sales still sync
    assert report["terminal_number"] == 1 and report["terminal_number_saved"] is False
    [problem] = report["problems"]  # type: ignore[misc]
    assert "numbers this terminal 1" in problem and "says 7" in problem
    assert "register" in problem
    assert json.loads((folder / "sync.json").read_text())["terminal_number"] == 7
    assert enrolled_serial(folder) == 7 * CARD_BLOCK + 1
    status, state = cli(folder, "status")
    assert state["terminal_number"] == 7 and state["terminal_number_problem"] == problem
    assert f"Terminal number: {problem}" in text_of(folder, "status")

    save_credentials(folder, Credentials.from_registration(sqlite_server.url, answer))
    status, report = cli(folder, "sync")
    assert status == 0 and report["problems"] == []
    status, state = cli(folder, "status")
    assert state["terminal_number_problem"] == ""


def test_a_server_that_says_no_number_changes_nothing(sqlite_server: Server, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An older server's pull page has no ``terminal_number``: the round saves nothing and
    reports nothing; the till keeps the shared block. A pull page of this server says it."""
    from sync.server import service

    store = sqlite_server.new_store()
    folder, terminal_id = new_till_dir(tmp_path / "till")
    answer = register(sqlite_server, store, terminal_id)
    old_style_sync_json(folder, sqlite_server, answer)
    page = httpx.get(f"{sqlite_server.url}/v1/sync/pull",
                     headers={"Authorization": f"Bearer {answer['token']}"}).json()
    assert page["terminal_number"] == answer["terminal_number"] == 1

    real_pull = service.pull

    def old_pull(*args: Any) -> dict[str, Any]:
        page = real_pull(*args)
        del page["terminal_number"]
        return page

    monkeypatch.setattr(service, "pull", old_pull)
    status, report = cli(folder, "sync")
    assert status == 0 and report["terminal_number"] is None and report["problems"] == []
    assert "terminal_number" not in json.loads((folder / "sync.json").read_text())
    assert enrolled_serial(folder) < CARD_BLOCK

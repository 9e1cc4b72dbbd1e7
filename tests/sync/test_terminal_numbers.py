"""Terminal numbers (the card-serial ranges): unique per server, allocated at registration,
saved in sync.json; old credential files load without one."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from synckit import Ledger, Server, register
from test_registration import cli

from sync.client.credentials import Credentials, load_credentials, save_credentials


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

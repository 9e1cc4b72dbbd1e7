"""Secrets never reach the server's logs: a real server process at INFO, its JSON log lines
captured while terminals register, push (with member secrets and PINs), pull, check,
authorise, fail authentication into the rate limit, and the admin makes a voucher key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from synckit import ADMIN_TOKEN, ROOT, RawTerminal, Server

from sync.client.transport import Transport
from sync.server.db import make_engine
from sync.server.logs import JsonFormatter
from terminal.member_codes import new_member_secret


def test_no_credential_code_secret_or_pin_hash_appears_in_the_logs(
        database_url: str, tmp_path: Path) -> None:
    server = Server(database_url, subprocess_mode=True, workdir=tmp_path, log_level="INFO",
                    auth_failure_limit=3).start()
    secrets: dict[str, str] = {"admin token": ADMIN_TOKEN}
    try:
        store = server.new_store()
        code = server.new_code(store)
        secrets["enrolment code"] = code
        with Transport(server.url) as transport:
            answer = transport.register(code, None)
        secrets["terminal token"] = answer["token"]
        till = RawTerminal(server, answer["terminal_id"], store, answer["token"])
        other = RawTerminal.create(server, store)
        secrets["other terminal token"] = other.token

        secrets["code secret"] = new_member_secret().hex()
        secrets["pin hash"] = "scrypt$16384$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        secrets["new pin hash"] = "scrypt$16384$8$1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"
        member, enrol = till.enrol(code_secret=secrets["code secret"],
                                   pin_hash=secrets["pin hash"])
        batch = [enrol, till.top_up(member, 100),
                 till.member_pin(member, secrets["new pin hash"])]
        assert [r["status"] for r in till.push(batch).json()["results"]] == ["applied"] * 3
        sale = till.spend(member, 50)
        assert till.authorise(member, 50, sale["id"]).status_code == 200
        assert till.push([sale]).status_code == 200
        pulled = other.pull_all(expect={member})
        assert pulled[member]["code_secret"] == secrets["code secret"]  # it did travel
        assert other.check([(member, "stale")])["members"][0]["pin_hash"] \
            == secrets["new pin hash"]
        imported = server.admin("POST", "/v1/admin/members/import", {
            "store_id": store, "members": [{"card_number": "880000000013", "name": "Lin"}]})
        secrets["imported member's secret"] = other.pull_all(
            other.cursor, expect=imported["ids"])[imported["ids"][0]]["code_secret"]

        guesses = {"guessed token": "guess-" + "x" * 30, "guessed code": "ZZZZZZZZZZ",
                   "guessed admin token": "not-the-admin-token"}
        secrets.update(guesses)
        httpx.get(f"{server.url}/v1/sync/pull",
                  headers={"Authorization": f"Bearer {guesses['guessed token']}"})
        httpx.post(f"{server.url}/v1/register", json={"code": guesses["guessed code"]})
        httpx.get(f"{server.url}/v1/admin/reports/liability",
                  headers={"Authorization": f"Bearer {guesses['guessed admin token']}"})
        limited = till.call("GET", "/v1/sync/pull")
        assert limited.status_code == 429

        keys = tmp_path / "keys"
        made = subprocess.run(
            [sys.executable, "-m", "sync.server.main", "admin", "--database-url",
             database_url, "voucher-key", "--key-dir", str(keys)],
            capture_output=True, text=True, cwd=str(ROOT), timeout=60, check=True)
        private = next(keys.glob("voucher-key-*.hex")).read_text().strip()
        secrets["voucher private key"] = private
        assert private not in made.stdout and private not in made.stderr
    finally:
        server.stop()

    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    paths = {entry.get("path") for entry in lines}
    assert {"/v1/register", "/v1/sync/push", "/v1/sync/pull", "/v1/sync/check",
            "/v1/sync/authorise"} <= paths  # the log did capture the traffic
    assert any(e["message"] == "authentication failed" for e in lines)
    assert any(e.get("status") == 429 for e in lines)
    leaked = [name for name, value in secrets.items() if value and value in log]
    assert leaked == []


def test_log_fields_named_like_secrets_are_redacted_and_sql_values_hidden(
        tmp_path: Path) -> None:
    import logging

    record = logging.LogRecord("loyalty.server", logging.INFO, "", 0, "x", None, None)
    record.token = "abc-token"
    record.code_secret = "ff" * 32
    record.path = "/v1/sync/pull"
    line = json.loads(JsonFormatter().format(record))
    assert line["token"] == "[redacted]" and line["code_secret"] == "[redacted]"
    assert line["path"] == "/v1/sync/pull"
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert engine.hide_parameters
    engine.dispose()

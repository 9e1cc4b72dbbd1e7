"""The programme document on the server: admin API and `loyalty-server admin programmes`,
validated with the parse error, versioned, and pulled by the terminals."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import httpx
from synckit import ADMIN_TOKEN, ROOT, Ledger, Server, make_till

from sync.client.localdb import PROGRAMME
from sync.server.main import main as server_main
from terminal.money import Money
from terminal.programmes import parse_document

DEMO = ROOT / "resources" / "demo" / "programmes.json"


def demo() -> dict[str, Any]:
    return dict(json.loads(DEMO.read_text(encoding="utf-8")))


def put(server: Server, document: Any) -> httpx.Response:
    return httpx.put(f"{server.url}/v1/admin/programmes", json=document, timeout=30,
                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def test_admin_api_stores_versions_and_refuses_invalid_documents(server: Server) -> None:
    missing = httpx.get(f"{server.url}/v1/admin/programmes", timeout=30,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert missing.status_code == 404
    first = put(server, demo())
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    assert "birthday" in first.json()["programmes"]
    changed = demo()
    changed["programmes"] = changed["programmes"][:3]
    second = put(server, changed)
    assert second.json()["version"] == 2
    bad = demo()
    bad["programmes"][2]["params"]["earn_unit"] = "fifty"
    refused = put(server, bad)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_programme"
    assert "'points'" in error["message"] and "params.earn_unit" in error["message"]
    assert put(server, [1, 2]).status_code == 422
    stored = server.admin("GET", "/v1/admin/programmes")
    assert stored["version"] == 2  # the refused document changed nothing
    assert [p["id"] for p in stored["programmes"]] == [p["id"] for p in changed["programmes"]]
    assert parse_document(stored).version == 2


def test_admin_api_needs_the_admin_credential(sqlite_server: Server) -> None:
    response = httpx.put(f"{sqlite_server.url}/v1/admin/programmes", json=demo(), timeout=30)
    assert response.status_code in (401, 403)


def test_terminal_pulls_the_document_and_can_evaluate_it(sqlite_server: Server,
                                                         tmp_path: Path) -> None:
    store_id = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store_id)
    try:
        put(sqlite_server, demo())
        till.sync()
        with till.local.store.session() as session:
            pulled = json.loads(session.get_meta(PROGRAMME) or "null")
        assert pulled is not None and pulled["version"] == 1
        assert len(parse_document(pulled).programmes) == len(demo()["programmes"])
        put(sqlite_server, demo())
        till.sync()
        with till.local.store.session() as session:
            assert json.loads(session.get_meta(PROGRAMME) or "null")["version"] == 2
    finally:
        till.close()


def test_a_sale_under_the_pulled_document_syncs_balanced(sqlite_server: Server,
                                                        tmp_path: Path) -> None:
    """GIVEN a till that pulled the demo document WHEN a gold member buys THEN the event with
    cash-back and charity postings is accepted by the server, unflagged, and balances."""
    store_id = sqlite_server.new_store()
    till = make_till(tmp_path / "till", sqlite_server, store_id)
    try:
        put(sqlite_server, demo())
        till.sync()
        member = str(till.service.enrol(till.cashier, name="陳志明", tier="gold")
                     .event.body["member_id"])
        sale = till.service.sale(till.cashier, member, Money(1000))
        assert {row[1] for row in sale.event.body["attribution"]} >= {"points", "cash-back"}
        assert sale.event.body["programme_discounts"] == [["tiers", "discount_gold", 50]]
        report = till.sync()
        assert report.pushed >= 2 and report.flagged == 0 and not report.problems
        ledger = Ledger(sqlite_server.database_url)
        try:
            assert all(total == 0 for total in ledger.postings_sum_by_asset().values())
            # gold: 5 % off in the demo, so 2 % cash-back on NT$950
            assert ledger.balance(f"member:{member}", "cash_back") == 19
            assert ledger.balances_match_postings()
        finally:
            ledger.close()
    finally:
        till.close()


def admin(url: str | None, *args: str) -> tuple[int, Any, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(["admin", *(["--database-url", url] if url else []), *args])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


def test_admin_cli_programmes_validate_set_show(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    code, checked, _ = admin(None, "programmes", "validate", str(DEMO))
    assert code == 0 and checked["valid"] is True
    assert checked["programmes"][0]["id"] == "tiers"  # in evaluation order
    toml = tmp_path / "programmes.toml"
    toml.write_text('version = 1\n[[programmes]]\nid = "points"\ntype = "points"\n'
                    'name = "紅利點數"\nvalid_from = 2026-01-01\n', encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "programmes": [
        {"id": "cb", "type": "cash_back", "name": "回饋", "params": {"basis_points": 0}}]}),
        encoding="utf-8")
    code, _, error = admin(None, "programmes", "validate", str(bad))
    assert code == 1 and "'cb'" in error and "params.basis_points" in error

    assert admin(url, "init")[0] == 0  # a new database: only `init` creates one
    code, stored, _ = admin(url, "programmes", "set", str(DEMO))
    assert code == 0 and stored["version"] == 1
    code, stored, _ = admin(url, "programmes", "set", str(toml))
    assert code == 0 and stored == {"version": 2, "programmes": ["points"]}
    code, _, error = admin(url, "programmes", "set", str(bad))
    assert code == 1 and "params.basis_points" in error
    code, shown, _ = admin(url, "programmes", "show")
    assert code == 0 and shown["version"] == 2
    assert shown["programmes"][0]["valid_from"] == "2026-01-01"
    # the older set-programme command is checked the same way
    code, _, error = admin(url, "set-programme", str(bad))
    assert code == 1 and "params.basis_points" in error

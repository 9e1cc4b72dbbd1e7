"""`loyalty-server admin …`: the admin operations straight on a database (no server)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from sync.server.main import main as server_main


def admin(url: str, *args: str) -> tuple[int, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = server_main(["admin", "--database-url", url, *args])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None)


def admin_err(url: str | None, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(["admin", *(["--database-url", url] if url else []), *args])
    return code, out.getvalue(), err.getvalue()


def test_admin_cli_sets_up_a_store_and_reports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    code, made = admin(url, "init")
    assert code == 0 and made["database"] == url
    code, store = admin(url, "create-store", "Taipei Main")
    assert code == 0 and store["name"] == "Taipei Main"
    code, terminal = admin(url, "create-terminal", "--store", store["id"], "--name", "till-1")
    assert code == 0 and len(terminal["enrolment_code"]) == 10
    members = tmp_path / "members.csv"
    members.write_text("card_number,name,phone\n880000000013,林美玲,0922333444\n"
                       "880000000021,Chen,\n", encoding="utf-8")
    code, imported = admin(url, "import-members", str(members), "--store", store["id"])
    assert code == 0 and imported["imported"] == 2
    code, limits = admin(url, "set-limits", '{"per_transaction": 500}')
    assert code == 0 and limits["version"] == 1
    code, flags = admin(url, "conflicts")
    assert code == 0 and flags == []
    code, liability = admin(url, "report", "liability")
    assert code == 0 and liability["stored_value"] == 0
    code, day = admin(url, "report", "day", "--date", "2026-03-10")
    assert code == 0 and [(d["store_id"], d["timezone"], d["from"]) for d in day] == [
        (store["id"], "Asia/Taipei", "2026-03-09T16:00:00.000000Z")]  # the store's own day
    assert "sale_count" not in day[0]
    assert admin(url, "create-terminal", "--store", "nope", "--name", "x")[0] == 1


def test_admin_cli_never_makes_a_database_by_accident(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOYALTY_SERVER_DATABASE_URL", raising=False)
    code, out, err = admin_err(None, "create-terminal", "--store", "s", "--name", "x")
    default = tmp_path / "loyalty-server.sqlite3"
    assert code == 1 and out == "" and not default.exists()
    assert f"database: sqlite:///{default}" in err and "admin init" in err
    missing = f"sqlite:///{tmp_path / 'typo.sqlite3'}"
    assert admin_err(missing, "conflicts")[0] == 1 and not (tmp_path / "typo.sqlite3").exists()
    code, out, err = admin_err(None, "init")
    assert code == 0 and default.exists() and json.loads(out)["database"] == f"sqlite:///{default}"
    code, out, err = admin_err(None, "conflicts")
    assert code == 0 and json.loads(out) == [] and err == f"database: sqlite:///{default}\n"


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:9/nothing_listens",
                                 "nosuchdriver://x/y", "postgresql://postgres@[bad"])
def test_admin_cli_says_plainly_when_the_database_is_unusable(url: str) -> None:
    code, out, err = admin_err(url, "conflicts")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("database: ") and lines[1].startswith("error: ")
    assert "Traceback" not in err


def test_admin_cli_refuses_bad_limits_with_a_reason(database_url: str) -> None:
    assert admin(database_url, "init")[0] == 0
    code, out, err = admin_err(database_url, "set-limits", '{"per_transaction": "abc"}')
    assert code == 1 and out == "" and "Traceback" not in err
    assert "error: Offline limits:" in err and "per_transaction" in err
    assert admin_err(database_url, "set-limits", "{not json")[0] == 1
    code, limits = admin(database_url, "set-limits", '{"per_transaction": 700}')
    assert code == 0 and limits["version"] == 1

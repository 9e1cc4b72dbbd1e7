"""`loyalty-server admin …`: the admin operations straight on a database (no server)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from sync.server.main import main as server_main


def admin(url: str, *args: str) -> tuple[int, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = server_main(["admin", "--database-url", url, *args])
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None)


def test_admin_cli_sets_up_a_store_and_reports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
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
    assert code == 0 and day == []
    assert admin(url, "create-terminal", "--store", "nope", "--name", "x")[0] == 1

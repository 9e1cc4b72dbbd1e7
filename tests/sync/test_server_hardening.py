"""Server hardening: malformed input is a 4xx with a reason (never a 5xx), the reports read
event bodies defensively, the day report uses each store's time zone and leaves voided
sales out, and a 500 that does happen is a JSON log line and a JSON body."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from synckit import ADMIN_TOKEN, RawTerminal, Server
from test_admin_cli import admin as admin_cli

from sync.server import analytics
from sync.server.db import make_engine
from terminal.ledger import format_time, hash_canonical


def admin_get(server: Server, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, timeout=60,
                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})


def event_at(term: RawTerminal, when: datetime, kind: str, body: dict[str, Any],
             postings: list[list[Any]]) -> dict[str, Any]:
    """Like ``RawTerminal.event``, at a given time."""
    wire = term.event(kind, body, postings)
    wire["occurred_at"] = format_time(when)
    del wire["hash"]
    wire["hash"] = hash_canonical(wire)
    term.head = wire["hash"]
    return wire


def sale_at(term: RawTerminal, when: datetime, member: str, amount: Any,
            paid: int) -> dict[str, Any]:
    return event_at(term, when, "sale", {"member_id": member, "amount": amount,
                                         "stored_value_paid": paid}, [
        [f"member:{member}", "stored_value", -paid, None, None],
        ["shop:stored_value_spent", "stored_value", paid, None, None]])


def sql(url: str, statement: str, **params: Any) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


# --- 1. malformed input: 4xx with a reason --------------------------------------------------

@pytest.mark.parametrize("cursor", ["99999999999999999999999", "1.99999999999999999999999",
                                    "99999999999999999999999.1", "-1.5", "1.-5", "-3",
                                    "18446744073709551616.0", "0.9223372036854775808"])
def test_a_cursor_out_of_range_is_a_400_with_a_reason(server: Server, cursor: str) -> None:
    term = RawTerminal.create(server, server.new_store())
    response = term.call("GET", "/v1/sync/pull", params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_cursor"


def test_the_largest_cursors_are_still_answered(server: Server) -> None:
    term = RawTerminal.create(server, server.new_store())
    for cursor in ("9223372036854775807", "0.9223372036854775807"):
        response = term.call("GET", "/v1/sync/pull", params={"cursor": cursor})
        assert response.status_code == 200, response.text
        assert response.json()["members"] == []


def test_amounts_that_are_not_integers_are_counted_as_zero_and_reported(
        server: Server) -> None:
    """The review's case: a sale whose body says ``"amount": "12.5"`` made the day report a
    500 for every store; the analytics failed the same way on PostgreSQL. A member whose
    enrolment day is not a date must not break them either."""
    store = server.new_store("Taipei")
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    _odd, odd_enrol = term.enrol(enrolled_on="2024-02-31")
    _bad, bad_enrol = term.enrol(enrolled_on="garbage")
    now = datetime.now(UTC)
    events = [enrol, odd_enrol, bad_enrol, term.top_up(member, 1000),
              sale_at(term, now, member, "12.5", 10), sale_at(term, now, member, 12.5, 10),
              sale_at(term, now, member, 10**30, 10), sale_at(term, now, member, True, 10),
              sale_at(term, now, member, 100, 100)]
    pushed = term.push(events)
    assert pushed.status_code == 200, pushed.text
    assert all(r["status"] in ("applied", "flagged") for r in pushed.json()["results"])
    day = now.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
    response = admin_get(server, "/v1/admin/reports/day", date=day)
    assert response.status_code == 200, response.text
    [entry] = response.json()
    assert entry["sale_count"] == 5 and entry["sales_amount"] == 100
    assert entry["stored_value_spent"] == 140
    assert entry["unreadable_amounts"] == 4
    assert sorted(entry["unreadable_amount_events"]) == sorted(e["id"] for e in events[4:8])
    for name in ("rfm", "lifecycle", "retention", "redemption"):
        report = admin_get(server, f"/v1/admin/reports/{name}", as_of=day)
        assert report.status_code == 200, (name, report.text)
    rfm = admin_get(server, "/v1/admin/reports/rfm", as_of=day).json()
    assert rfm["scopes"][store]["buyers"] == 1
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as conn:
            spend = conn.execute(text("SELECT spend FROM member_sales WHERE member_id = :m"),
                                 {"m": member}).scalar()
            scan = analytics.nightly(conn, date.fromisoformat(day), source="events")
    finally:
        engine.dispose()
    assert spend == 100  # the four unreadable amounts counted as 0 in the facts too
    assert scan["reports"]["rfm"][store]["buyers"] == 1  # and in the full scan


# --- 3. the day report: the store's time zone, voids left out ---------------------------------

def test_the_day_report_bounds_each_store_s_day_in_its_time_zone_and_nets_voids(
        server: Server) -> None:
    taipei = ZoneInfo("Asia/Taipei")
    berlin = ZoneInfo("Europe/Berlin")
    t_store = server.new_store("Taipei")
    b_store = str(server.admin("POST", "/v1/admin/stores",
                               {"name": "Berlin", "timezone": "Europe/Berlin"})["id"])
    tp = RawTerminal.create(server, t_store)
    member, enrol = tp.enrol()
    early = datetime(2026, 3, 10, 7, 30, tzinfo=taipei)  # 2026-03-09 23:30 UTC
    late = datetime(2026, 3, 10, 23, 30, tzinfo=taipei)  # 15:30 UTC
    after = datetime(2026, 3, 11, 0, 30, tzinfo=taipei)  # 2026-03-10 16:30 UTC
    before = datetime(2026, 3, 9, 23, 59, tzinfo=taipei)
    events = [enrol, tp.top_up(member, 1000), sale_at(tp, before, member, 1, 1),
              sale_at(tp, early, member, 100, 100), sale_at(tp, late, member, 20, 20)]
    voided = sale_at(tp, late, member, 70, 70)
    events += [voided, sale_at(tp, after, member, 5, 5), event_at(
        tp, after, "void", {"member_id": member, "voided_event_id": voided["id"],
                            "voided_kind": "sale"}, [
            [f"member:{member}", "stored_value", 70, None, None],
            ["shop:stored_value_spent", "stored_value", -70, None, None]])]
    pushed = tp.push(events)
    assert pushed.status_code == 200, pushed.text
    assert {r["status"] for r in pushed.json()["results"]} == {"applied"}, pushed.text
    bp = RawTerminal.create(server, b_store)
    b_member, b_enrol = bp.enrol()
    in_berlin = datetime(2026, 3, 10, 23, 0, tzinfo=berlin)  # 22:00 UTC: Taipei's 03-11
    pushed = bp.push([b_enrol, bp.top_up(b_member, 500),
                      sale_at(bp, in_berlin, b_member, 30, 30)])
    assert {r["status"] for r in pushed.json()["results"]} == {"applied"}, pushed.text

    response = admin_get(server, "/v1/admin/reports/day", date="2026-03-10")
    assert response.status_code == 200, response.text
    entries = {e["store_id"]: e for e in response.json()}
    t_day, b_day = entries[t_store], entries[b_store]
    assert t_day["timezone"] == "Asia/Taipei"
    assert (t_day["from"], t_day["until"]) == ("2026-03-09T16:00:00.000000Z",
                                               "2026-03-10T16:00:00.000000Z")
    assert t_day["sale_count"] == 2 and t_day["sales_amount"] == 120  # early + late
    assert t_day["voided_sale_count"] == 1 and t_day["voided_sales_amount"] == 70
    assert t_day["stored_value_spent"] == 120
    assert "void_count" not in t_day  # the void was made on the 11th, local time
    assert b_day["from"] == "2026-03-09T23:00:00.000000Z"
    assert b_day["sale_count"] == 1 and b_day["sales_amount"] == 30
    next_day = {e["store_id"]: e for e in admin_get(
        server, "/v1/admin/reports/day", date="2026-03-11").json()}
    assert next_day[t_store]["sale_count"] == 1 and next_day[t_store]["void_count"] == 1
    assert "sale_count" not in next_day[b_store]


def test_an_invalid_time_zone_is_refused_and_an_old_bad_row_is_reported(
        server: Server) -> None:
    refused = httpx.post(f"{server.url}/v1/admin/stores", timeout=30,
                         json={"name": "Mars", "timezone": "Mars/Olympus_Mons"},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid_timezone"
    assert "Mars/Olympus_Mons" in refused.json()["error"]["message"]
    good = server.new_store("Good")
    bad = server.new_store("Legacy")
    sql(server.database_url, "UPDATE stores SET timezone = 'Mars/Olympus_Mons' WHERE id = :s",
        s=bad)
    response = admin_get(server, "/v1/admin/reports/day", date="2026-03-10")
    assert response.status_code == 200, response.text
    entries = {e["store_id"]: e for e in response.json()}
    assert "error" not in entries[good]
    assert entries[bad]["error"].startswith("invalid_timezone")
    assert "Mars/Olympus_Mons" in entries[bad]["error"]
    rfm = admin_get(server, "/v1/admin/reports/rfm", as_of="2026-03-10")
    assert rfm.status_code == 200, rfm.text
    [problem] = rfm.json()["problems"]
    assert bad in problem and "counted in UTC" in problem


def test_the_admin_cli_refuses_a_bad_zone_and_reports_the_day_per_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert admin_cli(url, "init")[0] == 0
    capsys.readouterr()
    code, _ = admin_cli(url, "create-store", "Mars", "--timezone", "Mars/Olympus_Mons")
    assert code == 1
    assert "time zone refused" in capsys.readouterr().err.lower()
    code, store = admin_cli(url, "create-store", "Berlin", "--timezone", "Europe/Berlin")
    assert code == 0
    sql(url, "INSERT INTO stores (id, name, timezone, created_at) "
             "VALUES ('old', 'Old', 'Nowhere', '2020-01-01')")
    code, day = admin_cli(url, "report", "day", "--date", "2026-03-10")
    assert code == 0
    assert [e["store_id"] for e in day] == sorted([store["id"], "old"])
    by_id = {e["store_id"]: e for e in day}
    assert by_id[store["id"]]["from"] == "2026-03-09T23:00:00.000000Z"
    assert "Nowhere" in by_id["old"]["error"]
    assert "problem: store Old (old)" in capsys.readouterr().err


# --- 1. a 500 that does happen: JSON log line, JSON body --------------------------------------

def test_an_unhandled_error_is_a_json_500_and_a_json_log_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    server = Server(url, subprocess_mode=True, workdir=tmp_path, log_level="INFO").start()
    try:
        sql(url, "DROP TABLE balances")  # every read of the balances now fails
        response = admin_get(server, "/v1/admin/reports/liability")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal"
        assert "balances" not in response.text and "Traceback" not in response.text
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
    finally:
        server.stop()
    lines = (tmp_path / "server.log").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    [failure] = [e for e in entries if e.get("level") == "error"]
    assert failure["message"] == "unhandled error"
    assert failure["path"] == "/v1/admin/reports/liability"
    assert "Traceback" in failure["exception"] and "balances" in failure["exception"]
    assert any(e.get("status") == 500 and e.get("message") == "request" for e in entries)
    assert ADMIN_TOKEN not in "\n".join(lines)


def test_uvicorn_s_own_log_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from sync.server import logs

    names = ("loyalty", *logs.UVICORN_LOGGERS)
    saved = {n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate,
                 logging.getLogger(n).level) for n in names}
    logs.configure("INFO")
    try:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application",
                                                 exc_info=ValueError("boom"))
        logging.getLogger("uvicorn.access").warning(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/x", "1.1", 500)
    finally:
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:], logger.propagate = handlers, propagate
            logger.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [e["logger"] for e in lines] == ["uvicorn.error", "uvicorn.access"]
    assert "color_message" not in lines[0]
    assert "GET /x" in lines[1]["message"]


def test_the_report_day_must_be_a_date(server: Server) -> None:
    response = admin_get(server, "/v1/admin/reports/day", date="2026-13-45")
    assert response.status_code == 400, response.text  # the route's pattern lets it by


def test_a_nul_character_is_a_400_not_a_500(server: Server) -> None:
    """PostgreSQL text cannot hold U+0000 (the fuzz test found it on the store name)."""
    postgres = server.database_url.startswith("postgresql")
    made = httpx.post(f"{server.url}/v1/admin/stores", json={"name": "a\x00b"}, timeout=30,
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert made.status_code == (400 if postgres else 200), made.text
    flags = admin_get(server, "/v1/admin/conflicts", store_id="x\x00")
    assert flags.status_code == (400 if postgres else 200), flags.text
    if postgres:
        assert flags.json()["error"]["code"] == "invalid_request"


def test_the_day_report_leaves_out_a_sale_the_server_kept_but_could_not_book(
        server: Server) -> None:
    """A sale with an asset this server does not know is kept in the chain (refused,
    flagged ``unbookable_event``) with nothing booked: the day's totals do not count it."""
    store = server.new_store("Taipei")
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    now = datetime.now(UTC)
    top_up = term.top_up(member, 1000)
    unbookable = event_at(term, now, "sale", {"member_id": member, "amount": 500,
                                              "stored_value_paid": 0}, [
        [f"member:{member}", "gold", -5, None, None], ["shop:stored_value_spent", "gold", 5,
                                                       None, None]])
    events = [enrol, top_up, unbookable, sale_at(term, now, member, 100, 40)]
    statuses = [r["status"] for r in term.push(events).json()["results"]]
    assert statuses == ["applied", "applied", "refused", "applied"]
    day = now.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
    [entry] = admin_get(server, "/v1/admin/reports/day", date=day).json()
    assert entry["sale_count"] == 1 and entry["sales_amount"] == 100


def test_a_void_kept_without_booking_voids_nothing_in_any_report(server: Server) -> None:
    """A booked sale and a void of it that the server kept without booking (its time has no
    zone): the sale still counts, in the day report and in the analytics alike."""
    store = server.new_store("Taipei")
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    now = datetime.now(UTC)
    top_up = term.top_up(member, 1000)
    sale = sale_at(term, now, member, 100, 40)
    void = term.event("void", {"member_id": member, "voided_event_id": sale["id"],
                               "voided_kind": "sale", "voided": sale["body"], "reason": ""},
                      [[a, s, -n, lot, exp] for a, s, n, lot, exp in sale["postings"]])
    void["occurred_at"] = format_time(now).rstrip("Z")
    del void["hash"]
    void["hash"] = hash_canonical(void)
    term.head = void["hash"]
    statuses = [r["status"] for r in term.push([enrol, top_up, sale, void]).json()["results"]]
    assert statuses == ["applied", "applied", "applied", "refused"]
    day = now.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
    [entry] = admin_get(server, "/v1/admin/reports/day", date=day).json()
    assert entry["sale_count"] == 1 and entry["sales_amount"] == 100
    rfm = admin_get(server, "/v1/admin/reports/rfm", as_of=day).json()
    assert rfm["scopes"][store]["buyers"] == 1
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as conn:
            scan = analytics.nightly(conn, date.fromisoformat(day), source="events")
    finally:
        engine.dispose()
    assert scan["reports"]["rfm"][store]["buyers"] == 1

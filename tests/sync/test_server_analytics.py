"""The server's analytics reports over a known history pushed by two real tills: the figures
equal what :mod:`terminal.analytics` / :mod:`terminal.lifecycle` compute over the tills' own
journals (SQLite and PostgreSQL), and the table-driven boundaries hold (D1/D7/D30, lifecycle
thresholds, the shop-local day)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from synckit import ADMIN_TOKEN, Ledger, RawTerminal, Server, Till, make_till

from sync.server.main import main as server_main
from terminal import lifecycle
from terminal.analytics import Activity, retention, rfm, segment_counts
from terminal.ids import new_id
from terminal.ledger import Asset, ShopAccount, hash_canonical
from terminal.money import Money
from terminal.store.activity import activities, liability, shop_total

TODAY = date(2026, 11, 30)
ZONE = ZoneInfo("Asia/Taipei")

# enrolled days before TODAY, purchases (days after enrolment), returned within (D1, D7, D30)
RETENTION = [
    (100, [0], (0, 0, 0)),
    (100, [1], (1, 1, 1)),
    (100, [0, 7], (0, 1, 1)),
    (100, [8, 9], (0, 0, 1)),
    (100, [30], (0, 0, 1)),
    (100, [31, 40], (0, 0, 0)),
    (100, [], (0, 0, 0)),
]
# too recent to count for a horizon: enrolled days ago, bought the next day (if already past)
ELIGIBILITY = [0, 1, 6, 7, 29, 30]
# enrolled days before TODAY, last purchase days before TODAY (None: never), stage
LIFECYCLE = [
    (200, 0, "active"), (200, 60, "active"), (200, 61, "dormant"), (200, 180, "dormant"),
    (200, 181, "churned"), (30, None, "new"), (31, None, "dormant"),
]


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # 12:00 in Taipei


@dataclass
class Shop:
    """A till with a movable clock, and the members it enrolled."""

    till: Till
    members: list[str] = field(default_factory=list)

    def at(self, moment: datetime) -> None:
        self.till.service.clock = lambda: moment

    def enrol(self, days_ago: int) -> str:
        self.at(noon(TODAY - timedelta(days=days_ago)))
        member = self.till.enrol(f"M{len(self.members)}")
        self.members.append(member)
        return member

    def buy(self, member: str, moment: datetime, amount: int) -> str:
        self.at(moment)
        result = self.till.service.sale(self.till.cashier, member, Money(amount))
        return result.event.id

    def reference(self) -> tuple[list[Activity], dict[str, list[date]]]:
        with self.till.local.store.session() as session:
            acts, days = activities(session, ZONE)
        mine = set(self.members)
        return [a for a in acts if a.member_id in mine], days


def build_history(server: Server, tmp_path: Path) -> tuple[str, Shop, str, Shop]:
    """Store A: the retention cohorts (and one voided, one after-midnight purchase);
    store B: the lifecycle stages, and points redeemed."""
    store_a, store_b = server.new_store("A"), server.new_store("B")
    a = Shop(make_till(tmp_path / "a", server, store_a))
    b = Shop(make_till(tmp_path / "b", server, store_b))
    plan: list[tuple[datetime, Shop, str, int]] = []
    for index, (ago, offsets, _) in enumerate(RETENTION):
        member = a.enrol(ago)
        for offset in offsets:
            plan.append((noon(TODAY - timedelta(days=ago - offset)), a, member,
                         100 * (index + 1) + offset))
    for ago in ELIGIBILITY:
        member = a.enrol(ago)
        if ago >= 1:
            plan.append((noon(TODAY - timedelta(days=ago - 1)), a, member, 300 + ago))
    # 16:30 UTC on the enrolment day is 00:30 the next day in Taipei: a D1 return
    late = a.enrol(100)
    enrolled = TODAY - timedelta(days=100)
    plan.append((datetime(enrolled.year, enrolled.month, enrolled.day, 16, 30, tzinfo=UTC), a,
                 late, 250))
    for ago, last, _ in LIFECYCLE:
        member = b.enrol(ago)
        if last is not None:
            plan.append((noon(TODAY - timedelta(days=ago - 5)), b, member, 1000))
            plan.append((noon(TODAY - timedelta(days=last)), b, member, 500 + last))
    plan.sort(key=lambda item: item[0])
    for moment, shop, member, amount in plan:
        shop.buy(member, moment, amount)
    # a D1 purchase, voided: it does not count anywhere
    voided = a.enrol(100)
    sale = a.buy(voided, noon(enrolled + timedelta(days=1)), 5000)
    a.till.service.void(a.till.manager, sale)
    # points redeemed at store B (every member got the 100-point enrolment bonus)
    b.at(noon(TODAY))
    b.till.service.sale(b.till.cashier, b.members[0], Money(400), redeem_points=100)
    for shop in (a, b):
        report = shop.till.sync()
        assert report.problems == [] and report.waiting == 0, report
    return store_a, a, store_b, b


@pytest.fixture
def history(server: Server, tmp_path: Path) -> Iterator[tuple[str, Shop, str, Shop]]:
    built = build_history(server, tmp_path)
    yield built
    built[1].till.close()
    built[3].till.close()


def get(server: Server, name: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/v1/admin/reports/{name}", params=params, timeout=60,
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def scores(activity: list[Activity]) -> dict[str, Any]:
    ranked = rfm(activity, TODAY)
    buyers = [s for s in ranked.values() if s.segment != "never_bought"]
    return {"members": len(activity), "buyers": len(buyers),
            "segments": segment_counts(ranked),
            "scores": {axis: {str(n): sum(1 for s in buyers if getattr(s, axis) == n)
                              for n in range(1, 6)}
                       for axis in ("recency", "frequency", "monetary")}}


def cohorts(activity: list[Activity], days: dict[str, list[date]]) -> list[dict[str, Any]]:
    return [{"month": c.month, "members": c.members,
             **{f"d{h}": {"part": r.part, "whole": r.whole, "percent": r.percent()}
                for h, r in ((1, c.d1), (7, c.d7), (30, c.d30))}}
            for c in retention(activity, days, TODAY)]


def stages(activity: list[Activity],
           thresholds: lifecycle.Thresholds = lifecycle.DEFAULT_THRESHOLDS) -> dict[str, int]:
    counts = {stage.value: 0 for stage in lifecycle.Stage}
    for a in activity:
        stage = lifecycle.lifecycle_stage(a.enrolled_on, a.last_purchase, TODAY, thresholds)
        counts[stage.value] += 1
    return counts


def test_reports_equal_the_terminal_analytics(server: Server,
                                              history: tuple[str, Shop, str, Shop]) -> None:
    store_a, a, store_b, b = history
    acts_a, days_a = a.reference()
    acts_b, days_b = b.reference()
    scopes = {"all": (acts_a + acts_b, {**days_a, **days_b}), store_a: (acts_a, days_a),
              store_b: (acts_b, days_b)}
    as_of = TODAY.isoformat()

    got = get(server, "rfm", as_of=as_of)
    assert set(got["scopes"]) == set(scopes)
    for scope, (acts, _) in scopes.items():
        assert got["scopes"][scope] == scores(acts), scope

    got = get(server, "retention", as_of=as_of)
    for scope, (acts, days) in scopes.items():
        assert got["scopes"][scope] == cohorts(acts, days), scope
    # the table, by hand: the 100-days-ago cohort is RETENTION + the late and the voided one
    month = (TODAY - timedelta(days=100)).strftime("%Y-%m")
    cohort = next(c for c in got["scopes"][store_a] if c["month"] == month)
    expected = [sum(row[2][i] for row in RETENTION) for i in range(3)]
    assert cohort["members"] == len(RETENTION) + 2
    assert [cohort[f"d{h}"]["part"] for h in (1, 7, 30)] == [expected[0] + 1, expected[1] + 1,
                                                             expected[2] + 1]
    recent = next(c for c in got["scopes"][store_a] if c["month"] == "2026-11")
    assert recent["members"] == 5  # enrolled 0, 1, 6, 7, 29 days ago
    assert [(recent[f"d{h}"]["part"], recent[f"d{h}"]["whole"]) for h in (1, 7, 30)] == [
        (4, 4), (2, 2), (0, 0)]
    assert recent["d30"]["percent"] == "—"

    got = get(server, "lifecycle", as_of=as_of)
    for scope, (acts, _) in scopes.items():
        assert got["scopes"][scope] == stages(acts), scope
    by_hand = {stage.value: 0 for stage in lifecycle.Stage}
    for _, _, stage in LIFECYCLE:
        by_hand[stage] += 1
    assert got["scopes"][store_b] == by_hand

    # other thresholds: the terminal's own function with the same thresholds
    for new_days, dormant_days, churned_days in ((29, 59, 179), (31, 61, 181), (1, 2, 3)):
        got = get(server, "lifecycle", as_of=as_of, new_days=new_days,
                  dormant_days=dormant_days, churned_days=churned_days)
        moved = lifecycle.Thresholds(new_days, dormant_days, churned_days)
        for scope, (acts, _) in scopes.items():
            assert got["scopes"][scope] == stages(acts, moved), (scope, new_days)


def test_redemption_and_liability_equal_the_tills(server: Server, ledger: Ledger,
                                                  history: tuple[str, Shop, str, Shop]) -> None:
    store_a, a, store_b, b = history
    got = get(server, "redemption")["scopes"]
    totals = {"points_issued": 0, "points_redeemed": 0, "stored_value": 0, "points": 0,
              "points_value": 0}
    for scope, shop in ((store_a, a), (store_b, b)):
        with shop.till.local.store.session() as session:
            issued = -shop_total(session, ShopAccount.POINTS_ISSUED, Asset.POINTS.value)
            redeemed = shop_total(session, ShopAccount.POINTS_REDEEMED, Asset.POINTS.value)
            owed = liability(session, 100, 20)
        assert got[scope]["points_issued"] == issued > 0
        assert got[scope]["points_redeemed"] == redeemed
        assert got[scope]["points"] == owed.points
        assert got[scope]["points_value"] == owed.points_value
        for key, value in (("points_issued", issued), ("points_redeemed", redeemed),
                           ("stored_value", owed.stored_value), ("points", owed.points),
                           ("points_value", owed.points_value)):
            totals[key] += value
    assert got[store_b]["points_redeemed"] == 100
    assert got[store_a]["redemption_rate"]["percent"] == "0.0%"
    rate = got[store_b]["redemption_rate"]
    assert (rate["part"], rate["whole"]) == (100, got[store_b]["points_issued"])
    for key, value in totals.items():
        assert got["all"][key] == value, key
    assert got["all"]["points"] == int(ledger.scalar(
        "SELECT SUM(amount) FROM postings WHERE account LIKE 'member:%' AND asset = 'points'"))


def test_one_store_and_errors(server: Server, history: tuple[str, Shop, str, Shop]) -> None:
    store_a, a, _, _ = history
    only = get(server, "lifecycle", store_id=store_a, as_of=TODAY.isoformat())
    assert list(only["scopes"]) == [store_a]
    everything = get(server, "lifecycle", as_of=TODAY.isoformat())
    assert only["scopes"][store_a] == everything["scopes"][store_a]
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for path, status in (("rfm", 401), ("nonsense", 404), ("rfm?store_id=nowhere", 404),
                         ("lifecycle?dormant_days=90&churned_days=30", 400),
                         ("rfm?as_of=2026-13-40", 400)):
        response = httpx.get(f"{server.url}/v1/admin/reports/{path}", timeout=30,
                             headers={} if status == 401 else headers)
        assert response.status_code == status, (path, response.text)
    # the report day: before anyone enrolled, nobody is counted
    early = get(server, "lifecycle", as_of="2020-01-01")
    assert sum(early["scopes"]["all"].values()) == 0


def admin(url: str, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = server_main(["admin", "--database-url", url, *args])
    return code, out.getvalue()


def test_admin_cli_reports(server: Server, history: tuple[str, Shop, str, Shop]) -> None:
    store_a, _, store_b, _ = history
    day = TODAY.isoformat()
    for name in ("rfm", "lifecycle", "retention", "redemption"):
        code, out = admin(server.database_url, "report", name, "--date", day, "--json")
        assert code == 0
        assert json.loads(out) == get(server, name, as_of=day)
        code, out = admin(server.database_url, "report", name, "--date", day, "--store",
                          store_b)
        assert code == 0 and f"B ({store_b})" in out and store_a not in out
    code, out = admin(server.database_url, "report", "lifecycle", "--date", day, "--json",
                      "--new-days", "5", "--dormant-days", "10", "--churned-days", "20")
    assert code == 0 and json.loads(out)["thresholds"] == {
        "new_days": 5, "dormant_days": 10, "churned_days": 20}
    code, out = admin(server.database_url, "analytics-nightly", "--date", day)
    nightly = json.loads(out)
    assert code == 0 and nightly["reports"]["lifecycle"] == get(
        server, "lifecycle", as_of=day)["scopes"]
    assert set(nightly["seconds"]) == {"fold", "activity", "rfm", "lifecycle", "retention",
                                       "redemption", "total"}
    code, _ = admin(server.database_url, "report", "rfm", "--store", "nowhere")
    assert code == 1


def raw_event(term: RawTerminal, kind: str, body: dict[str, Any],
              occurred_at: str) -> dict[str, Any]:
    """An event at a chosen time, written as given (another client's time format)."""
    term.seq += 1
    wire: dict[str, Any] = {
        "id": new_id(), "terminal_id": term.terminal_id, "seq": term.seq,
        "cashier_id": "cashier", "occurred_at": occurred_at, "kind": kind, "body": body,
        "postings": [], "prev_hash": term.head}
    wire["hash"] = hash_canonical(wire)
    term.head = wire["hash"]
    return wire


def test_times_in_other_formats_and_the_end_of_the_report_day(server: Server) -> None:
    store = server.new_store("C")
    term = RawTerminal.create(server, store)
    member, other = new_id(), new_id()
    events = []
    for who in (member, other):
        info = {"id": who, "card_number": who[-12:], "name": "M", "phone": "",
                "birthday": None, "enrolled_on": "2026-11-01", "tier": "basic"}
        events.append(raw_event(term, "enrol", {"member": info, "member_id": who,
                                                "bonus_points": 0},
                                "2026-11-01T04:00:00.000000Z"))
    events += [
        # 07:30 in Taipei on the 2nd, written with its offset: the day after enrolling
        raw_event(term, "sale", {"member_id": member, "amount": 100},
                  "2026-11-02T07:30:00+08:00"),
        raw_event(term, "sale", {"member_id": other, "amount": 300},
                  "2026-11-15T04:00:00.000000Z"),
        # 00:30 on the 30th in Taipei, whole seconds: the report day itself
        raw_event(term, "sale", {"member_id": member, "amount": 200}, "2026-11-29T16:30:00Z"),
        # 00:00 on 1 December in Taipei: after the report day, not counted
        raw_event(term, "sale", {"member_id": member, "amount": 999},
                  "2026-11-30T16:00:00.000000Z"),
    ]
    response = term.push(events)
    assert response.status_code == 200, response.text
    activity = [Activity(member, date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 30), 2,
                         300),
                Activity(other, date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 15), 1,
                         300)]
    days = {member: [date(2026, 11, 2), date(2026, 11, 30)], other: [date(2026, 11, 15)]}
    as_of = TODAY.isoformat()
    ranked = get(server, "rfm", store_id=store, as_of=as_of)["scopes"][store]
    assert ranked == scores(activity)
    assert ranked["scores"]["monetary"] == {"1": 2, "2": 0, "3": 0, "4": 0, "5": 0}  # a tie
    assert get(server, "lifecycle", store_id=store, as_of=as_of)["scopes"][store] == stages(
        activity) == {"new": 0, "active": 2, "dormant": 0, "churned": 0}
    cohort = get(server, "retention", store_id=store, as_of=as_of)["scopes"][store]
    assert cohort == cohorts(activity, days)
    assert [cohort[0][f"d{h}"]["percent"] for h in (1, 7, 30)] == ["50.0%", "50.0%", "—"]
    # a day later the December purchase counts, and the members have had 30 days
    later = get(server, "rfm", store_id=store, as_of="2026-12-01")["scopes"][store]
    assert later["scores"]["monetary"] == {"1": 1, "2": 0, "3": 1, "4": 0, "5": 0}
    cohort = get(server, "retention", store_id=store, as_of="2026-12-01")["scopes"][store]
    assert cohort[0]["d30"] == {"part": 2, "whole": 2, "percent": "100.0%"}

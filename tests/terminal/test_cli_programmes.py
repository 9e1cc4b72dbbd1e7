"""The programme commands of the real ``loyalty`` command: check-in, a sale paid partly with
cash-back, enrolment with a referrer, the history's attribution and the charity report."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from test_cli import loyalty, new_shop, ok_json, refused

from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.store.paths import DB_NAME

DOCUMENT: dict[str, Any] = {
    "version": 2,
    "programmes": [
        {"id": "points", "type": "points", "name": "紅利點數", "params": {"earn_unit": 100}},
        {"id": "cb", "type": "cash_back", "name": "回饋金", "params": {"basis_points": 500}},
        {"id": "ref", "type": "referral", "name": "推薦好友", "params": {
            "referrer_reward": {"points": 100}, "referee_reward": {"points": 50}}},
        {"id": "daily", "type": "check_in", "name": "每日簽到", "params": {
            "reward": {"points": 1}}},
        {"id": "plus", "type": "membership", "name": "Plus", "params": {
            "fee": 1200, "days": 365, "discount_percent": 3}},
        {"id": "trees", "type": "charity", "name": "植樹", "params": {
            "charity": "植樹協會", "spend_basis_points": 100}},
    ],
}


def pull(data_dir: Path) -> None:
    """What the sync client does when it pulls the server's document."""
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     (PULLED_META_KEY, json.dumps(DOCUMENT)))


def test_programmes_through_the_cli(tmp_path: Path) -> None:
    shop = new_shop(tmp_path / "shop")
    referrer = ok_json(shop, "enrol", "--name", "陳志明")["member"]["card_number"]
    refused_line = refused(shop, "checkin", referrer)
    assert "programme document" in refused_line
    pull(shop)
    referee = ok_json(shop, "enrol", "--name", "王小華", "--referrer", referrer)
    card = referee["member"]["card_number"]
    checked = ok_json(shop, "checkin", card)
    assert checked["event"]["kind"] == "check_in"
    assert "already checked in" in refused(shop, "checkin", card)
    sale = ok_json(shop, "sale", "--member", card, "--amount", "1000")
    rules = {(row["programme_id"], row["rule"]) for row in sale["programmes"]}
    assert {("ref", "referee"), ("cb", "cash_back"), ("points", "earn")} <= rules
    paid = ok_json(shop, "sale", "--member", card, "--amount", "200", "--cash-back", "30")
    assert paid["plan"]["cash_back_paid"] == 30 and paid["plan"]["other_tender"] == 170
    assert "cash-back" in refused(shop, "sale", "--member", card, "--amount", "500",
                                  "--cash-back", "400")
    # the referrer's history shows the referee's sale that rewarded it, with the rule
    text = loyalty(shop, "history", referrer).stdout
    assert "推薦好友 · referrer: +100 points" in text
    report = ok_json(shop, "report", "charity")
    assert report["charities"] == [{"programme_id": "trees", "charity": "植樹協會",
                                    "pledged": 10 + 2, "points": 0}]
    bought = ok_json(shop, "plan", card, "plus")
    assert bought["event"]["kind"] == "plan" and bought["event"]["body"]["fee"] == 1200
    assert "no membership" in refused(shop, "plan", card, "points").lower()
    chose = ok_json(shop, "charity", card, "trees")
    assert chose["event"]["kind"] == "preference"
    assert "no charity programme" in refused(shop, "charity", card, "plus")
    # a transfer shows in both members' history
    moved = ok_json(shop, "transfer", "--from", card, "--to", referrer, "--points", "5",
                    "--pin", "2468")
    for member in (card, referrer):
        ids = [e["id"] for e in ok_json(shop, "history", member)["events"]]
        assert moved["event_id"] in ids
    assert ok_json(shop, "verify")["ok"] is True


def test_a_membership_discount_in_the_dry_run_the_sale_and_the_history(tmp_path: Path) -> None:
    shop = new_shop(tmp_path / "shop")
    pull(shop)
    card = ok_json(shop, "enrol", "--name", "王小華")["member"]["card_number"]
    ok_json(shop, "plan", card, "plus")  # 3 % off
    dry = ok_json(shop, "sale", "--member", card, "--amount", "99", "--dry-run")["plan"]
    assert (dry["programme_discount"], dry["due"], dry["other_tender"]) == (2, 97, 97)
    assert dry["programme_discounts"] == [{"programme_id": "plus", "rule": "member_discount",
                                           "amount": 2}]
    line = loyalty(shop, "sale", "--member", card, "--amount", "99", "--dry-run").stdout
    assert "plus · member_discount NT$2 off, due NT$97" in line
    sale = ok_json(shop, "sale", "--member", card, "--amount", "99")
    assert sale["plan"]["other_tender"] == 97
    assert "Plus · member_discount: -2 off" in loyalty(shop, "history", card).stdout
    assert "programme discounts NT$2" in loyalty(shop, "report", "day").stdout


def test_visit_issues_the_subscription_benefit_once(tmp_path: Path) -> None:
    shop = new_shop(tmp_path / "shop")
    document = {"version": 3, "programmes": [
        {"id": "club", "type": "subscription", "name": "咖啡月訂", "params": {
            "fee": 299, "days": 60, "monthly_reward": {"points": 40}}}]}
    with sqlite3.connect(shop / DB_NAME) as conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     (PULLED_META_KEY, json.dumps(document)))
    card = ok_json(shop, "enrol", "--name", "王小華")["member"]["card_number"]
    assert ok_json(shop, "visit", card)["event"] is None  # not subscribed
    ok_json(shop, "plan", card, "club")  # this month's benefit comes with the purchase
    assert ok_json(shop, "visit", card)["event"] is None
    assert "no benefit due now" in loyalty(shop, "visit", card).stdout


def test_a_sale_records_how_the_member_was_identified(tmp_path: Path) -> None:
    shop = new_shop(tmp_path / "shop")
    enrolled = ok_json(shop, "enrol", "--name", "王小華", "--phone", "0912-345-678")
    card, member_id = enrolled["member"]["card_number"], enrolled["member"]["id"]
    for code in (card, "0912 345 678", member_id):
        ok_json(shop, "sale", "--member", code, "--amount", "100")
    history = ok_json(shop, "history", card)["events"]
    said = [e["body"].get("identified_by") for e in history if e["kind"] == "sale"]
    assert said == ["manual", "phone_number", "card"]  # newest first
    text = loyalty(shop, "history", card).stdout
    assert "(member by card)" in text and "(member by phone number)" in text
    assert "No member has phone number 0987654321" in refused(shop, "member", "0987654321")

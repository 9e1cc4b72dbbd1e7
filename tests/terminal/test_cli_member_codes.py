"""``loyalty member-code``, ``set-pin`` and the member PIN in ``enrol`` / ``sale``: the real
command in a subprocess, on a real data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from test_cli import loyalty, new_shop, ok_json, refused

from terminal.member_codes import parse_app_setup_code, parse_member_code


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return new_shop(tmp_path / "shop")


def enrol_funded(shop: Path, *pin: str) -> dict[str, object]:
    member = ok_json(shop, "enrol", "--name", "王小明", *(("--member-pin", *pin) if pin else ()))
    card = member["member"]["card_number"]
    ok_json(shop, "topup", "--member", card, "--amount", "1000", "--pin", "2468")
    return dict(member["member"])


def read_qr(path: Path) -> str:
    found = zxingcpp.read_barcodes(Image.open(path))
    assert len(found) == 1
    return str(found[0].text)


def test_member_code_prints_a_code_that_pays_without_a_pin_once(shop: Path) -> None:
    member = enrol_funded(shop)
    code = ok_json(shop, "member-code", str(member["card_number"]))
    assert code["member_id"] == member["id"]
    assert parse_member_code(code["code"]).member_id == member["id"]
    sale = ok_json(shop, "sale", "--member", code["code"], "--amount", "300",
                   "--stored-value", "300")
    assert sale["member"]["stored_value"] == 700
    assert sale["member"]["identified_by"] == "phone_code"
    line = refused(shop, "sale", "--member", code["code"], "--amount", "100")
    assert "already used at this till" in line


def test_member_code_writes_the_code_and_the_app_setup_qr(shop: Path, tmp_path: Path) -> None:
    member = enrol_funded(shop)
    card = str(member["card_number"])
    qr, setup = tmp_path / "code.png", tmp_path / "setup.png"
    done = loyalty(shop, "member-code", card, "--qr", str(qr))
    assert done.returncode == 0, done.stderr
    # the code has a line of its own (Base45 has a space among its characters)
    text = re.search(r"^  (LM1:.*)$", done.stdout, re.MULTILINE)
    assert text is not None and read_qr(qr) == text.group(1)
    assert "accepted until" in done.stdout
    assert "Wrong PIN" in refused(shop, "member-code", card, "--setup-qr", str(setup),
                                  "--pin", "0000")
    assert "manager's --pin" in refused(shop, "member-code", card, "--setup-qr", str(setup))
    assert not setup.exists()
    ok_json(shop, "member-code", card, "--setup-qr", str(setup), "--pin", "2468")
    member_id, secret = parse_app_setup_code(read_qr(setup))
    assert member_id == member["id"] and len(secret) == 32


def test_stored_value_by_card_needs_member_pin(shop: Path) -> None:
    member = enrol_funded(shop, "4321")
    card = str(member["card_number"])
    assert member["has_pin"] is True
    assert "needs the member's PIN" in refused(shop, "sale", "--member", card, "--amount", "300",
                                               "--stored-value", "300")
    assert "Wrong member PIN" in refused(shop, "sale", "--member", card, "--amount", "300",
                                         "--stored-value", "300", "--member-pin", "1111")
    sale = ok_json(shop, "sale", "--member", card, "--amount", "300", "--stored-value", "300",
                   "--member-pin", "4321")
    assert sale["member"]["stored_value"] == 700
    # points only: no PIN asked
    ok_json(shop, "sale", "--member", card, "--amount", "100")


def test_set_pin_first_then_change_with_the_old_one_or_a_manager(shop: Path) -> None:
    member = enrol_funded(shop)
    card = str(member["card_number"])
    assert "set a PIN first, or show the phone code" in refused(
        shop, "sale", "--member", card, "--amount", "300", "--stored-value", "300",
        "--member-pin", "1234")
    ok_json(shop, "set-pin", "--member", card, "--member-pin", "1234")
    assert "old PIN, or a manager" in refused(shop, "set-pin", "--member", card,
                                              "--member-pin", "5678")
    ok_json(shop, "set-pin", "--member", card, "--member-pin", "5678", "--old-member-pin", "1234")
    ok_json(shop, "set-pin", "--member", card, "--member-pin", "9753", "--pin", "2468")
    ok_json(shop, "sale", "--member", card, "--amount", "300", "--stored-value", "300",
            "--member-pin", "9753")
    history = ok_json(shop, "history", card)
    pins = [e for e in history["events"] if e["kind"] == "member_pin"]
    assert len(pins) == 3 and all(e["body"]["pin_hash"] == "(hidden)" for e in pins)
    enrol_event = next(e for e in history["events"] if e["kind"] == "enrol")
    assert enrol_event["body"]["member"]["code_secret"] == "(hidden)"
    done = loyalty(shop, "history", card)
    assert done.returncode == 0 and "PIN set" in done.stdout
    assert json.dumps(history).count("scrypt$") == 0


def test_a_registered_terminal_mints_cards_in_its_own_block(shop: Path) -> None:
    (shop / "sync.json").write_text(json.dumps({
        "server_url": "http://127.0.0.1:9", "terminal_id": "t", "store_id": "s",
        "store_name": "S", "token": "x", "terminal_number": 12}), encoding="utf-8")
    card = ok_json(shop, "enrol", "--name", "陳一")["member"]["card_number"]
    assert card[2:-1] == "012000001"

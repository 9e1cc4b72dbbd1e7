"""The byte layouts are a contract with other programs (the issuer, the phone app): fixed
inputs must give the exact bytes and text written in docs/codes.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from terminal import base45
from terminal.member_codes import make_member_code, parse_member_code, verify_member_code
from terminal.vouchers import (
    VoucherFields,
    VoucherKind,
    encode_payload,
    issue_voucher,
    public_key_of,
    verify_voucher,
)

DOC = (Path(__file__).parents[2] / "docs" / "codes.md").read_text(encoding="utf-8")
DOC_WORDS = " ".join(DOC.split())  # the doc wraps long values over lines
TAIPEI = timezone(timedelta(hours=8))
KEY = bytes(range(32))
MEMBER = "019a8f2e-6b1c-7d3e-8f40-123456789abc"
STORE = "3f2a0c1e-5b7d-4e8f-9a01-23456789abcd"
FIELDS = VoucherFields(
    id="019a9b3c-0000-7000-8000-00000000002a",
    kind=VoucherKind.AMOUNT_OFF,
    value=100,
    uses=1,
    not_before=datetime(2026, 12, 1, tzinfo=TAIPEI),
    not_after=datetime(2027, 1, 1, tzinfo=TAIPEI),
    member_id=MEMBER,
    store_id=STORE,
)
PAYLOAD = ("01 01 019a9b3c00007000800000000000002a 01 00000064 0001 01c8c2a0 01c97100 03 "
           "019a8f2e6b1c7d3e8f40123456789abc 98973050efa81bea")
SIGNATURE = ("99cdad1b67392baaaf6eadf610ecff6cd809cb2124b0eff63d08642240e7544b"
             "3b7b750ad5d24e53a0c2310bc8ee5dfb520f8f7442c0b82a610f3050b4af9504")
VOUCHER_TEXT = (
    "LV1:W505905SJ00077E88G000000.00V50000+SCW504HPBAK:KP300590O4IFODM$F.4IPD2--ACPJ3DJ%4"
    "6HDU N3/JJZ*LA2DIN508MT:LC623DW0ERQUPWS45FU9W7TTCA98OTAHN7$ZEI1RQ+9OEK0963IPT*B$GA46IXJ"
    "8VCN7CC%46+$MX$I"
)
MEMBER_CODE_AT = datetime(2026, 11, 22, 8, 0, 15, tzinfo=UTC)
MEMBER_CODE_TEXT = "LM1:590O4IFODM$F.4IPD2--ACPJ.CGCBMDL1"


def test_the_voucher_vector_matches_the_documented_bytes_and_text() -> None:
    assert encode_payload(1, FIELDS).hex() == PAYLOAD.replace(" ", "")
    text = issue_voucher(KEY, 1, FIELDS)
    assert text == VOUCHER_TEXT
    assert base45.decode(text[4:])[-64:].hex() == SIGNATURE
    assert public_key_of(KEY).hex() in DOC
    for part in (PAYLOAD, SIGNATURE[:64], SIGNATURE[64:]):
        assert part in DOC_WORDS
    assert VOUCHER_TEXT in DOC_WORDS.replace("%4 6HDU", "%46HDU").replace("IXJ 8VCN", "IXJ8VCN")


def test_the_voucher_vector_verifies_in_taipei_in_december() -> None:
    voucher = verify_voucher(VOUCHER_TEXT, {1: public_key_of(KEY)},
                             now=datetime(2026, 12, 24, 19, 0, tzinfo=TAIPEI), store_id=STORE,
                             member_id=MEMBER, revoked=(), used=())
    assert (voucher.kind, voucher.value, voucher.member_id) == (
        VoucherKind.AMOUNT_OFF, 100, MEMBER)


def test_the_member_code_vector_matches_the_documented_text() -> None:
    text = make_member_code(MEMBER, KEY, MEMBER_CODE_AT)
    assert text == MEMBER_CODE_TEXT
    assert text in DOC
    assert base45.decode(text[4:]).hex() == "019a8f2e6b1c7d3e8f40123456789abc80d6b0010ba7"
    assert verify_member_code(parse_member_code(text), KEY, MEMBER_CODE_AT, ()) == 59_844_480


def test_the_codes_fit_the_qr_versions_the_doc_promises() -> None:
    qrcode = pytest.importorskip("qrcode")

    def version(text: str) -> int:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(text)
        qr.make(fit=True)
        return int(qr.version)

    plain = issue_voucher(KEY, 1, replace(FIELDS, member_id=None, store_id=None))
    assert version(plain) == 6
    assert version(VOUCHER_TEXT) == 8
    assert version(MEMBER_CODE_TEXT) == 2

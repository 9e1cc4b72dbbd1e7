import pytest

from terminal.codes import CardCode, EInvoiceCarrier, parse_code
from terminal.errors import UnknownCode
from terminal.luhn import luhn_check_digit, luhn_valid
from terminal.members import card_number_for_serial, is_card_number, mask_name, mask_phone


def test_luhn_known_vectors() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert luhn_check_digit("7992739871") == "3"


def test_card_numbers_carry_a_check_digit() -> None:
    card = card_number_for_serial(1)
    assert card == "880000000013"
    assert is_card_number(card)
    for serial in (2, 99, 123456, 999_999_999):
        assert is_card_number(card_number_for_serial(serial))


def test_parse_card_number() -> None:
    assert parse_code(" 880000000013\r\n") == CardCode("880000000013")
    assert parse_code("8800-0000-0013") == CardCode("880000000013")


@pytest.mark.parametrize(("raw", "reason"), [
    ("880000000012", "bad_check_digit"),
    ("88000000001", "wrong_length"),
    ("", "empty"),
    ("   ", "empty"),
    ("hello", "unrecognised"),
    ("https://example.com", "unrecognised"),
    ("８８００００００００１３", "unrecognised"),  # full-width digits are not a card
    ("9" * 5000, "too_long"),
])
def test_rejections_are_typed_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(UnknownCode) as info:
        parse_code(raw)
    assert info.value.reason == reason
    assert info.value.message


def test_einvoice_carrier_is_recognised_not_a_member() -> None:
    assert parse_code("/ABC+123") == EInvoiceCarrier("/ABC+123")
    with pytest.raises(UnknownCode):
        parse_code("/abc123")  # lower case is not a carrier


def test_masks() -> None:
    assert mask_phone("0912345678") == "0912***678"
    assert mask_name("王小明") == "王*明"
    assert mask_name("林一") == "林*"


def test_voucher_and_phone_codes_are_recognised_by_prefix() -> None:
    from datetime import UTC, datetime

    from terminal.codes import VoucherCode
    from terminal.member_codes import RotatingCode, make_member_code, new_member_secret

    member_id = "01a20000-0000-7000-8000-000000000001"
    code = make_member_code(member_id, new_member_secret(), datetime.now(UTC))
    parsed = parse_code(code)
    assert isinstance(parsed, RotatingCode)
    assert isinstance(parse_code("lv1:ABC"), VoucherCode)
    with pytest.raises(UnknownCode):
        parse_code("LM1:%%%")

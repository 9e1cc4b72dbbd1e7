import pytest

from terminal.errors import CurrencyMismatch, InvalidAmount
from terminal.money import TWD, USD, Money, format_minor, parse_minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [("NT$1,250", 1250), ("1250", 1250), ("1,250", 1250), (" NT$ 99 ", 99), ("0", 0),
     ("-NT$30", -30), ("NT$1,000,000", 1_000_000), ("120元", 120), ("TWD500", 500)],
)
def test_parse_twd(text: str, minor: int) -> None:
    assert parse_minor(text) == minor


@pytest.mark.parametrize("text", ["12.5", "1,25", "NT$", "abc", "1.0", "1,2345", "--5", ""])
def test_parse_refuses_garbage_with_a_plain_message(text: str) -> None:
    with pytest.raises(InvalidAmount) as info:
        parse_minor(text)
    assert info.value.message


def test_parse_two_decimal_currency() -> None:
    assert parse_minor("US$12.50", USD) == 1250
    assert parse_minor("3", USD) == 300
    with pytest.raises(InvalidAmount):
        parse_minor("1.234", USD)


@pytest.mark.parametrize(("minor", "text"),
                         [(1250, "NT$1,250"), (0, "NT$0"), (-30, "-NT$30"),
                          (1_234_567, "NT$1,234,567")])
def test_format_twd(minor: int, text: str) -> None:
    assert format_minor(minor) == text
    assert Money(minor).format() == text


def test_format_two_decimals() -> None:
    assert Money(123456, USD).format() == "US$1,234.56"
    assert Money(-5, USD).format() == "-US$0.05"


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        parse_minor(12.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        format_minor(1.0)  # type: ignore[arg-type]


def test_arithmetic_keeps_currency() -> None:
    assert Money(100) + Money(50) == Money(150, TWD)
    assert (Money(100) - Money(150)).minor == -50
    assert Money(10) < Money(11)
    with pytest.raises(CurrencyMismatch):
        Money(1) + Money(1, USD)


def test_round_trip_format_parse() -> None:
    for value in (0, 1, 49, 50, 999, 1000, 123456789):
        assert parse_minor(format_minor(value)) == value

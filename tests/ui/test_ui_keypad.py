"""The keypad's PIN rule: leading zeros kept, at most 12 digits, clear and back."""

from __future__ import annotations

from functools import reduce

from ui.widgets.keypad import apply_key, apply_pin_key


def keyed(keys: list[str]) -> str:
    return reduce(apply_pin_key, keys, "")


def test_a_pin_keeps_its_leading_zeros_where_an_amount_drops_them() -> None:
    assert keyed(["0", "0", "7", "1"]) == "0071"
    assert reduce(apply_key, ["0", "0", "7", "1"], "") == "71"


def test_a_pin_stops_at_twelve_digits_and_back_and_clear_edit_it() -> None:
    assert keyed(["9"] * 13) == "9" * 12
    assert keyed(["1", "2", "3", "back"]) == "12"
    assert keyed(["1", "2", "clear", "5"]) == "5"
    assert keyed(["1", "x"]) == "1"

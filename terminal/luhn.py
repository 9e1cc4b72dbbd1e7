"""The Luhn (mod 10) check digit used on member card numbers."""

from __future__ import annotations


def luhn_check_digit(payload: str) -> str:
    """The digit to append to ``payload`` (digits only) so the whole passes :func:`luhn_valid`."""
    if not payload.isdigit() or not payload.isascii():
        raise ValueError("Luhn payload must be ASCII digits")
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    if len(number) < 2 or not number.isdigit() or not number.isascii():
        return False
    return luhn_check_digit(number[:-1]) == number[-1]

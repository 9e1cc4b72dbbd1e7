"""Money as an integer count of minor units plus a currency.

Floats are refused everywhere: ``Money(12.5)`` raises. ``Decimal`` appears only at the parse
and format edges, like Electrum does. The currency's exponent (TWD: 0 decimals) lives in
one place, :class:`Currency`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from terminal.errors import CurrencyMismatch, InvalidAmount


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int
    symbol: str


TWD = Currency("TWD", 0, "NT$")
USD = Currency("USD", 2, "US$")
CNY = Currency("CNY", 2, "CN¥")
CURRENCIES = {c.code: c for c in (TWD, USD, CNY)}


def currency_by_code(code: str) -> Currency:
    try:
        return CURRENCIES[code]
    except KeyError:
        raise InvalidAmount(f"Unknown currency {code!r}.") from None


def require_int(value: object, what: str = "amount") -> int:
    """Return ``value`` if it is a real ``int`` (not a bool, not a float), else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"The {what} must be a whole number, not {value!r}.")
    return value


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount in minor units (``minor``) of ``currency``."""

    minor: int
    currency: Currency = TWD

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money needs an int of minor units, got {type(self.minor).__name__}")

    # arithmetic -------------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"Cannot combine {self.currency.code} with {other.currency.code}."
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def is_zero(self) -> bool:
        return self.minor == 0

    # parse / format ---------------------------------------------------------------------
    def format(self) -> str:
        """``NT$1,250``, ``-NT$30``, ``US$12.50``."""
        return format_minor(self.minor, self.currency)

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def parse(cls, text: str, currency: Currency = TWD) -> Money:
        return cls(parse_minor(text, currency), currency)

    @classmethod
    def zero(cls, currency: Currency = TWD) -> Money:
        return cls(0, currency)


def format_minor(minor: int, currency: Currency = TWD) -> str:
    require_int(minor)
    sign = "-" if minor < 0 else ""
    magnitude = abs(minor)
    if currency.exponent == 0:
        digits = f"{magnitude:,}"
    else:
        scale = 10**currency.exponent
        whole, frac = divmod(magnitude, scale)
        digits = f"{whole:,}.{frac:0{currency.exponent}d}"
    return f"{sign}{currency.symbol}{digits}"


_AMOUNT = re.compile(r"^(?P<num>\d{1,3}(,\d{3})+|\d+)(\.(?P<frac>\d+))?$")


def parse_minor(text: str, currency: Currency = TWD) -> int:
    """Parse ``NT$1,250`` / ``1250`` / ``1,250`` (and ``12.50`` for 2-decimal currencies).

    Refuses floats (pass text), stray characters, misplaced thousands separators and more
    decimals than the currency has.
    """
    if not isinstance(text, str):
        raise InvalidAmount(f"Amounts are parsed from text, not {type(text).__name__}.")
    cleaned = text.strip().replace(" ", "")
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:]
    for prefix in (currency.symbol, currency.code, "NT$", "$", "NTD", "元"):
        if cleaned.upper().startswith(prefix.upper()):
            cleaned = cleaned[len(prefix) :]
            break
    cleaned = cleaned.removesuffix("元")
    match = _AMOUNT.match(cleaned)
    if not match:
        example = format_minor(1250, currency)
        raise InvalidAmount(f"{text!r} is not an amount (expected e.g. {example}).")
    frac = match.group("frac") or ""
    if len(frac) > currency.exponent:
        if currency.exponent == 0:
            raise InvalidAmount(f"{currency.code} amounts have no decimals: {text!r}.")
        raise InvalidAmount(f"{currency.code} amounts have at most {currency.exponent} decimals.")
    try:
        value = Decimal(match.group("num").replace(",", "") + ("." + frac if frac else ""))
    except InvalidOperation:  # pragma: no cover - the regex already guarantees digits
        raise InvalidAmount(f"{text!r} is not an amount.") from None
    minor = int(value.scaleb(currency.exponent))
    return -minor if negative else minor

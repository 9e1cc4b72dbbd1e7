"""The data on a receipt. Money is integer minor units plus a currency code, never a float."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Decimal places of each currency's minor unit (TWD is quoted in whole dollars).
CURRENCY_EXPONENTS = {"TWD": 0, "JPY": 0, "KRW": 0, "CNY": 2, "HKD": 2, "USD": 2, "EUR": 2}
CURRENCY_SYMBOLS = {"TWD": "NT$", "JPY": "¥", "CNY": "¥", "HKD": "HK$", "USD": "US$", "EUR": "€"}


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer (minor units / points), got {value!r}")
    return value


def format_money(minor: int, currency: str = "TWD") -> str:
    """``format_money(1250, "TWD") == "NT$1,250"``; ``format_money(-5, "TWD") == "-NT$5"``."""
    _require_int(minor, "amount")
    exponent = CURRENCY_EXPONENTS.get(currency)
    if exponent is None:
        raise ValueError(f"unknown currency {currency!r}")
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 10**exponent)
    text = f"{units:,}"
    if exponent:
        text += f".{cents:0{exponent}d}"
    return f"{sign}{symbol}{text}"


def format_points(points: int) -> str:
    return f"{_require_int(points, 'points'):,}"


def mask_member(number: str, visible: int = 4) -> str:
    """Show only the last ``visible`` characters: ``mask_member("8860123456781234")`` →
    ``"************1234"``."""
    if len(number) <= visible:
        return number
    return "*" * (len(number) - visible) + number[-visible:]


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    amount: int  # line total, minor units
    quantity: int = 1

    def __post_init__(self) -> None:
        _require_int(self.amount, "ReceiptLine.amount")
        _require_int(self.quantity, "ReceiptLine.quantity")


@dataclass(frozen=True)
class VoucherResult:
    label: str  # e.g. "咖啡兌換券 Coffee voucher"
    result: str  # e.g. "已使用 Redeemed (2 uses left)" or "無效 Rejected: expired"


@dataclass(frozen=True)
class ProgrammeLine:
    """Why the member got something: the programme and rule behind a posting."""

    label: str  # e.g. "生日禮 / birthday gift · birthday_month"
    value: str  # e.g. "+200 points"


@dataclass(frozen=True)
class Receipt:
    store_name: str
    time: datetime
    cashier: str
    total: int  # what the sale came to, minor units
    currency: str = "TWD"
    receipt_no: str = ""
    store_address: str = ""
    member: str = ""  # already masked, see mask_member()
    member_name: str = ""
    lines: tuple[ReceiptLine, ...] = ()
    discount: int = 0  # points redemption / tier discount, minor units (positive)
    paid: int = 0  # cash / card paid, minor units
    points_earned: int = 0
    points_redeemed: int = 0
    points_balance: int | None = None
    points_expiring: int = 0  # points expiring within 30 days
    points_expiring_on: str = ""  # e.g. "2025-12-31"
    stored_value_used: int = 0
    stored_value_left: int | None = None
    vouchers: tuple[VoucherResult, ...] = ()
    programmes: tuple[ProgrammeLine, ...] = ()  # attribution lines (the `programmes` directive)
    qr_payload: str = ""  # e.g. an e-receipt link or a next-visit coupon
    footer: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # more {fields} for custom templates

    def __post_init__(self) -> None:
        for name in ("total", "discount", "paid", "points_earned", "points_redeemed",
                     "points_expiring", "stored_value_used"):
            _require_int(getattr(self, name), f"Receipt.{name}")
        for name in ("points_balance", "stored_value_left"):
            if getattr(self, name) is not None:
                _require_int(getattr(self, name), f"Receipt.{name}")
        if self.currency not in CURRENCY_EXPONENTS:
            raise ValueError(f"unknown currency {self.currency!r}")

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)


def sample_receipt(now: datetime | None = None) -> Receipt:
    """A receipt with every section filled, for `loyalty print-test` and the tests."""
    return Receipt(
        store_name="好咖啡 信義店",
        store_address="台北市信義區松高路 1 號",
        time=now or datetime.now().replace(microsecond=0),
        cashier="王小明",
        receipt_no="T01-000123",
        member=mask_member("8860123456781234"),
        member_name="陳美麗",
        currency="TWD",
        lines=(
            ReceiptLine("拿鐵 Latte (大)", 150, 1),
            ReceiptLine("可頌 Croissant", 260, 2),
            ReceiptLine("測試品 Test item", 1000, 1),
        ),
        total=1380,
        discount=30,
        paid=880,
        points_earned=25,
        points_redeemed=30,
        points_balance=1234,
        points_expiring=82,
        points_expiring_on="2025-12-31",
        stored_value_used=500,
        stored_value_left=1500,
        vouchers=(VoucherResult("咖啡兌換券 Coffee x10", "已使用 Redeemed, 9 left"),),
        programmes=(ProgrammeLine("紅利點數 / points · earn", "+25 points"),
                    ProgrammeLine("生日禮 / birthday gift · birthday_month", "+200 points")),
        qr_payload="https://example.com/r/T01-000123",
        footer="謝謝光臨 Thank you!",
    )

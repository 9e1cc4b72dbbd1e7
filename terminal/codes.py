"""Turn any scanned or typed string into a typed code, or a typed rejection with a reason.

Card numbers, rotating member codes (``LM1:``), e-vouchers (``LV1:``) and Taiwan's e-invoice
mobile carrier are recognised here. Recognising is not trusting: a rotating code is checked
against the member's secret, and a voucher's signature, validity and status are checked, by
the checkout service (see terminal/member_codes.py and terminal/vouchers.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from terminal.errors import UnknownCode
from terminal.luhn import luhn_valid
from terminal.member_codes import PREFIX as MEMBER_CODE_PREFIX
from terminal.member_codes import SETUP_PREFIX, RotatingCode, parse_member_code
from terminal.members import CARD_LENGTH
from terminal.vouchers import PREFIX as VOUCHER_PREFIX

MAX_CODE_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class CardCode:
    card_number: str


@dataclass(frozen=True, slots=True)
class EInvoiceCarrier:
    """Taiwan's e-invoice mobile carrier (手機條碼載具): for the POS, not a member."""

    carrier: str


@dataclass(frozen=True, slots=True)
class VoucherCode:
    """An e-voucher as scanned; verified later (that needs keys, store, member and time)."""

    text: str


ScannedCode = CardCode | EInvoiceCarrier | RotatingCode | VoucherCode

_CARRIER = re.compile(r"^/[0-9A-Z.+\-]{7}$")


def parse_code(raw: str) -> ScannedCode:
    """Classify ``raw``; raise :class:`UnknownCode` (with ``reason``) for anything unusable."""
    if not isinstance(raw, str):
        raise UnknownCode("That is not a code.", reason="not_text")
    if len(raw) > MAX_CODE_LENGTH:
        raise UnknownCode("That code is far too long to be ours.", reason="too_long")
    text = raw.strip().strip("\x00")
    if not text:
        raise UnknownCode("Nothing was scanned.", reason="empty")
    head = text[:4].upper()
    if head == VOUCHER_PREFIX:
        return VoucherCode(text.upper())
    if head == MEMBER_CODE_PREFIX:
        return parse_member_code(text)
    if head == SETUP_PREFIX:
        raise UnknownCode("This is the member's phone-app setup code, not a member code: ask "
                          "the member to open the app and show the code it makes.",
                          reason="app_setup_code")
    if _CARRIER.match(text):
        return EInvoiceCarrier(text)
    compact = text.replace(" ", "").replace("-", "")
    if compact.isascii() and compact.isdigit():
        if len(compact) != CARD_LENGTH:
            raise UnknownCode(
                f"{len(compact)} digits is not a member card number "
                f"(cards have {CARD_LENGTH} digits).",
                reason="wrong_length", digits=len(compact), expected=CARD_LENGTH,
            )
        if not luhn_valid(compact):
            raise UnknownCode(
                "The card number's check digit is wrong: scan again or retype it.",
                reason="bad_check_digit",
            )
        return CardCode(compact)
    raise UnknownCode("This code is not a member card or anything this shop issued.",
                      reason="unrecognised")

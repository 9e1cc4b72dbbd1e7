"""Members: who they are. What they own is in the ledger, never here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from terminal.errors import InvalidInput
from terminal.luhn import luhn_check_digit, luhn_valid

CARD_PREFIX = "88"
CARD_LENGTH = 12  # prefix + serial + Luhn digit
# A numbered terminal mints card serials terminal_number × CARD_BLOCK + n (n < CARD_BLOCK), so
# two offline terminals never mint the same card; serials below CARD_BLOCK are the shared
# range of terminals without a number.
CARD_BLOCK = 1_000_000
DEFAULT_TIER = "basic"
TIERS = ("basic", "silver", "gold", "platinum")


class IdentifiedBy(StrEnum):
    """How the member at the till was identified (decides whether stored value needs a PIN).

    A card number is static: printed, photographed, copied. A phone code changes every 30
    seconds and proves the member's phone (its secret) is at the till right now.
    """

    CARD = "card"
    PHONE_CODE = "phone_code"
    PHONE_NUMBER = "phone_number"  # the member said their phone number; looked up by it
    MANUAL = "manual"  # picked by staff (a member id, a search): a static fact like a card


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    card_number: str
    name: str
    phone: str
    birthday: date | None
    enrolled_on: date
    tier: str = DEFAULT_TIER

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_card(self) -> str:
        return mask_card(self.card_number)


def card_number_for_serial(serial: int, prefix: str = CARD_PREFIX) -> str:
    """Card number ``prefix + zero-padded serial + check digit``, CARD_LENGTH digits long."""
    width = CARD_LENGTH - len(prefix) - 1
    if serial < 0 or serial >= 10**width:
        raise InvalidInput(f"Card serial {serial} does not fit in {width} digits.")
    payload = f"{prefix}{serial:0{width}d}"
    return payload + luhn_check_digit(payload)


def is_card_number(text: str) -> bool:
    return len(text) == CARD_LENGTH and luhn_valid(text)


_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def normalise_phone(phone: str) -> str:
    cleaned = phone.strip()
    if not cleaned:
        return ""
    if not _PHONE.match(cleaned):
        raise InvalidInput(f"{phone!r} is not a phone number.", reason="phone", phone=phone)
    return re.sub(r"[\- ]", "", cleaned)


def validate_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("A member needs a name.", reason="name_missing")
    if len(cleaned) > 80:
        raise InvalidInput("The name is too long (80 characters at most).", reason="name_too_long",
                           maximum=80)
    return cleaned


def validate_tier(tier: str) -> str:
    if tier not in TIERS:
        raise InvalidInput(f"Unknown tier {tier!r}; expected one of {', '.join(TIERS)}.")
    return tier


def mask_phone(phone: str) -> str:
    """``0912345678`` → ``0912***678``."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:4] + "*" * (len(phone) - 7) + phone[-3:]


def mask_name(name: str) -> str:
    """``王小明`` → ``王*明``; ``Alice Chen`` → ``A****hen``-like: keep first and last."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_card(card: str) -> str:
    return "*" * max(0, len(card) - 4) + card[-4:]

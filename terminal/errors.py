"""Typed errors of the domain core.

Every refusal the cashier, manager or an integrating POS can meet is one of these. Each
carries a plain message meant for people (``str(error)``) and a stable ``code`` meant for
programs (the CLI prints it in ``--json`` mode). Nothing is partially applied when one is
raised: the checkout service raises before it writes, inside one transaction.

``params`` holds the facts the message was made from (plain ``str`` / ``int`` values; money
as ints of minor units, with the ``currency`` code), and, where one code covers several
situations, a ``reason``. The app builds its translated text from them (``ui/errors.py``);
``message`` stays the English sentence for the CLI, logs and a fallback.
"""

from __future__ import annotations

Param = str | int


class LoyaltyError(Exception):
    """Base of every expected, explainable refusal."""

    code = "error"

    def __init__(self, message: str, **params: Param) -> None:
        super().__init__(message)
        self.message = message
        self.params: dict[str, Param] = dict(params)


class InvalidAmount(LoyaltyError):
    code = "invalid_amount"


class AmountTooLarge(InvalidAmount):
    code = "amount_too_large"


class CurrencyMismatch(InvalidAmount):
    code = "currency_mismatch"


class InvalidInput(LoyaltyError):
    code = "invalid_input"


class UnknownCode(LoyaltyError):
    """A scanned or typed code that is not something we can use."""

    code = "unknown_code"

    def __init__(self, message: str, reason: str, **params: Param) -> None:
        super().__init__(message, reason=reason, **params)
        self.reason = reason


class UnknownMember(LoyaltyError):
    code = "unknown_member"


class DuplicateMember(LoyaltyError):
    code = "duplicate_member"


class InsufficientBalance(LoyaltyError):
    code = "insufficient_balance"


class PermissionDenied(LoyaltyError):
    code = "permission_denied"


class WrongPin(LoyaltyError):
    code = "wrong_pin"

    def __init__(self, message: str, attempts_left: int, **params: Param) -> None:
        super().__init__(message, attempts_left=attempts_left, **params)
        self.attempts_left = attempts_left


class UserLocked(LoyaltyError):
    code = "user_locked"

    def __init__(self, message: str, seconds_left: int, **params: Param) -> None:
        super().__init__(message, seconds_left=seconds_left, **params)
        self.seconds_left = seconds_left


class UnknownUser(LoyaltyError):
    code = "unknown_user"


class UnknownEvent(LoyaltyError):
    code = "unknown_event"


class NotVoidable(LoyaltyError):
    code = "not_voidable"


class IntegrityError(LoyaltyError):
    """The journal or a cached balance does not match what the events say."""

    code = "integrity"

"""Errors in plain words for the cashier: never a traceback on the screen.

A :class:`terminal.errors.LoyaltyError` carries a plain English message from the core. The UI
puts a short translated headline (chosen by the error's stable ``code``) in front of it; any
other exception is logged with its traceback and shown as one calm sentence.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from terminal.errors import LoyaltyError

log = logging.getLogger(__name__)


def headline(code: str) -> str:
    """The translated one-line summary for an error code ('' when there is none)."""
    table = {
        "invalid_amount": QCoreApplication.translate("errors", "That amount cannot be used."),
        "amount_too_large": QCoreApplication.translate("errors", "That amount is over the limit."),
        "invalid_input": QCoreApplication.translate("errors", "Please check what was entered."),
        "unknown_code": QCoreApplication.translate("errors", "That code is not a member card."),
        "unknown_member": QCoreApplication.translate("errors", "No member found."),
        "duplicate_member": QCoreApplication.translate("errors",
                                                       "That member is already registered."),
        "insufficient_balance": QCoreApplication.translate("errors", "Not enough balance."),
        "permission_denied": QCoreApplication.translate("errors", "A manager is needed for this."),
        "wrong_pin": QCoreApplication.translate("errors", "Wrong PIN."),
        "user_locked": QCoreApplication.translate("errors", "This user is locked for a while."),
        "unknown_user": QCoreApplication.translate("errors", "Unknown user."),
        "unknown_event": QCoreApplication.translate("errors", "That transaction was not found."),
        "not_voidable": QCoreApplication.translate("errors", "That transaction cannot be voided."),
        "config": QCoreApplication.translate("errors", "The configuration has a problem."),
        "store_unavailable": QCoreApplication.translate("errors", "The database cannot be opened."),
    }
    return table.get(code, "")


def error_text(exc: BaseException) -> str:
    if isinstance(exc, LoyaltyError):
        title = headline(exc.code)
        return f"{title}\n{exc.message}" if title else exc.message
    log.error("unexpected failure", exc_info=exc)
    return QCoreApplication.translate(
        "errors", "Something went wrong and the action was not completed. Please try again; "
        "the details are in the log.")

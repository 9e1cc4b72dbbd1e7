"""Errors in plain words for the cashier: never a traceback on the screen.

A :class:`terminal.errors.LoyaltyError` carries a stable ``code``, the facts it was made from
(``params``: a ``reason`` where one code covers several situations, names, counts, money in
minor units) and a plain English ``message``. The UI shows a translated headline (by code)
above a translated detail: the catalogue below maps ``code`` or ``code/reason`` (or
``code/reason/case``) to a translatable template whose ``{placeholders}`` are filled from the
params. A placeholder may carry a format: ``{x:money}`` (NT$ through the UI's money
formatter), ``{x:duration}``, ``{x:role}``, ``{x:kind}``, ``{x:what}``, ``{x:asset}``
(translated labels), or any Python number format (``{x:,}``). A sync refusal's key is
``refused/<the server's reason>``. When a code has no template, or a param is missing or of
the wrong type, the English message is shown instead: a detail is never lost.

Any other exception is logged with its traceback and shown as one calm sentence.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication

from terminal.errors import LoyaltyError
from terminal.money import TWD, Currency, currency_by_code, format_minor

log = logging.getLogger(__name__)


Q = QCoreApplication  # Q.translate(context, text): the form pyside6-lupdate finds


def headline(code: str) -> str:
    """The translated one-line summary for an error code ('' when there is none)."""
    table = {
        "invalid_amount": Q.translate("errors", "That amount cannot be used."),
        "amount_too_large": Q.translate("errors", "That amount is over the limit."),
        "invalid_input": Q.translate("errors", "Please check what was entered."),
        "unknown_code": Q.translate("errors", "That code is not a member card."),
        "unknown_member": Q.translate("errors", "No member found."),
        "duplicate_member": Q.translate("errors", "That member is already registered."),
        "insufficient_balance": Q.translate("errors", "Not enough balance."),
        "permission_denied": Q.translate("errors", "A manager is needed for this."),
        "wrong_pin": Q.translate("errors", "Wrong PIN."),
        "user_locked": Q.translate("errors", "This user is locked for a while."),
        "unknown_user": Q.translate("errors", "Unknown user."),
        "unknown_event": Q.translate("errors", "That transaction was not found."),
        "not_voidable": Q.translate("errors", "That transaction cannot be voided."),
        "offline_refused": Q.translate("errors", "Not allowed while the terminal is offline."),
        "voucher_refused": Q.translate("errors", "This e-voucher cannot be used."),
        "member_code_refused": Q.translate("errors", "This phone code cannot be used."),
        "member_pin_required": Q.translate("errors", "The member's PIN is needed."),
        "member_pin_locked": Q.translate("errors", "The member's PIN is locked for a while."),
        "config": Q.translate("errors", "The configuration has a problem."),
        "offline": Q.translate("errors", "The sync server cannot be reached."),
        "refused": Q.translate("errors", "The sync server refused."),
        "store_unavailable": Q.translate("errors", "The database cannot be opened."),
    }
    return table.get(code, "")


def catalogue() -> dict[str, str]:
    """Translated detail templates by ``code``, ``code/reason`` or ``code/reason/case``."""
    return {
        # amounts
        "invalid_amount/not_money": Q.translate(
            "errors", "The {what:what} must be an amount of money."),
        "invalid_amount/wrong_currency": Q.translate(
            "errors", "The {what:what} must be in {currency}."),
        "invalid_amount/negative": Q.translate("errors", "The {what:what} cannot be negative."),
        "invalid_amount/zero": Q.translate("errors", "The {what:what} must be more than zero."),
        "amount_too_large/over_limit": Q.translate(
            "errors", "The {what:what} of {amount:money} is over the limit of {maximum:money}."),
        "invalid_amount/points_over_sale": Q.translate(
            "errors", "{points:,} points are worth {discount:money}, more than the sale of "
            "{total:money}."),
        "invalid_amount/stored_value_over_due": Q.translate(
            "errors",
            "Stored value {stored_value:money} is more than the {due:money} left to pay."),
        "invalid_amount/points_negative": Q.translate(
            "errors", "Points to redeem cannot be negative."),
        "invalid_amount/points_max": Q.translate(
            "errors", "{points:,} points is more than one sale may redeem."),
        "invalid_amount/points_step": Q.translate(
            "errors", "Points are redeemed in steps of {step} ({points} points = {value:money})."),
        "invalid_amount/transfer_min": Q.translate("errors", "Transfer at least 1 point."),
        "amount_too_large/transfer_max": Q.translate(
            "errors", "A transfer moves at most {maximum:,} points."),
        "invalid_amount/stamps_range": Q.translate(
            "errors", "Add between 1 and {maximum} stamps at a time."),
        "invalid_amount/percent_needs_amount": Q.translate(
            "errors", "A percent-off voucher needs the sale amount."),
        "invalid_amount/cash_back_over_due": Q.translate(
            "errors", "Cash-back {cash_back:money} is more than the {due:money} left to pay."),
        # balances
        "insufficient_balance/points": Q.translate(
            "errors", "{name} has {available:,} points; {points:,} cannot be redeemed."),
        "insufficient_balance/stored_value": Q.translate(
            "errors", "{name} has {balance:money} of stored value; {stored_value:money} cannot be "
            "paid with it."),
        "insufficient_balance/stamps": Q.translate(
            "errors", "{name} has {have} of the {size} stamps a full card needs."),
        "insufficient_balance/cash_back": Q.translate(
            "errors", "{name} has {balance:money} of cash-back; {cash_back:money} cannot be "
            "paid with it."),
        "insufficient_balance/server": Q.translate(
            "errors", "The server holds less stored value for this member than "
            "{stored_value:money} (spent at another till?): sync, then check the balance."),
        "insufficient_balance/server_cash_back": Q.translate(
            "errors", "The server holds less cash-back for this member than "
            "{cash_back:money} (spent at another till?): sync, then check the balance."),
        # members and codes
        "unknown_member/no_id": Q.translate("errors", "No member {member_id}."),
        "unknown_member/no_card": Q.translate("errors", "No member has card {card}."),
        "unknown_member/no_phone": Q.translate(
            "errors", "No member has phone number {phone}."),
        "duplicate_member/card": Q.translate("errors", "Card {card} already belongs to a member."),
        "duplicate_member/phone": Q.translate("errors", "Phone {phone} is already registered."),
        "invalid_input/phone": Q.translate("errors", "{phone} is not a phone number."),
        "invalid_input/name_missing": Q.translate("errors", "A member needs a name."),
        "invalid_input/name_too_long": Q.translate(
            "errors", "The name is too long ({maximum} characters at most)."),
        "invalid_input/transfer_self": Q.translate(
            "errors", "A member cannot transfer points to themselves."),
        "unknown_code/not_text": Q.translate("errors", "That is not a code."),
        "unknown_code/too_long": Q.translate("errors", "That code is far too long to be ours."),
        "unknown_code/empty": Q.translate("errors", "Nothing was scanned."),
        "unknown_code/wrong_length": Q.translate(
            "errors",
            "{digits} digits is not a member card number (cards have {expected} digits)."),
        "unknown_code/bad_check_digit": Q.translate(
            "errors", "The card number's check digit is wrong: scan again or retype it."),
        "unknown_code/unrecognised": Q.translate(
            "errors", "This code is not a member card or anything this shop issued."),
        "unknown_code/not_a_voucher": Q.translate("errors", "That is not an e-voucher."),
        "unknown_code/not_member_code": Q.translate("errors", "This is not a member's phone code."),
        "unknown_code/member_code_damaged": Q.translate(
            "errors", "This phone code is incomplete or damaged: scan it again."),
        "member_code_refused/expired": Q.translate(
            "errors",
            "This phone code is out of date: ask the member to reopen the app (and to check "
            "the phone's clock)."),
        "member_code_refused/replayed": Q.translate(
            "errors", "This phone code was already used at this till: ask the member to show the "
            "next code."),
        "member_code_refused/unknown_member": Q.translate(
            "errors", "This phone code's member is not known on this terminal: sync the "
            "terminal, or scan the membership card."),
        "member_code_refused/no_secret": Q.translate(
            "errors", "This member's phone codes cannot be checked on this terminal yet: sync "
            "first, or scan the membership card."),
        "unknown_member/e_invoice_carrier": Q.translate(
            "errors", "That is an e-invoice mobile carrier, not a member code: pass it to the "
            "POS."),
        "unknown_member/voucher_first": Q.translate(
            "errors", "That is an e-voucher: identify the member first, then redeem it."),
        "member_pin_required/no_pin/card_only": Q.translate(
            "errors", "{name} has no PIN for stored value: set a PIN first, or show the phone "
            "code."),
        "member_pin_required/no_pin/always": Q.translate(
            "errors", "{name} has no PIN for stored value: set a PIN first."),
        "member_pin_required/missing/card_only": Q.translate(
            "errors", "Paying with stored value needs the member's PIN, or show the phone "
            "code."),
        "member_pin_required/missing/always": Q.translate(
            "errors", "Paying with stored value needs the member's PIN."),
        "member_pin_locked/locked": Q.translate(
            "errors", "The member's PIN is locked after too many wrong tries; try again in "
            "{seconds_left:duration}, or pay by phone code."),
        "member_pin_locked/now_locked": Q.translate(
            "errors", "Wrong member PIN. The member's PIN is now locked for {minutes} minutes."),
        "member_code_refused/forged": Q.translate(
            "errors",
            "This phone code is not genuine: ask the member to reopen the app, or to show "
            "the membership card."),
        # vouchers
        "voucher_refused/expired": Q.translate(
            "errors", "This voucher has expired: it can no longer be used."),
        "voucher_refused/not_yet_valid": Q.translate(
            "errors", "This voucher is not valid yet: it can be used from its start date."),
        "voucher_refused/wrong_store": Q.translate(
            "errors", "This voucher is for another store: it cannot be used here."),
        "voucher_refused/wrong_member": Q.translate(
            "errors", "This voucher belongs to another member: only that member can use it."),
        "voucher_refused/wrong_member/needs_member": Q.translate(
            "errors",
            "This voucher belongs to a member: scan the member's card or phone code first."),
        "voucher_refused/revoked": Q.translate(
            "errors", "This voucher was cancelled by the shop: it cannot be used."),
        "voucher_refused/already_used": Q.translate(
            "errors", "This voucher has already been used up."),
        "voucher_refused/held_elsewhere": Q.translate(
            "errors", "Another till is redeeming this voucher right now: try again in a "
            "moment."),
        "voucher_refused/forged": Q.translate(
            "errors",
            "This voucher is not genuine or is damaged: do not accept it. Scan it once more; "
            "if it fails again, ask the customer to contact the shop."),
        # offline limits
        "offline_refused/hotlisted": Q.translate(
            "errors", "This member can use stored value only while the terminal is online (the "
            "account has an open balance to settle)."),
        "offline_refused/never_synced": Q.translate(
            "errors", "Stored value cannot be used offline: this terminal has not synced with the "
            "server yet."),
        "offline_refused/stale": Q.translate(
            "errors",
            "Stored value cannot be used offline: the last sync was more than {hours} hours "
            "ago."),
        "offline_refused/per_transaction": Q.translate(
            "errors", "Offline, at most {maximum:money} of stored value can be used per sale."),
        "offline_refused/member_debits": Q.translate(
            "errors", "Offline, a member can pay with stored value at most {count} times until the "
            "terminal syncs."),
        "offline_refused/member_total": Q.translate(
            "errors", "Offline, this member can use only {left:money} more stored value until the "
            "terminal syncs."),
        "offline_refused/terminal_total": Q.translate(
            "errors",
            "Offline, this terminal can accept only {left:money} more stored value until it "
            "syncs."),
        "offline_refused/voucher_stale": Q.translate(
            "errors", "Vouchers cannot be redeemed offline now: the terminal has not synced in the "
            "last {hours} hours."),
        "offline_refused/voucher_face": Q.translate(
            "errors", "Offline, only vouchers worth up to {maximum:money} can be redeemed."),
        "offline_refused/cash_back_hotlisted": Q.translate(
            "errors", "This member cannot pay with cash-back now: the account has a negative "
            "balance to settle first (the manager sees why)."),
        "offline_refused/cash_back_never_synced": Q.translate(
            "errors", "Cash-back cannot be used yet: this terminal has not synced with the "
            "server."),
        "offline_refused/cash_back_stale": Q.translate(
            "errors", "Cash-back cannot be used now: the last sync was more than {hours} hours "
            "ago."),
        "offline_refused/cash_back_per_transaction": Q.translate(
            "errors", "Until this terminal syncs, at most {maximum:money} of stored value and "
            "cash-back together can be used per sale."),
        "offline_refused/cash_back_member_debits": Q.translate(
            "errors", "Until this terminal syncs, a member can pay with stored value or "
            "cash-back at most {count} times."),
        "offline_refused/cash_back_member_total": Q.translate(
            "errors", "Until this terminal syncs, this member can use only {left:money} more "
            "stored value and cash-back together."),
        "offline_refused/cash_back_terminal_total": Q.translate(
            "errors", "Until this terminal syncs, it can accept only {left:money} more stored "
            "value and cash-back together."),
        # programmes: check-in, plans, charity
        "invalid_input/no_programmes": Q.translate(
            "errors", "Check-ins and plans need the shop's programme document, and this "
            "terminal has none it can use: sync, or ask the manager."),
        "invalid_input/already_checked_in": Q.translate(
            "errors", "{name} has already checked in today."),
        "invalid_input/nothing_for_check_in": Q.translate(
            "errors", "No programme gives anything for a check-in today."),
        "invalid_input/no_plan": Q.translate(
            "errors", "There is no membership or subscription {plan}."),
        "invalid_input/plan_not_on_sale": Q.translate(
            "errors", "{name} cannot be bought on {day}."),
        "invalid_input/no_charity": Q.translate(
            "errors", "There is no charity programme {programme}."),
        # sync
        "offline": Q.translate(
            "errors", "The terminal keeps working and tries again by itself; sales wait on "
            "this terminal until then."),
        "refused/bad_credential": Q.translate(
            "errors", "The server no longer accepts this terminal's credentials: the manager "
            "must register the terminal again."),
        "refused/credential_revoked": Q.translate(
            "errors", "The manager revoked this terminal's credential: sync and stored-value "
            "payments stop until it is registered again with a new code."),
        "refused/bad_cursor": Q.translate(
            "errors", "The server did not recognise where this terminal's last download "
            "stopped: ask support to check the terminal."),
        # staff, PINs and permissions
        "wrong_pin": Q.translate(
            "errors", "Wrong PIN ({attempts_left} tries left before a {minutes} minute lock)."),
        "wrong_pin/member": Q.translate(
            "errors", "Wrong member PIN ({attempts_left} tries left before a {minutes} minute "
            "lock)."),
        "user_locked/locked": Q.translate(
            "errors", "{name} is locked after too many wrong PINs; try again in "
            "{seconds_left:duration}."),
        "user_locked/now_locked": Q.translate(
            "errors", "Wrong PIN. {name} is now locked for {minutes} minutes."),
        "permission_denied": Q.translate(
            "errors", "Only a {needed:role} may do this; {name} is a {role:role}."),
        "permission_denied/member_pin_change": Q.translate(
            "errors", "Changing a member's PIN needs the old PIN, or a manager."),
        "invalid_input/pin_format": Q.translate("errors", "A PIN is 4 to 12 digits."),
        "unknown_user/manager_adds_staff": Q.translate("errors", "Only a manager can add staff."),
        "invalid_input/first_user": Q.translate("errors", "The first user must be a manager."),
        "invalid_input/staff_exists": Q.translate(
            "errors", "There is already a user called {name}."),
        "unknown_user/no_such_user": Q.translate("errors", "No user called {name}."),
        "unknown_user/no_role": Q.translate("errors", "There is no {role:role} on this terminal."),
        "unknown_user/several_roles": Q.translate(
            "errors", "There is more than one {role:role}: say which user."),
        # corrections
        "unknown_event": Q.translate("errors", "No transaction {event_id} on this terminal."),
        "not_voidable/kind": Q.translate("errors", "A {kind:kind} cannot be voided."),
        "not_voidable/already_voided": Q.translate(
            "errors", "That {kind:kind} was already voided by {by}."),
        "not_voidable/points_used": Q.translate(
            "errors", "The points this sale earned were already redeemed or expired: it cannot be "
            "voided in full."),
        "not_voidable/stored_value_spent": Q.translate(
            "errors", "The stored value from this top-up was already spent: it cannot be voided in "
            "full."),
        "not_voidable/stamps_exchanged": Q.translate(
            "errors", "These stamps were already exchanged for a reward: they cannot be voided."),
        "not_voidable/spent": Q.translate(
            "errors", "The {asset:asset} this event gave was already spent: it cannot be voided "
            "in full."),
    }


def _labels(kind: str) -> dict[str, str]:
    """Translated words for the values of a ``{param:kind}`` placeholder."""
    if kind == "role":
        return {"cashier": Q.translate("errors", "cashier"),
                "manager": Q.translate("errors", "manager")}
    if kind == "kind":  # terminal.ledger.EventKind values
        return {
            "enrol": Q.translate("errors", "enrolment"),
            "sale": Q.translate("errors", "sale"),
            "top_up": Q.translate("errors", "top-up"),
            "void": Q.translate("errors", "void"),
            "expire": Q.translate("errors", "points expiry"),
            "adjust": Q.translate("errors", "adjustment"),
            "stamp": Q.translate("errors", "stamp"),
            "stamp_redeem": Q.translate("errors", "stamp card exchange"),
            "voucher_redeem": Q.translate("errors", "voucher redemption"),
            "transfer": Q.translate("errors", "points transfer"),
            "member_pin": Q.translate("errors", "member PIN change"),
            "check_in": Q.translate("errors", "check-in"),
            "plan": Q.translate("errors", "plan purchase"),
            "preference": Q.translate("errors", "member's choice"),
        }
    if kind == "asset":  # terminal.ledger.Asset values
        return {"points": Q.translate("errors", "points"),
                "stored_value": Q.translate("errors", "stored value"),
                "stamps": Q.translate("errors", "stamps"),
                "cash_back": Q.translate("errors", "cash-back"),
                "donation": Q.translate("errors", "donation")}
    if kind == "what":  # the amounts terminal.checkout checks
        return {"sale amount": Q.translate("errors", "sale amount"),
                "top-up": Q.translate("errors", "top-up amount"),
                "stored-value payment": Q.translate("errors", "stored-value payment"),
                "cash-back payment": Q.translate("errors", "cash-back payment")}
    raise KeyError(kind)


class _Filler(string.Formatter):
    """``str.format`` with the catalogue's formats; a missing or wrong param raises."""

    def __init__(self, currency: Currency) -> None:
        self.currency = currency

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in ("money", "duration"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{format_spec} needs an int, got {value!r}")
            if format_spec == "money":
                return format_minor(value, self.currency)
            minutes, seconds = divmod(value, 60)
            return Q.translate(
                "errors", "{minutes} min {seconds} s").format(minutes=minutes, seconds=seconds)
        if format_spec in ("role", "kind", "what", "asset"):
            return _labels(format_spec)[str(value)]
        return str(super().format_field(value, format_spec))


def detail(error: LoyaltyError) -> str | None:
    """The translated detail of ``error``, or None when the catalogue cannot make it."""
    params = error.params
    key = error.code
    for part in ("reason", "case"):
        if part in params:
            key += f"/{params[part]}"
    reason_code = getattr(error, "reason_code", None)  # a sync refusal: the server's reason
    if "reason" not in params and isinstance(reason_code, str):
        key += f"/{reason_code}"
    template = catalogue().get(key)
    if template is None:
        return None
    try:
        currency = currency_by_code(str(params.get("currency", TWD.code)))
        return _Filler(currency).format(template, **params)
    except (KeyError, IndexError, TypeError, ValueError, LoyaltyError) as exc:
        log.warning("error %s: cannot fill its template (%r); showing the message", key, exc)
        return None


def error_text(exc: BaseException) -> str:
    if isinstance(exc, LoyaltyError):
        title = headline(exc.code)
        body = detail(exc) or exc.message
        return f"{title}\n{body}" if title else body
    log.error("unexpected failure", exc_info=exc)
    return QCoreApplication.translate(
        "errors", "Something went wrong and the action was not completed. Please try again; "
        "the details are in the log.")

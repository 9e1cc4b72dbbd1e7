"""What every command needs: options, the opened store and service, and output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from terminal.checkout import CheckoutService, MemberView
from terminal.codes import CardCode, parse_code
from terminal.config import TerminalConfig, load_config
from terminal.errors import InvalidInput, LoyaltyError, UnknownMember
from terminal.ledger import Event
from terminal.member_codes import RotatingCode
from terminal.members import CARD_LENGTH, IdentifiedBy
from terminal.money import Money, format_minor, parse_minor
from terminal.ports import Guard
from terminal.store.local import LocalStore, open_local_store
from terminal.store.paths import resolve_data_dir
from terminal.store.registration import terminal_number


class CommandFailed(LoyaltyError):
    def __init__(self, message: str, code: str = "failed", exit_status: int = 1) -> None:
        super().__init__(message)
        self.code = code
        self.exit_status = exit_status


def add_common_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    # On subcommands the defaults are SUPPRESS so a value given before the subcommand stays.
    default: Any = None if top_level else argparse.SUPPRESS
    parser.add_argument("--data-dir", default=default,
                        help="terminal data directory (default: $LOYALTY_DATA_DIR or the "
                             "user data dir)")
    parser.add_argument("--json", action="store_true",
                        default=False if top_level else argparse.SUPPRESS,
                        help="machine-readable output")


def subcommand(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
               help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    return parser


@dataclass
class Terminal:
    data_dir: Path
    local: LocalStore
    config: TerminalConfig
    service: CheckoutService

    def member_from_code(self, code: str) -> MemberView:
        """A card number (the usual case), a phone code (``LM1:``, checked and used up like
        at the till), a phone number (``09…`` or ``+886…``, not 12 digits) or a member id (for
        support staff); the last two count as a card for PINs. The view says which it was
        (``identified_by``), and a sale records it."""
        text = code.strip()
        if len(text) == 36 and text.count("-") == 4:
            return replace(self.service.member_view(text), identified_by=IdentifiedBy.MANUAL)
        if text[:1] in "0+" and len(text.replace(" ", "").replace("-", "")) != CARD_LENGTH:
            return self.service.find_by_phone(text)
        parsed = parse_code(text)
        if not isinstance(parsed, CardCode | RotatingCode):
            raise UnknownMember(f"{code!r} is not a member code.")
        return self.service.identify(text)


@contextmanager
def open_terminal(args: argparse.Namespace, create: bool = False) -> Iterator[Terminal]:
    data_dir = resolve_data_dir(args.data_dir)
    config = load_config(data_dir)
    local = open_local_store(data_dir, create=create)
    try:
        guard = _sync_guard(data_dir)
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=config.rules, timezone=config.timezone,
                                  stored_value_guard=guard, voucher_guard=guard,
                                  store_id=_store_id(data_dir),
                                  terminal_number=terminal_number(data_dir))
        yield Terminal(data_dir, local, config, service)
    finally:
        local.close()


def _sync_guard(data_dir: Path) -> Guard | None:
    """Online authorisation / offline limits for stored value, cash-back and vouchers, once
    the terminal is registered with a server (imported only then: the HTTP client costs
    start-up time)."""
    from sync.client.credentials import credentials_path

    if not credentials_path(data_dir).exists():
        return None
    from sync.client.app import make_guard

    return make_guard(data_dir)


def _store_id(data_dir: Path) -> str | None:
    """The server's store this terminal belongs to, once registered (scopes vouchers)."""
    from sync.client.credentials import load_credentials

    creds = load_credentials(data_dir)
    return None if creds is None else creds.store_id


def money_arg(text: str) -> Money:
    try:
        value = parse_minor(text)
    except LoyaltyError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if value < 0:
        raise argparse.ArgumentTypeError("amounts cannot be negative")
    return Money(value)


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def emit(args: argparse.Namespace, data: Any, lines: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(lines))


def emit_error(code: str, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
    print(f"error: {message}", file=sys.stderr)


def nt(value: int) -> str:
    return format_minor(value)


def member_json(view: MemberView) -> dict[str, Any]:
    m = view.member
    return {
        "id": m.id,
        "card_number": m.card_number,
        "name": m.name,
        "phone": m.phone,
        "birthday": m.birthday.isoformat() if m.birthday else None,
        "enrolled_on": m.enrolled_on.isoformat(),
        "tier": m.tier,
        "points": view.points,
        "stored_value": view.stored_value,
        "stamps": view.stamps,
        "has_pin": view.has_pin,
        "identified_by": None if view.identified_by is None else view.identified_by.value,
        "points_expiring_soon": [
            {"points": lot.remaining,
             "expires_on": lot.expires_on.isoformat() if lot.expires_on else None}
            for lot in view.expiring_soon],
    }


def member_lines(view: MemberView) -> list[str]:
    m = view.member
    lines = [
        f"{m.name}  ({m.tier})  card {m.card_number}  phone {m.masked_phone}",
        f"  points {view.points}   stored value {nt(view.stored_value)}   stamps {view.stamps}",
    ]
    for lot in view.expiring_soon:
        when = lot.expires_on.isoformat() if lot.expires_on else "never"
        lines.append(f"  {lot.remaining} points expire on {when}")
    return lines


HIDDEN = "(hidden)"


def event_json(event: Event) -> dict[str, Any]:
    """An event for output, with members' phone-code secrets and PIN hashes hidden."""
    wire = event.to_wire()
    body = wire.get("body")
    if isinstance(body, dict):
        body = dict(body)
        if isinstance(body.get("member"), dict):
            member = dict(body["member"])
            for key in ("code_secret", "pin_hash"):
                if member.get(key):
                    member[key] = HIDDEN
            body["member"] = member
        if body.get("pin_hash"):
            body["pin_hash"] = HIDDEN
        wire["body"] = body
    return wire


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)

"""``pos amount``: hand the sale amount from the shop's POS to the cashier app.

Writes ``<data dir>/pos/amount.json`` atomically (a temporary file, then a rename); the app
picks it up, shows it on the checkout screen, and the cashier still confirms the sale.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from terminal.cli.context import emit, money_arg, subcommand
from terminal.config import load_config
from terminal.errors import InvalidAmount
from terminal.store.paths import resolve_data_dir

INBOX = "pos"
AMOUNT_FILE = "amount.json"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "pos", "hand an amount from the POS to the cashier app")
    p.add_argument("action", choices=["amount"])
    p.add_argument("amount", type=money_arg, help="e.g. 1250")
    p.add_argument("--reference", default="", help="the POS's receipt or order number")
    p.set_defaults(handler=cmd_pos)


def cmd_pos(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    currency = load_config(data_dir).rules.currency
    if args.amount.minor <= 0:
        raise InvalidAmount("The amount must be more than zero.")
    folder = data_dir / INBOX
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"amount": args.amount.minor, "currency": currency.code,
               "reference": args.reference[:64]}
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".amount-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(payload, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / AMOUNT_FILE)
    emit(args, payload, [f"Amount {args.amount.format()} handed to the cashier app."])
    return 0

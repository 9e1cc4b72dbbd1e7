"""The headless ``loyalty`` command: a composition root like ``ui/app.py``.

Every subcommand takes ``--data-dir`` and ``--json``. Exit status: 0 done, 1 refused (a typed
domain error, printed as one line), 2 bad usage. Subcommands live in small modules that each
``register`` their parsers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from terminal.cli import (
    devices_cmd,
    members_cmd,
    pos_cmd,
    programmes_cmd,
    reports_cmd,
    sales_cmd,
    shop_cmd,
    sync_cmd,
)
from terminal.cli.context import CommandFailed, add_common_options, emit_error
from terminal.errors import LoyaltyError

MODULES = (shop_cmd, members_cmd, sales_cmd, programmes_cmd, reports_cmd, pos_cmd, devices_cmd,
           sync_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyalty", description="Loyalty terminal: headless commands for support and POS.")
    add_common_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        code = int(args.handler(args))
    except CommandFailed as exc:
        emit_error(exc.code, exc.message, as_json)
        return exc.exit_status
    except LoyaltyError as exc:
        emit_error(exc.code, exc.message, as_json)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        emit_error("interrupted", "Interrupted.", as_json)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: a one-line message, never a traceback
        if os.environ.get("LOYALTY_DEBUG"):
            raise
        emit_error("internal", f"Unexpected {type(exc).__name__}: {exc} "
                   "(set LOYALTY_DEBUG=1 for details)", as_json)
        return 70
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``devices`` and ``print-test``: what hardware the terminal sees, and a test receipt."""

from __future__ import annotations

import argparse
import os

from terminal.cli.context import CommandFailed, emit, subcommand
from terminal.config import load_config
from terminal.store.paths import resolve_data_dir


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "devices", "list the configured devices and their status")
    p.add_argument("--settle", type=float, default=2.0,
                   help="seconds to let devices connect before reporting (default 2)")
    p.set_defaults(handler=cmd_devices)

    p = subcommand(sub, "print-test", "print a test receipt on the configured printer")
    p.set_defaults(handler=cmd_print_test)


def _config_raw(args: argparse.Namespace) -> dict[str, object]:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # no V4L chatter for absent cameras
    return dict(load_config(resolve_data_dir(args.data_dir)).raw)


def cmd_devices(args: argparse.Namespace) -> int:
    from devices.registry import probe_devices

    rows = probe_devices(_config_raw(args), settle_s=max(0.0, args.settle))
    lines = [f"{row['name']:<8} {row['state']:<12} {row.get('reason', '')}" for row in rows]
    emit(args, rows, lines or ["No devices configured."])
    return 0


def cmd_print_test(args: argparse.Namespace) -> int:
    from devices.registry import print_test_receipt

    result = print_test_receipt(_config_raw(args))
    if not result["printed"]:
        raise CommandFailed(f"Test receipt not printed: {result['reason']} "
                            f"({result['state']}).", "printer")
    lines = [f"Test receipt sent to {result['target']} ({result['bytes']} bytes)."]
    if result.get("preview"):
        lines.append(f"Preview: {result['preview']}")
    emit(args, result, lines)
    return 0

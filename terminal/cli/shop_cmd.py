"""``init``, ``verify``, ``staff``: setting up and checking the terminal."""

from __future__ import annotations

import argparse

from terminal.checkout import CheckoutService
from terminal.cli.context import (
    CommandFailed,
    emit,
    open_terminal,
    subcommand,
)
from terminal.config import CONFIG_NAME, DEFAULT_CONFIG
from terminal.demo import DEMO_CASHIER, DEMO_MANAGER, SteppingClock, seed_demo
from terminal.staff import Role
from terminal.store.verify import verify_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "init", "create the terminal's database and config")
    p.add_argument("--demo", action="store_true",
                   help=f"add a demo shop (cashier PIN {DEMO_CASHIER[1]}, manager PIN "
                        f"{DEMO_MANAGER[1]}, 20 members with history)")
    p.add_argument("--shop", help="shop name for a new config")
    p.add_argument("--manager", help="name of the first manager")
    p.add_argument("--manager-pin", help="PIN of the first manager")
    p.set_defaults(handler=cmd_init)

    p = subcommand(sub, "verify", "check the hash chain, cached balances and SQLite integrity")
    p.set_defaults(handler=cmd_verify)

    p = subcommand(sub, "staff", "list or add cashiers and managers")
    p.add_argument("action", choices=["list", "add"])
    p.add_argument("--name")
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.CASHIER.value)
    p.add_argument("--new-pin", help="the new user's PIN")
    p.add_argument("--pin", help="a manager's PIN (to add a user)")
    p.add_argument("--user", help="the manager giving the PIN")
    p.set_defaults(handler=cmd_staff)


def cmd_init(args: argparse.Namespace) -> int:
    with open_terminal(args, create=True) as term:
        config_path = term.data_dir / CONFIG_NAME
        if not config_path.exists():
            text = DEFAULT_CONFIG
            if args.shop:
                text = text.replace('name = "My Shop"', f'name = "{_toml_escape(args.shop)}"')
            elif args.demo:
                text = text.replace('name = "My Shop"', 'name = "好日子咖啡 Good Day Café"')
            config_path.write_text(text, encoding="utf-8")
            config_path.chmod(0o600)
        with term.local.store.session() as session:
            has_staff = bool(session.all_staff())
            members = session.member_count()
        seeded = False
        if args.demo:
            if has_staff or members:
                raise CommandFailed(f"{term.data_dir} already has data; the demo needs an "
                                    "empty data directory.", "not_empty")
            clock = SteppingClock(term.service.clock())
            demo_service = CheckoutService(term.local.store, terminal_id=term.local.terminal_id,
                                           rules=term.service.rules, clock=clock,
                                           timezone=term.config.timezone)
            seed_demo(demo_service)
            seeded = True
        elif args.manager or args.manager_pin:
            if not (args.manager and args.manager_pin):
                raise CommandFailed("Give both --manager and --manager-pin.", "usage", 2)
            if has_staff:
                raise CommandFailed("This terminal already has staff.", "not_empty")
            term.service.add_staff(None, args.manager, Role.MANAGER, args.manager_pin)
        data = {"data_dir": str(term.data_dir), "database": str(term.local.path),
                "terminal_id": term.local.terminal_id, "demo": seeded}
        lines = [f"Terminal {term.local.terminal_id} ready in {term.data_dir}."]
        if seeded:
            lines.append(f"Demo shop added: cashier {DEMO_CASHIER[0]} PIN {DEMO_CASHIER[1]}, "
                         f"manager {DEMO_MANAGER[0]} PIN {DEMO_MANAGER[1]}.")
        elif not has_staff and not args.manager:
            lines.append("No staff yet: run `loyalty init --manager NAME --manager-pin PIN`.")
        emit(args, data, lines)
    return 0


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def cmd_verify(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        report = verify_store(term.local.store)
    data = {"ok": report.ok, "events": report.events, "integrity": report.integrity,
            "problems": report.problems}
    lines = ([f"OK: {report.events} events, hash chain intact, balances match, "
              f"SQLite integrity {report.integrity}."] if report.ok
             else [f"FAILED: {len(report.problems)} problem(s) in {report.events} events:"]
             + [f"  - {p}" for p in report.problems])
    emit(args, data, lines)
    return 0 if report.ok else 4


def cmd_staff(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        if args.action == "list":
            with term.local.store.session() as session:
                staff = session.all_staff()
            data = [{"id": s.id, "name": s.name, "role": s.role.value, "active": s.active}
                    for s in staff]
            emit(args, data, [f"{s.name}  {s.role.value}" for s in staff] or ["No staff."])
            return 0
        if not (args.name and args.new_pin):
            raise CommandFailed("staff add needs --name and --new-pin.", "usage", 2)
        if not args.pin:
            raise CommandFailed("staff add needs a manager's --pin.", "usage", 2)
        manager = term.service.login(args.user, args.pin, Role.MANAGER)
        added = term.service.add_staff(manager, args.name, Role(args.role), args.new_pin)
        emit(args, {"id": added.id, "name": added.name, "role": added.role.value},
             [f"Added {added.role.value} {added.name}."])
    return 0

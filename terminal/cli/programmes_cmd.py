"""``checkin``, ``plan``, ``visit``, ``charity``: the programme triggers that are not a sale
(daily check-in, buying a paid membership or subscription of the pulled programme document,
the member seen at the till) and the member's choice of charity."""

from __future__ import annotations

import argparse

from terminal.cli.context import emit, event_json, member_json, nt, open_terminal, subcommand
from terminal.ledger import Event
from terminal.programmes.explain import explain
from terminal.staff import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "checkin", "a member's daily check-in (once a day)")
    p.add_argument("code", help="card number or member id")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_checkin)

    p = subcommand(sub, "plan", "buy or renew a paid membership or subscription")
    p.add_argument("code", help="card number or member id")
    p.add_argument("plan_id", help="the membership or subscription programme's id")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_plan)

    p = subcommand(sub, "visit", "the member is at the till: issue the periodic benefits "
                                 "that fell due (as the app does on a scan)")
    p.add_argument("code", help="card number, phone code or member id")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_visit)

    p = subcommand(sub, "charity", "the charity a member gives to (opt-in charity programmes)")
    p.add_argument("code", help="card number or member id")
    p.add_argument("programme_id", nargs="?", help="the charity programme's id (none: stop)")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_charity)


def explained_lines(event: Event, member_id: str | None = None) -> list[str]:
    return [f"  {line.text()}" for line in explain(event, member_id)]


def cmd_checkin(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.check_in(cashier, view.member.id)
        assert result.member is not None
        emit(args, {"event": event_json(result.event), "member": member_json(result.member)},
             [f"Checked in {view.member.name}: now {result.member.points:,} points."]
             + explained_lines(result.event, view.member.id))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.buy_plan(cashier, view.member.id, args.plan_id)
        body = result.event.body
        assert result.member is not None
        emit(args, {"event": event_json(result.event), "member": member_json(result.member)},
             [f"{view.member.name}: {args.plan_id} valid until {body['valid_until']}; "
              f"fee {nt(int(str(body['fee'])))} to collect at the POS."]
             + explained_lines(result.event, view.member.id))
    return 0


def cmd_visit(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.issue_due_benefits(cashier, view.member.id)
        if result is None or result.member is None:
            emit(args, {"event": None, "member": member_json(view)},
                 [f"{view.member.name}: no benefit due now."])
            return 0
        emit(args, {"event": event_json(result.event), "member": member_json(result.member)},
             [f"{view.member.name}: benefit issued, now {result.member.points:,} points."]
             + explained_lines(result.event, view.member.id))
    return 0


def cmd_charity(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.choose_charity(cashier, view.member.id, args.programme_id)
        emit(args, {"event": event_json(result.event), "charity": args.programme_id},
             [f"{view.member.name} now gives to {args.programme_id}." if args.programme_id
              else f"{view.member.name} gives to no charity now."])
    return 0

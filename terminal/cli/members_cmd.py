"""``enrol``, ``member``, ``history``: finding and enrolling members."""

from __future__ import annotations

import argparse
from datetime import tzinfo

from terminal.cli.context import (
    date_arg,
    emit,
    event_json,
    member_json,
    member_lines,
    nonneg_int,
    nt,
    open_terminal,
    subcommand,
)
from terminal.ledger import Event, EventKind
from terminal.members import TIERS
from terminal.staff import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "enrol", "enrol a new member (new-member bonus included)")
    p.add_argument("--name", required=True)
    p.add_argument("--phone", default="")
    p.add_argument("--birthday", type=date_arg)
    p.add_argument("--card", help="an existing card number (default: the next free one)")
    p.add_argument("--tier", choices=TIERS, default="basic")
    p.add_argument("--cashier", help="the cashier enrolling (default: the only cashier)")
    p.set_defaults(handler=cmd_enrol)

    p = subcommand(sub, "member", "show a member by card number (or member id)")
    p.add_argument("code")
    p.set_defaults(handler=cmd_member)

    p = subcommand(sub, "history", "a member's recent events")
    p.add_argument("code")
    p.add_argument("--limit", type=nonneg_int, default=20)
    p.set_defaults(handler=cmd_history)


def cmd_enrol(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.enrol(cashier, name=args.name, phone=args.phone,
                                    birthday=args.birthday, card_number=args.card,
                                    tier=args.tier)
        assert result.member is not None
        data = {"event_id": result.event.id, "member": member_json(result.member)}
        emit(args, data, [f"Enrolled {result.member.member.name}: card "
                          f"{result.member.member.card_number}, "
                          f"{result.event.body['bonus_points']} welcome points."])
    return 0


def cmd_member(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        emit(args, member_json(view), member_lines(view))
    return 0


def describe(event: Event, zone: tzinfo) -> str:
    b = event.body
    when = event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if event.kind is EventKind.SALE:
        text = (f"sale {nt(int(b['amount']))}: +{b['points_earned']} points, "
                f"-{b['points_redeemed']} points, stored value {nt(int(b['stored_value_paid']))}")
    elif event.kind is EventKind.TOP_UP:
        text = f"top-up {nt(int(b['amount']))}"
    elif event.kind is EventKind.VOID:
        text = f"void of {b['voided_kind']} {b['voided_event_id']}"
    elif event.kind is EventKind.ENROL:
        text = f"enrolled, {b['bonus_points']} welcome points"
    elif event.kind is EventKind.EXPIRE:
        text = f"{b['points_expired']} points expired"
    else:
        text = event.kind.value
    return f"{when}  #{event.seq}  {text}  [{event.id}]"


def cmd_history(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        events = term.service.history(view.member.id, args.limit)
        emit(args, {"member": member_json(view), "events": [event_json(e) for e in events]},
             member_lines(view) + [describe(e, term.service.zone) for e in events])
    return 0

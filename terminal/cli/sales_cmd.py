"""``sale``, ``topup``, ``void``: the money-moving commands (for the shop's POS and support)."""

from __future__ import annotations

import argparse
import dataclasses

from terminal.checkout import SalePlan
from terminal.cli.context import (
    emit,
    member_json,
    money_arg,
    nonneg_int,
    nt,
    open_terminal,
    subcommand,
)
from terminal.cli.programmes_cmd import explained_lines
from terminal.programmes.explain import explain
from terminal.staff import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "sale", "a sale: earn points, redeem points, pay with stored value")
    p.add_argument("--member", required=True, help="card number or member id")
    p.add_argument("--amount", required=True, type=money_arg, help="sale amount, e.g. 1250")
    p.add_argument("--redeem-points", type=nonneg_int, default=0)
    p.add_argument("--stored-value", type=money_arg, help="part paid with stored value")
    p.add_argument("--cash-back", type=money_arg, help="part paid with cash-back (no PIN)")
    p.add_argument("--member-pin", help="the member's PIN (stored value by card; not needed "
                                        "when --member is a phone code)")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.add_argument("--dry-run", action="store_true", help="show what would happen")
    p.set_defaults(handler=cmd_sale)

    p = subcommand(sub, "stamp", "stamp a member's card, or exchange a full card (--redeem)")
    p.add_argument("--member", required=True)
    p.add_argument("--count", type=nonneg_int, default=1)
    p.add_argument("--redeem", action="store_true", help="exchange a full card for the reward")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_stamp)

    p = subcommand(sub, "voucher", "check and redeem a signed e-voucher (the scanned LV1: text)")
    p.add_argument("code", help="the voucher's QR text")
    p.add_argument("--member", help="the member's card (for member-bound vouchers)")
    p.add_argument("--amount", type=money_arg, help="the sale amount (for percent-off)")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.add_argument("--dry-run", action="store_true", help="only check it and show the discount")
    p.set_defaults(handler=cmd_voucher)

    p = subcommand(sub, "transfer", "give points to another member (manager PIN)")
    p.add_argument("--from", dest="giver", required=True, help="the giving member's card")
    p.add_argument("--to", dest="receiver", required=True, help="the receiving member's card")
    p.add_argument("--points", type=nonneg_int, required=True)
    p.add_argument("--pin", required=True, help="manager PIN")
    p.add_argument("--user", help="manager name (default: the only manager)")
    p.set_defaults(handler=cmd_transfer)

    p = subcommand(sub, "topup", "add stored value (manager PIN)")
    p.add_argument("--member", required=True)
    p.add_argument("--amount", required=True, type=money_arg)
    p.add_argument("--pin", required=True, help="manager PIN")
    p.add_argument("--user", help="manager name (default: the only manager)")
    p.set_defaults(handler=cmd_topup)

    p = subcommand(sub, "void", "reverse a sale or top-up by a compensating event (manager)")
    p.add_argument("event_id")
    p.add_argument("--pin", required=True, help="manager PIN")
    p.add_argument("--user", help="manager name (default: the only manager)")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_void)


def cmd_sale(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.member)
        if args.dry_run:
            plan = term.service.plan_sale(view.member.id, args.amount,
                                          redeem_points=args.redeem_points,
                                          stored_value=args.stored_value,
                                          cash_back=args.cash_back)
            emit(args, {"dry_run": True, "plan": vars_of(plan)},
                 [f"Would: {plan_line(plan)}"])
            return 0
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.sale(cashier, view.member.id, args.amount,
                                   redeem_points=args.redeem_points,
                                   stored_value=args.stored_value,
                                   identified_by=view.identified_by,
                                   member_pin=args.member_pin,
                                   cash_back=args.cash_back)
        data = {"event_id": result.event.id, "seq": result.event.seq,
                "plan": vars_of(result.plan), "member": member_json(result.member),
                "programmes": [dataclasses.asdict(e)
                               for e in explain(result.event, view.member.id)]}
        emit(args, data, [f"Sale {result.event.id}: {plan_line(result.plan)}",
                          f"  now {result.member.points} points, stored value "
                          f"{nt(result.member.stored_value)}"]
             + explained_lines(result.event, view.member.id))
    return 0


def vars_of(plan: SalePlan) -> dict[str, object]:
    return {**dataclasses.asdict(plan), "due": plan.due}


def plan_line(plan: SalePlan) -> str:
    programmes = "".join(f"{d.programme_id} · {d.rule} {nt(d.amount)} off, "
                         for d in plan.programme_discounts)
    return (f"{nt(plan.amount)} — {plan.points_redeemed} points for {nt(plan.discount)} off, "
            f"{programmes}due {nt(plan.due)}: "
            f"stored value {nt(plan.stored_value_paid)}, cash-back {nt(plan.cash_back_paid)}, "
            f"other tender {nt(plan.other_tender)}, "
            f"+{plan.points_earned} points")


def cmd_stamp(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.member)
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        if args.redeem:
            result = term.service.redeem_stamp_card(cashier, view.member.id)
            line = f"Full card exchanged for: {result.event.body['reward']}."
        else:
            result = term.service.add_stamps(cashier, view.member.id, args.count)
            line = f"Stamped {args.count}."
        assert result.member is not None
        size = term.service.rules.stamp_card_size
        emit(args, {"event_id": result.event.id, "member": member_json(result.member),
                    "stamp_card_size": size},
             [f"{line} {result.member.stamps} of {size} stamps."])
    return 0


def cmd_voucher(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        member_id = None if args.member is None else term.member_from_code(args.member).member.id
        plan = term.service.plan_voucher(member_id, args.code, args.amount)
        v = plan.voucher
        data: dict[str, object] = {"voucher_id": v.id, "kind": v.kind.name.lower(),
                                   "value": v.value, "discount": plan.discount,
                                   "uses_left_after": plan.uses_left_after,
                                   "valid_until": v.not_after.isoformat()}
        if args.dry_run:
            emit(args, {"dry_run": True, **data},
                 [f"Valid voucher {v.id}: {nt(plan.discount)} off, "
                  f"{plan.uses_left_after} use(s) left after this one."])
            return 0
        cashier = term.service.staff_named(args.cashier, Role.CASHIER)
        result = term.service.redeem_voucher(cashier, member_id, args.code, args.amount)
        emit(args, {"event_id": result.event.id, **data},
             [f"Voucher redeemed: {nt(plan.discount)} off (event {result.event.id})."])
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        giver = term.member_from_code(args.giver).member
        receiver = term.member_from_code(args.receiver).member
        manager = term.service.login(args.user, args.pin, Role.MANAGER)
        result = term.service.transfer_points(manager, giver.id, receiver.id, args.points)
        after = term.service.member_view(receiver.id)
        assert result.member is not None
        emit(args, {"event_id": result.event.id, "from": member_json(result.member),
                    "to": member_json(after)},
             [f"Moved {args.points:,} points from {giver.name} ({result.member.points:,} left) "
              f"to {receiver.name} ({after.points:,})."])
    return 0


def cmd_topup(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.member)
        manager = term.service.login(args.user, args.pin, Role.MANAGER)
        result = term.service.top_up(manager, view.member.id, args.amount)
        assert result.member is not None
        emit(args, {"event_id": result.event.id, "member": member_json(result.member)},
             [f"Topped up {nt(args.amount.minor)}: stored value now "
              f"{nt(result.member.stored_value)}."])
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        manager = term.service.login(args.user, args.pin, Role.MANAGER)
        result = term.service.void(manager, args.event_id, args.reason)
        assert result.member is not None
        emit(args, {"event_id": result.event.id, "voided_event_id": args.event_id,
                    "member": member_json(result.member)},
             [f"Voided {args.event_id} (by event {result.event.id}): "
              f"{result.member.points} points, stored value {nt(result.member.stored_value)}."])
    return 0

"""``enrol``, ``member``, ``history``, ``set-pin``, ``member-code``: finding and enrolling
members, their PINs for stored value and their phone codes."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, tzinfo
from pathlib import Path

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
from terminal.errors import InvalidInput
from terminal.ledger import Event, EventKind
from terminal.member_codes import (
    ACCEPTED_DRIFT,
    WINDOW_SECONDS,
    make_app_setup_code,
    make_member_code,
    window_of,
)
from terminal.members import TIERS
from terminal.programmes.explain import explain
from terminal.staff import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "enrol", "enrol a new member (new-member bonus included)")
    p.add_argument("--name", required=True)
    p.add_argument("--phone", default="")
    p.add_argument("--birthday", type=date_arg)
    p.add_argument("--card", help="an existing card number (default: the next free one)")
    p.add_argument("--tier", choices=TIERS, default="basic")
    p.add_argument("--cashier", help="the cashier enrolling (default: the only cashier)")
    p.add_argument("--referrer", help="the referring member's card number or phone (referral "
                                      "programme: both rewarded at the first purchase)")
    p.add_argument("--member-pin", help="the member's PIN for paying with stored value by "
                                        "card (4 to 12 digits; can be set later: set-pin)")
    p.set_defaults(handler=cmd_enrol)

    p = subcommand(sub, "set-pin", "set or change a member's PIN for stored value")
    p.add_argument("--member", required=True, help="card number or member id")
    p.add_argument("--member-pin", required=True, help="the new PIN (4 to 12 digits)")
    p.add_argument("--old-member-pin", help="the current PIN (changing it without a manager)")
    p.add_argument("--pin", help="a manager's PIN: change it without the old one (and unlock)")
    p.add_argument("--user", help="manager name (default: the only manager)")
    p.add_argument("--cashier", help="cashier name (default: the only cashier)")
    p.set_defaults(handler=cmd_set_pin)

    p = subcommand(sub, "member-code", "the member's current phone code (LM1:), as the app "
                                       "shows it; optionally as a QR, or the app's setup QR")
    p.add_argument("code", help="card number or member id")
    p.add_argument("--qr", type=Path, metavar="FILE.png", help="write the current code as a QR")
    p.add_argument("--setup-qr", type=Path, metavar="FILE.png",
                   help="write the phone app's one-time setup QR (the member's secret; needs "
                        "a manager's --pin)")
    p.add_argument("--pin", help="a manager's PIN (for --setup-qr)")
    p.add_argument("--user", help="manager name (default: the only manager)")
    p.set_defaults(handler=cmd_member_code)

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
                                    tier=args.tier, pin=args.member_pin,
                                    referrer=args.referrer)
        assert result.member is not None
        data = {"event_id": result.event.id, "member": member_json(result.member)}
        emit(args, data, [f"Enrolled {result.member.member.name}: card "
                          f"{result.member.member.card_number}, "
                          f"{result.event.body['bonus_points']} welcome points."])
    return 0


def cmd_set_pin(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.member)
        actor = (term.service.login(args.user, args.pin, Role.MANAGER) if args.pin
                 else term.service.staff_named(args.cashier, Role.CASHIER))
        result = term.service.set_member_pin(actor, view.member.id, args.member_pin,
                                             old_pin=args.old_member_pin)
        assert result.member is not None
        emit(args, {"event_id": result.event.id, "member": member_json(result.member)},
             [f"PIN set for {view.member.name} (event {result.event.id})."])
    return 0


def cmd_member_code(args: argparse.Namespace) -> int:
    """The code the member's app shows now (for testing scanners and tills), and the app's
    setup QR (the secret itself: a manager's PIN, shown to the member only)."""
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        member = view.member
        secret = term.service.member_code_secret(member.id)
        now = term.service.clock()
        window = window_of(now)
        # the window after the code's one still accepts it (the ±1 drift)
        accepted_until = datetime.fromtimestamp((window + 1 + ACCEPTED_DRIFT) * WINDOW_SECONDS,
                                                UTC)
        text = make_member_code(member.id, secret, now)
        data: dict[str, object] = {"member_id": member.id, "card_number": member.card_number,
                                   "code": text, "window": window,
                                   "accepted_until": accepted_until.isoformat()}
        zone = term.service.zone
        lines = [f"Phone code of {member.name} (card {member.card_number}):", f"  {text}",
                 f"  accepted until {accepted_until.astimezone(zone):%H:%M:%S}, once per till"]
        if args.qr is not None:
            data["qr"] = str(write_qr(text, args.qr))
            lines.append(f"  QR written to {args.qr}")
        if args.setup_qr is not None:
            if not args.pin:
                raise InvalidInput("The app's setup QR holds the member's secret: give a "
                                   "manager's --pin.")
            term.service.login(args.user, args.pin, Role.MANAGER)
            data["setup_qr"] = str(write_qr(make_app_setup_code(member.id, secret),
                                            args.setup_qr))
            lines.append(f"  phone-app setup QR written to {args.setup_qr} (show it to the "
                         "member only)")
        emit(args, data, lines)
    return 0


def write_qr(text: str, path: Path) -> Path:
    """``text`` as a QR PNG (error correction M, as docs/codes.md says)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    try:
        code.make_image().save(str(path))
    except OSError as exc:
        raise InvalidInput(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return path


def cmd_member(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        emit(args, member_json(view), member_lines(view))
    return 0


def describe(event: Event, zone: tzinfo, member_id: str | None = None) -> str:
    """One line per event, then one per posting a programme made (programme · rule)."""
    b = event.body
    when = event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if event.kind is EventKind.SALE:
        text = (f"sale {nt(int(b['amount']))}: +{b['points_earned']} points, "
                f"-{b['points_redeemed']} points, stored value {nt(int(b['stored_value_paid']))}")
        if b.get("cash_back_paid"):
            text += f", cash-back {nt(int(b['cash_back_paid']))}"
        if b.get("programme_discount"):
            text += f", {nt(int(b['programme_discount']))} off by programmes"
        if b.get("identified_by"):  # older sales did not record it
            text += f" (member by {str(b['identified_by']).replace('_', ' ')})"
    elif event.kind is EventKind.TOP_UP:
        text = f"top-up {nt(int(b['amount']))}"
    elif event.kind is EventKind.VOID:
        text = f"void of {b['voided_kind']} {b['voided_event_id']}"
    elif event.kind is EventKind.ENROL:
        text = f"enrolled, {b['bonus_points']} welcome points"
    elif event.kind is EventKind.EXPIRE:
        text = f"{b['points_expired']} points expired"
    elif event.kind is EventKind.MEMBER_PIN:
        text = "PIN set"
    elif event.kind is EventKind.TRANSFER:
        text = (f"transfer of {b['points']} points from {b['member_id']} to "
                f"{b['to_member_id']}")
    elif event.kind is EventKind.PREFERENCE:
        text = "programme choice: " + ", ".join(
            f"{c['field']} {c['value'] or '(none)'}" for c in b.get("state_changes", []))
    elif event.kind is EventKind.CHECK_IN:
        text = "check-in"
    elif event.kind is EventKind.BENEFIT:
        text = "periodic benefit issued"
    elif event.kind is EventKind.PLAN:
        text = f"bought {b['plan_id']} until {b['valid_until']}, fee {nt(int(b['fee']))}"
    else:
        text = event.kind.value
    lines = [f"{when}  #{event.seq}  {text}  [{event.id}]"]
    lines += [f"    {line.text()}" for line in explain(event, member_id)]
    return "\n".join(lines)


def cmd_history(args: argparse.Namespace) -> int:
    with open_terminal(args) as term:
        view = term.member_from_code(args.code)
        events = term.service.history(view.member.id, args.limit)
        emit(args, {"member": member_json(view), "events": [event_json(e) for e in events]},
             member_lines(view) + [describe(e, term.service.zone, view.member.id)
                                   for e in events])
    return 0

"""Receipts for the printer queue, built from what the core returned (UI thread, no I/O)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from devices.printing.receipt import ProgrammeLine, Receipt, ReceiptLine, mask_member
from terminal.checkout import EventResult, MemberView, SaleResult
from terminal.ledger import Event
from terminal.members import mask_name
from terminal.programmes.explain import explain


def programme_lines(event: Event, member_id: str) -> tuple[ProgrammeLine, ...]:
    """The receipt's attribution lines: what each programme gave, and by which rule."""
    return tuple(ProgrammeLine(f"{e.programme} · {e.rule}", e.value(grouped=True))
                 for e in explain(event, member_id))


def sale_receipt(result: SaleResult, *, shop_name: str, cashier: str, zone: ZoneInfo,
                 currency: str = "TWD") -> Receipt:
    plan = result.plan
    view = result.member
    first_expiry = min((lot.expires_on for lot in view.expiring_soon if lot.expires_on),
                       default=None)
    return Receipt(
        store_name=shop_name,
        time=result.event.occurred_at.astimezone(zone).replace(tzinfo=None, microsecond=0),
        cashier=cashier,
        receipt_no=f"{result.event.terminal_id[-4:].upper()}-{result.event.seq:06d}",
        total=plan.amount,
        currency=currency,
        member=mask_member(view.member.card_number),
        member_name=mask_name(view.member.name),
        lines=(ReceiptLine("消費 Purchase", plan.amount),),
        discount=plan.discount + plan.programme_discount,
        paid=plan.other_tender,
        points_earned=plan.points_earned,
        points_redeemed=plan.points_redeemed,
        points_balance=view.points,
        points_expiring=view.points_expiring_soon,
        points_expiring_on=first_expiry.isoformat() if first_expiry else "",
        stored_value_used=plan.stored_value_paid,
        stored_value_left=view.stored_value,
        programmes=programme_lines(result.event, view.member.id),
        footer="謝謝光臨 Thank you!",
    )


def top_up_receipt(result: EventResult, *, shop_name: str, cashier: str, zone: ZoneInfo,
                   currency: str = "TWD") -> Receipt | None:
    view = result.member
    if view is None:
        return None
    amount = result.event.body.get("amount")
    value = amount if isinstance(amount, int) else 0
    return _paid_receipt(result, view, ReceiptLine("儲值 Top-up", value),
                         programme_lines(result.event, view.member.id), shop_name=shop_name,
                         cashier=cashier, zone=zone, currency=currency)


def _paid_receipt(result: EventResult, view: MemberView, line: ReceiptLine,
                  programmes: tuple[ProgrammeLine, ...], *, shop_name: str, cashier: str,
                  zone: ZoneInfo, currency: str) -> Receipt:
    """A receipt of one line paid in full (a top-up, a plan's fee)."""
    return Receipt(
        store_name=shop_name,
        time=result.event.occurred_at.astimezone(zone).replace(tzinfo=None, microsecond=0),
        cashier=cashier,
        receipt_no=f"{result.event.terminal_id[-4:].upper()}-{result.event.seq:06d}",
        total=line.amount,
        currency=currency,
        member=mask_member(view.member.card_number),
        member_name=mask_name(view.member.name),
        lines=(line,),
        paid=line.amount,
        points_balance=view.points,
        stored_value_left=view.stored_value,
        programmes=programmes,
        footer="謝謝光臨 Thank you!",
    )


def plan_receipt(result: EventResult, *, plan_name: str, shop_name: str, cashier: str,
                 zone: ZoneInfo, currency: str = "TWD") -> Receipt | None:
    """A paid membership or subscription: the fee (paid by other tender), its last day, and
    what came with it (a subscription's first monthly benefit)."""
    view = result.member
    if view is None:
        return None
    body = result.event.body
    fee = body.get("fee")
    value = fee if isinstance(fee, int) else 0
    name = plan_name or str(body.get("plan_id", ""))
    until = ProgrammeLine(f"{name} · 有效至 valid until", str(body.get("valid_until", "")))
    return _paid_receipt(result, view, ReceiptLine(f"會員方案 Plan {name}", value),
                         (until, *programme_lines(result.event, view.member.id)),
                         shop_name=shop_name, cashier=cashier, zone=zone, currency=currency)

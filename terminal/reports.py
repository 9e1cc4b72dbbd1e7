"""End-of-day figures from the journal (pure functions over events)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from terminal.ledger import Event, EventKind


@dataclass
class CashierTotals:
    sales: int = 0
    sales_amount: int = 0
    points_discount: int = 0
    programme_discount: int = 0  # tier and membership discounts (body.programme_discount)
    stored_value_spent: int = 0
    other_tender: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    top_ups: int = 0
    top_up_amount: int = 0
    voids: int = 0
    enrolments: int = 0
    stamps_added: int = 0
    stamp_cards_redeemed: int = 0

    def add(self, other: CashierTotals) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DayReport:
    by_cashier: dict[str, CashierTotals] = field(default_factory=dict)
    total: CashierTotals = field(default_factory=CashierTotals)


def day_report(events: Iterable[Event], cashier_names: Mapping[str, str]) -> DayReport:
    """Totals per cashier; a void subtracts what it reversed from the voiding cashier's day."""
    report = DayReport()
    for event in events:
        name = cashier_names.get(event.cashier_id, event.cashier_id)
        line = report.by_cashier.setdefault(name, CashierTotals())
        _apply(line, event.kind, event.body, sign=1)
        if event.kind is EventKind.VOID:
            line.voids += 1
            original = event.body.get("voided")
            if isinstance(original, Mapping):
                _apply(line, EventKind(event.body["voided_kind"]), original, sign=-1)
    for line in report.by_cashier.values():
        report.total.add(line)
    return report


def _apply(line: CashierTotals, kind: EventKind, body: Mapping[str, object], sign: int) -> None:
    def num(key: str) -> int:
        value = body.get(key, 0)
        return value if isinstance(value, int) else 0

    if kind is EventKind.SALE:
        line.stamps_added += sign * num("stamps_added")
        line.sales += sign
        line.sales_amount += sign * num("amount")
        line.points_discount += sign * num("discount")
        line.programme_discount += sign * num("programme_discount")
        line.stored_value_spent += sign * num("stored_value_paid")
        line.other_tender += sign * num("other_tender")
        line.points_earned += sign * num("points_earned")
        line.points_redeemed += sign * num("points_redeemed")
    elif kind is EventKind.TOP_UP:
        line.top_ups += sign
        line.top_up_amount += sign * num("amount")
    elif kind is EventKind.STAMP:
        line.stamps_added += sign * num("stamps")
    elif kind is EventKind.STAMP_REDEEM:
        line.stamp_cards_redeemed += sign
    elif kind is EventKind.ENROL:
        line.enrolments += sign
        line.points_earned += sign * num("bonus_points")

"""Background functions behind the checkout screen (run on the DB worker, never on the UI).

Each takes what it needs explicitly and returns plain data for the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from terminal.checkout import CheckoutService, MemberView
from terminal.lifecycle import Thresholds, lifecycle_stage, prompts
from ui.member_facts import MemberCard
from ui.queries import last_sale

if TYPE_CHECKING:  # SQLAlchemy loads on the database worker, not at start-up
    from terminal.store.repositories import SqliteLedgerStore


def member_card(service: CheckoutService, store: SqliteLedgerStore,
                view: MemberView) -> MemberCard:
    today = service.today()
    sale = last_sale(store, view.member.id)
    last = sale.occurred_at.astimezone(service.zone).date() if sale is not None else None
    stage = lifecycle_stage(view.member.enrolled_on, last, today, Thresholds.of(service.rules))
    return MemberCard(view, stage, tuple(prompts(view, stage, last, today)), last)


def find_member(service: CheckoutService, store: SqliteLedgerStore, code: str) -> MemberCard:
    """The member behind a scanned or typed code, with stage and prompts."""
    return member_card(service, store, service.identify(code))

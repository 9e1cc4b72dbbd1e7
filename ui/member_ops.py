"""Background functions behind the checkout screen (run on the DB worker, never on the UI).

Each takes what it needs explicitly and returns plain data for the screen.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from terminal.checkout import CheckoutService, MemberView
from terminal.lifecycle import Prompt, Thresholds, lifecycle_stage, prompts
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.programmes.explain import explain
from terminal.programmes.model import Trigger
from terminal.staff import Staff
from ui.member_facts import CharityOffer, MemberCard, Offers, PlanOffer
from ui.queries import last_sale

if TYPE_CHECKING:  # SQLAlchemy loads on the database worker, not at start-up
    from terminal.store.repositories import SqliteLedgerStore


def member_card(service: CheckoutService, store: SqliteLedgerStore,
                view: MemberView) -> MemberCard:
    today = service.today()
    sale = last_sale(store, view.member.id)
    last = sale.occurred_at.astimezone(service.zone).date() if sale is not None else None
    stage = lifecycle_stage(view.member.enrolled_on, last, today, Thresholds.of(service.rules))
    return MemberCard(view, stage, tuple(prompts(view, stage, last, today)), last,
                      member_offers(service, store, view.member.id))


def member_offers(service: CheckoutService, store: SqliteLedgerStore, member_id: str) -> Offers:
    """Check-in, plans and charities of the pulled programme document that are on today;
    the member's own state (plans' last days, chosen charity) is read only when it matters."""
    with store.session() as session:
        document = service.programmes.get(session.get_meta(PULLED_META_KEY)).document
    if document is None:
        return Offers()
    today = service.today()
    one_day = timedelta(days=1)
    active = [p for p in document.programmes if p.active_on(today)]
    check_in = any(Trigger.CHECK_IN in p.kind.triggers for p in active)
    plans = [p for p in active if p.kind.plan]
    charities = [p for p in active if p.type == "charity" and p.params.opt_in]
    if not plans and not charities:
        return Offers(check_in)
    state = service.programme_state(member_id)
    return Offers(
        check_in,
        tuple(PlanOffer(p.id, p.name, p.type, p.params.fee, p.params.days,
                        state.plans.get(p.id), state.plans.get(p.id, today - one_day) >= today)
              for p in plans),
        tuple(CharityOffer(p.id, p.name, p.params.charity, p.params.spend_basis_points,
                           p.params.points_percent) for p in charities),
        state.charity or "")


def find_member(service: CheckoutService, store: SqliteLedgerStore, code: str,
                actor: Staff | None = None) -> MemberCard:
    """The member behind a scanned or typed code, with stage and prompts; with a signed-in
    ``actor``, the member's periodic benefits that fell due are issued first (once a period),
    so the panel shows them and this sale can use them."""
    view = service.identify(code)
    issued = None if actor is None else service.issue_due_benefits(actor, view.member.id)
    if issued is None or issued.member is None:
        return member_card(service, store, view)
    card = member_card(service, store, replace(issued.member, identified_by=view.identified_by))
    what = "; ".join([f"{e.programme} · {e.rule}: {e.value(grouped=True)}"
                      for e in explain(issued.event, view.member.id)]
                     + [str(row[2]) for row in issued.event.body.get("programme_prompts", [])
                        if row[1] == "gift"])
    return replace(card, prompts=(Prompt("benefit", text=what), *card.prompts))


def app_setup_matrix(service: CheckoutService, member_id: str) -> list[list[bool]]:
    """The modules of the member's phone-app setup QR (``LK1:``, docs/codes.md), quiet zone
    included; made on the worker (qrcode and Pillow are slow to import)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from terminal.member_codes import make_app_setup_code

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(make_app_setup_code(member_id, service.member_code_secret(member_id)))
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def demo_phone_code(service: CheckoutService, card: str) -> str:
    """The code a demo member's phone app would show now (for the demo's scan button)."""
    from terminal.member_codes import make_member_code

    member_id = service.identify(card).member.id
    return make_member_code(member_id, service.member_code_secret(member_id), service.clock())

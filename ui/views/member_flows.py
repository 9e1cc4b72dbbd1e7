"""The member panel's flows at the checkout: daily check-in, buying or renewing a paid plan,
choosing a charity, and the member's PIN.

Each shows what it will do (the confirmation page), runs on the database worker through
:class:`ui.ops.Op`, and shows the result on the checkout screen; a refusal comes back in the
screen's language from the error catalogue (``ui/errors.py``). The core enforces the rules
(once a day, the document's plans, the old PIN or a manager); the screen only asks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from terminal.checkout import EventResult
from terminal.programmes.explain import Explained, explain
from ui.member_facts import CharityOffer, MemberCard, PlanOffer
from ui.member_ops import member_card
from ui.ops import Op
from ui.receipts import plan_receipt

if TYPE_CHECKING:
    from ui.views.checkout import CheckoutView

Done = tuple[EventResult, MemberCard]


class MemberFlows(QObject):
    def __init__(self, view: CheckoutView) -> None:
        super().__init__(view)
        self.view = view
        actions = view.panel.member_actions
        actions.check_in_requested.connect(self.review_check_in)
        actions.plan_requested.connect(self.choose_plan)
        actions.charity_requested.connect(self.choose_charity)
        actions.pin_requested.connect(self.ask_pin)

    # shared -------------------------------------------------------------------------------
    def _run(self, work: Callable[[], EventResult], done: Callable[[Done], None]) -> None:
        """Commit ``work`` on the worker, then re-read the member's card (plans, charity)."""
        ctx = self.view.ctx
        service, store = ctx.service, ctx.store

        def job() -> Done:
            result = work()
            assert result.member is not None
            return result, member_card(service, store, result.member)

        Op(job).success(self.view._live(done)).failure(
            self.view._live(self.view._action_failed)).run(ctx.runner)

    def _show(self, card: MemberCard) -> None:
        self.view.panel.show_card(card)
        self.view._update_limits()

    def reward_text(self, lines: list[Explained]) -> str:
        """What the programmes gave, in words ("+1 points, +NT$10 cash-back")."""
        parts = []
        for line in lines:
            if line.what == "points":
                parts.append(self.tr("{points} points").format(points=f"{line.amount:+,}"))
            elif line.what == "stamps":
                parts.append(self.tr("{stamps} stamps").format(stamps=f"{line.amount:+,}"))
            elif line.what == "cash_back":
                parts.append(self.tr("+{amount} cash-back").format(
                    amount=self.view.money(line.amount)))
            elif line.what == "stored_value":
                parts.append(self.tr("+{amount} stored value").format(
                    amount=self.view.money(line.amount)))
        return ", ".join(parts)

    def _gifts(self, result: EventResult) -> list[str]:
        prompts = result.event.body.get("programme_prompts")
        return [str(p[2]) for p in prompts if isinstance(p, list) and len(p) > 2
                and p[1] == "gift"] if isinstance(prompts, list) else []

    # check-in -----------------------------------------------------------------------------
    def review_check_in(self) -> None:
        card = self.view._need_member()
        if card is None:
            return
        name = card.view.member.name
        self.view.confirm.ask(self.tr("Daily check-in"), [
            self.tr("Check {name} in for today.").format(name=name),
            self.tr("The shop's check-in programme gives its reward once a day.")],
            lambda: self._commit_check_in(card.view.member.id))
        self.view.confirm.confirm_button.setFocus()

    def _commit_check_in(self, member_id: str) -> None:
        actor = self.view.ctx.session.actor
        if actor is None:
            return
        service = self.view.ctx.service
        self._run(lambda: service.check_in(actor, member_id), self._check_in_done)

    def _check_in_done(self, done: Done) -> None:
        result, card = done
        self._show(card)
        reward = self.reward_text(explain(result.event, card.view.member.id))
        text = self.tr("Checked in {name}: {reward}. Balance {points} points.").format(
            name=card.view.member.name, reward=reward or "—",
            points=f"{card.view.points:,}")
        gifts = self._gifts(result)
        if gifts:
            text += " " + self.tr("Hand over: {gifts}.").format(gifts=", ".join(gifts))
        self.view.say(text)
        self.view.focus_code()
        self.view.event_recorded.emit()

    # plans --------------------------------------------------------------------------------
    def plan_label(self, plan: PlanOffer) -> str:
        kind = (self.tr("membership") if plan.kind == "membership"
                else self.tr("subscription"))
        return self.tr("{name} ({kind}): {fee} for {days} days").format(
            name=plan.name, kind=kind, fee=self.view.money(plan.fee), days=plan.days)

    def choose_plan(self) -> None:
        card = self.view._need_member()
        if card is None:
            return
        plans = card.offers.plans
        if not plans:
            self.view.say(self.tr("The shop's programmes offer no plan today."), True)
            return
        self.view.confirm.cancel()
        self.view.choice.ask(
            self.tr("Join or renew a plan for {name}").format(name=card.view.member.name),
            [(self.plan_label(plan), partial(self.review_plan, plan)) for plan in plans])

    def review_plan(self, plan: PlanOffer) -> None:
        card = self.view._need_member()
        if card is None:
            return
        lines = [self.plan_label(plan)]
        if plan.active and plan.valid_until is not None:
            lines.append(self.tr("Renewal: {days} more days after {date}.").format(
                days=plan.days, date=plan.valid_until.isoformat()))
        else:
            lines.append(self.tr("Starts today, for {days} days.").format(days=plan.days))
        lines.append(self.tr("Take {amount} from the customer first (cash or card at the "
                             "POS).").format(amount=self.view.money(plan.fee)))
        self.view.confirm.ask(
            self.tr("{plan} for {name}").format(plan=plan.name, name=card.view.member.name),
            lines, lambda: self._commit_plan(card.view.member.id, plan))
        self.view.confirm.confirm_button.setFocus()

    def _commit_plan(self, member_id: str, plan: PlanOffer) -> None:
        actor = self.view.ctx.session.actor
        if actor is None:
            return
        service = self.view.ctx.service
        self._run(lambda: service.buy_plan(actor, member_id, plan.programme_id),
                  lambda done: self._plan_done(done, plan))

    def _plan_done(self, done: Done, plan: PlanOffer) -> None:
        result, card = done
        ctx = self.view.ctx
        self._show(card)
        actor = ctx.session.actor
        receipt = plan_receipt(result, plan_name=plan.name, shop_name=ctx.shop_name,
                               cashier=actor.name if actor else "", zone=ctx.zone,
                               currency=self.view.currency.code)
        printed = receipt is not None and ctx.print_receipt(receipt)
        fee = result.event.body.get("fee")
        text = self.tr("{plan} for {name}: valid until {date}; {fee} paid.").format(
            plan=plan.name, name=card.view.member.name,
            date=str(result.event.body.get("valid_until", "")),
            fee=self.view.money(fee if isinstance(fee, int) else 0))
        reward = self.reward_text(explain(result.event, card.view.member.id))
        if reward:
            text += " " + self.tr("With it: {reward}.").format(reward=reward)
        if not printed:
            text += " " + self.tr("No printer: receipt not printed.")
        self.view.say(text)
        self.view.focus_code()
        self.view.event_recorded.emit()

    # charity ------------------------------------------------------------------------------
    def charity_label(self, charity: CharityOffer) -> str:
        parts = []
        if charity.spend_basis_points:
            parts.append(self.tr("the shop gives {percent}% of spend").format(
                percent=f"{charity.spend_basis_points / 100:g}"))
        if charity.points_percent:
            parts.append(self.tr("the member gives {percent}% of the points earned").format(
                percent=charity.points_percent))
        return self.tr("{charity}: {how}").format(charity=charity.charity,
                                                  how=", ".join(parts))

    def choose_charity(self) -> None:
        card = self.view._need_member()
        if card is None:
            return
        offers = card.offers
        if not offers.charities:
            self.view.say(self.tr("The shop's programmes have no charity to choose."), True)
            return
        options: list[tuple[str, Callable[[], None]]] = [
            (self.charity_label(c) + (" ✓" if c.programme_id == offers.charity else ""),
             partial(self.review_charity, c)) for c in offers.charities]
        if offers.charity:
            options.append((self.tr("Stop giving to charity"), lambda: self.review_charity(None)))
        self.view.confirm.cancel()
        self.view.choice.ask(self.tr("Charity for {name}: with every purchase").format(
            name=card.view.member.name), options)

    def review_charity(self, charity: CharityOffer | None) -> None:
        card = self.view._need_member()
        if card is None:
            return
        name = card.view.member.name
        if charity is None:
            lines = [self.tr("{name} stops giving to charity with purchases.").format(
                name=name)]
        else:
            lines = [self.tr("{name} gives to {charity} with every purchase from now on.")
                     .format(name=name, charity=charity.charity), self.charity_label(charity)]
        self.view.confirm.ask(self.tr("Charity"), lines, lambda: self._commit_charity(
            card.view.member.id, charity))
        self.view.confirm.confirm_button.setFocus()

    def _commit_charity(self, member_id: str, charity: CharityOffer | None) -> None:
        actor = self.view.ctx.session.actor
        if actor is None:
            return
        service = self.view.ctx.service
        programme = charity.programme_id if charity is not None else None
        self._run(lambda: service.choose_charity(actor, member_id, programme),
                  lambda done: self._charity_done(done, charity))

    def _charity_done(self, done: Done, charity: CharityOffer | None) -> None:
        _result, card = done
        self._show(card)
        name = card.view.member.name
        self.view.say(self.tr("{name} now gives to {charity} with every purchase.").format(
            name=name, charity=charity.charity) if charity is not None
            else self.tr("{name} gives to no charity now.").format(name=name))
        self.view.focus_code()
        self.view.event_recorded.emit()

    # member PIN ---------------------------------------------------------------------------
    def ask_pin(self) -> None:
        card = self.view._need_member()
        if card is None:
            return
        needs_old = card.view.has_pin and not self.view.ctx.session.is_manager
        self.view.confirm.cancel()
        member_id = card.view.member.id
        self.view.pin_change.ask(card.view.member.name, needs_old,
                                 lambda old, new: self._commit_pin(member_id, old, new))

    def _commit_pin(self, member_id: str, old: str | None, new: str) -> None:
        actor = self.view.ctx.session.actor
        if actor is None:
            return
        service = self.view.ctx.service
        self._run(lambda: service.set_member_pin(actor, member_id, new, old_pin=old),
                  self._pin_done)

    def _pin_done(self, done: Done) -> None:
        _result, card = done
        self._show(card)
        self.view.say(self.tr("The member PIN of {name} is saved.").format(
            name=card.view.member.name))
        self.view.focus_code()
        self.view.event_recorded.emit()

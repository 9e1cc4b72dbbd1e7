"""The member panel: who this is and what they hold, readable at a glance."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from terminal.checkout import MemberView
from terminal.members import IdentifiedBy
from terminal.money import Currency, format_minor
from ui.member_facts import MemberCard, Offers, Prompt, Stage
from ui.widgets.member_actions import MemberActions


class MemberPanel(QFrame):
    def __init__(self, currency: Currency, parent: QWidget | None = None,
                 stamp_card_size: int = 10) -> None:
        super().__init__(parent)
        self.setObjectName("memberPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.currency = currency
        self.stamp_card_size = stamp_card_size
        self.card: MemberCard | None = None
        outer = QVBoxLayout(self)
        self.name = QLabel(self)
        self.name.setObjectName("memberName")
        self.badges = QLabel(self)
        self.badges.setObjectName("memberBadges")
        self.contact = QLabel(self)
        self.contact.setObjectName("memberContact")
        grid = QGridLayout()
        self.points = self._figure(grid, 0, self.tr("Points"), "memberPoints")
        self.expiring = self._figure(grid, 1, self.tr("Expiring soon"), "memberExpiring")
        self.stored_value = self._figure(grid, 2, self.tr("Stored value"), "memberStoredValue")
        self.stamps = self._figure(grid, 3, self.tr("Stamps"), "memberStamps")
        self.programmes = QLabel(self)
        self.programmes.setObjectName("memberProgrammes")
        self.programmes.setWordWrap(True)
        self.prompts = QLabel(self)
        self.prompts.setObjectName("memberPrompts")
        self.prompts.setWordWrap(True)
        self.member_actions = MemberActions(self)
        self.placeholder = QLabel(self.tr("Scan a member card or phone code,\n"
                                          "or type the card number and press Enter."), self)
        self.placeholder.setObjectName("memberPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for widget in (self.name, self.badges, self.contact):
            outer.addWidget(widget)
        outer.addLayout(grid)
        outer.addWidget(self.programmes)
        outer.addWidget(self.prompts)
        outer.addWidget(self.placeholder)
        outer.addStretch(1)
        outer.addWidget(self.member_actions)
        self.clear()

    def _figure(self, grid: QGridLayout, row: int, caption: str, name: str) -> QLabel:
        label = QLabel(caption, self)
        label.setObjectName("figureCaption")
        value = QLabel(self)
        value.setObjectName(name)
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(label, row, 0)
        grid.addWidget(value, row, 1)
        label.setVisible(False)
        setattr(value, "_caption", label)  # noqa: B010 - shown and hidden with its value
        return value

    def _figures(self) -> list[QLabel]:
        return [self.points, self.expiring, self.stored_value, self.stamps]

    def clear(self) -> None:
        self.card = None
        for label in (self.name, self.badges, self.contact, self.programmes, self.prompts):
            label.clear()
            label.setVisible(False)
        self.member_actions.setVisible(False)
        for value in self._figures():
            value.clear()
            value.setVisible(False)
            getattr(value, "_caption").setVisible(False)  # noqa: B009
        self.placeholder.setVisible(True)

    def show_card(self, card: MemberCard) -> None:
        self.card = card
        view = card.view
        member = view.member
        self.placeholder.setVisible(False)
        self.name.setText(member.name)
        badges = [self.tier_name(member.tier), self.stage_name(card.stage)]
        if view.identified_by is IdentifiedBy.PHONE_CODE:
            badges.append(self.tr("Phone code"))
        self.badges.setText(" · ".join(badges))
        self.contact.setText(self.tr("Card {card} · Phone {phone}").format(
            card=member.masked_card, phone=member.masked_phone or "—"))
        self.points.setText(f"{view.points:,}")
        first_expiry = min((lot.expires_on for lot in view.expiring_soon if lot.expires_on),
                           default=None)
        self.expiring.setText(
            self.tr("{points} by {date}").format(points=f"{view.points_expiring_soon:,}",
                                                  date=first_expiry.isoformat())
            if first_expiry else "0")
        self.stored_value.setText(format_minor(view.stored_value, self.currency))
        self.stamps.setText(f"{view.stamps} / {self.stamp_card_size}")
        self.prompts.setText("\n".join("• " + self.prompt_text(p) for p in card.prompts))
        programmes = self.programme_lines(card.offers)
        self.programmes.setText("\n".join(programmes))
        for label in (self.name, self.badges, self.contact):
            label.setVisible(True)
        self.programmes.setVisible(bool(programmes))
        self.prompts.setVisible(bool(card.prompts))
        self.member_actions.show_offers(card.offers, view.has_pin)
        self.member_actions.setVisible(True)
        for value in self._figures():
            value.setVisible(True)
            getattr(value, "_caption").setVisible(True)  # noqa: B009

    def update_view(self, view: MemberView) -> None:
        """New balances after an action (the stage and prompts stay as fetched)."""
        if self.card is not None:
            if view.identified_by is None and view.member.id == self.card.view.member.id:
                # still the member identified at this visit (a top-up's view does not say how)
                view = replace(view, identified_by=self.card.view.identified_by)
            self.show_card(replace(self.card, view=view))

    def programme_lines(self, offers: Offers) -> list[str]:
        """The member's plans (bought at least once) and chosen charity, one line each."""
        lines = []
        for plan in offers.plans:
            if plan.valid_until is None:
                continue
            text = (self.tr("{plan}: valid until {date}") if plan.active
                    else self.tr("{plan}: expired on {date}"))
            lines.append(text.format(plan=plan.name, date=plan.valid_until.isoformat()))
        chosen = next((c for c in offers.charities if c.programme_id == offers.charity), None)
        if chosen is not None:
            lines.append(self.tr("Gives to {charity}").format(charity=chosen.charity))
        return lines

    def tier_name(self, tier: str) -> str:
        return {"basic": self.tr("Basic"), "silver": self.tr("Silver"),
                "gold": self.tr("Gold"), "platinum": self.tr("Platinum")}.get(tier, tier)

    def stage_name(self, stage: Stage) -> str:
        return {Stage.NEW: self.tr("New member"), Stage.ACTIVE: self.tr("Active"),
                Stage.DORMANT: self.tr("Dormant"), Stage.CHURNED: self.tr("Churned")}[stage]

    def prompt_text(self, prompt: Prompt) -> str:
        if prompt.kind == "birthday":
            return self.tr("Birthday this month: offer the birthday gift.")
        if prompt.kind == "expiring":
            when = prompt.expires_on.isoformat() if prompt.expires_on else ""
            return self.tr("{points} points expire on {date}: suggest redeeming them.").format(
                points=f"{prompt.points:,}", date=when)
        if prompt.kind == "first_purchase":
            return self.tr("New member without a purchase yet: mention the first-purchase "
                           "offer.")
        if prompt.kind == "dormant":
            return self.tr("Dormant for {days} days: offer the wake-up voucher.").format(
                days=prompt.days)
        if prompt.kind == "benefit":
            return self.tr("Benefit issued now: {what}").format(what=prompt.text)
        return self.tr("Not seen for {days} days: win them back.").format(days=prompt.days)

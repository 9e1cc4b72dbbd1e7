"""The member panel's own actions: check-in, plans, charity and the member's PIN.

Only what the shop's programme document offers today is shown (a shop without a document sees
the PIN button alone); the checkout screen runs each flow (:mod:`ui.views.member_flows`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from ui.member_facts import Offers


class MemberActions(QWidget):
    check_in_requested = Signal()
    plan_requested = Signal()
    charity_requested = Signal()
    pin_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberActions")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 0)
        self.check_in_button = self._button(self.tr("Check in"), "checkInButton",
                                            self.check_in_requested)
        self.plan_button = self._button(self.tr("Join / renew plan"), "planButton",
                                        self.plan_requested)
        self.charity_button = self._button(self.tr("Charity"), "charityButton",
                                           self.charity_requested)
        self.pin_button = self._button(self.tr("Member PIN"), "memberPinButton",
                                       self.pin_requested)
        for index, button in enumerate(self.buttons()):
            grid.addWidget(button, index // 2, index % 2)

    def _button(self, text: str, name: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setMinimumHeight(44)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(signal)
        return button

    def buttons(self) -> list[QPushButton]:
        return [self.check_in_button, self.plan_button, self.charity_button, self.pin_button]

    def show_offers(self, offers: Offers, has_pin: bool) -> None:
        self.check_in_button.setVisible(offers.check_in)
        self.plan_button.setVisible(bool(offers.plans))
        self.charity_button.setVisible(bool(offers.charities))
        self.pin_button.setText(self.tr("Change member PIN") if has_pin
                                else self.tr("Set member PIN"))

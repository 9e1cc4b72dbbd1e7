"""The checkout screen: scan first, keyboard first; every action confirms before it commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.checkout import EventResult, SalePlan, SaleResult, VoucherPlan
from terminal.errors import InvalidAmount
from terminal.ledger import Event
from terminal.member_codes import PREFIX as PHONE_CODE_PREFIX
from terminal.members import IdentifiedBy
from terminal.money import Money, format_minor
from terminal.vouchers import PREFIX as VOUCHER_PREFIX
from ui.context import AppContext
from ui.member_facts import MemberCard
from ui.member_ops import app_setup_matrix, demo_phone_code, find_member, member_card
from ui.ops import Op
from ui.receipts import sale_receipt, top_up_receipt
from ui.views.member_flows import MemberFlows
from ui.widgets.choice import ChoicePanel
from ui.widgets.confirm import ConfirmPanel
from ui.widgets.keypad import Keypad, apply_key
from ui.widgets.member_code import AppSetupPanel, MemberPinPanel
from ui.widgets.member_panel import MemberPanel
from ui.widgets.pin_change import PinChangePanel

log = logging.getLogger(__name__)

T = TypeVar("T")


def _button(text: str, name: str, parent: QWidget, height: int = 48) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setMinimumHeight(height)
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return button


class CheckoutView(QWidget):
    manager_requested = Signal()
    lock_requested = Signal()
    event_recorded = Signal()  # a sale / top-up / enrolment / void was written

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkoutView")
        self.ctx = ctx
        self.currency = ctx.rules.currency
        self.last_event: Event | None = None
        self._lookup_serial = 0
        self._phone_code = ""  # the last phone code that identified the member on screen
        self._epoch = 0  # bumped by reset(): results of earlier operations are not shown
        # (member id, amount, points redeemed) → what the service's plan left to pay
        self._planned: tuple[tuple[str, int, int], int] | None = None
        root = QHBoxLayout(self)
        root.setContentsMargins(12, 8, 12, 8)

        # left: scan field and member panel ---------------------------------------------
        left = QVBoxLayout()
        scan_row = QHBoxLayout()
        self.code_input = QLineEdit(self)
        self.code_input.setObjectName("codeInput")
        self.code_input.setPlaceholderText(self.tr("Scan or type a card number, then Enter (F1)"))
        self.code_input.setMinimumHeight(48)
        self.code_input.returnPressed.connect(self.lookup_typed)
        self.find_button = _button(self.tr("Find"), "findButton", self, 48)
        self.find_button.clicked.connect(self.lookup_typed)
        scan_row.addWidget(self.code_input, 1)
        scan_row.addWidget(self.find_button)
        left.addLayout(scan_row)
        if ctx.demo and ctx.demo_cards:
            demo_row = QHBoxLayout()
            self.demo_cards = QComboBox(self)
            self.demo_cards.setObjectName("demoCards")
            for card, name in ctx.demo_cards:
                self.demo_cards.addItem(f"{name}  {card}", card)
            demo_scan = _button(self.tr("Demo: scan this card"), "demoScanButton", self, 40)
            demo_scan.clicked.connect(self._demo_scan)
            demo_phone = _button(self.tr("Demo: phone code"), "demoPhoneCodeButton", self, 40)
            demo_phone.clicked.connect(self._demo_phone_code)
            demo_row.addWidget(self.demo_cards, 1)
            demo_row.addWidget(demo_scan)
            demo_row.addWidget(demo_phone)
            demo_camera = _button(self.tr("Demo: show to the camera"), "demoCameraButton",
                                  self, 40)
            demo_camera.clicked.connect(self._demo_camera)
            demo_row.addWidget(demo_camera)
            left.addLayout(demo_row)
        self.panel = MemberPanel(self.currency, self, ctx.rules.stamp_card_size)
        left.addWidget(self.panel, 1)
        self.result = QLabel(self)
        self.result.setObjectName("resultLabel")
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(48)
        left.addWidget(self.result)
        root.addLayout(left, 5)

        # right: amount, tenders, actions, inline forms -----------------------------------
        right = QVBoxLayout()
        amount_box = QFrame(self)
        amount_box.setObjectName("amountBox")
        amount_layout = QGridLayout(amount_box)
        amount_layout.addWidget(QLabel(self.tr("Amount (F2)"), amount_box), 0, 0)
        self.amount_input = QLineEdit(amount_box)
        self.amount_input.setObjectName("amountInput")
        self.amount_input.setValidator(QRegularExpressionValidator(r"[0-9]{0,9}", self))
        self.amount_input.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_input.setMinimumHeight(52)
        self.amount_input.returnPressed.connect(self.review_sale)
        self.amount_input.textChanged.connect(self._amount_changed)
        amount_layout.addWidget(self.amount_input, 0, 1, 1, 2)
        self.amount_shown = QLabel(amount_box)
        self.amount_shown.setObjectName("amountDisplay")
        self.amount_shown.setAlignment(Qt.AlignmentFlag.AlignRight)
        amount_layout.addWidget(self.amount_shown, 1, 0, 1, 3)
        amount_layout.addWidget(QLabel(self.tr("Redeem points"), amount_box), 2, 0)
        self.redeem = QSpinBox(amount_box)
        self.redeem.setObjectName("redeemPoints")
        self.redeem.setSingleStep(ctx.rules.points_step)
        self.redeem.setMaximum(0)
        self.redeem.setMinimumHeight(44)
        amount_layout.addWidget(self.redeem, 2, 1)
        redeem_max = _button(self.tr("Most"), "redeemMaxButton", amount_box, 44)
        redeem_max.clicked.connect(self.redeem_most)
        amount_layout.addWidget(redeem_max, 2, 2)
        amount_layout.addWidget(QLabel(self.tr("Pay with stored value"), amount_box), 3, 0)
        self.stored = QSpinBox(amount_box)
        self.stored.setObjectName("storedValue")
        self.stored.setPrefix(self.currency.symbol)
        self.stored.setMaximum(0)
        self.stored.setMinimumHeight(44)
        amount_layout.addWidget(self.stored, 3, 1)
        stored_max = _button(self.tr("All due"), "storedMaxButton", amount_box, 44)
        stored_max.clicked.connect(self.stored_most)
        amount_layout.addWidget(stored_max, 3, 2)
        right.addWidget(amount_box)
        # the keypad, the inline forms and the confirmation share one place on the screen
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("checkoutPages")
        self.keypad = Keypad(self.pages)
        self.keypad.key_pressed.connect(self._keypad)
        self.pages.addWidget(self.keypad)
        right.addWidget(self.pages, 1)

        actions = QGridLayout()
        self.sale_button = _button(self.tr("Review sale (F5)"), "saleButton", self, 64)
        self.sale_button.clicked.connect(self.review_sale)
        self.enrol_button = _button(self.tr("New member (F6)"), "enrolButton", self)
        self.enrol_button.clicked.connect(self.show_enrol)
        self.top_up_button = _button(self.tr("Top up (F7)"), "topUpButton", self)
        self.top_up_button.clicked.connect(self.show_top_up)
        self.reprint_button = _button(self.tr("Reprint receipt (F8)"), "reprintButton", self)
        self.reprint_button.clicked.connect(self.reprint)
        self.stamp_button = _button(self.tr("Add stamp (F3)"), "stampButton", self)
        self.stamp_button.clicked.connect(self.review_stamp)
        self.stamp_card_button = _button(self.tr("Redeem full stamp card (F4)"),
                                         "stampCardButton", self)
        self.stamp_card_button.clicked.connect(self.review_stamp_card)
        self.void_button = _button(self.tr("Void last (manager)"), "voidButton", self)
        self.void_button.clicked.connect(self.review_void_last)
        self.manager_button = _button(self.tr("Manager (F9)"), "managerButton", self)
        self.manager_button.clicked.connect(self.manager_requested)
        self.lock_button = _button(self.tr("Lock (F12)"), "lockButton", self)
        self.lock_button.clicked.connect(self.lock_requested)
        actions.addWidget(self.sale_button, 0, 0, 1, 2)
        for index, button in enumerate((self.enrol_button, self.top_up_button,
                                        self.stamp_button, self.stamp_card_button,
                                        self.reprint_button, self.void_button,
                                        self.manager_button, self.lock_button)):
            actions.addWidget(button, 1 + index // 2, index % 2)
        right.addLayout(actions)

        self.enrol_form = self._build_enrol_form()
        self.top_up_form = self._build_top_up_form()
        self.confirm = ConfirmPanel(self.pages)
        self.member_pin = MemberPinPanel(self.pages)
        self.app_setup = AppSetupPanel(self.pages)
        self.choice = ChoicePanel(self.pages)
        self.pin_change = PinChangePanel(self.pages)
        for page in (self.enrol_form, self.top_up_form, self.confirm, self.member_pin,
                     self.app_setup, self.choice, self.pin_change):
            self.pages.addWidget(page)
        for inline in (self.choice, self.pin_change):
            inline.opened.connect(lambda p=inline: self.pages.setCurrentWidget(p))
            inline.closed.connect(lambda: self.pages.setCurrentWidget(self.keypad))
        self.confirm.opened.connect(lambda: self.pages.setCurrentWidget(self.confirm))
        self.confirm.closed.connect(lambda: self.pages.setCurrentWidget(self.keypad))
        self.member_pin.opened.connect(lambda: self.pages.setCurrentWidget(self.member_pin))
        self.member_pin.closed.connect(lambda: self.pages.setCurrentWidget(self.keypad))
        self.app_setup.done.connect(self.close_forms)
        self.flows = MemberFlows(self)
        root.addLayout(right, 4)

        for key, slot in (("F1", self.focus_code), ("F2", self.amount_input.setFocus),
                          ("F3", self.review_stamp), ("F4", self.review_stamp_card),
                          ("F5", self.review_sale), ("F6", self.show_enrol),
                          ("F7", self.show_top_up), ("F8", self.reprint),
                          ("F9", self.manager_requested.emit),
                          ("F12", self.lock_requested.emit)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        ctx.bridge.code_scanned.connect(self.on_scanned)
        self._amount_changed("")

    # forms ------------------------------------------------------------------------------
    def _build_enrol_form(self) -> QFrame:
        form = QFrame(self)
        form.setObjectName("enrolForm")
        layout = QFormLayout(form)
        self.enrol_name = QLineEdit(form)
        self.enrol_name.setObjectName("enrolName")
        self.enrol_phone = QLineEdit(form)
        self.enrol_phone.setObjectName("enrolPhone")
        self.enrol_phone.setPlaceholderText("0912345678")
        self.enrol_pin = QLineEdit(form)
        self.enrol_pin.setObjectName("enrolMemberPin")
        self.enrol_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.enrol_pin.setValidator(QRegularExpressionValidator(r"[0-9]{0,12}", self))
        layout.addRow(self.tr("Name"), self.enrol_name)
        layout.addRow(self.tr("Mobile"), self.enrol_phone)
        layout.addRow(self.tr("Member PIN (optional)"), self.enrol_pin)
        row = QHBoxLayout()
        review = _button(self.tr("Review"), "enrolReviewButton", form, 48)
        review.clicked.connect(self.review_enrol)
        cancel = _button(self.tr("Cancel"), "enrolCancelButton", form, 48)
        cancel.clicked.connect(self.close_forms)
        row.addWidget(review)
        row.addWidget(cancel)
        layout.addRow(row)
        self.enrol_phone.returnPressed.connect(self.review_enrol)
        self.enrol_pin.returnPressed.connect(self.review_enrol)
        return form

    def _build_top_up_form(self) -> QFrame:
        form = QFrame(self)
        form.setObjectName("topUpForm")
        layout = QVBoxLayout(form)
        presets = QHBoxLayout()
        for value in self.ctx.rules.top_up_presets:
            button = _button(format_minor(value, self.currency), f"preset_{value}", form, 52)
            button.clicked.connect(lambda _c=False, v=value: self._preset(v))
            presets.addWidget(button)
        layout.addLayout(presets)
        row = QHBoxLayout()
        self.top_up_amount = QLineEdit(form)
        self.top_up_amount.setObjectName("topUpAmount")
        self.top_up_amount.setValidator(QRegularExpressionValidator(r"[0-9]{0,9}", self))
        self.top_up_amount.setPlaceholderText(self.tr("Other amount"))
        self.top_up_amount.returnPressed.connect(self.review_top_up)
        review = _button(self.tr("Review top-up"), "topUpReviewButton", form, 48)
        review.clicked.connect(self.review_top_up)
        cancel = _button(self.tr("Cancel"), "topUpCancelButton", form, 48)
        cancel.clicked.connect(self.close_forms)
        row.addWidget(self.top_up_amount, 1)
        row.addWidget(review)
        row.addWidget(cancel)
        layout.addLayout(row)
        layout.addStretch(1)
        return form

    def _preset(self, value: int) -> None:
        self.top_up_amount.setText(str(value))
        self.review_top_up()

    # state ------------------------------------------------------------------------------
    @property
    def card(self) -> MemberCard | None:
        return self.panel.card

    def _live(self, callback: Callable[[T], None]) -> Callable[[T], None]:
        """``callback`` unless the screen was reset (locked) since the operation started:
        a result arriving after the lock must not put a member back on the screen."""
        epoch = self._epoch

        def guarded(value: T) -> None:
            if epoch == self._epoch:
                callback(value)
            else:
                self.sale_button.setEnabled(True)

        return guarded

    def reset(self) -> None:
        """Forget the member and everything typed (after the idle lock or a sign-out)."""
        self._epoch += 1
        self._planned = None
        self.panel.clear()
        self.confirm.cancel()
        self.close_forms()
        self.code_input.clear()
        self.amount_input.clear()
        self.redeem.setMaximum(0)
        self.stored.setMaximum(0)
        self.last_event = None
        self._phone_code = ""
        self.say("")

    def focus_code(self) -> None:
        self.code_input.setFocus()
        self.code_input.selectAll()

    def _problem(self, message: str) -> None:
        self.say(message, True)

    def say(self, text: str, problem: bool = False) -> None:
        self.result.setText(text)
        self.result.setProperty("problem", problem)
        self.result.setProperty("ok", bool(text) and not problem)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    def money(self, minor: int) -> str:
        return format_minor(minor, self.currency)

    def amount(self) -> int:
        text = self.amount_input.text()
        return int(text) if text.isdigit() else 0

    def _amount_changed(self, _text: str) -> None:
        self.amount_shown.setText(self.money(self.amount()))
        self._update_limits()

    def _keypad(self, key: str) -> None:
        self.amount_input.setText(apply_key(self.amount_input.text(), key))

    def _update_limits(self) -> None:
        card = self.card
        if card is None:
            self.redeem.setMaximum(0)
            self.stored.setMaximum(0)
            return
        rules = self.ctx.rules
        self.redeem.setMaximum(rules.max_points_for(self.amount(), card.view.points))
        self.stored.setMaximum(min(card.view.stored_value, self._due()))

    def _due_key(self) -> tuple[str, int, int] | None:
        card = self.card
        if card is None:
            return None
        return card.view.member.id, self.amount(), self.redeem.value()

    def _due(self) -> int:
        """What is left to pay: the service's plan's when one was made for what is on the
        screen now (programme discounts included), else the amount less the points'
        discount (an upper bound: programmes only take more off)."""
        if self._planned is not None and self._planned[0] == self._due_key():
            return self._planned[1]
        return max(0, self.amount() - self._discount())

    def _keep_plan(self, plan: SalePlan) -> None:
        """Remember what the service's plan leaves to pay for these inputs."""
        self._planned = ((plan.member_id, plan.amount, plan.points_redeemed), plan.due)

    def _discount(self) -> int:
        try:
            return self.ctx.rules.discount_for(self.redeem.value())
        except InvalidAmount:
            return 0

    def redeem_most(self) -> None:
        self._update_limits()
        self.redeem.setValue(self.redeem.maximum())
        self._update_limits()

    def stored_most(self) -> None:
        """Pay all that is due with stored value: what is due comes from the service's plan
        (made on the worker, as the sale's preview), so programme discounts count."""
        self._update_limits()
        key = self._due_key()
        if key is None or key[1] <= 0:
            self.stored.setValue(self.stored.maximum())
            return
        member_id, amount, redeem = key
        service, currency = self.ctx.service, self.currency

        def planned(plan: SalePlan) -> None:
            self._keep_plan(plan)
            if self._due_key() == key:  # nothing changed on the screen meanwhile
                self._update_limits()
                self.stored.setValue(self.stored.maximum())

        Op(lambda: service.plan_sale(member_id, Money(amount, currency),
                                     redeem_points=redeem)).success(
            self._live(planned)).failure(self._live(self._problem)).run(self.ctx.runner)

    # scanning ---------------------------------------------------------------------------
    def on_scanned(self, code: str, _source: str) -> None:
        if not self.isVisible():
            return
        self.code_input.setText(code)
        self.lookup(code)

    def lookup_typed(self) -> None:
        code = self.code_input.text().strip()
        if code:
            self.lookup(code)

    def lookup(self, code: str) -> None:
        if code.strip()[:4].upper() == VOUCHER_PREFIX:
            self.review_voucher(code.strip())  # a voucher does not replace the member
            return
        phone_code = code.strip().upper() if code.strip()[:4].upper() == PHONE_CODE_PREFIX \
            else ""
        if phone_code and phone_code == self._phone_code and self.card is not None:
            self.code_input.clear()  # the same screen read twice: the member is already here
            return
        self._close_member_pages()  # the app's setup QR (a secret) ends at the next scan
        self._lookup_serial += 1
        serial = self._lookup_serial
        service, store = self.ctx.service, self.ctx.store
        self.confirm.cancel()

        def shown(card: MemberCard) -> None:
            if serial == self._lookup_serial:  # a later scan wins over a slow earlier one
                self.show_member(card)
                self._phone_code = phone_code

        def failed(message: str) -> None:
            if serial == self._lookup_serial:
                self.panel.clear()
                self._phone_code = ""
                self._update_limits()
                self.say(message, True)
                self.focus_code()

        actor = self.ctx.session.actor
        Op(lambda: find_member(service, store, code, actor)).success(self._live(shown)).failure(
            self._live(failed)).run(
            self.ctx.runner)

    def show_member(self, card: MemberCard) -> None:
        self.panel.show_card(card)
        self._planned = None
        self.redeem.setValue(0)
        self.stored.setValue(0)
        self._update_limits()
        self.code_input.clear()
        self.say("")
        self.amount_input.setFocus()

    def pos_amount(self, amount: object) -> None:
        """An amount handed over by the POS (ui.pos_inbox); the cashier still confirms."""
        value = getattr(amount, "amount", None)
        if not isinstance(value, int):
            return
        self.amount_input.setText(str(value))
        reference = getattr(amount, "reference", "")
        self.say(self.tr("Amount {amount} from the POS {reference}").format(
            amount=self.money(value), reference=reference).strip())

    def _demo_scan(self) -> None:
        card = self.demo_cards.currentData()
        if self.ctx.demo_scan is not None and isinstance(card, str):
            self.ctx.demo_scan(card)

    def _demo_camera(self) -> None:
        card = self.demo_cards.currentData()
        if self.ctx.demo_camera is not None and isinstance(card, str):
            self.ctx.demo_camera(card)  # decoded by the camera pipeline, then on_scanned

    def _demo_phone_code(self) -> None:
        """Scan the code the chosen member's phone app would show now (the demo has no
        phones): made on the worker, typed into the simulated scanner like a real scan."""
        card, scan = self.demo_cards.currentData(), self.ctx.demo_scan
        if scan is None or not isinstance(card, str):
            return
        service = self.ctx.service
        Op(lambda: demo_phone_code(service, card)).success(scan).failure(
            self._problem).run(self.ctx.runner)

    # sale -------------------------------------------------------------------------------
    def _need_member(self) -> MemberCard | None:
        if self.card is None:
            self.say(self.tr("Scan the member's card first."), True)
            self.focus_code()
        return self.card

    def review_sale(self) -> None:
        card = self._need_member()
        if card is None:
            return
        amount = self.amount()
        if amount <= 0:
            self.say(self.tr("Enter the amount of the sale first."), True)
            self.amount_input.setFocus()
            return
        self.close_forms()
        member_id, redeem, stored = card.view.member.id, self.redeem.value(), self.stored.value()
        service = self.ctx.service
        currency = self.currency
        Op(lambda: service.plan_sale(member_id, Money(amount, currency), redeem_points=redeem,
                                     stored_value=Money(stored, currency))).success(
            self._live(self._ask_sale)).failure(self._live(self._problem)).run(self.ctx.runner)

    def plan_lines(self, plan: SalePlan) -> list[str]:
        lines = [self.tr("Amount: {amount}").format(amount=self.money(plan.amount))]
        if plan.points_redeemed:
            lines.append(self.tr("Redeem {points} points: −{discount}").format(
                points=f"{plan.points_redeemed:,}", discount=self.money(plan.discount)))
        for off in plan.programme_discounts:
            lines.append(self.tr("{programme} ({rule}): −{discount}").format(
                programme=off.programme_id, rule=off.rule, discount=self.money(off.amount)))
        if plan.stored_value_paid:
            lines.append(self.tr("Paid with stored value: {amount}").format(
                amount=self.money(plan.stored_value_paid)))
        lines.append(self.tr("To pay by other tender: {amount}").format(
            amount=self.money(plan.other_tender)))
        lines.append(self.tr("Points earned: {points}").format(points=f"{plan.points_earned:,}"))
        return lines

    def _ask_sale(self, plan: SalePlan) -> None:
        card = self.card
        if card is None or card.view.member.id != plan.member_id:
            return  # another member was scanned meanwhile
        self._keep_plan(plan)
        self._update_limits()
        self.confirm.ask(self.tr("Sale for {name}").format(name=card.view.member.name),
                         self.plan_lines(plan), lambda: self._commit_sale(plan))
        self.confirm.confirm_button.setFocus()

    def _commit_sale(self, plan: SalePlan) -> None:
        """Commit the confirmed sale; first ask the member's PIN when stored value is paid
        after a card scan (the core checks it; a member without a PIN is refused there)."""
        card = self.card
        identified_by = card.view.identified_by if card is not None else None
        if (plan.stored_value_paid and card is not None and card.view.has_pin
                and self.ctx.service.stored_value_pin_needed(identified_by)):
            self.member_pin.ask(card.view.member.name, self.money(plan.stored_value_paid),
                                lambda pin: self._run_sale(plan, identified_by, pin))
            return
        self._run_sale(plan, identified_by, None)

    def _run_sale(self, plan: SalePlan, identified_by: IdentifiedBy | None,
                  member_pin: str | None) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            self.say(self.tr("Sign in first."), True)
            return
        service = self.ctx.service
        currency = self.currency
        self.sale_button.setEnabled(False)
        Op(lambda: service.sale(actor, plan.member_id, Money(plan.amount, currency),
                                redeem_points=plan.points_redeemed,
                                stored_value=Money(plan.stored_value_paid, currency),
                                identified_by=identified_by, member_pin=member_pin)).success(
            self._live(self._sale_done)).failure(self._live(self._action_failed)).run(self.ctx.runner)

    def _sale_done(self, result: SaleResult) -> None:
        self.sale_button.setEnabled(True)
        self._planned = None  # the member's tier (and so the plan) may change
        self.last_event = result.event
        self.panel.update_view(result.member)
        self.amount_input.clear()
        self.redeem.setValue(0)
        self.stored.setValue(0)
        self._update_limits()
        actor = self.ctx.session.actor
        printed = self.ctx.print_receipt(sale_receipt(
            result, shop_name=self.ctx.shop_name, cashier=actor.name if actor else "",
            zone=self.ctx.zone, currency=self.currency.code))
        plan = result.plan
        text = self.tr("Sale recorded: {amount}. {earned} points earned; balance {points} "
                       "points, stored value {stored}.").format(
            amount=self.money(plan.amount), earned=f"{plan.points_earned:,}",
            points=f"{result.member.points:,}", stored=self.money(result.member.stored_value))
        if not printed:
            text += " " + self.tr("No printer: receipt not printed.")
        self.say(text)
        self.focus_code()
        self.event_recorded.emit()

    def _action_failed(self, message: str) -> None:
        self.sale_button.setEnabled(True)
        self.say(message, True)

    # enrolment ----------------------------------------------------------------------------
    def close_forms(self) -> None:
        self.member_pin.cancel()
        self.choice.cancel()
        self.pin_change.cancel()
        self.app_setup.clear()
        self.pages.setCurrentWidget(self.keypad)

    def _close_member_pages(self) -> None:
        if self.pages.currentWidget() in (self.member_pin, self.app_setup, self.choice,
                                          self.pin_change):
            self.close_forms()

    def forms_open(self) -> bool:
        return self.pages.currentWidget() in (self.enrol_form, self.top_up_form,
                                              self.member_pin, self.app_setup, self.choice,
                                              self.pin_change)

    def show_enrol(self) -> None:
        self.confirm.cancel()
        self.pages.setCurrentWidget(self.enrol_form)
        self.enrol_name.setFocus()

    def review_enrol(self) -> None:
        name = " ".join(self.enrol_name.text().split())
        phone = self.enrol_phone.text().strip()
        pin = self.enrol_pin.text() or None
        if not name:
            self.say(self.tr("A new member needs a name."), True)
            self.enrol_name.setFocus()
            return
        if pin is not None and not 4 <= len(pin) <= 12:
            self.say(self.tr("A member's PIN is 4 to 12 digits (or leave it empty)."), True)
            self.enrol_pin.setFocus()
            return
        lines = [self.tr("Name: {name}").format(name=name),
                 self.tr("Mobile: {phone}").format(phone=phone or "—"),
                 self.tr("Welcome bonus: {points} points").format(
                     points=self.ctx.rules.new_member_bonus)]
        self.confirm.ask(self.tr("Enrol a new member"), lines,
                         lambda: self._commit_enrol(name, phone, pin))
        self.confirm.confirm_button.setFocus()

    def _commit_enrol(self, name: str, phone: str, pin: str | None = None) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service, store = self.ctx.service, self.ctx.store

        def work() -> tuple[EventResult, MemberCard, list[list[bool]]]:
            result = service.enrol(actor, name=name, phone=phone, pin=pin)
            assert result.member is not None
            matrix = app_setup_matrix(service, result.member.member.id)
            return result, member_card(service, store, result.member), matrix

        Op(work).success(self._live(self._enrol_done)).failure(
            self._live(self._action_failed)).run(self.ctx.runner)

    def _enrol_done(self, done: tuple[EventResult, MemberCard, list[list[bool]]]) -> None:
        result, card, matrix = done
        self.enrol_name.clear()
        self.enrol_phone.clear()
        self.enrol_pin.clear()
        self.show_member(card)
        self.say(self.tr("Welcome, {name}: card {card}, {points} bonus points.").format(
            name=card.view.member.name, card=card.view.member.card_number,
            points=f"{card.view.points:,}"))
        self.app_setup.show_code(card.view.member.name, matrix)
        self.pages.setCurrentWidget(self.app_setup)
        self.last_event = result.event
        self.event_recorded.emit()

    # top-up -------------------------------------------------------------------------------
    def show_top_up(self) -> None:
        if self._need_member() is None:
            return
        self.confirm.cancel()
        self.pages.setCurrentWidget(self.top_up_form)
        self.top_up_amount.setFocus()

    def review_top_up(self) -> None:
        card = self._need_member()
        if card is None:
            return
        text = self.top_up_amount.text()
        value = int(text) if text.isdigit() else 0
        if value <= 0:
            self.say(self.tr("Choose or type the top-up amount."), True)
            return
        before = card.view.stored_value
        lines = [self.tr("Top up {amount} for {name}").format(amount=self.money(value),
                                                              name=card.view.member.name),
                 self.tr("Stored value: {before} → {after}").format(
                     before=self.money(before), after=self.money(before + value)),
                 self.tr("Take {amount} from the customer first.").format(
                     amount=self.money(value))]
        if not self.ctx.session.is_manager:
            lines.append(self.tr("Top-ups need manager mode (F9)."))
        self.confirm.ask(self.tr("Top up stored value"), lines,
                         lambda: self._commit_top_up(card.view.member.id, value))
        self.confirm.confirm_button.setFocus()

    def _commit_top_up(self, member_id: str, value: int) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service = self.ctx.service
        currency = self.currency
        Op(lambda: service.top_up(actor, member_id, Money(value, currency))).success(
            self._live(self._top_up_done)).failure(self._live(self._action_failed)).run(self.ctx.runner)

    def _top_up_done(self, result: EventResult) -> None:
        self.top_up_amount.clear()
        if result.member is not None:
            self.panel.update_view(result.member)
        self.last_event = result.event
        actor = self.ctx.session.actor
        receipt = top_up_receipt(result, shop_name=self.ctx.shop_name,
                                 cashier=actor.name if actor else "", zone=self.ctx.zone,
                                 currency=self.currency.code)
        if receipt is not None:
            self.ctx.print_receipt(receipt)
        amount = result.event.body.get("amount")
        self.say(self.tr("Topped up {amount}; stored value now {balance}.").format(
            amount=self.money(amount if isinstance(amount, int) else 0),
            balance=self.money(result.member.stored_value if result.member else 0)))
        self._update_limits()
        self.focus_code()
        self.event_recorded.emit()

    # e-vouchers -------------------------------------------------------------------------
    def review_voucher(self, text: str) -> None:
        """Check a scanned e-voucher offline and show what it takes off before redeeming."""
        card = self.card
        member_id = card.view.member.id if card is not None else None
        amount = self.amount()
        sale = Money(amount, self.currency) if amount > 0 else None
        service = self.ctx.service
        self.code_input.clear()
        Op(lambda: service.plan_voucher(member_id, text, sale)).success(
            self._live(lambda plan: self._ask_voucher(plan, member_id, text, sale))).failure(
            self._live(self._action_failed)).run(self.ctx.runner)

    def _ask_voucher(self, plan: VoucherPlan, member_id: str | None, text: str,
                     sale: Money | None) -> None:
        voucher = plan.voucher
        if plan.discount:
            what = self.tr("{amount} off").format(amount=self.money(plan.discount))
        else:
            what = self.tr("one product (code {code}): ring it up on the POS").format(
                code=voucher.value)
        lines = [self.tr("E-voucher: {what}").format(what=what),
                 self.tr("Valid until {date}; uses left after this one: {left}").format(
                     date=voucher.not_after.astimezone(self.ctx.zone).strftime("%Y-%m-%d"),
                     left=plan.uses_left_after)]
        self.confirm.ask(self.tr("Redeem e-voucher"), lines,
                         lambda: self._commit_voucher(member_id, text, sale))
        self.confirm.confirm_button.setFocus()

    def _commit_voucher(self, member_id: str | None, text: str, sale: Money | None) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service = self.ctx.service
        Op(lambda: service.redeem_voucher(actor, member_id, text, sale)).success(
            self._live(self._voucher_done)).failure(
            self._live(self._action_failed)).run(self.ctx.runner)

    def _voucher_done(self, result: EventResult) -> None:
        discount = result.event.body.get("discount")
        off = discount if isinstance(discount, int) else 0
        self.last_event = result.event
        if off and self.amount() > 0:
            self.amount_input.setText(str(max(0, self.amount() - off)))
            self._say_left_to_pay(off)
        else:
            self.say(self.tr("E-voucher redeemed: {off} off.").format(off=self.money(off)))
        self._update_limits()
        self.event_recorded.emit()

    def _say_left_to_pay(self, off: int) -> None:
        """What is left after a voucher: with a member on screen, the service's plan says
        it (points and programme discounts included; made on the worker)."""
        def say(due: int) -> None:
            self.say(self.tr("E-voucher redeemed: {off} off; {due} left to pay.").format(
                off=self.money(off), due=self.money(due)))

        key = self._due_key()
        if key is None or key[1] <= 0:
            say(self.amount())
            return
        member_id, amount, redeem = key
        service, currency = self.ctx.service, self.currency

        def planned(plan: SalePlan) -> None:
            self._keep_plan(plan)
            self._update_limits()
            say(plan.due)

        # a plan that is refused (too many points for the smaller amount, say) is explained
        # at the review; here the amount stands for what is left
        Op(lambda: service.plan_sale(member_id, Money(amount, currency),
                                     redeem_points=redeem)).success(
            self._live(planned)).failure(self._live(lambda _m: say(amount))).run(
            self.ctx.runner)

    # stamp card -------------------------------------------------------------------------
    def review_stamp(self) -> None:
        card = self._need_member()
        if card is None:
            return
        size = self.ctx.rules.stamp_card_size
        have = card.view.stamps
        lines = [self.tr("Add 1 stamp for {name}").format(name=card.view.member.name),
                 self.tr("Stamps: {before} → {after} of {size}").format(
                     before=have, after=have + 1, size=size)]
        self.confirm.ask(self.tr("Add stamp"), lines,
                         lambda: self._commit_stamp(card.view.member.id, False))
        self.confirm.confirm_button.setFocus()

    def review_stamp_card(self) -> None:
        card = self._need_member()
        if card is None:
            return
        rules = self.ctx.rules
        if card.view.stamps < rules.stamp_card_size:
            self.say(self.tr("The card has {have} of {size} stamps: not full yet.").format(
                have=card.view.stamps, size=rules.stamp_card_size), True)
            return
        lines = [self.tr("Exchange {size} stamps of {name} for: {reward}").format(
            size=rules.stamp_card_size, name=card.view.member.name, reward=rules.stamp_reward)]
        self.confirm.ask(self.tr("Redeem stamp card"), lines,
                         lambda: self._commit_stamp(card.view.member.id, True))
        self.confirm.confirm_button.setFocus()

    def _commit_stamp(self, member_id: str, redeem: bool) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service = self.ctx.service
        work: Callable[[], EventResult] = (
            (lambda: service.redeem_stamp_card(actor, member_id)) if redeem
            else (lambda: service.add_stamps(actor, member_id)))
        Op(work).success(self._live(self._stamp_done)).failure(
            self._live(self._action_failed)).run(self.ctx.runner)

    def _stamp_done(self, result: EventResult) -> None:
        if result.member is not None:
            self.panel.update_view(result.member)
        self.last_event = result.event
        size = self.ctx.rules.stamp_card_size
        stamps = result.member.stamps if result.member else 0
        if result.event.kind.value == "stamp_redeem":
            self.say(self.tr("Card exchanged: give {reward}. {stamps} of {size} stamps now.")
                     .format(reward=str(result.event.body.get("reward", "")), stamps=stamps,
                             size=size))
        else:
            self.say(self.tr("Stamped: {stamps} of {size}.").format(stamps=stamps, size=size))
        self.focus_code()
        self.event_recorded.emit()

    # receipts and voids -----------------------------------------------------------------
    def reprint(self) -> None:
        if self.ctx.reprint_last():
            self.say(self.tr("Reprinting the last receipt."))
        else:
            self.say(self.tr("There is no receipt to reprint (or no printer)."), True)

    def review_void_last(self) -> None:
        event = self.last_event
        if event is None or event.kind.value not in ("sale", "top_up", "stamp"):
            self.say(self.tr("No sale or top-up to void on this screen; use Manager → Void "
                             "for older ones."), True)
            return
        amount = event.body.get("amount")
        if event.kind.value == "stamp":
            lines = [self.tr("Void the last stamp(s) given."),
                     self.tr("The stamp card goes back to where it was.")]
        else:
            lines = [self.tr("Void the last {kind} of {amount}.").format(
                kind=self.tr("sale") if event.kind.value == "sale" else self.tr("top-up"),
                amount=self.money(amount if isinstance(amount, int) else 0)),
                self.tr("Points and stored value go back to where they were.")]
        self.confirm.ask(self.tr("Void"), lines, lambda: self._commit_void(event))
        self.confirm.confirm_button.setFocus()

    def _commit_void(self, event: Event) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service = self.ctx.service
        Op(lambda: service.void(actor, event.id, "voided at the till")).success(
            self._live(self._void_done)).failure(self._live(self._action_failed)).run(self.ctx.runner)

    def _void_done(self, result: EventResult) -> None:
        self.last_event = None
        if result.member is not None:
            self.panel.update_view(result.member)
        self.say(self.tr("Voided."))
        self.event_recorded.emit()

    # keyboard -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            if self.confirm.pending:
                self.confirm.cancel()
            elif self.forms_open():
                self.close_forms()
            else:
                self.reset()
            self.focus_code()
            return
        super().keyPressEvent(event)

"""Sign-in: pick who you are, type the PIN. Also the manager unlock (manager PINs only)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.staff import Role, Staff
from ui.context import AppContext
from ui.ops import Op
from ui.queries import StaffEntry, staff_list
from ui.widgets.keypad import Keypad

MAX_PIN = 12
ROLE_DATA = Qt.ItemDataRole.UserRole + 1


class PinView(QWidget):
    """A staff picker, a PIN field and a keypad. ``needed`` MANAGER lists managers only."""

    signed_in = Signal(object)  # Staff
    cancelled = Signal()

    def __init__(self, ctx: AppContext, needed: Role, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.needed = needed
        self.setObjectName("managerUnlockView" if needed is Role.MANAGER else "loginView")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 24, 48, 24)
        self.title = QLabel(self)
        self.title.setObjectName("viewTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("viewSubtitle")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        row = QHBoxLayout()
        self.staff = QListWidget(self)
        self.staff.setObjectName("staffList")
        self.staff.setMinimumWidth(260)
        self.staff.itemClicked.connect(self._focus_pin)
        right = QVBoxLayout()
        self.pin = QLineEdit(self)
        self.pin.setObjectName("pinInput")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(MAX_PIN)
        self.pin.setValidator(QRegularExpressionValidator(r"\d{0,12}", self.pin))
        self.pin.setPlaceholderText(self.tr("PIN"))
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.returnPressed.connect(self.submit)
        self.keypad = Keypad(self)
        self.keypad.key_pressed.connect(self._key)
        self.submit_button = QPushButton(self.tr("Sign in (Enter)"), self)
        self.submit_button.setObjectName("signInButton")
        self.submit_button.setMinimumHeight(56)
        self.submit_button.clicked.connect(self.submit)
        right.addWidget(self.pin)
        right.addWidget(self.keypad)
        right.addWidget(self.submit_button)
        if needed is Role.MANAGER:
            back = QPushButton(self.tr("Back to checkout (Esc)"), self)
            back.setObjectName("unlockCancelButton")
            back.setMinimumHeight(48)
            back.clicked.connect(self.cancel)
            right.addWidget(back)
        row.addWidget(self.staff, 1)
        row.addLayout(right, 1)
        self.message = QLabel(self)
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        outer.addLayout(row, 1)
        outer.addWidget(self.message)
        self._busy = False
        self.retitle()

    def _focus_pin(self, _item: QListWidgetItem) -> None:
        self.pin.setFocus()

    def retitle(self) -> None:
        if self.needed is Role.MANAGER:
            self.title.setText(self.tr("Manager mode"))
            self.subtitle.setText(self.tr("A manager's PIN unlocks top-ups, voids, reports "
                                          "and device and sync settings."))
        else:
            self.title.setText(self.ctx.shop_name)
            self.subtitle.setText(self.tr("Choose your name and enter your PIN."))

    def set_message(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("problem", problem)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def reload_staff(self) -> None:
        store = self.ctx.store
        Op(lambda: staff_list(store)).success(self._show_staff).failure(
            lambda m: self.set_message(m, True)).run(self.ctx.runner)

    def _show_staff(self, entries: list[StaffEntry]) -> None:
        previous = self.selected_name()
        self.staff.clear()
        for entry in entries:
            if self.needed is Role.MANAGER and entry.role is not Role.MANAGER:
                continue
            role = self.tr("Manager") if entry.role is Role.MANAGER else self.tr("Cashier")
            item = QListWidgetItem(f"{entry.name}\n{role}")
            item.setData(Qt.ItemDataRole.UserRole, entry.name)
            item.setData(ROLE_DATA, entry.role.value)
            item.setSizeHint(QSize(200, 64))
            self.staff.addItem(item)
            if entry.name == previous:
                self.staff.setCurrentItem(item)
        if self.staff.currentItem() is None and self.staff.count():
            cashiers = [i for i in range(self.staff.count())
                        if self.staff.item(i).data(ROLE_DATA) == Role.CASHIER.value]
            self.staff.setCurrentRow(cashiers[0] if cashiers else 0)
        if not self.staff.count():
            self.set_message(self.tr("No staff on this terminal yet: run "
                                     "`loyalty init --manager NAME --manager-pin PIN`."), True)

    def select(self, name: str) -> bool:
        for index in range(self.staff.count()):
            if self.staff.item(index).data(Qt.ItemDataRole.UserRole) == name:
                self.staff.setCurrentRow(index)
                return True
        return False

    def selected_name(self) -> str | None:
        item = self.staff.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _key(self, key: str) -> None:
        if key == "clear":
            self.pin.clear()
        elif key == "back":
            self.pin.backspace()
        elif len(self.pin.text()) + len(key) <= MAX_PIN:
            self.pin.insert(key)
        self.pin.setFocus()

    def keyPressEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        from PySide6.QtGui import QKeyEvent

        if (self.needed is Role.MANAGER and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):
            self.cancel()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def cancel(self) -> None:
        self.reset()
        self.cancelled.emit()

    def reset(self) -> None:
        self.pin.clear()
        self.set_message("")
        self._busy = False
        self.submit_button.setEnabled(True)

    def submit(self) -> None:
        if self._busy:
            return
        name = self.selected_name()
        pin = self.pin.text()
        if name is None:
            self.set_message(self.tr("Choose your name first."), True)
            return
        if not pin:
            self.set_message(self.tr("Enter your PIN."), True)
            return
        self._busy = True
        self.submit_button.setEnabled(False)
        self.set_message(self.tr("Checking…"))
        service = self.ctx.service
        needed = self.needed
        Op(lambda: service.login(name, pin, needed)).success(self._done).failure(
            self._failed).run(self.ctx.runner)

    def _done(self, staff: Staff) -> None:
        self.reset()
        self.signed_in.emit(staff)

    def _failed(self, message: str) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        self.set_message(message, True)

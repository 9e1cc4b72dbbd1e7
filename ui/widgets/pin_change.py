"""The member keys in a new PIN (after the current one, unless a manager vouches for them).

Step by step on one field with the keypad, for the member's finger: the current PIN when it
is needed, the new PIN, the new PIN again. The core checks the current PIN (and counts a
wrong one towards the member's lock); this page only checks the format and the repeat.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.keypad import MAX_PIN_DIGITS, Keypad, apply_pin_key

OLD, NEW, AGAIN = "old", "new", "again"


class PinChangePanel(QFrame):
    opened = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinChangePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("pinChangeTitle")
        self.title.setWordWrap(True)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("pinChangeInput")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setValidator(QRegularExpressionValidator(r"[0-9]{0,12}", self))
        self.pin.setMinimumHeight(52)
        self.pin.returnPressed.connect(self.submit)
        self.error = QLabel(self)
        self.error.setObjectName("pinChangeError")
        self.error.setWordWrap(True)
        self.keypad = Keypad(self)
        self.keypad.key_pressed.connect(self._key)
        buttons = QHBoxLayout()
        self.ok_button = QPushButton(self.tr("Next (Enter)"), self)
        self.ok_button.setObjectName("pinChangeOk")
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Cancel (Esc)"), self)
        self.cancel_button.setObjectName("pinChangeCancel")
        self.cancel_button.clicked.connect(self.cancel)
        for button in (self.ok_button, self.cancel_button):
            button.setMinimumHeight(52)
            buttons.addWidget(button)
        for widget in (self.title, self.pin, self.error):
            layout.addWidget(widget)
        layout.addWidget(self.keypad, 1)
        layout.addLayout(buttons)
        self._step = ""
        self._old: str | None = None
        self._new = ""
        self._on_done: Callable[[str | None, str], None] | None = None
        self.hide()

    @property
    def pending(self) -> bool:
        return self._on_done is not None

    def ask(self, name: str, needs_old: bool,
            on_done: Callable[[str | None, str], None]) -> None:
        """Ask for the PINs; ``on_done(old or None, new)`` once the new one is repeated."""
        self.title.setText(self.tr("Member PIN for {name}: the member keys it in.").format(
            name=name))
        self._old, self._new, self._on_done = None, "", on_done
        self._go(OLD if needs_old else NEW)
        self.show()
        self.opened.emit()

    @property
    def step_text(self) -> str:
        """What the field asks for now (its placeholder: no extra line on the page)."""
        return self.pin.placeholderText()

    def _go(self, step: str) -> None:
        self._step = step
        self.pin.setPlaceholderText({
            OLD: self.tr("Current PIN"), NEW: self.tr("New PIN (4 to 12 digits)"),
            AGAIN: self.tr("New PIN again")}[step])
        self.ok_button.setText(self.tr("Save (Enter)") if step == AGAIN
                               else self.tr("Next (Enter)"))
        self.pin.clear()
        self.pin.setFocus()

    def _key(self, key: str) -> None:
        self.pin.setText(apply_pin_key(self.pin.text(), key))
        self.pin.setFocus()

    def submit(self) -> None:
        pin = self.pin.text()
        if not 4 <= len(pin) <= MAX_PIN_DIGITS:
            self.error.setText(self.tr("A PIN is 4 to 12 digits."))
            self.pin.setFocus()
            return
        self.error.clear()
        if self._step == OLD:
            self._old = pin
            self._go(NEW)
        elif self._step == NEW:
            self._new = pin
            self._go(AGAIN)
        elif pin != self._new:
            self.error.setText(self.tr("The two new PINs differ: key in the new PIN again."))
            self._go(NEW)
        else:
            action, old = self._on_done, self._old
            self._close()
            if action is not None:
                action(old, pin)

    def _close(self) -> None:
        was_open = self._on_done is not None
        self._on_done, self._old, self._new = None, None, ""
        self.pin.clear()
        self.hide()
        if was_open:
            self.closed.emit()

    def cancel(self) -> None:
        self.error.clear()
        self._close()

"""Two small inline pages of the checkout screen for members' own credentials.

:class:`MemberPinPanel` asks the member to key in their PIN before stored value is paid after
a card scan; :class:`AppSetupPanel` shows a new member the QR that puts their phone-code secret
into the shop's app. Inline like :class:`ui.widgets.confirm.ConfirmPanel`: the scan field, the
status bar and the idle lock keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QRegularExpressionValidator
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

QR_MODULE_PX = 6  # screen pixels per QR module: a phone camera reads it from 30 cm


def _button(text: str, name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setMinimumHeight(52)
    return button


class MemberPinPanel(QFrame):
    """"Member, please key in your PIN": Enter pays, Esc cancels."""

    opened = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberPinPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("memberPinTitle")
        self.title.setWordWrap(True)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("memberPinInput")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setValidator(QRegularExpressionValidator(r"[0-9]{0,12}", self))
        self.pin.setMinimumHeight(52)
        self.pin.setPlaceholderText(self.tr("Member's PIN"))
        self.pin.returnPressed.connect(self.submit)
        self.error = QLabel(self)
        self.error.setObjectName("memberPinError")
        self.error.setWordWrap(True)
        self.keypad = Keypad(self)  # for the member's finger on a touch screen
        self.keypad.key_pressed.connect(self._key)
        buttons = QHBoxLayout()
        self.ok_button = _button(self.tr("Pay (Enter)"), "memberPinOk", self)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = _button(self.tr("Cancel (Esc)"), "memberPinCancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout.addWidget(self.title)
        layout.addWidget(self.pin)
        layout.addWidget(self.error)
        layout.addWidget(self.keypad, 1)
        layout.addLayout(buttons)
        self._on_pin: Callable[[str], None] | None = None
        self.hide()

    @property
    def pending(self) -> bool:
        return self._on_pin is not None

    def ask(self, name: str, amount: str, on_pin: Callable[[str], None]) -> None:
        self.title.setText(self.tr("{name} pays {amount} with stored value: please key in "
                                   "the member's PIN.").format(name=name, amount=amount))
        self.pin.clear()
        self.error.clear()
        self._on_pin = on_pin
        self.show()
        self.opened.emit()
        self.pin.setFocus()

    def _key(self, key: str) -> None:
        """Keypad keys; unlike an amount, a PIN keeps its leading zeros."""
        self.pin.setText(apply_pin_key(self.pin.text(), key))
        self.pin.setFocus()

    def submit(self) -> None:
        pin = self.pin.text()
        if not 4 <= len(pin) <= MAX_PIN_DIGITS:
            self.error.setText(self.tr("A PIN is 4 to 12 digits."))
            self.pin.setFocus()
            return
        action, self._on_pin = self._on_pin, None
        self.pin.clear()
        self.hide()
        self.closed.emit()
        if action is not None:
            action(pin)

    def cancel(self) -> None:
        was_open = self._on_pin is not None
        self._on_pin = None
        self.pin.clear()
        self.error.clear()
        self.hide()
        if was_open:
            self.closed.emit()


class AppSetupPanel(QFrame):
    """The new member's app setup QR; it holds the member's secret, so it is cleared as soon
    as the page closes (Done, Esc, a scan, the idle lock)."""

    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appSetupPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("appSetupTitle")
        self.title.setWordWrap(True)
        self.hint = QLabel(self.tr("Ask the member to scan this with the shop's app: the app "
                                   "then shows the member's phone code. Do not print or "
                                   "photograph it."), self)
        self.hint.setWordWrap(True)
        self.qr = QLabel(self)
        self.qr.setObjectName("appSetupQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_button = _button(self.tr("Done (Enter)"), "appSetupDone", self)
        self.done_button.setAutoDefault(True)
        self.done_button.clicked.connect(self.finish)
        layout.addWidget(self.title)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.done_button)
        self.hide()

    def show_code(self, name: str, matrix: Sequence[Sequence[bool]]) -> None:
        self.title.setText(self.tr("Phone app for {name}").format(name=name))
        self.qr.setPixmap(QPixmap.fromImage(qr_image(matrix, QR_MODULE_PX)))
        self.show()
        self.done_button.setFocus()

    def clear(self) -> None:
        self.qr.clear()
        self.title.clear()
        self.hide()

    def finish(self) -> None:
        self.clear()
        self.done.emit()


def qr_image(matrix: Sequence[Sequence[bool]], module_px: int) -> QImage:
    """A QR code's modules (True = dark, quiet zone included) as a black-on-white image."""
    size = len(matrix) * module_px
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        black = QColor("black")
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(x * module_px, y * module_px, module_px, module_px, black)
    finally:
        painter.end()
    return image

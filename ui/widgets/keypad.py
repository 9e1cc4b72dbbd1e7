"""The amount keypad: big buttons, and the keyboard works too (digits, Backspace, Esc)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

MAX_DIGITS = 9


class Keypad(QWidget):
    """Emits ``key_pressed`` with "0"-"9", "00", "back" or "clear"."""

    key_pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        labels = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "00", "0", "⌫"]
        for index, label in enumerate(labels):
            button = QPushButton(label, self)
            button.setObjectName(f"key_{'back' if label == '⌫' else label}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
            button.setMinimumSize(64, 44)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            key = "back" if label == "⌫" else label
            button.clicked.connect(lambda _checked=False, k=key: self.key_pressed.emit(k))
            grid.addWidget(button, index // 3, index % 3)
        clear = QPushButton(self.tr("Clear"), self)
        clear.setObjectName("key_clear")
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.setMinimumHeight(44)
        clear.clicked.connect(lambda: self.key_pressed.emit("clear"))
        grid.addWidget(clear, 4, 0, 1, 3)


def apply_key(digits: str, key: str) -> str:
    """The digits shown after ``key`` (a pure function, so the rules are easy to test)."""
    if key == "clear":
        return ""
    if key == "back":
        return digits[:-1]
    if key.isdigit():
        joined = (digits + key).lstrip("0")
        return joined[:MAX_DIGITS] if len(joined) <= MAX_DIGITS else digits
    return digits


MAX_PIN_DIGITS = 12


def apply_pin_key(pin: str, key: str) -> str:
    """The PIN shown after ``key``: unlike an amount, a PIN keeps its leading zeros."""
    if key == "clear":
        return ""
    if key == "back":
        return pin[:-1]
    if key.isdigit():
        return (pin + key)[:MAX_PIN_DIGITS]
    return pin

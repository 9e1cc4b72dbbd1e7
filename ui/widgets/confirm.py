"""An inline "this is what will happen" panel: Confirm (Enter) or Cancel (Esc).

Inline rather than a modal dialog: the scan field, the status bar and the idle lock keep
working, and tests drive it like any other widget.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ConfirmPanel(QFrame):
    opened = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("confirmTitle")
        self.body = QLabel(self)
        self.body.setObjectName("confirmBody")
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setWordWrap(True)
        buttons = QHBoxLayout()
        self.confirm_button = QPushButton(self.tr("Confirm (Enter)"), self)
        self.confirm_button.setObjectName("confirmButton")
        self.confirm_button.setAutoDefault(True)  # Enter on the focused button confirms
        self.cancel_button = QPushButton(self.tr("Cancel (Esc)"), self)
        self.cancel_button.setObjectName("cancelButton")
        for button in (self.confirm_button, self.cancel_button):
            button.setMinimumHeight(52)
            buttons.addWidget(button)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.cancel)
        self._on_confirm: Callable[[], None] | None = None
        self.hide()

    @property
    def pending(self) -> bool:
        return self._on_confirm is not None

    def ask(self, title: str, lines: list[str], on_confirm: Callable[[], None]) -> None:
        self.title.setText(title)
        self.body.setText("\n".join(lines))
        self._on_confirm = on_confirm
        self.confirm_button.setEnabled(True)
        self.show()
        self.opened.emit()

    def confirm(self) -> None:
        action, self._on_confirm = self._on_confirm, None
        self.hide()
        self.closed.emit()
        if action is not None:
            action()

    def cancel(self) -> None:
        was_open = self._on_confirm is not None
        self._on_confirm = None
        self.hide()
        if was_open:
            self.closed.emit()

"""An inline "pick one" page: a title, one big button per option, Cancel (Esc).

Used for the plans and charities a member can choose; inline like
:class:`ui.widgets.confirm.ConfirmPanel`, so the scan field and the idle lock keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget


class ChoicePanel(QFrame):
    opened = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choicePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("choiceTitle")
        self.title.setWordWrap(True)
        self._layout.addWidget(self.title)
        self._options = QVBoxLayout()
        self._layout.addLayout(self._options)
        self._layout.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel (Esc)"), self)
        self.cancel_button.setObjectName("choiceCancel")
        self.cancel_button.setMinimumHeight(52)
        self.cancel_button.clicked.connect(self.cancel)
        self._layout.addWidget(self.cancel_button)
        self.option_buttons: list[QPushButton] = []
        self._open = False
        self.hide()

    @property
    def pending(self) -> bool:
        return self._open

    def ask(self, title: str, options: Sequence[tuple[str, Callable[[], None]]]) -> None:
        """Show ``options`` (label, what choosing it does); choosing one closes the page."""
        for button in self.option_buttons:
            self._options.removeWidget(button)
            button.setParent(None)  # gone from findChild at once, not at the next loop turn
            button.deleteLater()
        self.option_buttons = []
        self.title.setText(title)
        for index, (label, action) in enumerate(options):
            button = QPushButton(label, self)
            button.setObjectName(f"choice_{index}")
            button.setMinimumHeight(52)
            button.clicked.connect(lambda _c=False, a=action: self._choose(a))
            self._options.addWidget(button)
            self.option_buttons.append(button)
        self._open = True
        self.show()
        self.opened.emit()
        if self.option_buttons:
            self.option_buttons[0].setFocus()

    def _choose(self, action: Callable[[], None]) -> None:
        self._open = False
        self.hide()
        self.closed.emit()
        action()

    def cancel(self) -> None:
        was_open, self._open = self._open, False
        self.hide()
        if was_open:
            self.closed.emit()

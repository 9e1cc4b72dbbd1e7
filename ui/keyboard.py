"""Application-wide keyboard watchers: the keyboard-wedge scanner and the idle lock.

Both are Qt event filters installed on the QApplication. The wedge filter feeds the Qt-free
:class:`devices.scanners.wedge.WedgeDetector`, which decides by timing whether keys came from a
scanner; the detector reports a burst through its ``on_code`` (the device bridge).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from devices.scanners.wedge import WedgeDetector

ENTER_KEYS = (0x01000004, 0x01000005)  # Qt.Key_Return, Qt.Key_Enter


class WedgeKeyFilter(QObject):
    """Feeds key presses to the detector; eats the Enter that ends a scanner burst."""

    def __init__(self, detector: WedgeDetector, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = detector
        self.clock = clock
        self._before: tuple[QLineEdit, str] | None = None  # a field's text before the run

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget):
            return False  # the QWindow's copy: the focus widget gets the same key next
        focus = QApplication.focusWidget()
        if focus is not None and watched is not focus:
            return False  # the event propagating to a parent: already counted
        if event.isAutoRepeat():
            self.detector.reset()
            return False
        now = self.clock()
        if int(event.key()) in ENTER_KEYS:
            burst = self.detector.enter(now)
            if burst is None:
                return False
            before, self._before = self._before, None
            if before is not None and before[0] is watched:
                before[0].setText(before[1])  # the scanner's keys do not stay in the field
            return True  # the scan is handled; the field must not also act on this Enter
        text = event.text()
        if text and text.isprintable():
            self.detector.key(text, now)
            if self.detector.pending == text:  # this key starts a run: remember the field
                self._before = (watched, watched.text()) if isinstance(watched, QLineEdit) \
                    else None
        else:
            self.detector.reset()
        return False


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without a key, click or touch (while armed)."""

    idle = Signal()
    ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                QEvent.Type.Wheel)

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, timeout_ms))
        self._timer.timeout.connect(self.idle)
        self.enabled = timeout_ms > 0

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def set_timeout(self, seconds: float) -> None:
        """Change the idle time; if armed, the new time counts from now.

        Lets a test start with a long idle time (so setup cannot race the lock) and shorten
        it once the screen is in the state to be locked. Does not enable a watcher built with
        a timeout of 0 (never lock)."""
        self._timer.setInterval(max(1, int(seconds * 1000)))
        if self._timer.isActive():
            self._timer.start()

    def arm(self) -> None:
        if self.enabled:
            self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in self.ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False

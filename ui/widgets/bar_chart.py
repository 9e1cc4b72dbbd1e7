"""A small bar chart painted with QPainter (no QtCharts): one bar per non-zero value.

The geometry is computed apart from painting (:meth:`BarChart.bar_rects`), so tests and the
paint event share it: a bar's height is its value over the largest value, times the plot's
height.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLOUR = QColor("#3182ce")
AXIS_COLOUR = QColor("#a0aec0")
TEXT_COLOUR = QColor("#1a202c")
MARGIN = 8
GAP_SHARE = 0.3  # share of each slot left empty between bars
LABEL_LINES = 2  # a label may wrap onto a second line under its bar


@dataclass(frozen=True, slots=True)
class Bar:
    key: str  # stable name (e.g. the RFM segment), for tests and tooltips
    label: str  # what is written under the bar (translated)
    value: int


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: tuple[Bar, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(160)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        """Show ``bars`` in the given order; bars of zero (or less) are left out."""
        self._bars = tuple(bar for bar in bars if bar.value > 0)
        self.setToolTip("\n".join(f"{bar.label}: {bar.value:,}" for bar in self._bars))
        self.update()

    @property
    def bars(self) -> tuple[Bar, ...]:
        return self._bars

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 220)

    def plot_area(self) -> QRectF:
        """Where bars stand: below a line for the values, above two lines for the labels."""
        line = self.fontMetrics().height()
        return QRectF(MARGIN, MARGIN + line, max(0, self.width() - 2 * MARGIN),
                      max(0, self.height() - 2 * MARGIN - LABEL_LINES * line - line))

    def bar_rects(self) -> list[QRectF]:
        """One rectangle per bar, in order, bottoms on the plot's baseline."""
        if not self._bars:
            return []
        area = self.plot_area()
        top = max(bar.value for bar in self._bars)
        slot = area.width() / len(self._bars)
        width = slot * (1 - GAP_SHARE)
        rects = []
        for index, bar in enumerate(self._bars):
            height = area.height() * bar.value / top
            left = area.left() + index * slot + (slot - width) / 2
            rects.append(QRectF(left, area.bottom() - height, width, height))
        return rects

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            area = self.plot_area()
            painter.setPen(AXIS_COLOUR)
            painter.drawLine(area.bottomLeft(), area.bottomRight())
            line = self.fontMetrics().height()
            slot = area.width() / len(self._bars) if self._bars else 0.0
            for bar, rect in zip(self._bars, self.bar_rects(), strict=True):
                painter.fillRect(rect, BAR_COLOUR)
                painter.setPen(TEXT_COLOUR)
                centre = rect.center().x()
                value_box = QRectF(centre - slot / 2, rect.top() - line, slot, line)
                painter.drawText(value_box, Qt.AlignmentFlag.AlignCenter, f"{bar.value:,}")
                label_box = QRectF(centre - slot / 2, area.bottom() + 2, slot,
                                   LABEL_LINES * line)
                painter.drawText(label_box, Qt.AlignmentFlag.AlignHCenter
                                 | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                                 bar.label)
        finally:
            painter.end()

"""Manager mode's Analytics tab: RFM segments (table and bar chart), lifecycle stages,
retention D1 / D7 / D30 by enrolment month, redemption rate and liability.

Everything is computed on the database worker by ``ui.queries.analytics`` (the same core
functions as ``loyalty report …``); this widget only lays the result out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.lifecycle import Stage, Thresholds
from terminal.money import format_minor
from ui.context import AppContext
from ui.ops import Op
from ui.queries import Analytics, analytics
from ui.widgets.bar_chart import Bar, BarChart


def _table(name: str, headers: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class AnalyticsTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analyticsTab")
        self.ctx = ctx
        self.figures: Analytics | None = None
        self.loading = False
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel(self)
        self.caption.setObjectName("analyticsCaption")
        self.caption.setWordWrap(True)
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.setObjectName("analyticsRefreshButton")
        refresh.clicked.connect(self.load)
        top.addWidget(self.caption, 1)
        top.addWidget(refresh)
        root.addLayout(top)
        grid = QGridLayout()
        grid.addWidget(self._segments_box(), 0, 0, 1, 2)
        grid.addWidget(self._stages_box(), 0, 2)
        grid.addWidget(self._retention_box(), 1, 0, 1, 2)
        grid.addWidget(self._money_box(), 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        root.addLayout(grid, 1)

    # layout -------------------------------------------------------------------------------
    def _segments_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("RFM segments (members)"), self)
        row = QHBoxLayout(box)
        self.segment_table = _table("analyticsSegmentTable",
                                    [self.tr("Segment"), self.tr("Members")], box)
        self.segment_chart = BarChart(box)
        self.segment_chart.setObjectName("analyticsSegmentChart")
        row.addWidget(self.segment_table, 2)
        row.addWidget(self.segment_chart, 3)
        return box

    def _stages_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Lifecycle stages"), self)
        layout = QVBoxLayout(box)
        self.stage_table = _table("analyticsStageTable",
                                  [self.tr("Stage"), self.tr("Members")], box)
        layout.addWidget(self.stage_table, 1)
        self.stage_note = QLabel(box)
        self.stage_note.setObjectName("analyticsStageNote")
        self.stage_note.setWordWrap(True)
        layout.addWidget(self.stage_note)
        return box

    def _retention_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Retention by enrolment month (bought again within 1 / 7 / "
                                "30 days)"), self)
        layout = QVBoxLayout(box)
        self.retention_table = _table("analyticsRetentionTable", [
            self.tr("Enrolled in"), self.tr("Members"), "D1", "D7", "D30"], box)
        layout.addWidget(self.retention_table)
        return box

    def _money_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Redemption and liability"), self)
        form = QFormLayout(box)
        self.redemption = QLabel(box)
        self.redemption.setObjectName("analyticsRedemption")
        self.stored_value = QLabel(box)
        self.stored_value.setObjectName("analyticsStoredValue")
        self.points = QLabel(box)
        self.points.setObjectName("analyticsPoints")
        form.addRow(self.tr("Redemption rate"), self.redemption)
        form.addRow(self.tr("Stored value owed to members"), self.stored_value)
        form.addRow(self.tr("Points held by members"), self.points)
        return box

    # names --------------------------------------------------------------------------------
    def segment_name(self, segment: str) -> str:
        names = {"champions": self.tr("Champions"), "loyal": self.tr("Loyal"),
                 "new": self.tr("New customers"), "promising": self.tr("Promising"),
                 "at_risk": self.tr("At risk"), "hibernating": self.tr("Hibernating"),
                 "needs_attention": self.tr("Needs attention"),
                 "never_bought": self.tr("Never bought")}
        return names.get(segment, segment)

    def stage_name(self, stage: Stage) -> str:
        return {Stage.NEW: self.tr("New member"), Stage.ACTIVE: self.tr("Active"),
                Stage.DORMANT: self.tr("Dormant"), Stage.CHURNED: self.tr("Churned")}[stage]

    # loading ------------------------------------------------------------------------------
    def load(self) -> None:
        """Recompute on the database worker (one load at a time)."""
        if self.loading:
            return
        self.loading = True
        store, zone, rules = self.ctx.store, self.ctx.zone, self.ctx.rules
        today = self.ctx.service.today()
        thresholds = Thresholds.of(rules)
        self.caption.setText(self.tr("Computing…"))
        Op(lambda: analytics(store, zone, today, thresholds, rules.redeem_points_unit,
                             rules.redeem_value_unit)).success(self.show_figures).failure(
            self._failed).run(self.ctx.runner)

    def _failed(self, message: str) -> None:
        self.loading = False
        self.caption.setText(message)
        self.caption.setProperty("problem", True)
        self.caption.style().unpolish(self.caption)
        self.caption.style().polish(self.caption)

    def show_figures(self, figures: Analytics) -> None:
        self.loading = False
        self.figures = figures
        self.caption.setProperty("problem", False)
        self.caption.style().unpolish(self.caption)
        self.caption.style().polish(self.caption)
        self.caption.setText(self.tr("{members} members, as of {day} (this terminal's "
                                     "journal)").format(members=f"{figures.members:,}",
                                                        day=figures.today.isoformat()))
        _fill(self.segment_table, [[self.segment_name(name), f"{count:,}"]
                                   for name, count in figures.segments.items()])
        self.segment_chart.set_bars([Bar(name, self.segment_name(name), count)
                                     for name, count in figures.segments.items()])
        _fill(self.stage_table, [[self.stage_name(stage), f"{count:,}"]
                                 for stage, count in figures.stages.items()])
        limits = figures.thresholds
        self.stage_note.setText(self.tr(
            "New: enrolled up to {new} days ago, no purchase yet. Dormant after {dormant} "
            "days without a purchase, churned after {churned}.").format(
            new=limits.new_days, dormant=limits.dormant_days, churned=limits.churned_days))
        _fill(self.retention_table, [[c.month, f"{c.members:,}", c.d1.percent(),
                                      c.d7.percent(), c.d30.percent()]
                                     for c in figures.cohorts])
        self.redemption.setText(self.tr("{rate} ({redeemed} of {issued} points issued)").format(
            rate=figures.redemption.percent(), redeemed=f"{figures.points_redeemed:,}",
            issued=f"{figures.points_issued:,}"))
        currency = self.ctx.rules.currency
        self.stored_value.setText(format_minor(figures.owed.stored_value, currency))
        self.points.setText(self.tr("{points} points (worth {value})").format(
            points=f"{figures.owed.points:,}",
            value=format_minor(figures.owed.points_value, currency)))

"""Manager mode's Analytics tab: RFM segments (table and bar chart), lifecycle stages,
retention D1 / D7 / D30 by enrolment month, redemption rate and liability.

Everything is computed on the database worker by ``ui.queries.analytics`` (the same core
functions as ``loyalty report …``); this widget only lays the result out.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.lifecycle import Stage, Thresholds
from terminal.money import format_minor
from ui.context import AppContext
from ui.ops import Op
from ui.queries import Analytics, analytics
from ui.widgets.bar_chart import Bar, BarChart
from ui.widgets.tables import cell, read_only_table


def _table(name: str, headers: list[str], parent: QWidget) -> QTableWidget:
    table = read_only_table(name, headers, parent, selectable=False)
    rows = table.verticalHeader()
    rows.setMinimumSectionSize(1)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 4)  # compact: all fit on screen
    # the grid's column stretch decides the width, not the headers' natural widths
    table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], show_all: bool = False) -> None:
    """Put ``rows`` in ``table``; ``show_all`` makes it tall enough to need no scrolling."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, cell(value, right=c > 0))
    if show_all:
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height()
                               + sum(table.rowHeight(r) for r in range(len(rows)))
                               + 2 * table.frameWidth())


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
        grid.addWidget(self._segments_box(), 0, 0, 1, 3)
        grid.addWidget(self._stages_box(), 1, 0)
        grid.addWidget(self._retention_box(), 1, 1)
        grid.addWidget(self._money_box(), 1, 2)
        for c, stretch in enumerate((3, 4, 3)):
            grid.setColumnStretch(c, stretch)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 1)
        root.addLayout(grid, 1)

    # layout -------------------------------------------------------------------------------
    def _segments_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("RFM segments (members)"), self)
        row = QHBoxLayout(box)
        self.segment_table = _table("analyticsSegmentTable",
                                    [self.tr("Segment"), self.tr("Members")], box)
        self.segment_chart = BarChart(box)
        self.segment_chart.setObjectName("analyticsSegmentChart")
        row.addWidget(self.segment_table, 1)
        row.addWidget(self.segment_chart, 2)
        return box

    def _stages_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Lifecycle stages"), self)
        layout = QVBoxLayout(box)
        self.stage_table = _table("analyticsStageTable",
                                  [self.tr("Stage"), self.tr("Members"), self.tr("Days")], box)
        layout.addWidget(self.stage_table, 1)
        self.stage_note = QLabel(self.tr("Days since the last purchase; for a new member "
                                         "(no purchase yet), since enrolling."), box)
        self.stage_note.setObjectName("analyticsStageNote")
        self.stage_note.setWordWrap(True)
        self.stage_note.setStyleSheet("color: #4a5568; font-size: 13px;")
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
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
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
    def shown(self) -> None:
        """The tab came into view: compute the first time and on a new day; otherwise the
        figures stay until Refresh (a large store keeps the database worker busy for
        seconds)."""
        if self.figures is None or self.figures.today != self.ctx.service.today():
            self.load()

    def load(self) -> None:
        """Recompute on the database worker (one load at a time)."""
        if self.loading:
            return
        self.loading = True
        store, zone, rules = self.ctx.store, self.ctx.zone, self.ctx.rules
        now = self.ctx.service.clock()
        thresholds = Thresholds.of(rules)
        self.caption.setText(self.tr("Computing…"))
        Op(lambda: analytics(store, zone, now, thresholds, rules.redeem_points_unit,
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
        when = figures.computed_at.astimezone(self.ctx.zone).strftime("%Y-%m-%d %H:%M")
        self.caption.setText(self.tr("{members} members, as of {when} (this terminal's "
                                     "journal)").format(members=f"{figures.members:,}",
                                                        when=when))
        _fill(self.segment_table, [[self.segment_name(name), f"{count:,}"]
                                   for name, count in figures.segments.items()], show_all=True)
        self.segment_chart.set_bars([Bar(name, self.segment_name(name), count)
                                     for name, count in figures.segments.items()])
        limits = figures.thresholds
        days = {Stage.NEW: f"≤ {limits.new_days}", Stage.ACTIVE: f"≤ {limits.dormant_days}",
                Stage.DORMANT: f"{limits.dormant_days + 1}–{limits.churned_days}",
                Stage.CHURNED: f"> {limits.churned_days}"}
        _fill(self.stage_table, [[self.stage_name(stage), f"{count:,}", days[stage]]
                                 for stage, count in figures.stages.items()], show_all=True)
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

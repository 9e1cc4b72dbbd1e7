"""Manager mode's Charity tab (捐贈報表): what each charity programme received through this
terminal, the shop's pledges and the members' points, voids subtracted.

Computed on the database worker by ``ui.queries.charity_report`` (the same core function as
``loyalty report charity``); this widget only lays it out.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.money import format_minor
from ui.context import AppContext
from ui.ops import Op
from ui.queries import CharityRow, charity_report
from ui.widgets.tables import cell, read_only_table


class CharityTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("charityTab")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("charitySummary")
        self.summary.setWordWrap(True)
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.setObjectName("charityRefreshButton")
        refresh.clicked.connect(self.load)
        row.addWidget(self.summary, 1)
        row.addWidget(refresh)
        layout.addLayout(row)
        self.table = read_only_table("charityTable", [
            self.tr("Charity"), self.tr("Pledged by the shop"),
            self.tr("Points given by members")], self, selectable=False)
        layout.addWidget(self.table, 1)
        note = QLabel(self.tr("This terminal's sales; the server's report covers every till."),
                      self)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.message = QLabel(self)
        self.message.setObjectName("charityMessage")
        layout.addWidget(self.message)

    def load(self) -> None:
        store, service = self.ctx.store, self.ctx.service
        Op(lambda: charity_report(store, service)).success(self.show_rows).failure(
            self.message.setText).run(self.ctx.runner)

    def show_rows(self, rows: list[CharityRow]) -> None:
        self.message.clear()
        currency = self.ctx.rules.currency
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row.charity or row.programme_id, format_minor(row.pledged, currency),
                      f"{row.points:,}"]
            for c, value in enumerate(values):
                self.table.setItem(r, c, cell(value, right=c > 0))
        self.summary.setText(
            self.tr("Pledged {pledged} and {points} points in all.").format(
                pledged=format_minor(sum(r.pledged for r in rows), currency),
                points=f"{sum(r.points for r in rows):,}") if rows
            else self.tr("Nothing given to charity yet."))

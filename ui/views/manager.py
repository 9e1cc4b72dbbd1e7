"""Manager mode: day report, liability, voids, devices (with a test print), sync and
analytics."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from devices.base import DeviceStatus
from devices.printing.receipt import sample_receipt
from terminal.checkout import EventResult
from terminal.money import format_minor
from terminal.reports import CashierTotals, DayReport
from ui.context import AppContext
from ui.ops import Op
from ui.queries import Liability, RecentEvent, liability, recent_voidable, report_for_day
from ui.sync_status import DemoSync, SyncState
from ui.views.analytics import AnalyticsTab
from ui.views.charity_report import CharityTab
from ui.widgets.confirm import ConfirmPanel
from ui.widgets.status_bar import format_when
from ui.widgets.tables import cell, read_only_table


class ManagerView(QWidget):
    back_requested = Signal()
    leave_requested = Signal()
    event_recorded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("managerView")
        self.ctx = ctx
        self.currency = ctx.rules.currency
        self.voidable: list[RecentEvent] = []
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        title = QLabel(self.tr("Manager mode"), self)
        title.setObjectName("viewTitle")
        top.addWidget(title, 1)
        back = QPushButton(self.tr("Back to checkout (Esc)"), self)
        back.setObjectName("backToCheckoutButton")
        back.setMinimumHeight(48)
        back.clicked.connect(self.back_requested)
        leave = QPushButton(self.tr("Leave manager mode"), self)
        leave.setObjectName("leaveManagerButton")
        leave.setMinimumHeight(48)
        leave.clicked.connect(self.leave_requested)
        top.addWidget(back)
        top.addWidget(leave)
        root.addLayout(top)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("managerTabs")
        self.tabs.addTab(self._report_tab(), self.tr("End of day"))
        self.tabs.addTab(self._liability_tab(), self.tr("Liability"))
        self.tabs.addTab(self._void_tab(), self.tr("Void / refund"))
        self.tabs.addTab(self._devices_tab(), self.tr("Devices"))
        self.tabs.addTab(self._sync_tab(), self.tr("Sync"))
        self.analytics = AnalyticsTab(ctx, self)
        self.tabs.addTab(self.analytics, self.tr("Analytics"))
        self.charity = CharityTab(ctx, self)
        self.tabs.addTab(self.charity, self.tr("Charity"))
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        root.addWidget(self.tabs, 1)
        self.message = QLabel(self)
        self.message.setObjectName("managerMessage")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        ctx.bridge.status_changed.connect(lambda _n, _s: self.refresh_devices())
        ctx.sync.state_changed.connect(self.show_sync)

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("problem", problem)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def money(self, minor: int) -> str:
        return format_minor(minor, self.currency)

    def refresh(self) -> None:
        """Reload what the visible tab shows (each load is a background op)."""
        index = self.tabs.currentIndex()
        if index == 0:
            self.load_report()
        elif index == 1:
            self.load_liability()
        elif index == 2:
            self.load_voidable()
        elif index == 3:
            self.refresh_devices()
        elif self.tabs.currentWidget() is self.analytics:
            self.analytics.shown()
        elif self.tabs.currentWidget() is self.charity:
            self.charity.load()
        else:
            self.show_sync(self.ctx.sync.state)

    def keyPressEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            if self.void_confirm.pending:
                self.void_confirm.cancel()
            else:
                self.back_requested.emit()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    # end of day ---------------------------------------------------------------------------
    def _report_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.report_day = QLabel(tab)
        self.report_day.setObjectName("reportDay")
        refresh = QPushButton(self.tr("Refresh"), tab)
        refresh.setObjectName("reportRefreshButton")
        refresh.clicked.connect(self.load_report)
        row.addWidget(self.report_day, 1)
        row.addWidget(refresh)
        layout.addLayout(row)
        self.report_table = read_only_table("reportTable", [
            self.tr("Cashier"), self.tr("Sales"), self.tr("Sales amount"),
            self.tr("Points discount"), self.tr("Programme discounts"),
            self.tr("Stored value spent"), self.tr("Other tender"),
            self.tr("Points issued"), self.tr("Points redeemed"), self.tr("Top-ups"),
            self.tr("Topped up"), self.tr("Voids"), self.tr("Enrolments")], tab)
        layout.addWidget(self.report_table, 1)
        return tab

    def load_report(self) -> None:
        store, zone = self.ctx.store, self.ctx.zone
        day = self.ctx.service.today()
        self.report_day.setText(self.tr("End-of-day report for {day}").format(
            day=day.isoformat()))
        Op(lambda: report_for_day(store, day, zone)).success(self.show_report).failure(
            lambda m: self.say(m, True)).run(self.ctx.runner)

    def show_report(self, report: DayReport) -> None:
        rows: list[tuple[str, CashierTotals]] = sorted(report.by_cashier.items())
        rows.append((self.tr("Total"), report.total))
        self.report_table.setRowCount(len(rows))
        for r, (name, t) in enumerate(rows):
            values = [name, str(t.sales), self.money(t.sales_amount),
                      self.money(t.points_discount), self.money(t.programme_discount),
                      self.money(t.stored_value_spent),
                      self.money(t.other_tender), f"{t.points_earned:,}",
                      f"{t.points_redeemed:,}", str(t.top_ups), self.money(t.top_up_amount),
                      str(t.voids), str(t.enrolments)]
            for c, value in enumerate(values):
                self.report_table.setItem(r, c, cell(value, right=c > 0))

    # liability ----------------------------------------------------------------------------
    def _liability_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        self.liability_sv = QLabel(tab)
        self.liability_sv.setObjectName("liabilityStoredValue")
        self.liability_points = QLabel(tab)
        self.liability_points.setObjectName("liabilityPoints")
        self.liability_members = QLabel(tab)
        self.liability_members.setObjectName("liabilityMembers")
        form.addRow(self.tr("Stored value owed to members"), self.liability_sv)
        form.addRow(self.tr("Points held by members"), self.liability_points)
        form.addRow(self.tr("Members"), self.liability_members)
        note = QLabel(self.tr("Stored value is prepaid money: in Taiwan it must be covered by "
                              "a bank trust guarantee."), tab)
        note.setWordWrap(True)
        form.addRow(note)
        return tab

    def load_liability(self) -> None:
        store, rules = self.ctx.store, self.ctx.rules
        Op(lambda: liability(store, rules.redeem_points_unit, rules.redeem_value_unit)).success(
            self.show_liability).failure(lambda m: self.say(m, True)).run(self.ctx.runner)

    def show_liability(self, figures: Liability) -> None:
        self.liability_sv.setText(self.money(figures.stored_value))
        self.liability_points.setText(self.tr("{points} points (worth {value})").format(
            points=f"{figures.points:,}", value=self.money(figures.points_value)))
        self.liability_members.setText(f"{figures.members:,}")

    # voids --------------------------------------------------------------------------------
    def _void_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        self.void_table = read_only_table("voidTable", [
            self.tr("Time"), self.tr("Kind"), self.tr("Member"), self.tr("Amount"),
            self.tr("Status")], tab)
        layout.addWidget(self.void_table, 1)
        row = QHBoxLayout()
        self.void_reason = QLineEdit(tab)
        self.void_reason.setObjectName("voidReason")
        self.void_reason.setPlaceholderText(self.tr("Reason (for the record)"))
        review = QPushButton(self.tr("Review void / refund"), tab)
        review.setObjectName("voidReviewButton")
        review.setMinimumHeight(48)
        review.clicked.connect(self.review_void)
        row.addWidget(self.void_reason, 1)
        row.addWidget(review)
        layout.addLayout(row)
        self.void_confirm = ConfirmPanel(tab)
        layout.addWidget(self.void_confirm)
        return tab

    def load_voidable(self) -> None:
        store, zone = self.ctx.store, self.ctx.zone
        start = datetime.combine(self.ctx.service.today() - timedelta(days=6), time.min,
                                 tzinfo=zone)
        end = self.ctx.service.clock() + timedelta(minutes=1)
        Op(lambda: recent_voidable(store, start, end)).success(self.show_voidable).failure(
            lambda m: self.say(m, True)).run(self.ctx.runner)

    def show_voidable(self, events: list[RecentEvent]) -> None:
        self.voidable = events
        self.void_table.setRowCount(len(events))
        for r, recent in enumerate(events):
            event = recent.event
            amount = event.body.get("amount")
            values = [event.occurred_at.astimezone(self.ctx.zone).strftime("%m-%d %H:%M"),
                      self.tr("Sale") if event.kind.value == "sale" else self.tr("Top-up"),
                      recent.member_name,
                      self.money(amount if isinstance(amount, int) else 0),
                      self.tr("voided") if recent.voided else ""]
            for c, value in enumerate(values):
                self.void_table.setItem(r, c, cell(value, right=c == 3))

    def review_void(self) -> None:
        row = self.void_table.currentRow()
        if not 0 <= row < len(self.voidable):
            self.say(self.tr("Choose the sale or top-up to void."), True)
            return
        recent = self.voidable[row]
        if recent.voided:
            self.say(self.tr("That one is already voided."), True)
            return
        event = recent.event
        amount = event.body.get("amount")
        reason = self.void_reason.text().strip()
        lines = [self.tr("{kind} of {amount} for {name}, {time}").format(
            kind=self.tr("Sale") if event.kind.value == "sale" else self.tr("Top-up"),
            amount=self.money(amount if isinstance(amount, int) else 0),
            name=recent.member_name,
            time=event.occurred_at.astimezone(self.ctx.zone).strftime("%Y-%m-%d %H:%M")),
            self.tr("Points and stored value go back to where they were."),
            self.tr("Reason: {reason}").format(reason=reason or "—")]
        self.void_confirm.ask(self.tr("Void / refund"), lines,
                              lambda: self._commit_void(event.id, reason))
        self.void_confirm.confirm_button.setFocus()

    def _commit_void(self, event_id: str, reason: str) -> None:
        actor = self.ctx.session.actor
        if actor is None:
            return
        service = self.ctx.service
        Op(lambda: service.void(actor, event_id, reason)).success(self._void_done).failure(
            lambda m: self.say(m, True)).run(self.ctx.runner)

    def _void_done(self, result: EventResult) -> None:
        self.void_reason.clear()
        name = result.member.member.name if result.member else ""
        self.say(self.tr("Voided. {name}'s balances are restored.").format(name=name))
        self.load_voidable()
        self.event_recorded.emit()

    # devices ------------------------------------------------------------------------------
    def _devices_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        self.device_table = read_only_table("deviceTable", [
            self.tr("Device"), self.tr("Kind"), self.tr("State"), self.tr("Details")], tab)
        layout.addWidget(self.device_table, 1)
        test = QPushButton(self.tr("Print a test receipt"), tab)
        test.setObjectName("testPrintButton")
        test.setMinimumHeight(48)
        test.clicked.connect(self.test_print)
        layout.addWidget(test)
        return tab

    def refresh_devices(self) -> None:
        devices = self.ctx.devices
        rows: list[list[str]] = []
        if devices is not None:
            for device in devices.all():
                status: DeviceStatus = device.status
                rows.append([device.name, device.kind, status.state.value,
                             status.reason or str(device.describe())])
            rows += [[name, "", "disabled", ""] for name in devices.disabled]
        self.device_table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.device_table.setItem(r, c, cell(value))

    def test_print(self) -> None:
        receipt = sample_receipt()
        if self.ctx.print_receipt(receipt):
            self.say(self.tr("Test receipt sent to the printer."))
        else:
            self.say(self.tr("No printer is set up ([devices.printer] in config.toml)."), True)

    # sync ---------------------------------------------------------------------------------
    def _sync_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        form = QFormLayout()
        self.sync_online = QLabel(tab)
        self.sync_online.setObjectName("managerSyncOnline")
        self.sync_waiting = QLabel(tab)
        self.sync_waiting.setObjectName("managerSyncWaiting")
        self.sync_last = QLabel(tab)
        self.sync_last.setObjectName("managerSyncLast")
        form.addRow(self.tr("Connection"), self.sync_online)
        form.addRow(self.tr("Waiting to sync"), self.sync_waiting)
        form.addRow(self.tr("Last sync"), self.sync_last)
        layout.addLayout(form)
        sync_now = QPushButton(self.tr("Sync now"), tab)
        sync_now.setObjectName("syncNowButton")
        sync_now.setMinimumHeight(48)
        sync_now.clicked.connect(self.ctx.sync.sync_now)
        layout.addWidget(sync_now)
        if self.ctx.demo:
            offline = QCheckBox(self.tr("Demo: the server is unreachable"), tab)
            offline.setObjectName("demoOfflineToggle")
            offline.toggled.connect(self._demo_offline)
            layout.addWidget(offline)
        layout.addWidget(QLabel(self.tr("Conflicts flagged by the server"), tab))
        self.conflicts = QListWidget(tab)
        self.conflicts.setObjectName("conflictList")
        layout.addWidget(self.conflicts, 1)
        return tab

    def _demo_offline(self, unreachable: bool) -> None:
        port = self.ctx.sync.port
        if isinstance(port, DemoSync):
            port.online = not unreachable
            self.ctx.sync.sync_now()

    def show_sync(self, state: SyncState | None) -> None:
        if state is None:
            self.sync_online.setText(self.tr("checking…"))
            return
        self.sync_online.setText(self.tr("online") if state.online else
                                 self.tr("offline: {why}").format(why=state.detail or "?"))
        self.sync_waiting.setText(str(state.events_waiting))
        self.sync_last.setText(format_when(state.last_sync, self.ctx.zone)
                               if state.last_sync else self.tr("never"))
        self.conflicts.clear()
        for conflict in state.conflicts:
            item = QListWidgetItem(conflict.text, self.conflicts)
            item.setData(Qt.ItemDataRole.UserRole, conflict.kind)
            item.setToolTip("\n".join(p for p in (conflict.kind, conflict.detail) if p))
        if not state.conflicts:
            self.conflicts.addItem(self.tr("None."))

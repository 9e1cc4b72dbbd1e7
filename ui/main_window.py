"""The one window: sign-in, checkout, manager unlock and manager screens in a stack."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from devices.base import DeviceStatus
from terminal.staff import Role, Staff
from ui.context import AppContext
from ui.keyboard import IdleWatcher
from ui.sync_status import SyncState
from ui.views.checkout import CheckoutView
from ui.views.login import PinView
from ui.views.manager import ManagerView
from ui.widgets.status_bar import OfflineBanner, TerminalStatusBar


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, idle: IdleWatcher,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.idle = idle
        self.setWindowTitle(self.tr("Loyalty terminal — {shop}").format(shop=ctx.shop_name))
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = OfflineBanner(central)
        layout.addWidget(self.banner)
        self.stack = QStackedWidget(central)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.login = PinView(ctx, Role.CASHIER, self.stack)
        self.checkout = CheckoutView(ctx, self.stack)
        self.unlock = PinView(ctx, Role.MANAGER, self.stack)
        self.manager = ManagerView(ctx, self.stack)
        for view in (self.login, self.checkout, self.unlock, self.manager):
            self.stack.addWidget(view)
        self.status = TerminalStatusBar(ctx.zone, self)
        self.setStatusBar(self.status)

        self.login.signed_in.connect(self.signed_in)
        self.unlock.signed_in.connect(self.manager_unlocked)
        self.unlock.cancelled.connect(self.show_checkout)
        self.checkout.manager_requested.connect(self.open_manager)
        self.checkout.lock_requested.connect(lambda: self.lock(idle=False))
        self.checkout.event_recorded.connect(ctx.sync.event_recorded)
        self.manager.event_recorded.connect(ctx.sync.event_recorded)
        self.manager.back_requested.connect(self.show_checkout)
        self.manager.leave_requested.connect(self.leave_manager)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        ctx.bridge.status_changed.connect(self.device_status)
        ctx.sync.state_changed.connect(self.sync_state)
        ctx.runner.busy_changed.connect(self.status.set_busy)
        ctx.session.changed.connect(self.session_changed)
        for name, status in ctx.bridge.statuses().items():
            self.status.set_device(name, status)
        self.stack.setCurrentWidget(self.login)
        self.session_changed()
        self.resize(1280, 800)

    # navigation -------------------------------------------------------------------------
    def signed_in(self, staff: Staff) -> None:
        self.ctx.session.sign_in(staff)
        self.idle.arm()
        self.show_checkout()

    def show_checkout(self) -> None:
        self.stack.setCurrentWidget(self.checkout)
        self.checkout.focus_code()

    def open_manager(self) -> None:
        if self.ctx.session.is_manager:
            self.stack.setCurrentWidget(self.manager)
            self.manager.refresh()
            return
        self.unlock.reset()
        self.unlock.reload_staff()
        self.stack.setCurrentWidget(self.unlock)
        self.unlock.pin.setFocus()

    def manager_unlocked(self, manager: Staff) -> None:
        self.ctx.session.unlock_manager(manager)
        self.open_manager()

    def leave_manager(self) -> None:
        self.ctx.session.leave_manager()
        self.show_checkout()

    def lock(self, idle: bool) -> None:
        """Sign out and hide everything about the last member; the next user signs in."""
        session = self.ctx.session
        if session.user is None:
            return
        previous = session.user.name
        session.sign_out()
        self.idle.disarm()
        self.checkout.reset()
        self.manager.void_confirm.cancel()
        self.unlock.reset()
        self.login.reset()
        self.login.reload_staff()
        self.login.select(previous)
        if idle:
            self.login.set_message(self.tr("Locked after {minutes} min without activity. "
                                           "Sign in again.").format(
                minutes=max(1, round(self.ctx.idle_lock_ms / 60_000))))
        else:
            self.login.set_message(self.tr("Locked. Sign in again."))
        self.stack.setCurrentWidget(self.login)
        self.login.pin.setFocus()

    # status ----------------------------------------------------------------------------
    def session_changed(self) -> None:
        session = self.ctx.session
        if session.user is None:
            self.status.set_user(self.tr("Signed out"))
        elif session.is_manager and session.manager is not None:
            self.status.set_user(self.tr("{name} (manager mode)").format(
                name=session.manager.name))
        else:
            self.status.set_user(self.tr("{name} (cashier)").format(name=session.user.name))

    def device_status(self, name: str, status: object) -> None:
        if isinstance(status, DeviceStatus):
            self.status.set_device(name, status)

    def sync_state(self, state: object) -> None:
        if isinstance(state, SyncState):
            self.status.set_sync(state)
            self.banner.set_sync(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.idle.disarm()
        super().closeEvent(event)

"""What every screen shares: services, the background runner, devices, sync, the session.

Built once by :mod:`ui.app` (the composition root) and passed down explicitly: there is no
global application object.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Signal

from devices.printing.receipt import Receipt
from terminal.checkout import CheckoutService
from terminal.config import TerminalConfig
from terminal.rules import Rules
from terminal.staff import Role, Staff
from ui.bridge import DeviceBridge
from ui.ops import TaskRunner
from ui.sync_status import SyncController

if TYPE_CHECKING:  # these pull in python-escpos, OpenCV, SQLAlchemy: loaded off the UI thread
    from devices.registry import DeviceSet
    from terminal.store.local import LocalStore
    from terminal.store.repositories import SqliteLedgerStore


class Session(QObject):
    """Who is signed in, and whether manager mode is unlocked."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.user: Staff | None = None
        self.manager: Staff | None = None  # set while manager mode is unlocked

    @property
    def actor(self) -> Staff | None:
        """Who the next action is attributed to: the manager while unlocked, else the user."""
        return self.manager or self.user

    @property
    def is_manager(self) -> bool:
        return self.manager is not None

    def sign_in(self, staff: Staff) -> None:
        self.user = staff
        self.manager = staff if staff.role is Role.MANAGER else None
        self.changed.emit()

    def unlock_manager(self, manager: Staff) -> None:
        self.manager = manager
        self.changed.emit()

    def leave_manager(self) -> None:
        if self.user is not None and self.user.role is Role.MANAGER:
            return  # a manager who signed in stays a manager
        self.manager = None
        self.changed.emit()

    def sign_out(self) -> None:
        self.user = None
        self.manager = None
        self.changed.emit()


class StoreNotOpen(RuntimeError):
    """The database is still being opened (or could not be)."""


@dataclass
class AppContext:
    data_dir: Path
    config: TerminalConfig
    runner: TaskRunner
    bridge: DeviceBridge
    sync: SyncController
    session: Session
    devices: DeviceSet | None = None
    demo: bool = False
    demo_scan: Callable[[str], None] | None = None  # types a code into the simulated scanner
    demo_camera: Callable[[str], None] | None = None  # holds a code up to the simulated camera
    demo_cards: list[tuple[str, str]] = field(default_factory=list)  # (card, name)
    idle_lock_ms: int = 180_000
    # the last receipts handed to the printer (bounded: memory stays flat over a long day)
    printed: deque[Receipt] = field(default_factory=lambda: deque(maxlen=20))
    # The store opens on the database worker after the window is up (SQLAlchemy and Alembic
    # take a second to import); screens that need it are reachable only after sign-in.
    opened_local: LocalStore | None = None
    opened_service: CheckoutService | None = None

    def attach(self, local: LocalStore, service: CheckoutService) -> None:
        self.opened_local = local
        self.opened_service = service

    @property
    def store_open(self) -> bool:
        return self.opened_local is not None

    @property
    def local(self) -> LocalStore:
        if self.opened_local is None:
            raise StoreNotOpen("the database is not open yet")
        return self.opened_local

    @property
    def service(self) -> CheckoutService:
        if self.opened_service is None:
            raise StoreNotOpen("the database is not open yet")
        return self.opened_service

    @property
    def store(self) -> SqliteLedgerStore:
        return self.local.store

    @property
    def rules(self) -> Rules:
        return self.config.rules

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.timezone)

    @property
    def shop_name(self) -> str:
        return self.config.shop_name

    def print_receipt(self, receipt: Receipt) -> bool:
        """Hand a receipt to the print queue; never raises, never blocks. False: no printer."""
        self.printed.append(receipt)
        if self.devices is None or self.devices.printer is None:
            return False
        return self.devices.print_receipt(receipt) is not None

    def reprint_last(self) -> bool:
        if self.devices is None or self.devices.printer is None:
            return False
        if self.devices.reprint_last() is not None:
            return True
        if self.printed:  # printed nothing yet (e.g. the printer was down): queue the last one
            return self.devices.printer.enqueue(self.printed[-1], reprint=True) is not None
        return False

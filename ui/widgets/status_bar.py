"""The status bar (sync, devices, who is signed in) and the offline banner."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from devices.base import DeviceState, DeviceStatus
from ui.sync_status import SyncState

DEVICE_ORDER = ("scanner", "wedge", "camera", "printer")


class TerminalStatusBar(QStatusBar):
    def __init__(self, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.setSizeGripEnabled(False)
        self.zone = zone
        self.online = QLabel(self)
        self.online.setObjectName("syncOnline")
        self.retry = QLabel(self)  # offline: "retrying in 12 s", counting down
        self.retry.setObjectName("syncRetry")
        self._retry_at: datetime | None = None
        self._retry_tick = QTimer(self)
        self._retry_tick.setInterval(1000)
        self._retry_tick.timeout.connect(self._show_retry)
        self.waiting = QLabel(self)
        self.waiting.setObjectName("syncWaiting")
        self.last_sync = QLabel(self)
        self.last_sync.setObjectName("syncLast")
        self.devices: dict[str, QLabel] = {}
        self.user = QLabel(self)
        self.user.setObjectName("statusUser")
        self.busy = QLabel(self)
        self.busy.setObjectName("statusBusy")
        for label in (self.online, self.retry, self.waiting, self.last_sync):
            self.addWidget(label)
        for name in DEVICE_ORDER:
            label = QLabel(self)
            label.setObjectName(f"device_{name}")
            self.devices[name] = label
            self.addWidget(label)
            self.set_device(name, None)
        self.addPermanentWidget(self.busy)
        self.addPermanentWidget(self.user)
        self.set_sync(None)

    def device_name(self, name: str) -> str:
        return {"scanner": self.tr("Scanner"), "wedge": self.tr("Keyboard scanner"),
                "camera": self.tr("Camera"), "printer": self.tr("Printer")}.get(name, name)

    def state_name(self, status: DeviceStatus | None) -> str:
        if status is None or status.state is DeviceState.DISABLED:
            return self.tr("not set up")
        return {
            DeviceState.STARTING: self.tr("starting"),
            DeviceState.READY: self.tr("ready"),
            DeviceState.BUSY: self.tr("busy"),
            DeviceState.MISSING: self.tr("missing"),
            DeviceState.DISCONNECTED: self.tr("disconnected"),
            DeviceState.ERROR: self.tr("error"),
            DeviceState.STOPPED: self.tr("stopped"),
        }.get(status.state, str(status.state.value))

    def set_device(self, name: str, status: DeviceStatus | None) -> None:
        label = self.devices.get(name)
        if label is None:
            return
        ok = status is not None and status.ok
        problem = status is not None and not ok and status.state not in (
            DeviceState.DISABLED, DeviceState.STARTING, DeviceState.STOPPED)
        mark = "●" if ok else ("▲" if problem else "○")
        state = self.state_name(status)
        # compact when all is well (the colour says it); the state in words when it is not
        text = f"{mark} {self.device_name(name)}"
        label.setText(f"{text}: {state}" if problem else text)
        reason = status.reason if status is not None else ""
        label.setToolTip(f"{state}: {reason}" if reason else state)
        label.setProperty("problem", problem)
        label.setProperty("ok", ok)
        label.style().unpolish(label)
        label.style().polish(label)

    def set_sync(self, state: SyncState | None) -> None:
        self._retry_at = None if state is None or state.online else state.retry_at
        self._show_retry()
        if self._retry_at is None:
            self._retry_tick.stop()
        elif not self._retry_tick.isActive():
            self._retry_tick.start()
        if state is None:
            self.online.setText(self.tr("Sync: checking…"))
            self.waiting.clear()
            self.last_sync.clear()
            return
        self.online.setText(self.tr("● Online") if state.online else self.tr("▲ Offline"))
        self.online.setProperty("problem", not state.online)
        self.online.style().unpolish(self.online)
        self.online.style().polish(self.online)
        self.online.setToolTip(state.detail)
        self.waiting.setText(self.tr("{count} waiting to sync").format(count=state.events_waiting))
        self.last_sync.setText(self.tr("Last sync {time}").format(
            time=format_when(state.last_sync, self.zone) if state.last_sync else self.tr("never")))

    def _show_retry(self) -> None:
        if self._retry_at is None:
            self.retry.clear()
            self.retry.hide()
            return
        left = math.ceil((self._retry_at - datetime.now(UTC)).total_seconds())
        self.retry.setText(self.tr("retrying in {seconds} s").format(seconds=left) if left > 0
                           else self.tr("retrying…"))
        self.retry.show()

    def set_user(self, text: str) -> None:
        self.user.setText(text)

    def set_busy(self, busy: bool) -> None:
        self.busy.setText(self.tr("Working…") if busy else "")


def format_when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    now = datetime.now(zone)
    return local.strftime("%H:%M") if local.date() == now.date() else local.strftime(
        "%Y-%m-%d %H:%M")


class OfflineBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setWordWrap(True)
        self.hide()

    def set_sync(self, state: SyncState | None) -> None:
        if state is None or state.online:
            self.hide()
            return
        text = self.tr("Offline: sales go on and are kept on this terminal; they sync when "
                       "the connection is back. {count} waiting.").format(
            count=state.events_waiting)
        self.setText(text)
        self.setToolTip(state.detail)
        self.show()

"""Device and sync callbacks (any thread) turned into Qt signals (delivered on the UI thread).

Drivers in ``devices/`` are Qt-free and call plain callbacks from their own threads:
``on_code(str)`` and ``on_status(DeviceStatus)``. A :class:`DeviceBridge` lives on the UI
thread; emitting its signals from another thread queues the delivery, so slots always run on
the UI thread and never race with widgets.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from devices.base import DeviceStatus


class DeviceBridge(QObject):
    code_scanned = Signal(str, str)  # the code, the device it came from ("scanner", "wedge", …)
    status_changed = Signal(str, object)  # the device name, its DeviceStatus

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._statuses: dict[str, DeviceStatus] = {}
        self.status_changed.connect(self._remember)

    def on_code(self, device: str) -> Callable[[str], None]:
        """An ``on_code`` callback for ``device`` (safe to call from any thread)."""

        def callback(code: str) -> None:
            self.code_scanned.emit(code, device)

        return callback

    def on_status(self, device: str) -> Callable[[DeviceStatus], None]:
        """An ``on_status`` callback for ``device`` (safe to call from any thread)."""

        def callback(status: DeviceStatus) -> None:
            self.status_changed.emit(device, status)

        return callback

    def _remember(self, device: str, status: object) -> None:
        if isinstance(status, DeviceStatus):
            self._statuses[device] = status

    def statuses(self) -> dict[str, DeviceStatus]:
        """The last status seen from each device (UI thread only)."""
        return dict(self._statuses)

"""Build the configured devices, report their status, print a test receipt.

The composition roots (``ui/app.py``, ``terminal/cli.py``) call only this module:

    devices = build_devices(config, on_code=..., on_status=...)
    devices.start()
    devices.print_receipt(receipt)      # never raises, never blocks
    devices.reprint_last()
    describe_devices(devices)           # JSON-ready list, for `loyalty devices --json`
    devices.stop()

    probe_devices(config)               # build, start, wait for statuses, describe, stop
    print_test_receipt(config)          # `loyalty print-test`

``on_code(code)`` and ``on_status(name, status)`` are called on the devices' threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.base import (
    ConfigError,
    Device,
    DeviceError,
    DeviceState,
    DeviceStatus,
    OnCode,
    OnStatus,
)
from devices.config import DevicesConfig, PrinterConfig, parse_devices_config
from devices.printing.escpos_printer import ReceiptPrinter
from devices.printing.queue import PrintQueue
from devices.printing.receipt import Receipt, sample_receipt
from devices.scanners.camera import CameraScanner
from devices.scanners.serial_scanner import SerialScanner
from devices.scanners.wedge import WedgeDetector

OnDeviceStatus = Callable[[str, DeviceStatus], None]

KINDS = {
    "scanner": "serial-scanner",
    "wedge": "keyboard-wedge",
    "camera": "camera",
    "printer": "receipt-printer",
}


class UnavailableDevice:
    """Stands in for a device that could not even be built (a config error): it shows the
    reason as its status and does nothing else."""

    def __init__(self, name: str, state: DeviceState, reason: str) -> None:
        self.name = name
        self.kind = KINDS.get(name, name)
        self._status = DeviceStatus(state, reason)

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def start(self) -> None:
        return None

    def stop(self, timeout: float = 1.0) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {}


@dataclass
class DeviceSet:
    """The terminal's devices. Absent ones are None; ones that failed to build are in
    ``unavailable`` with their reason."""

    scanner: SerialScanner | None = None
    wedge: WedgeDetector | None = None
    camera: CameraScanner | None = None
    printer: PrintQueue | None = None
    unavailable: list[UnavailableDevice] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    def all(self) -> list[Device]:
        built: list[Device | None] = [self.scanner, self.wedge, self.camera, self.printer]
        return [d for d in built if d is not None] + list(self.unavailable)

    def start(self) -> None:
        for device in self.all():
            device.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop every device; each thread is joined for at most ``timeout`` seconds."""
        for device in self.all():
            device.stop(timeout)

    def statuses(self) -> dict[str, DeviceStatus]:
        return {d.name: d.status for d in self.all()}

    def print_receipt(self, receipt: Receipt) -> int | None:
        """Queue a receipt. Never raises, never blocks; None when there is no printer."""
        return None if self.printer is None else self.printer.enqueue(receipt)

    def reprint_last(self) -> int | None:
        return None if self.printer is None else self.printer.reprint_last()


def _named(on_status: OnDeviceStatus | None, name: str) -> OnStatus | None:
    if on_status is None:
        return None
    return lambda status: on_status(name, status)


def build_printer(config: PrinterConfig) -> ReceiptPrinter:
    """The printer (raises ConfigError / TemplateError when it cannot be built)."""
    return ReceiptPrinter(config)


def build_devices(
    config: Mapping[str, Any],
    on_code: OnCode | None = None,
    on_status: OnDeviceStatus | None = None,
) -> DeviceSet:
    """Build (not start) the devices of the whole parsed TOML config's ``[devices]`` table.

    Never raises: a section that cannot be used becomes an UnavailableDevice with the reason.
    """
    parsed: DevicesConfig = parse_devices_config(config)
    devices = DeviceSet()
    for name in KINDS:
        if name in parsed.sections and getattr(parsed, name) is None:
            devices.disabled.append(name)
    for name in KINDS:
        section = getattr(parsed, name)
        if isinstance(section, ConfigError):
            devices.unavailable.append(UnavailableDevice(name, DeviceState.ERROR, str(section)))
    if parsed.scanner is not None and not isinstance(parsed.scanner, ConfigError):
        devices.scanner = SerialScanner(parsed.scanner, on_code, _named(on_status, "scanner"))
    if parsed.wedge is not None and not isinstance(parsed.wedge, ConfigError):
        devices.wedge = WedgeDetector(parsed.wedge, on_code)
    if parsed.camera is not None and not isinstance(parsed.camera, ConfigError):
        devices.camera = CameraScanner(parsed.camera, on_code, _named(on_status, "camera"))
    if parsed.printer is not None and not isinstance(parsed.printer, ConfigError):
        try:
            printer = build_printer(parsed.printer)
        except (ValueError, DeviceError) as exc:  # ConfigError, TemplateError, ...
            devices.unavailable.append(UnavailableDevice("printer", DeviceState.ERROR, str(exc)))
        else:
            devices.printer = PrintQueue(printer, _named(on_status, "printer"))
    return devices


def describe_device(device: Device) -> dict[str, Any]:
    status = device.status
    return {
        "name": device.name,
        "kind": device.kind,
        "state": status.state.value,
        "ok": status.ok,
        "reason": status.reason,
        "config": device.describe(),
    }


def describe_devices(devices: DeviceSet) -> list[dict[str, Any]]:
    """One JSON-ready dict per configured device: name, kind, state, ok, reason, config."""
    described = [describe_device(d) for d in devices.all()]
    described += [
        {"name": name, "kind": KINDS[name], "state": DeviceState.DISABLED.value, "ok": False,
         "reason": "enabled = false in the config", "config": {}}
        for name in devices.disabled
    ]
    order = list(KINDS)
    return sorted(described, key=lambda d: order.index(d["name"]))


def probe_devices(config: Mapping[str, Any], settle_s: float = 3.0) -> list[dict[str, Any]]:
    """Build and start the devices, wait until none is STARTING (at most ``settle_s``),
    describe them, stop them. For `loyalty devices --json`."""
    devices = build_devices(config)
    devices.start()
    try:
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline and any(
            s.state == DeviceState.STARTING for s in devices.statuses().values()
        ):
            time.sleep(0.05)
        return describe_devices(devices)
    finally:
        devices.stop()


def print_test_receipt(config: Mapping[str, Any], receipt: Receipt | None = None) -> dict[str, Any]:
    """Print a test receipt now on the configured printer (for `loyalty print-test`).

    Never raises. Returns ``{"printed": bool, "state": ..., "reason": ..., "target": ...,
    "preview": path or None, "bytes": job size}``.
    """
    section = parse_devices_config(config).printer
    if section is None:
        return _result(False, DeviceState.DISABLED, "no [devices.printer] in the config")
    if isinstance(section, ConfigError):
        return _result(False, DeviceState.ERROR, str(section))
    try:
        printer = build_printer(section)
    except (ValueError, DeviceError) as exc:
        return _result(False, DeviceState.ERROR, str(exc))
    receipt = receipt or sample_receipt()
    try:
        job = printer.build_job(receipt)
        status = printer.send(job)
    except DeviceError as exc:
        state = DeviceState.MISSING if "not reachable" in str(exc) else DeviceState.ERROR
        return _result(False, state, str(exc), printer.describe_target())
    except ValueError as exc:  # TemplateError
        return _result(False, DeviceState.ERROR, str(exc), printer.describe_target())
    preview = printer.write_preview_quietly(receipt)
    return _result(True, status.state, status.reason, printer.describe_target(),
                   str(preview) if preview else None, len(job))


def _result(printed: bool, state: DeviceState, reason: str, target: str = "",
            preview: str | None = None, size: int = 0) -> dict[str, Any]:
    return {"printed": printed, "state": state.value, "reason": reason, "target": target,
            "preview": preview, "bytes": size}

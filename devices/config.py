"""Typed device configuration, read from the terminal's TOML config (already parsed to a dict).

Every section is optional; a missing section or ``enabled = false`` means "no such device".

```toml
[devices.scanner]            # serial scanner (pyserial)
port = "/dev/ttyACM0"        # a device path or a pyserial URL: socket://127.0.0.1:9100, loop://
baudrate = 9600
terminator = "CR"            # CR, LF, CRLF, TAB or a literal string such as "\r\n"
reconnect_min_s = 0.5        # backoff after an unplug: 0.5 s, 1 s, 2 s … up to reconnect_max_s
reconnect_max_s = 10.0

[devices.wedge]              # keyboard-wedge (HID) scanner detection
max_interkey_ms = 50         # a scanner types faster than this between keys …
max_enter_ms = 80            # … and presses Enter at most this long after the last key
min_length = 6               # shorter bursts are treated as a person typing

[devices.camera]
source = 0                   # a camera index, a video file, an image folder or a glob ("f/*.png")
decoder = "zxing"            # zxing (default) | pyzbar | opencv
width = 1280                 # requested capture size (real cameras only)
height = 720
max_side = 960               # QR is decoded on frames shrunk to this longest side (0: never);
                             # 1-D barcodes always at full resolution
repeat_window_s = 3.0        # the same code is reported again only after this long out of view
confirm_reads = 2            # identical consecutive reads needed to accept a code
max_fps = 30                 # cap on frames per second (0: as fast as the source gives them)
loop = false                 # restart a video file / image sequence at its end (demo)

[devices.printer]
transport = "usb"            # usb | serial | network | file | dummy
profile = "TM-T88V"          # a python-escpos printer profile
paper_mm = 80                # 80 or 58
text_mode = "big5"           # big5 | image | gb18030
template = "default"         # a template in resources/receipts/ or a path to a template file
font = ""                    # TC font file for image mode ("" = Noto Sans CJK TC via fc-match)
usb_vendor_id = 0x04b8       # usb
usb_product_id = 0x0202
serial_port = "/dev/ttyUSB0" # serial
serial_baudrate = 9600
host = "192.168.1.50"        # network
port = 9100
timeout_s = 5.0
path = "/dev/usb/lp0"        # file (a device file, or any file to capture the bytes)
preview_dir = ""             # write a PNG preview of each receipt here ("" = none)
retry_min_s = 1.0            # a failed job is retried after 1 s, 2 s, 4 s … up to retry_max_s
retry_max_s = 30.0
query_status = true          # ask the printer for paper / offline status (usb, serial, network)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from devices.base import ConfigError

T = TypeVar("T")

TERMINATORS = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "TAB": "\t"}
DECODERS = ("zxing", "pyzbar", "opencv")
TRANSPORTS = ("usb", "serial", "network", "file", "dummy")
TEXT_MODES = ("big5", "image", "gb18030")
PAPER_WIDTHS = (58, 80)


@dataclass(frozen=True)
class SerialScannerConfig:
    port: str
    baudrate: int = 9600
    terminator: str = "\r"
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 10.0


@dataclass(frozen=True)
class WedgeConfig:
    max_interkey_ms: float = 50.0
    max_enter_ms: float = 80.0
    min_length: int = 6


@dataclass(frozen=True)
class CameraConfig:
    source: int | str = 0
    decoder: str = "zxing"
    width: int = 1280
    height: int = 720
    max_side: int = 960
    repeat_window_s: float = 3.0
    confirm_reads: int = 2
    max_fps: float = 30.0
    loop: bool = False


@dataclass(frozen=True)
class PrinterConfig:
    transport: str = "dummy"
    profile: str = "default"
    paper_mm: int = 80
    text_mode: str = "big5"
    template: str = "default"
    font: str = ""
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    serial_port: str = ""
    serial_baudrate: int = 9600
    host: str = ""
    port: int = 9100
    timeout_s: float = 5.0
    path: str = ""
    preview_dir: str = ""
    retry_min_s: float = 1.0
    retry_max_s: float = 30.0
    query_status: bool = True

    @property
    def columns(self) -> int:
        """Characters per line in the printer's font A (12 dots wide)."""
        return 32 if self.paper_mm == 58 else 48

    @property
    def width_px(self) -> int:
        """Printable width in dots at 203 dpi."""
        return 384 if self.paper_mm == 58 else 576


@dataclass(frozen=True)
class DevicesConfig:
    """The parsed ``[devices]`` table: ``None`` for an absent or disabled device, or the
    ``ConfigError`` that made a section unusable (that device then reports ERROR)."""

    scanner: SerialScannerConfig | ConfigError | None = None
    wedge: WedgeConfig | ConfigError | None = None
    camera: CameraConfig | ConfigError | None = None
    printer: PrinterConfig | ConfigError | None = None
    sections: dict[str, Mapping[str, Any]] = field(default_factory=dict)


class _Section:
    """Reads typed keys from one TOML table and names the key in every error."""

    def __init__(self, name: str, table: Mapping[str, Any]) -> None:
        self.name = name
        self.table = table
        self.used: set[str] = {"enabled"}

    def _get(self, key: str, default: T, kinds: tuple[type, ...]) -> T:
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(key, f"must be {kinds[0].__name__}, not a boolean")
        if not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise self.error(key, f"must be {names}, got {value!r}")
        return value  # type: ignore[return-value]

    def get_str(self, key: str, default: str) -> str:
        return self._get(key, default, (str,))

    def get_int(self, key: str, default: int, minimum: int = 0) -> int:
        value = self._get(key, default, (int,))
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def get_number(self, key: str, default: float, minimum: float = 0.0) -> float:
        value = float(self._get(key, default, (int, float)))
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        return self._get(key, default, (bool,))

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get_str(key, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"[devices.{self.name}] {key} {problem}")

    def check_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(f"[devices.{self.name}] unknown key(s): {', '.join(unknown)}")


def parse_terminator(value: str) -> str:
    return TERMINATORS.get(value.upper(), value)


def _serial_scanner(s: _Section) -> SerialScannerConfig:
    port = s.get_str("port", "")
    if not port:
        raise s.error("port", "is required (a device path or a pyserial URL)")
    terminator = parse_terminator(s.get_str("terminator", "CR"))
    if not terminator:
        raise s.error("terminator", "must not be empty")
    low = s.get_number("reconnect_min_s", 0.5, minimum=0.01)
    high = s.get_number("reconnect_max_s", 10.0, minimum=low)
    return SerialScannerConfig(port, s.get_int("baudrate", 9600, 1), terminator, low, high)


def _wedge(s: _Section) -> WedgeConfig:
    return WedgeConfig(
        max_interkey_ms=s.get_number("max_interkey_ms", 50.0, minimum=1.0),
        max_enter_ms=s.get_number("max_enter_ms", 80.0, minimum=1.0),
        min_length=s.get_int("min_length", 6, minimum=1),
    )


def _camera(s: _Section) -> CameraConfig:
    s.used.add("source")
    source = s.table.get("source", 0)
    if isinstance(source, bool) or not isinstance(source, int | str) or source == "":
        raise s.error("source", f"must be a camera index or a path, got {source!r}")
    return CameraConfig(
        source=source,
        decoder=s.choice("decoder", "zxing", DECODERS),
        width=s.get_int("width", 1280, 1),
        height=s.get_int("height", 720, 1),
        max_side=s.get_int("max_side", 960, 0),
        repeat_window_s=s.get_number("repeat_window_s", 3.0),
        confirm_reads=s.get_int("confirm_reads", 2, 1),
        max_fps=s.get_number("max_fps", 30.0),
        loop=s.get_bool("loop", False),
    )


def _printer(s: _Section) -> PrinterConfig:
    paper = s.get_int("paper_mm", 80)
    if paper not in PAPER_WIDTHS:
        raise s.error("paper_mm", f"must be 58 or 80, got {paper}")
    config = PrinterConfig(
        transport=s.choice("transport", "dummy", TRANSPORTS),
        profile=s.get_str("profile", "default"),
        paper_mm=paper,
        text_mode=s.choice("text_mode", "big5", TEXT_MODES),
        template=s.get_str("template", "default"),
        font=s.get_str("font", ""),
        usb_vendor_id=s.get_int("usb_vendor_id", 0),
        usb_product_id=s.get_int("usb_product_id", 0),
        serial_port=s.get_str("serial_port", ""),
        serial_baudrate=s.get_int("serial_baudrate", 9600, 1),
        host=s.get_str("host", ""),
        port=s.get_int("port", 9100, 1),
        timeout_s=s.get_number("timeout_s", 5.0, minimum=0.1),
        path=s.get_str("path", ""),
        preview_dir=s.get_str("preview_dir", ""),
        retry_min_s=s.get_number("retry_min_s", 1.0, minimum=0.01),
        retry_max_s=s.get_number("retry_max_s", 30.0, minimum=0.01),
        query_status=s.get_bool("query_status", True),
    )
    required = {"usb": "usb_vendor_id", "serial": "serial_port", "network": "host", "file": "path"}
    key = required.get(config.transport)
    if key is not None and not getattr(config, key):
        raise s.error(key, f"is required for transport = {config.transport!r}")
    return config


_PARSERS = {
    "scanner": _serial_scanner,
    "wedge": _wedge,
    "camera": _camera,
    "printer": _printer,
}


def parse_section(name: str, table: Mapping[str, Any]) -> Any:
    """Parse one ``[devices.<name>]`` table; raises ConfigError naming the bad key."""
    section = _Section(name, table)
    enabled = section.get_bool("enabled", True)
    if not enabled:
        return None
    parsed = _PARSERS[name](section)
    section.check_unknown()
    return parsed


def parse_devices_config(config: Mapping[str, Any]) -> DevicesConfig:
    """Read the ``devices`` table of the whole parsed TOML config.

    Never raises for a bad section: that section's value is the ConfigError instead, so one
    mistyped key disables one device (shown as ERROR with the reason), not the terminal.
    """
    devices = config.get("devices", {})
    if not isinstance(devices, Mapping):
        devices = {}
    parsed: dict[str, Any] = {}
    sections: dict[str, Mapping[str, Any]] = {}
    for name in _PARSERS:
        table = devices.get(name)
        if table is None:
            continue
        if not isinstance(table, Mapping):
            parsed[name] = ConfigError(f"[devices.{name}] must be a table")
            continue
        sections[name] = table
        try:
            parsed[name] = parse_section(name, table)
        except ConfigError as exc:
            parsed[name] = exc
    return DevicesConfig(sections=sections, **parsed)


def resolve_path(value: str, base: Path | None = None) -> Path:
    """A config path: ``~`` expanded, relative paths taken from ``base`` when given."""
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return path

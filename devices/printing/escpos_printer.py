"""Receipts to ESC/POS bytes, and those bytes to a printer over python-escpos.

A job is built completely in memory (an escpos ``Dummy`` with the configured profile), then
sent in one write over a transport opened for that job: usb, serial, network, file or dummy.
Text goes out in Big5 (or GB18030) double-byte mode, or the whole receipt as a raster image.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from escpos import printer as escpos_printer
from escpos.capabilities import CAPABILITIES
from escpos.constants import ESC, GS
from escpos.exceptions import Error as EscposError
from escpos.image import EscposImage
from PIL import Image

from devices.base import ConfigError, DeviceError, DeviceMissing, DeviceState, DeviceStatus
from devices.config import PrinterConfig
from devices.printing.big5 import encode_cjk_text
from devices.printing.image_render import ReceiptImageRenderer, find_tc_font
from devices.printing.layout import Cut, LayoutItem, QrCode, ReceiptTemplate, Rule, TextLine
from devices.printing.receipt import Receipt

log = logging.getLogger(__name__)

INIT = ESC + b"@"
RASTER_FRAGMENT_LINES = 960  # printers buffer a limited raster height per GS v 0 command
QR_MODULE_SIZE = 6
STATUS_TIMEOUT_S = 1.0  # how long to wait for the printer to answer a status query


class PrinterError(DeviceError):
    """Sending a job failed (the job can be retried)."""


class PrinterOffline(PrinterError):
    pass


class PaperOut(PrinterError):
    pass


class AppendFile(escpos_printer.File):  # type: ignore[misc]
    """escpos's File printer, appending instead of truncating (one open per job)."""

    def open(self, raise_not_found: bool = True) -> None:
        try:
            handle = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self.device = None
            raise DeviceMissing(f"cannot open {self.devfile}: {exc}") from exc
        self.device = handle


Transport = Any  # an escpos.escpos.Escpos (untyped library)
TransportFactory = Callable[[PrinterConfig], Transport]


def check_profile(name: str) -> None:
    if name not in CAPABILITIES["profiles"]:
        raise ConfigError(f"[devices.printer] profile {name!r} is not a python-escpos profile "
                          f"(e.g. default, TM-T88V, TM-T20II, RP-F10-58mm)")


def make_transport(config: PrinterConfig) -> Transport:
    """A new, unopened escpos printer for ``config.transport``."""
    profile = config.profile
    if config.transport == "usb":
        return escpos_printer.Usb(config.usb_vendor_id, config.usb_product_id,
                                  timeout=int(config.timeout_s * 1000), profile=profile)
    if config.transport == "serial":
        return escpos_printer.Serial(config.serial_port, baudrate=config.serial_baudrate,
                                     timeout=config.timeout_s, profile=profile)
    if config.transport == "network":
        return escpos_printer.Network(config.host, config.port, timeout=config.timeout_s,
                                      profile=profile)
    if config.transport == "file":
        return AppendFile(config.path, profile=profile)
    return escpos_printer.Dummy(profile=profile)


class ReceiptPrinter:
    """Builds and sends receipt jobs. Not thread-safe: use it from one thread (the queue's)."""

    def __init__(
        self,
        config: PrinterConfig,
        template: ReceiptTemplate | None = None,
        *,
        transport_factory: TransportFactory = make_transport,
    ) -> None:
        check_profile(config.profile)
        self.config = config
        self.template = template or ReceiptTemplate.load(config.template)
        self._transport_factory = transport_factory
        self._dummy: Transport | None = None  # the dummy transport keeps its bytes
        self._builder_profile = config.profile
        self._renderer: ReceiptImageRenderer | None = None
        self.previews: list[Path] = []

    # -- building -----------------------------------------------------------------------------
    def layout(self, receipt: Receipt) -> list[LayoutItem]:
        return self.template.render(receipt)

    def image_width(self) -> int:
        profile = CAPABILITIES["profiles"][self.config.profile]
        pixels = profile.get("media", {}).get("width", {}).get("pixels")
        if isinstance(pixels, int) and pixels > 0:
            return min(pixels, self.config.width_px)
        return self.config.width_px

    def renderer(self) -> ReceiptImageRenderer:
        """The image renderer (raises FontMissing when no TC font is installed)."""
        if self._renderer is None:
            font = find_tc_font(self.config.font)
            self._renderer = ReceiptImageRenderer(font, self.image_width(), self.config.columns)
        return self._renderer

    def build_job(self, receipt: Receipt) -> bytes:
        """The complete ESC/POS bytes for ``receipt`` (raises TemplateError, FontMissing)."""
        items = self.layout(receipt)
        job = escpos_printer.Dummy(profile=self._builder_profile)
        job._raw(INIT)
        if self.config.text_mode == "image":
            self._build_image(job, items)
        else:
            self._build_text(job, items, self.config.text_mode)
        output: bytes = job.output
        return output

    def _build_text(self, job: Transport, items: list[LayoutItem], codec: str) -> None:
        columns = self.config.columns
        for item in items:
            if isinstance(item, TextLine):
                if item.bold:
                    job.set(bold=True)
                if item.big:
                    job.set(double_width=True, double_height=True)
                for row in item.fitted(columns):
                    job._raw(encode_cjk_text(row, codec) + b"\n")
                if item.big:
                    job.set(normal_textsize=True)
                if item.bold:
                    job.set(bold=False)
            elif isinstance(item, Rule):
                job._raw(b"-" * columns + b"\n")
            elif isinstance(item, QrCode):
                if job.profile.supports("qrCode"):
                    job.set(align="center")
                    job.qr(item.payload, size=QR_MODULE_SIZE, native=True)
                    job.set(align="left")
                    job._raw(b"\n")
                else:
                    job._raw(raster_image(self.renderer().render([item])))
            elif isinstance(item, Cut):
                job.cut()

    def _build_image(self, job: Transport, items: list[LayoutItem]) -> None:
        segment: list[LayoutItem] = []
        for item in [*items, None]:
            if item is None or isinstance(item, Cut):
                if segment:
                    job._raw(raster_image(self.renderer().render(segment)))
                    segment = []
                if isinstance(item, Cut):
                    job.cut()
            else:
                segment.append(item)

    def preview(self, receipt: Receipt) -> Image.Image:
        """What the receipt looks like (rendered with the TC font, any text mode)."""
        return self.renderer().render(self.layout(receipt))

    # -- sending ------------------------------------------------------------------------------
    def _open(self) -> Transport:
        if self.config.transport == "dummy":
            if self._dummy is None:
                self._dummy = self._transport_factory(self.config)
            return self._dummy
        transport = self._transport_factory(self.config)
        try:
            transport.open()
        except (EscposError, OSError, ValueError, DeviceError) as exc:
            _close_quietly(transport)
            raise PrinterOffline(f"printer not reachable ({self.describe_target()}): "
                                 f"{_first_line(exc)}") from exc
        return transport

    def send(self, job: bytes) -> DeviceStatus:
        """Send one job; returns the printer's status after it (READY, or READY with "paper
        low"). Raises PrinterError (PaperOut, PrinterOffline) when the job was not printed."""
        transport = self._open()
        try:
            status = self._query(transport)
            transport._raw(job)
            return status
        except (EscposError, OSError, ValueError, AssertionError) as exc:
            raise PrinterError(f"printing failed ({self.describe_target()}): "
                               f"{_first_line(exc)}") from exc
        finally:
            if transport is not self._dummy:
                _close_quietly(transport)

    def probe(self) -> DeviceStatus:
        """Check template, font (image mode) and that the printer answers, without printing."""
        try:
            from devices.printing.receipt import sample_receipt

            self.template.check(sample_receipt())
            if self.config.text_mode == "image":
                self.renderer()
            transport = self._open()
            try:
                return self._query(transport)
            finally:
                if transport is not self._dummy:
                    _close_quietly(transport)
        except DeviceMissing as exc:
            return DeviceStatus(DeviceState.MISSING, str(exc))
        except (DeviceError, ValueError) as exc:
            return DeviceStatus(DeviceState.ERROR, str(exc))

    def _query(self, transport: Transport) -> DeviceStatus:
        """Ask the printer for online / paper status where the transport can answer."""
        if not self.config.query_status or self.config.transport not in ("usb", "serial",
                                                                         "network"):
            return DeviceStatus(DeviceState.READY)
        device = transport.device
        if hasattr(device, "settimeout"):
            device.settimeout(min(STATUS_TIMEOUT_S, self.config.timeout_s))
        try:
            online = transport.is_online()
            paper = transport.paper_status()
        except (EscposError, OSError, NotImplementedError, ValueError) as exc:
            log.debug("printer status query unanswered: %s", exc)
            return DeviceStatus(DeviceState.READY, "status unknown (printer did not answer)")
        finally:
            if hasattr(device, "settimeout"):
                device.settimeout(self.config.timeout_s)
        if paper == 0:
            raise PaperOut("paper out: load a new roll")
        if not online:
            raise PrinterOffline("printer offline (cover open or feed button held?)")
        return DeviceStatus(DeviceState.READY, "paper low" if paper == 1 else "")

    def print_receipt(self, receipt: Receipt) -> DeviceStatus:
        """Build and send one receipt now (blocking; the queue calls this on its thread)."""
        status = self.send(self.build_job(receipt))
        self.write_preview_quietly(receipt)
        return status

    def write_preview_quietly(self, receipt: Receipt) -> Path | None:
        """``write_preview`` after a job was sent: a failure is logged, never raised (raising
        would make the caller retry, i.e. print the receipt twice)."""
        try:
            return self.write_preview(receipt)
        except (DeviceError, OSError, ValueError) as exc:
            log.warning("receipt preview not written: %s", exc)
            return None

    def write_preview(self, receipt: Receipt) -> Path | None:
        if not self.config.preview_dir:
            return None
        folder = Path(self.config.preview_dir).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"receipt-{stamp}-{len(self.previews) + 1:04d}.png"
        self.preview(receipt).save(path)
        self.previews.append(path)
        return path

    @property
    def dummy_output(self) -> bytes:
        """Everything sent so far to a dummy transport (tests, demo)."""
        return b"" if self._dummy is None else bytes(self._dummy.output)

    def describe_target(self) -> str:
        c = self.config
        return {
            "usb": f"usb {c.usb_vendor_id:04x}:{c.usb_product_id:04x}",
            "serial": f"serial {c.serial_port}",
            "network": f"network {c.host}:{c.port}",
            "file": f"file {c.path}",
            "dummy": "dummy",
        }[c.transport]


def raster_image(image: Image.Image) -> bytes:
    """``GS v 0`` raster bit-image commands for a 1-bit image, in fragments of 960 lines.

    (escpos's own ``image()`` prints to stdout when the profile has no paper width.)
    """
    out = bytearray()
    for top in range(0, image.height, RASTER_FRAGMENT_LINES):
        part = EscposImage(image.crop((0, top, image.width,
                                       min(image.height, top + RASTER_FRAGMENT_LINES))))
        out += GS + b"v0\x00" + _low_high(part.width_bytes) + _low_high(part.height)
        out += part.to_raster_format()
    return bytes(out)


def _low_high(value: int) -> bytes:
    return bytes((value & 0xFF, (value >> 8) & 0xFF))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _close_quietly(transport: Transport) -> None:
    try:
        transport.close()
    except (EscposError, OSError, AttributeError) as exc:
        log.debug("closing printer transport: %s", exc)

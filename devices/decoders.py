"""Barcode/QR decoders behind one interface: zxing-cpp (default), pyzbar, OpenCV.

Each library is imported when its decoder is created, so a missing library (or zbar's missing
shared library) becomes a ``DecoderUnavailable`` with a clear message, never an ImportError at
start-up. Decoders take a grayscale image (a 2-D uint8 numpy array).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from devices.base import DeviceMissing

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Gray = NDArray[np.uint8]


Symbols = Literal["all", "matrix", "linear"]  # matrix: QR codes; linear: 1-D barcodes
MATRIX_FORMATS = ("QRCode",)
# No UPC-E: rare in Taiwan's shops, and zxing-cpp "finds" UPC-E inside blurred EAN-13s.
LINEAR_FORMATS = ("EAN13", "EAN8", "UPCA", "Code128", "Code39")


class DecoderUnavailable(DeviceMissing):
    """The decoder's library is not installed or cannot load."""


@dataclass(frozen=True)
class Decoded:
    text: str
    format: str  # e.g. "QRCode", "EAN13", "Code128" (each library's own name)


def decoded(text: str, fmt: str) -> Decoded:
    """One result, a UPC-A given as its EAN-13 (``0`` + 12 digits), as most libraries do;
    pyzbar reports an EAN-13 starting with 0 as a 12-digit UPC-A."""
    if fmt.replace("-", "").replace("_", "").upper() == "UPCA" and len(text) == 12:
        return Decoded("0" + text, "EAN13")
    return Decoded(text, fmt)


class Decoder(ABC):
    name: ClassVar[str]

    @abstractmethod
    def decode(self, gray: Gray, symbols: Symbols = "all") -> list[Decoded]:
        """The codes of kind ``symbols`` found in the image (empty when none)."""


class ZxingDecoder(Decoder):
    """zxing-cpp: the fastest and most robust here (~5 ms for a 1280×720 frame)."""

    name = "zxing"

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:
            raise DecoderUnavailable(
                f"zxing-cpp is not installed ({exc}); pip install zxing-cpp"
            ) from exc
        self._zxing: Any = zxingcpp

        def formats(names: tuple[str, ...]) -> Any:
            return zxingcpp.BarcodeFormats(tuple(getattr(zxingcpp.BarcodeFormat, n)
                                                 for n in names))

        self._formats = {"all": formats(MATRIX_FORMATS + LINEAR_FORMATS),
                         "matrix": formats(MATRIX_FORMATS), "linear": formats(LINEAR_FORMATS)}

    def decode(self, gray: Gray, symbols: Symbols = "all") -> list[Decoded]:
        results = self._zxing.read_barcodes(gray, formats=self._formats[symbols],
                                            try_invert=False)
        return [decoded(r.text, r.format.name) for r in results if r.valid and r.text]


class PyzbarDecoder(Decoder):
    """pyzbar (ZBar): needs the libzbar0 system library."""

    name = "pyzbar"

    def __init__(self) -> None:
        try:
            from pyzbar import pyzbar
        except ImportError as exc:  # pyzbar itself, or "Unable to find zbar shared library"
            raise DecoderUnavailable(
                f"pyzbar cannot load ({exc}); pip install pyzbar and apt-get install libzbar0"
            ) from exc
        self._pyzbar: Any = pyzbar
        symbol = pyzbar.ZBarSymbol
        matrix = [symbol.QRCODE]
        linear = [symbol.EAN13, symbol.EAN8, symbol.UPCA, symbol.CODE128, symbol.CODE39]
        self._symbols = {"all": matrix + linear, "matrix": matrix, "linear": linear}

    def decode(self, gray: Gray, symbols: Symbols = "all") -> list[Decoded]:
        results = self._pyzbar.decode(gray, symbols=self._symbols[symbols])
        return [
            decoded(r.data.decode("utf-8", errors="replace"), str(r.type))
            for r in results
            if r.data
        ]


class OpenCvDecoder(Decoder):
    """OpenCV's QR detector plus its 1-D barcode detector (slowest, no extra dependency)."""

    name = "opencv"

    def __init__(self) -> None:
        try:
            import cv2
        except ImportError as exc:
            raise DecoderUnavailable(
                f"OpenCV is not installed ({exc}); pip install opencv-python-headless"
            ) from exc
        self._qr: Any = cv2.QRCodeDetector()
        self._barcode: Any = cv2.barcode.BarcodeDetector() if hasattr(cv2, "barcode") else None

    def decode(self, gray: Gray, symbols: Symbols = "all") -> list[Decoded]:
        found: list[Decoded] = []
        if symbols != "linear":
            ok, texts, _points, _straight = self._qr.detectAndDecodeMulti(gray)
            if ok:
                found.extend(Decoded(t, "QRCode") for t in texts if t)
        if symbols != "matrix" and self._barcode is not None:
            ok, texts, types, _points = self._barcode.detectAndDecodeWithType(gray)
            if ok:
                found.extend(decoded(t, k) for t, k in zip(texts, types, strict=False) if t)
        return found


DECODER_CLASSES: dict[str, type[Decoder]] = {
    cls.name: cls for cls in (ZxingDecoder, PyzbarDecoder, OpenCvDecoder)
}


def make_decoder(name: str) -> Decoder:
    """The decoder called ``name``; raises DecoderUnavailable (a clear reason) if it cannot load."""
    try:
        cls = DECODER_CLASSES[name]
    except KeyError:
        raise DecoderUnavailable(
            f"unknown decoder {name!r}; choose one of {', '.join(DECODER_CLASSES)}"
        ) from None
    return cls()


def available_decoders() -> dict[str, str]:
    """Each decoder's name → "" if it loads, else why not."""
    problems: dict[str, str] = {}
    for name in DECODER_CLASSES:
        try:
            make_decoder(name)
        except DecoderUnavailable as exc:
            problems[name] = str(exc)
        else:
            problems[name] = ""
    return problems

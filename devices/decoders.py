"""Barcode/QR decoders behind one interface: zxing-cpp (default), pyzbar, OpenCV.

Each library is imported when its decoder is created, so a missing library (or zbar's missing
shared library) becomes a ``DecoderUnavailable`` with a clear message, never an ImportError at
start-up. Decoders take a grayscale image (a 2-D uint8 numpy array).

EAN/UPC codes carry one mod-10 check digit and Code 39 none, so a misread can look valid:
``Decoder.cross_check`` gives such a read a second, independent look at its region (only when
one was found, so frames without a code cost nothing extra). See docs/bench-devices.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
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
# Formats whose reads need a second look: a mod-10 check digit (EAN/UPC) or none (Code 39).
# Code 128 is not cross-checked: its mod-103 checksum has let no misread through in the
# benchmark, and a second look would cost read rate (74.5 % instead of 75.0 % accepted).
CROSS_CHECKED_FORMATS = frozenset({"EAN13", "EAN8", "UPCA", "Code39"})

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in the decoded image


class DecoderUnavailable(DeviceMissing):
    """The decoder's library is not installed or cannot load."""


@dataclass(frozen=True)
class Decoded:
    text: str
    format: str  # e.g. "QRCode", "EAN13", "Code128" (each library's own name)
    box: Box | None = field(default=None, compare=False)  # where, when the decoder says


def decoded(text: str, fmt: str, box: Box | None = None) -> Decoded:
    """One result, a UPC-A given as its EAN-13 (``0`` + 12 digits), as most libraries do;
    pyzbar reports an EAN-13 starting with 0 as a 12-digit UPC-A."""
    if fmt.replace("-", "").replace("_", "").upper() == "UPCA" and len(text) == 12:
        return Decoded("0" + text, "EAN13", box)
    return Decoded(text, fmt, box)


class Decoder(ABC):
    name: ClassVar[str]

    @abstractmethod
    def decode(self, gray: Gray, symbols: Symbols = "all") -> list[Decoded]:
        """The codes of kind ``symbols`` found in the image (empty when none)."""

    def cross_check(self, gray: Gray, found: Decoded) -> bool:
        """False when a second, independent look at ``found`` (a result of ``decode(gray)``)
        does not read the same text: then ``found`` is not a read. Decoders without a second
        look accept every result."""
        return True


class ZxingDecoder(Decoder):
    """zxing-cpp: the fastest and most robust here (~5 ms for a 1280×720 frame).

    Its EAN/UPC misreads repeat from frame to frame when they come from the barcode's geometry
    (seen in its internal 1/3 downscale, and at full size), and its two 1-D binarizers
    (LocalAverage, GlobalHistogram) give the same rows for 1-D codes, so they misread alike.
    The cross-check decodes the code's region again, contrast-stretched, with a fixed
    threshold, at full size and then at half size (2×2 averages, for noisy frames): a
    different binarization and different sampling. Either one reading the same text confirms.
    """

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
        # QR codes alone come from a frame the pipeline has already shrunk: zxing-cpp's own
        # further 1/3 downscale read no more QR codes in the benchmark (nor close-up blurred
        # ones) and cost ~0.14 ms a frame. 1-D codes need it (harsh set: 25 % → 5 % without).
        results = self._zxing.read_barcodes(gray, formats=self._formats[symbols],
                                            try_invert=False,
                                            try_downscale=symbols != "matrix")
        return [decoded(r.text, r.format.name, _box(r.position))
                for r in results if r.valid and r.text]

    def cross_check(self, gray: Gray, found: Decoded) -> bool:
        if found.format not in CROSS_CHECKED_FORMATS or found.box is None:
            return True
        region = _region(gray, found.box)
        for half in (False, True):
            image = _half(region) if half else region
            if min(image.shape) < 8:
                break
            results = self._zxing.read_barcodes(
                _stretched(image), formats=self._formats["linear"], try_invert=False,
                try_downscale=False, binarizer=self._zxing.Binarizer.FixedThreshold)
            if any(decoded(r.text, r.format.name).text == found.text
                   for r in results if r.valid):
                return True
        return False


def _box(position: Any) -> Box:
    corners = (position.top_left, position.top_right, position.bottom_right,
               position.bottom_left)
    xs, ys = [int(c.x) for c in corners], [int(c.y) for c in corners]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def _region(gray: Gray, box: Box) -> Gray:
    """The box with a margin (15 % of its longer side + 10 px: the quiet zone and the bars
    above and below the rows a 1-D reader used), clipped to the image."""
    x0, y0, x1, y1 = box
    margin = int(0.15 * max(x1 - x0, y1 - y0)) + 10
    height, width = gray.shape[:2]
    return gray[max(0, y0 - margin):min(height, y1 + margin),
                max(0, x0 - margin):min(width, x1 + margin)]


def _half(gray: Gray) -> Gray:
    """Half size, each pixel the mean of 2×2 (OpenCV's INTER_AREA at 0.5)."""
    import numpy as np

    h, w = gray.shape[0] // 2 * 2, gray.shape[1] // 2 * 2
    blocks = gray[:h, :w].astype(np.uint16)
    total = blocks[0::2, 0::2] + blocks[1::2, 0::2] + blocks[0::2, 1::2] + blocks[1::2, 1::2]
    half: Gray = ((total + 2) // 4).astype(np.uint8)
    return half


def _stretched(gray: Gray) -> Gray:
    """Contrast stretched to 0–255 (min → 0, max → 255), contiguous."""
    import numpy as np

    lo, hi = int(gray.min()), int(gray.max())
    if hi <= lo:
        return np.ascontiguousarray(gray)
    scaled = (gray.astype(np.float32) - lo) * (255.0 / (hi - lo)) + 0.5
    out: Gray = scaled.astype(np.uint8)
    return out


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

"""Render a receipt layout to a 1-bit image with a Traditional Chinese font (Pillow).

Used for the rendered-image print mode (works on any ESC/POS printer that prints raster
images) and for the PNG preview of the simulated printer.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from devices.base import DeviceMissing
from devices.printing.layout import Cut, LayoutItem, QrCode, Rule, TextLine

TC_FONT_FAMILY = "Noto Sans CJK TC"
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKtc-Regular.otf",
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "C:/Windows/Fonts/msjh.ttc",  # Windows: Microsoft JhengHei
)
FONT_MISSING_HINT = (
    "no Traditional Chinese font found: install fonts-noto-cjk (apt-get install fonts-noto-cjk) "
    "or set [devices.printer] font = \"/path/to/font.ttc\""
)


class FontMissing(DeviceMissing):
    pass


@dataclass(frozen=True)
class FontSpec:
    path: str
    index: int = 0  # the face inside a .ttc collection

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(self.path, size, index=self.index)


def _tc_face_index(path: str) -> int | None:
    """The index of the Traditional Chinese face in a font file or collection, if any."""
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if "TC" in family or "JhengHei" in family or "PingFang" in family:
            return index
    try:  # a single-face file that is not named TC: use it if it has the glyphs
        font = ImageFont.truetype(path, 24)
    except OSError:
        return None
    return 0 if has_glyphs(font, "會員點數") else None


def has_glyphs(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """Whether ``font`` draws ``text`` with real glyphs rather than its "missing" box."""
    missing = bytes(font.getmask("\U000f0000"))  # a private-use character: in no font
    return all(bytes(font.getmask(ch)) != missing for ch in text)


def _fc_match() -> str | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{TC_FONT_FAMILY}:lang=zh-tw"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


@lru_cache(maxsize=8)
def find_tc_font(configured: str = "") -> FontSpec:
    """The configured font, else Noto Sans CJK TC via fc-match, else a known path.

    Raises FontMissing with what to install when none has Traditional Chinese glyphs.
    """
    if configured:
        if not Path(configured).is_file():
            raise FontMissing(f"font file {configured} not found")
        index = _tc_face_index(configured)
        if index is None:
            raise FontMissing(f"font {configured} has no Traditional Chinese glyphs")
        return FontSpec(configured, index)
    candidates = [_fc_match(), *KNOWN_FONT_PATHS]
    for path in candidates:
        if path and Path(path).is_file():
            index = _tc_face_index(path)
            if index is not None:
                return FontSpec(path, index)
    raise FontMissing(FONT_MISSING_HINT)


class ReceiptImageRenderer:
    """Draws layout items top to bottom on a white strip ``width_px`` dots wide."""

    def __init__(self, font: FontSpec, width_px: int = 576, columns: int = 48) -> None:
        self.width_px = width_px
        self.columns = columns
        self.column_px = width_px / columns
        size = round(self.column_px * 2)  # a CJK character is two columns wide
        self.font = font.load(size)
        self.big_font = font.load(size * 2)
        self.bold_stroke = 1
        self.margin = 4

    def render(self, items: list[LayoutItem]) -> Image.Image:
        parts = [self._render_item(item) for item in items]
        height = sum(p.height for p in parts) + 2 * self.margin
        page = Image.new("L", (self.width_px, height), 255)
        y = self.margin
        for part in parts:
            page.paste(part, (0, y))
            y += part.height
        return page.point(lambda v: 255 if v > 160 else 0, mode="1")

    def _render_item(self, item: LayoutItem) -> Image.Image:
        if isinstance(item, TextLine):
            return self._text(item)
        if isinstance(item, QrCode):
            return self._qr(item.payload)
        if isinstance(item, Rule):
            strip = Image.new("L", (self.width_px, 16), 255)
            ImageDraw.Draw(strip).line((0, 8, self.width_px, 8), fill=0, width=2)
            return strip
        assert isinstance(item, Cut)
        strip = Image.new("L", (self.width_px, 24), 255)
        draw = ImageDraw.Draw(strip)
        for x in range(0, self.width_px, 16):
            draw.line((x, 12, x + 8, 12), fill=0)
        return strip

    def _text(self, line: TextLine) -> Image.Image:
        font = self.big_font if line.big else self.font
        ascent, descent = font.getmetrics()
        line_height = ascent + descent + 4
        fitted = line.fitted(self.columns)
        strip = Image.new("L", (self.width_px, line_height * len(fitted)), 255)
        draw = ImageDraw.Draw(strip)
        stroke = self.bold_stroke if line.bold else 0
        if line.right and len(fitted) == 1:
            draw.text((0, 0), line.left, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
            right_w = draw.textlength(line.right, font=font)
            draw.text((self.width_px - right_w - stroke, 0), line.right, font=font, fill=0,
                      stroke_width=stroke, stroke_fill=0)
            return strip
        for row, text in enumerate(fitted):
            text = text.strip()
            width = draw.textlength(text, font=font)
            x = 0.0
            if line.align == "center":
                x = (self.width_px - width) / 2
            elif line.align == "right" or (line.right and row == len(fitted) - 1):
                x = self.width_px - width - stroke
            draw.text((x, row * line_height), text, font=font, fill=0,
                      stroke_width=stroke, stroke_fill=0)
        return strip

    def _qr(self, payload: str) -> Image.Image:
        code = qrcode.QRCode(border=2, box_size=1)
        code.add_data(payload)
        code.make(fit=True)
        modules = code.modules_count + 4
        box = max(1, min(8, (self.width_px // 2) // modules))
        image = code.make_image().get_image().convert("L")
        image = image.resize((modules * box, modules * box), Image.Resampling.NEAREST)
        strip = Image.new("L", (self.width_px, image.height + 8), 255)
        strip.paste(image, ((self.width_px - image.width) // 2, 4))
        return strip

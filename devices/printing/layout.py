"""Receipt template → layout items (text lines, QR, cut), independent of how they are printed.

See resources/receipts/README.md for the template language.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from devices.printing.receipt import Receipt, format_points

TEXT_DIRECTIVES = ("left", "center", "right", "pair")
MODIFIERS = ("bold", "big")


class TemplateError(ValueError):
    """A template that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class TextLine:
    left: str
    right: str = ""  # a pair's right-hand text
    align: str = "left"  # left | center | right (ignored for pairs)
    bold: bool = False
    big: bool = False  # double width and height

    def fitted(self, columns: int) -> list[str]:
        """The line as monospace text of at most ``columns`` (CJK counts 2) columns."""
        width = columns // 2 if self.big else columns
        if self.right:
            gap = width - display_width(self.left) - display_width(self.right)
            if gap >= 1:
                return [self.left + " " * gap + self.right]
            right = truncate(self.right, width)
            return [truncate(self.left, width), " " * (width - display_width(right)) + right]
        text = truncate(self.left, width)
        spare = width - display_width(text)
        if self.align == "center":
            text = " " * (spare // 2) + text
        elif self.align == "right":
            text = " " * spare + text
        return [text.rstrip() if self.align != "right" else text]


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Rule:
    """A full-width separator."""


@dataclass(frozen=True)
class Cut:
    """Feed and cut the paper."""


LayoutItem = TextLine | QrCode | Rule | Cut


def display_width(text: str) -> int:
    """Columns on a receipt printer: East Asian wide / full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate(text: str, columns: int) -> str:
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(out)


@dataclass(frozen=True)
class _Directive:
    line_no: int
    name: str
    modifiers: tuple[str, ...]
    argument: str


class ReceiptTemplate:
    def __init__(self, text: str, source: str = "<template>") -> None:
        self.source = source
        self._directives = self._parse(text)

    @classmethod
    def load(cls, name_or_path: str) -> ReceiptTemplate:
        """A template from resources/receipts/ by name (``"default"``) or from a file path."""
        path = Path(name_or_path).expanduser()
        if path.suffix or path.is_absolute() or "/" in name_or_path:
            try:
                return cls(path.read_text(encoding="utf-8"), str(path))
            except OSError as exc:
                raise TemplateError(f"cannot read receipt template {path}: {exc}") from exc
        resource = resources.files("resources.receipts") / f"{name_or_path}.txt"
        try:
            text = resource.read_text(encoding="utf-8")
        except (OSError, FileNotFoundError) as exc:
            raise TemplateError(f"no receipt template named {name_or_path!r}") from exc
        return cls(text, f"resources/receipts/{name_or_path}.txt")

    def _parse(self, text: str) -> list[_Directive]:
        directives = []
        depth = 0
        for line_no, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            head, _, argument = line.partition(" ")
            name, *modifiers = head.split(":")
            known = (*TEXT_DIRECTIVES, "rule", "blank", "items", "vouchers", "programmes", "qr",
                     "cut", "if", "end")
            if name not in known:
                raise TemplateError(f"{self.source}:{line_no}: unknown directive {name!r}")
            bad = [m for m in modifiers if m not in MODIFIERS or name not in TEXT_DIRECTIVES]
            if bad:
                raise TemplateError(f"{self.source}:{line_no}: unknown modifier {bad[0]!r}")
            if name == "pair" and "|" not in argument:
                raise TemplateError(f"{self.source}:{line_no}: pair needs 'LEFT | RIGHT'")
            depth += {"if": 1, "end": -1}.get(name, 0)
            if depth < 0:
                raise TemplateError(f"{self.source}:{line_no}: 'end' without 'if'")
            directives.append(_Directive(line_no, name, tuple(modifiers), argument.strip()))
        if depth:
            raise TemplateError(f"{self.source}: 'if' without 'end'")
        return directives

    def render(self, receipt: Receipt) -> list[LayoutItem]:
        values = receipt_values(receipt)
        fields = {k: _format_value(k, v, receipt) for k, v in values.items()}
        items: list[LayoutItem] = []
        skipping = 0  # depth of the innermost false 'if' we are inside (0: printing)
        depth = 0
        for d in self._directives:
            if d.name == "if":
                depth += 1
                if not skipping and not _truthy(values, d.argument, self.source, d.line_no):
                    skipping = depth
                continue
            if d.name == "end":
                if skipping == depth:
                    skipping = 0
                depth -= 1
                continue
            if skipping:
                continue
            items.extend(self._render_one(d, fields, receipt))
        return items

    def _render_one(self, d: _Directive, fields: dict[str, str],
                    receipt: Receipt) -> list[LayoutItem]:
        def fill(text: str) -> str:
            try:
                return string.Formatter().vformat(text, (), fields)
            except (KeyError, IndexError, ValueError) as exc:
                raise TemplateError(f"{self.source}:{d.line_no}: unknown field {exc}") from exc

        bold, big = "bold" in d.modifiers, "big" in d.modifiers
        if d.name == "pair":
            left, _, right = d.argument.partition("|")
            return [TextLine(fill(left.strip()), fill(right.strip()), bold=bold, big=big)]
        if d.name in ("left", "center", "right"):
            return [TextLine(fill(d.argument), align=d.name, bold=bold, big=big)]
        if d.name == "rule":
            return [Rule()]
        if d.name == "blank":
            return [TextLine("")]
        if d.name == "items":
            return [
                TextLine(line.description + (f" x{line.quantity}" if line.quantity != 1 else ""),
                         receipt.money(line.amount))
                for line in receipt.lines
            ]
        if d.name == "vouchers":
            return [TextLine(v.label, v.result) for v in receipt.vouchers]
        if d.name == "programmes":
            return [TextLine(p.label, p.value) for p in receipt.programmes]
        if d.name == "qr":
            payload = fill(d.argument)
            return [QrCode(payload)] if payload else []
        return [Cut()]  # "cut": _parse admits nothing else

    def check(self, receipt: Receipt) -> None:
        """Raise TemplateError if rendering ``receipt`` would fail (unknown fields, …)."""
        self.render(receipt)


def receipt_values(receipt: Receipt) -> dict[str, Any]:
    """The raw values a template can test with ``if`` and show with ``{field}``."""
    subtotal = sum(line.amount for line in receipt.lines)
    values: dict[str, Any] = {
        "store_name": receipt.store_name,
        "store_address": receipt.store_address,
        "time": receipt.time,
        "receipt_no": receipt.receipt_no,
        "cashier": receipt.cashier,
        "member": receipt.member,
        "member_name": receipt.member_name,
        "subtotal": subtotal,
        "discount": receipt.discount,
        "total": receipt.total,
        "paid": receipt.paid,
        "points_earned": receipt.points_earned,
        "points_redeemed": receipt.points_redeemed,
        "points_balance": receipt.points_balance,
        "points_expiring": receipt.points_expiring,
        "points_expiring_on": receipt.points_expiring_on,
        "stored_value_used": receipt.stored_value_used,
        "stored_value_left": receipt.stored_value_left,
        "qr_payload": receipt.qr_payload,
        "footer": receipt.footer,
        "items": receipt.lines,
        "vouchers": receipt.vouchers,
        "programmes": receipt.programmes,
    }
    values.update(receipt.extra)
    return values


MONEY_FIELDS = {"subtotal", "discount", "total", "paid", "stored_value_used", "stored_value_left"}
BALANCE_FIELDS = {"points_balance", "stored_value_left"}
POINT_FIELDS = {"points_earned", "points_redeemed", "points_balance", "points_expiring"}


def _format_value(key: str, value: Any, receipt: Receipt) -> str:
    if value is None:
        return ""
    if key in MONEY_FIELDS:
        return receipt.money(value)
    if key in POINT_FIELDS:
        return format_points(value)
    if key == "time":
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _truthy(values: dict[str, Any], key: str, source: str, line_no: int) -> bool:
    if key not in values:
        raise TemplateError(f"{source}:{line_no}: unknown field {key!r} in 'if'")
    value = values[key]
    if key in BALANCE_FIELDS:  # a balance of 0 is worth printing; None means "not known"
        return value is not None
    return value is not None and value != "" and value != 0 and value != ()

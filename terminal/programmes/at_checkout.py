"""The pulled programme document at the checkout.

The sync layer keeps the server's document in the store's meta under ``PULLED_META_KEY``.
Every programme type applies: the checkout derives the member's state from the member's
events (:func:`terminal.programmes.member_state.member_state`), so once-only rewards, tier
reviews, missions and plans see the history they need.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from terminal.programmes.document import Document, parse_document
from terminal.programmes.fields import ProgrammeError
from terminal.programmes.model import Line

PULLED_META_KEY = "sync.programme"  # = sync.client.localdb.PROGRAMME (checked by a test)


@dataclass(frozen=True, slots=True)
class Pulled:
    """The pulled document, or why it could not be used."""

    document: Document | None
    error: str = ""


class PulledProgrammes:
    """Parses the pulled document once per version of its text (parsing costs ~0.3 ms)."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._pulled = Pulled(None)

    def get(self, text: str | None) -> Pulled:
        if text != self._text:
            self._text, self._pulled = text, _parse(text)
        return self._pulled


def _parse(text: str | None) -> Pulled:
    if not text:
        return Pulled(None)
    try:
        data = json.loads(text)
        if data is None:
            return Pulled(None)
        return Pulled(parse_document(data))
    except (ValueError, ProgrammeError) as error:
        return Pulled(None, f"programme document not used: {error}")


def lines_after_discount(lines: Sequence[Line], due: int) -> tuple[Line, ...]:
    """The sale's lines with their amounts scaled to ``due`` (the sale after the points
    discount), exactly: floors, then the remainder to the largest line."""
    if not lines:
        return ()
    total = sum(line.amount for line in lines)
    if total == due:
        return tuple(lines)
    scaled = [line.amount * due // total if total else 0 for line in lines]
    largest = max(range(len(lines)), key=lambda i: (lines[i].amount, -i))
    scaled[largest] += due - sum(scaled)
    return tuple(Line(line.category, line.quantity, amount)
                 for line, amount in zip(lines, scaled, strict=True))

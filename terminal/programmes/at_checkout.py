"""The pulled programme document at the checkout: which part of it a sale applies, and how.

The sync layer keeps the server's document in the store's meta under ``PULLED_META_KEY``.
The checkout has the member's tier, birthday and balances but not yet the history that
once-only rewards and tier reviews need, so a sale applies the programme types in
``CHECKOUT_TYPES`` (points, cash-back, the tier's multiplier and discount, charity) and keeps
the member's tier as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime

from terminal.programmes.document import Document, parse_document
from terminal.programmes.evaluate import evaluate
from terminal.programmes.fields import ProgrammeError
from terminal.programmes.model import Context, MemberState, Result, Trigger

PULLED_META_KEY = "sync.programme"  # = sync.client.localdb.PROGRAMME (checked by a test)
CHECKOUT_TYPES = frozenset({"points", "cash_back", "tiers", "charity"})


@dataclass(frozen=True, slots=True)
class Pulled:
    """The usable part of a pulled document, or why it could not be used."""

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
        document = parse_document(data)
    except (ValueError, ProgrammeError) as error:
        return Pulled(None, f"programme document not used: {error}")
    kept = tuple(p for p in document.programmes if p.type in CHECKOUT_TYPES)
    return Pulled(replace(document, programmes=kept,
                          ordered=tuple(p for p in document.ordered
                                        if p.type in CHECKOUT_TYPES)))


def evaluate_sale(document: Document, member_id: str, tier: str, birthday: date | None,
                  amount: int, now: datetime) -> Result:
    """What the document gives for a sale of ``amount`` (after the points discount)."""
    state = MemberState(member_id, tier=tier, birthday=birthday, review_tier=False)
    return evaluate(document, Context(Trigger.SALE, amount), state, now)

"""Why each posting of an event happened: the programme and rule from the event's body.

The receipt and the member's history show these lines. A void keeps the voided body, so its
lines are the original ones with the amounts reversed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from terminal.ledger import Event, EventKind, ShopAccount, member_account


@dataclass(frozen=True, slots=True)
class Explained:
    programme_id: str
    programme: str  # its name when the event recorded one, else the id
    rule: str
    what: str  # the asset ("points", "cash_back" …), "donation", or "discount"
    amount: int  # to the member (or to the charity); negative when taken back

    def text(self) -> str:
        return f"{self.programme} · {self.rule}: {self.value()}"

    def value(self, grouped: bool = False) -> str:
        """``+25 points``; a discount is money off the sale: ``-50 off`` (a void's ``--50``
        reads ``+50 off``: given back)."""
        amount = f"{abs(self.amount):,}" if grouped else str(abs(self.amount))
        if self.what == "discount":
            return f"{'-' if self.amount > 0 else '+'}{amount} off"
        return f"{'-' if self.amount < 0 else '+'}{amount} {self.what}"


def explain(event: Event, member_id: str | None = None) -> list[Explained]:
    """The attributed postings of ``event`` on ``member_id``'s account (every member's when
    None) and on the charity account, plus the programme discounts, in posting order."""
    body: Mapping[str, object] = event.body
    sign = 1
    if event.kind is EventKind.VOID and isinstance(body.get("voided"), Mapping):
        body, sign = body["voided"], -1  # type: ignore[assignment]
    names = body.get("programme_names")
    named: Mapping[str, object] = names if isinstance(names, Mapping) else {}
    account = None if member_id is None else member_account(member_id)
    out: list[Explained] = []
    rows = body.get("attribution")
    for row in rows if isinstance(rows, list) else ():
        index, programme_id, rule = row
        if not isinstance(index, int) or not 0 <= index < len(event.postings):
            continue
        posting = event.postings[index]
        charity = posting.account == ShopAccount.CHARITY
        mine = (posting.account.startswith("member:") if account is None
                else posting.account == account)
        if not (mine or charity):
            continue
        what = posting.asset.value
        if charity and posting.asset.value != "donation":
            what += " donated"
        out.append(Explained(str(programme_id), str(named.get(programme_id, programme_id)),
                             str(rule), what, posting.amount * sign))
    discounts = body.get("programme_discounts")
    for programme_id, rule, amount in discounts if isinstance(discounts, list) else ():
        out.append(Explained(str(programme_id), str(named.get(programme_id, programme_id)),
                             str(rule), "discount", int(amount) * sign))
    return out

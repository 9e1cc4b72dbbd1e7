"""Helpers for programme tests: small documents, a fixed time, totals per member and asset."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from terminal.ledger import Asset, member_account
from terminal.programmes import Context, Document, MemberState, Result, Trigger, parse_document

# 10:00 in Taipei on 2026-06-15 (a Monday)
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    """Noon in Taipei on ``day``."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def programme(pid: str, type_: str, params: dict[str, Any] | None = None,
              **common: Any) -> dict[str, Any]:
    return {"id": pid, "type": type_, "name": pid, "params": params or {}, **common}


def doc(*programmes: dict[str, Any], **settings: Any) -> Document:
    return parse_document({"version": 1, "programmes": list(programmes), **settings})


def sale(amount: int, *lines: Any) -> Context:
    return Context(Trigger.SALE, amount, tuple(lines))


def total(result: Result, asset: Asset, member: str = "m1") -> int:
    return sum(p.amount for p in result.postings
               if p.asset is asset and p.account == member_account(member))


def rules_of(result: Result) -> list[tuple[str, str]]:
    """(programme, rule) in posting order, once per balanced pair."""
    return [(a.programme_id, a.rule) for a in result.attributions[::2]]


def per_asset(result: Result) -> dict[Asset, int]:
    sums: dict[Asset, int] = defaultdict(int)
    for posting in result.postings:
        sums[posting.asset] += posting.amount
    return dict(sums)


MEMBER = MemberState("m1")

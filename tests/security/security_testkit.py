"""Shared helpers for the voucher and member-code tests (imported as ``security_testkit``).

Keys are made once per test session: Ed25519 key generation is cheap, but Hypothesis tests
must not depend on function-scoped fixtures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from terminal.ids import uuid7
from terminal.vouchers import (
    Voucher,
    VoucherFields,
    VoucherKind,
    issue_voucher,
    new_signing_key,
    verify_voucher,
)

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
STORE = "3f2a0c1e-5b7d-4e8f-9a01-23456789abcd"
OTHER_STORE = "9c8b7a6d-0000-4000-8000-000000000002"
MEMBER = str(uuid7(1_760_000_000_000))
OTHER_MEMBER = str(uuid7(1_760_000_000_001))

KEY_ID = 1
PRIVATE, PUBLIC = new_signing_key()
NEXT_KEY_ID = 2
NEXT_PRIVATE, NEXT_PUBLIC = new_signing_key()
PUBLIC_KEYS: Mapping[int, bytes] = {KEY_ID: PUBLIC, NEXT_KEY_ID: NEXT_PUBLIC}


def fields(**changes: object) -> VoucherFields:
    """NT$100 off, valid a week around NOW, any store, anyone; ``changes`` override."""
    base = VoucherFields(
        kind=VoucherKind.AMOUNT_OFF,
        value=100,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=6),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def issue(**changes: object) -> str:
    return issue_voucher(PRIVATE, KEY_ID, fields(**changes))


def verify(text: str, *, now: datetime = NOW, store_id: str = STORE,
           member_id: str | None = MEMBER, revoked: frozenset[str] = frozenset(),
           used: frozenset[str] = frozenset(),
           public_keys: Mapping[int, bytes] = PUBLIC_KEYS) -> Voucher:
    return verify_voucher(text, public_keys, now=now, store_id=store_id, member_id=member_id,
                          revoked=revoked, used=used)

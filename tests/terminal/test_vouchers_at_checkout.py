"""Redeeming signed e-vouchers at the till over a real store, with keys as the sync layer
stores them (meta ``sync.public_keys``) and the server's voucher status table."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from terminal_testkit import Shop

from terminal.errors import InvalidAmount, UnknownCode
from terminal.ledger import Asset, EventKind, ShopAccount, unbalanced_assets
from terminal.money import Money
from terminal.store.verify import verify_store
from terminal.vouchers import (
    RefusalReason,
    VoucherFields,
    VoucherKind,
    VoucherRefused,
    issue_voucher,
    new_signing_key,
)

KEY_ID = 3


@pytest.fixture
def signing_key(shop: Shop) -> bytes:
    private, public = new_signing_key()
    with shop.local.store.session(write=True) as s:
        s.set_meta("sync.public_keys", json.dumps({str(KEY_ID): public.hex()}))
    return private


def voucher(shop: Shop, key: bytes, kind: VoucherKind = VoucherKind.AMOUNT_OFF,
            value: int = 100, **extra: object) -> tuple[str, str]:
    now = shop.clock()
    fields = VoucherFields(kind=kind, value=value, not_before=now - timedelta(days=1),
                           not_after=now + timedelta(days=30), **extra)  # type: ignore[arg-type]
    return fields.id, issue_voucher(key, KEY_ID, fields)


def member(shop: Shop) -> str:
    view = shop.service.enrol(shop.cashier, name="王小明").member
    assert view is not None
    return view.member.id


def test_amount_off_voucher_is_redeemed_once(shop: Shop, signing_key: bytes) -> None:
    voucher_id, text = voucher(shop, signing_key, value=150)
    plan = shop.service.plan_voucher(None, text, Money(100))
    assert plan.discount == 100 and plan.uses_left_after == 0  # never more than the sale
    result = shop.service.redeem_voucher(shop.cashier, None, text, Money(400))
    event = result.event
    assert event.kind is EventKind.VOUCHER_REDEEM and event.body["voucher_id"] == voucher_id
    assert event.body["discount"] == 150 and event.body["face_value"] == 150
    assert unbalanced_assets(event.postings) == {}
    with shop.local.store.session() as s:
        assert s.account_balance(ShopAccount.VOUCHERS_HONOURED, Asset.STORED_VALUE) == 150
    with pytest.raises(VoucherRefused) as info:
        shop.service.redeem_voucher(shop.cashier, None, text, Money(400))
    assert info.value.reason is RefusalReason.ALREADY_USED
    assert verify_store(shop.local.store).ok


def test_percent_off_needs_the_amount_and_rounds_down(shop: Shop, signing_key: bytes) -> None:
    _, text = voucher(shop, signing_key, VoucherKind.PERCENT_OFF, 15)
    with pytest.raises(InvalidAmount):
        shop.service.plan_voucher(None, text)
    assert shop.service.plan_voucher(None, text, Money(999)).discount == 149


def test_multi_use_voucher_counts_down(shop: Shop, signing_key: bytes) -> None:
    _, text = voucher(shop, signing_key, VoucherKind.MULTI_USE, 7, uses=3)
    lefts = []
    for _ in range(3):
        lefts.append(shop.service.plan_voucher(None, text).uses_left_after)
        result = shop.service.redeem_voucher(shop.cashier, None, text)
        assert result.event.postings == ()  # a product: the POS rings it up, no money moves
    assert lefts == [2, 1, 0]
    with pytest.raises(VoucherRefused, match="already been used"):
        shop.service.redeem_voucher(shop.cashier, None, text)


def test_member_bound_voucher(shop: Shop, signing_key: bytes) -> None:
    owner, other = member(shop), shop.service.enrol(shop.cashier, name="林美玲").member
    assert other is not None
    _, text = voucher(shop, signing_key, member_id=owner)
    for who in (None, other.member.id):
        with pytest.raises(VoucherRefused) as info:
            shop.service.redeem_voucher(shop.cashier, who, text)
        assert info.value.reason is RefusalReason.WRONG_MEMBER
    result = shop.service.redeem_voucher(shop.cashier, owner, text)
    assert result.member is not None and result.event.body["member_id"] == owner


def test_revoked_by_the_server_and_redeemed_elsewhere(shop: Shop, signing_key: bytes) -> None:
    revoked_id, revoked_text = voucher(shop, signing_key)
    used_id, used_text = voucher(shop, signing_key)
    with sqlite3.connect(shop.local.path) as conn:  # as a pull from the server writes them
        conn.execute("INSERT INTO voucher_status VALUES (?, 'revoked', 100)", (revoked_id,))
        conn.execute("INSERT INTO voucher_status VALUES (?, 'redeemed', 100)", (used_id,))
    reasons = []
    for text in (revoked_text, used_text):
        with pytest.raises(VoucherRefused) as info:
            shop.service.redeem_voucher(shop.cashier, None, text)
        reasons.append(info.value.reason)
    assert reasons == [RefusalReason.REVOKED, RefusalReason.ALREADY_USED]


def test_forged_expired_and_unknown_key_are_refused_and_nothing_is_written(
        shop: Shop, signing_key: bytes) -> None:
    _, text = voucher(shop, signing_key)
    tampered = text[:-3] + ("AAA" if not text.endswith("AAA") else "BBB")
    other_key, _ = new_signing_key()
    _, foreign = voucher(shop, other_key)  # same key id, another (untrusted) key
    with shop.local.store.session() as s:
        head = s.journal_head()
    for bad in (tampered, foreign):
        with pytest.raises(VoucherRefused) as info:
            shop.service.redeem_voucher(shop.cashier, None, bad)
        assert info.value.reason is RefusalReason.FORGED
    shop.clock.advance(days=31)
    with pytest.raises(VoucherRefused) as info:
        shop.service.redeem_voucher(shop.cashier, None, text)
    assert info.value.reason is RefusalReason.EXPIRED
    with pytest.raises(UnknownCode):
        shop.service.redeem_voucher(shop.cashier, None, "880000000013")
    with shop.local.store.session() as s:
        assert s.journal_head() == head


def test_no_keys_pulled_yet_means_no_voucher_is_trusted(shop: Shop) -> None:
    private, _ = new_signing_key()
    _, text = voucher(shop, private)
    with pytest.raises(VoucherRefused) as info:
        shop.service.plan_voucher(None, text, Money(100))
    assert info.value.reason is RefusalReason.FORGED

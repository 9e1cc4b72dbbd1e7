"""Refusals in the cashier's language: the detail, not only the headline, is translated.

Each refusal below is raised by the real checkout service over a copy of the demo shop (or by
the core's pure checks where the service cannot reach them yet) and shown through
``ui.errors.error_text`` as the screens show it. In Traditional Chinese no English sentence
may remain; in English the catalogue's template is used too (not the fallback).
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from ui_testkit import (
    ADMIN_TOKEN,
    CASHIER,
    MANAGER,
    DemoShop,
    MakeTerminal,
    SyncServer,
    scan,
    sign_in,
)

from sync.client import localdb
from sync.client.credentials import Credentials, load_credentials, save_credentials
from sync.client.guard import SyncGuard
from sync.client.round import run_round
from sync.client.transport import SyncRefused, Transport
from terminal.checkout import CheckoutService
from terminal.config import load_config
from terminal.errors import InsufficientBalance, InvalidAmount, LoyaltyError, UnknownCode
from terminal.limits import OfflineLimits, OfflineUsage, check_offline_debit, check_offline_voucher
from terminal.member_codes import make_member_code, parse_member_code, verify_member_code
from terminal.member_pins import StoredValuePin
from terminal.members import IdentifiedBy, card_number_for_serial
from terminal.money import USD, Money
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.programmes.from_rules import document_from_rules
from terminal.staff import Role, Staff
from terminal.store.local import LocalStore, open_local_store
from terminal.vouchers import (
    VoucherFields,
    VoucherKind,
    issue_voucher,
    new_signing_key,
    uses_left,
)
from ui.errors import catalogue, detail, error_text, headline
from ui.i18n import I18N_DIR, build_qm, install_translator, qm_path

# Two English words in a row ("is locked", "cannot be") is an English sentence; lone tokens
# such as NT$, PIN, TWD, a card number or an event id are not.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}[\s,;:'’]+[A-Za-z]{2,}\b")
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens


@dataclass
class Shop:
    """The real service over a copy of the demo shop, with its two users signed in."""

    data_dir: Path
    local: LocalStore
    service: CheckoutService
    cashier: Staff
    manager: Staff
    cards: list[str]

    def member(self, index: int = 0) -> str:
        return self.service.identify(self.cards[index]).member.id

    def offline_service(self, last_sync: datetime | None) -> CheckoutService:
        """The service as the app builds it, registered to a server it cannot reach."""
        save_credentials(self.data_dir, Credentials(DEAD_URL, self.local.terminal_id,
                                                    "store-1", "Test store", "token"))
        if last_sync is not None:
            with self.local.store.session(write=True) as session:
                localdb.mark_success(session, last_sync)
        return CheckoutService(self.local.store, terminal_id=self.local.terminal_id,
                               rules=self.service.rules,
                               stored_value_guard=SyncGuard(self.data_dir, timeout=0.5))


@pytest.fixture
def shop(shop_dir: Path, demo_shop: DemoShop) -> Iterator[Shop]:
    local = open_local_store(shop_dir, create=False)
    config = load_config(shop_dir)
    service = CheckoutService(local.store, terminal_id=local.terminal_id, rules=config.rules,
                              timezone=config.timezone)
    try:
        yield Shop(shop_dir, local, service, service.login(*CASHIER),
                   service.login(*MANAGER, needed=Role.MANAGER), demo_shop.cards)
    finally:
        local.close()


@pytest.fixture
def chinese(qapp: QApplication, tmp_path: Path) -> Iterator[QTranslator]:
    ts = shutil.copy(I18N_DIR / "loyalty_zh_TW.ts", tmp_path / "loyalty_zh_TW.ts")
    assert build_qm(ts, qm_path("zh_TW", tmp_path))  # this test's own .qm, from the .ts
    translator = install_translator(qapp, "zh_TW", tmp_path)
    assert translator is not None
    yield translator
    qapp.removeTranslator(translator)


def refusal(action: Callable[[], object]) -> LoyaltyError:
    with pytest.raises(LoyaltyError) as caught:
        action()
    return caught.value


def fresh_member(shop: Shop, stored_value: int = 0) -> str:
    member = shop.service.enrol(shop.cashier, name="測試會員").event.body["member_id"]
    assert isinstance(member, str)
    if stored_value:
        shop.service.top_up(shop.manager, member, Money(stored_value))
    return member


def points_short(shop: Shop) -> LoyaltyError:
    member = shop.member()
    step = shop.service.rules.points_step
    points = (shop.service.member_view(member).points // step + 1) * step
    return refusal(lambda: shop.service.plan_sale(member, Money(100_000), redeem_points=points))


def stored_value_spent(shop: Shop) -> LoyaltyError:
    member = fresh_member(shop)
    top_up = shop.service.top_up(shop.manager, member, Money(100)).event.id
    shop.service.sale(shop.cashier, member, Money(100), stored_value=Money(100),
                      identified_by=IdentifiedBy.PHONE_CODE)
    return refusal(lambda: shop.service.void(shop.manager, top_up))


def voided_twice(shop: Shop) -> LoyaltyError:
    member = fresh_member(shop)
    top_up = shop.service.top_up(shop.manager, member, Money(100)).event.id
    shop.service.void(shop.manager, top_up)
    return refusal(lambda: shop.service.void(shop.manager, top_up))


def locked(shop: Shop, again: bool) -> LoyaltyError:
    for _ in range(4):
        refusal(lambda: shop.service.login(CASHIER[0], "0000"))
    error = refusal(lambda: shop.service.login(CASHIER[0], "0000"))  # the fifth: now locked
    return refusal(lambda: shop.service.login(*CASHIER)) if again else error


def offline_sale(shop: Shop, last_sync: datetime | None, amount: int) -> LoyaltyError:
    member = fresh_member(shop, stored_value=2_000)
    service = shop.offline_service(last_sync)
    return refusal(lambda: service.sale(shop.cashier, member, Money(amount),
                                        stored_value=Money(amount),
                                        identified_by=IdentifiedBy.PHONE_CODE))


def voucher(shop: Shop, kind: VoucherKind = VoucherKind.AMOUNT_OFF, *, days: tuple[int, int]
            = (-1, 30), member_id: str | None = None, store_id: str | None = None) -> str:
    """A voucher signed by a key this till has pulled (as the sync layer stores it)."""
    private, public = new_signing_key()
    with shop.local.store.session(write=True) as session:
        session.set_meta("sync.public_keys", json.dumps({"7": public.hex()}))
    now = datetime.now(UTC)
    return issue_voucher(private, 7, VoucherFields(
        kind=kind, value=10 if kind is VoucherKind.PERCENT_OFF else 100,
        not_before=now + timedelta(days=days[0]), not_after=now + timedelta(days=days[1]),
        member_id=member_id, store_id=store_id))


def voucher_refusal(shop: Shop, member: str | None = None, **fields: Any) -> LoyaltyError:
    text = voucher(shop, **fields)
    return refusal(lambda: shop.service.plan_voucher(member, text, Money(500)))


def revoked_voucher(shop: Shop) -> LoyaltyError:
    text = voucher(shop)
    voucher_id = shop.service.plan_voucher(None, text, Money(500)).voucher.id
    with shop.local.store.session(write=True) as session:
        localdb.apply_voucher(session, {"id": voucher_id, "status": "revoked"})
    return refusal(lambda: shop.service.plan_voucher(None, text, Money(500)))


def used_voucher(shop: Shop) -> LoyaltyError:
    text = voucher(shop)
    shop.service.redeem_voucher(shop.cashier, None, text, Money(500))
    return refusal(lambda: shop.service.plan_voucher(None, text, Money(500)))


def points_used(shop: Shop) -> LoyaltyError:
    member = fresh_member(shop)  # 100 welcome points, in today's lot
    first = shop.service.sale(shop.cashier, member, Money(1_000)).event.id
    points = shop.service.member_view(member).points // 5 * 5
    shop.service.sale(shop.cashier, member, Money(1_000), redeem_points=points)
    return refusal(lambda: shop.service.void(shop.manager, first))


def stamps_exchanged(shop: Shop) -> LoyaltyError:
    member = fresh_member(shop)
    size = shop.service.rules.stamp_card_size
    stamped = shop.service.add_stamps(shop.cashier, member, size).event.id
    shop.service.redeem_stamp_card(shop.cashier, member)
    return refusal(lambda: shop.service.void(shop.manager, stamped))


def several_cashiers(shop: Shop) -> LoyaltyError:
    shop.service.add_staff(shop.manager, "王小華", Role.CASHIER, "2222")
    return refusal(lambda: shop.service.login(None, "1111"))


def first_user(shop: Shop) -> LoyaltyError:
    empty = open_local_store(shop.data_dir / "empty")
    try:
        service = CheckoutService(empty.store, terminal_id=empty.terminal_id)
        return refusal(lambda: service.add_staff(None, "新店", Role.CASHIER, "1111"))
    finally:
        empty.close()


def member_code(shop: Shop, replay: bool) -> LoyaltyError:
    secret, now = b"k" * 32, datetime.now(UTC)
    code = parse_member_code(make_member_code(shop.member(), secret, now))
    if replay:
        window = verify_member_code(code, secret, now, set())
        return refusal(lambda: verify_member_code(code, secret, now, {window}))
    return refusal(lambda: verify_member_code(code, secret, now + timedelta(minutes=5), set()))


def pin_refusal(shop: Shop, *, always: bool = False, pin: str | None = None,
                given: str | None = None, tries: int = 1) -> LoyaltyError:
    """A stored-value payment by card refused for the member's PIN (the last of ``tries``)."""
    member = fresh_member(shop, stored_value=500)
    if pin is not None:
        shop.service.set_member_pin(shop.cashier, member, pin)
    service = shop.service
    if always:
        service = CheckoutService(shop.local.store, terminal_id=shop.local.terminal_id,
                                  rules=replace(shop.service.rules,
                                                stored_value_pin=StoredValuePin.ALWAYS))
    for _ in range(tries - 1):
        refusal(lambda: service.sale(shop.cashier, member, Money(100),
                                     stored_value=Money(100), member_pin=given,
                                     identified_by=IdentifiedBy.CARD))
    return refusal(lambda: service.sale(shop.cashier, member, Money(100),
                                        stored_value=Money(100), member_pin=given,
                                        identified_by=IdentifiedBy.CARD))


def code_without_secret(shop: Shop) -> LoyaltyError:
    member = shop.member()
    with shop.local.store.session(write=True) as session:
        session.conn.execute(text("UPDATE members SET code_secret = NULL WHERE id = :id"),
                             {"id": member})
    code = make_member_code(member, b"k" * 32, datetime.now(UTC))
    return refusal(lambda: shop.service.identify(code))


def pull(shop: Shop, *programmes: dict[str, Any]) -> None:
    """A programme document as the sync layer stores it: the demo rules plus ``programmes``."""
    document = document_from_rules(shop.service.rules)
    document["programmes"] += list(programmes)
    with shop.local.store.session(write=True) as session:
        session.set_meta(PULLED_META_KEY, json.dumps(document))


CHECK_IN = {"id": "daily", "type": "check_in", "name": "每日簽到",
            "params": {"reward": {"points": 5}}}
CASH_BACK = {"id": "cb", "type": "cash_back", "name": "回饋金", "params": {"basis_points": 500}}


def checked_in_twice(shop: Shop) -> LoyaltyError:
    pull(shop, CHECK_IN)
    shop.service.check_in(shop.cashier, shop.member())
    return refusal(lambda: shop.service.check_in(shop.cashier, shop.member()))


def plan_not_on_sale(shop: Shop) -> LoyaltyError:
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    pull(shop, {"id": "plus", "type": "membership", "name": "Plus", "valid_from": later,
                "params": {"fee": 1200, "days": 365}})
    return refusal(lambda: shop.service.buy_plan(shop.cashier, shop.member(), "plus"))


def cash_back_refusal(shop: Shop, over_due: bool) -> LoyaltyError:
    """A member with NT$50 of cash-back (5 % of a NT$1,000 sale) spends more than allowed."""
    pull(shop, CASH_BACK)
    member = fresh_member(shop)
    shop.service.sale(shop.cashier, member, Money(1_000))
    if over_due:
        return refusal(lambda: shop.service.plan_sale(member, Money(40), cash_back=Money(50)))
    return refusal(lambda: shop.service.plan_sale(member, Money(500), cash_back=Money(51)))


def cash_back_spent(shop: Shop) -> LoyaltyError:
    """The sale that gave the cash-back cannot be voided once it is spent."""
    pull(shop, CASH_BACK)
    member = fresh_member(shop)
    first = shop.service.sale(shop.cashier, member, Money(1_000)).event.id
    shop.service.sale(shop.cashier, member, Money(100), cash_back=Money(50))
    return refusal(lambda: shop.service.void(shop.manager, first))


def member_pin_change(shop: Shop) -> LoyaltyError:
    """A cashier changes a member's PIN without the old one."""
    member = fresh_member(shop)
    shop.service.set_member_pin(shop.cashier, member, "2468")
    return refusal(lambda: shop.service.set_member_pin(shop.cashier, member, "1357"))


def start_server(shop: Shop) -> SyncServer:
    workdir = shop.data_dir.parent / "server"
    workdir.mkdir(exist_ok=True)
    return SyncServer(workdir).start()


def server_short(shop: Shop) -> LoyaltyError:
    """The real server holds part of a member's stored value for another till's debit: this
    till's online debit of the whole balance is refused by the server."""
    server = start_server(shop)
    try:
        member = fresh_member(shop, stored_value=500)
        server.register(shop.data_dir, shop.local.terminal_id)
        creds = load_credentials(shop.data_dir)
        assert creds is not None
        with Transport(creds.server_url, creds.token, timeout=30) as transport:
            assert not run_round(shop.local.store, creds, transport).problems
            transport.authorise(member, 400, str(uuid.uuid4()))  # another till's hold
        service = CheckoutService(shop.local.store, terminal_id=shop.local.terminal_id,
                                  rules=shop.service.rules,
                                  stored_value_guard=SyncGuard(shop.data_dir, timeout=5))
        return refusal(lambda: service.sale(shop.cashier, member, Money(500),
                                            stored_value=Money(500),
                                            identified_by=IdentifiedBy.PHONE_CODE))
    finally:
        server.stop()


def server_cash_back_short(shop: Shop) -> LoyaltyError:
    """The real server holds part of a member's cash-back for another till's sale: this
    till's online spend of the whole NT$50 is refused by the server."""
    server = start_server(shop)
    try:
        pull(shop, CASH_BACK)
        member = fresh_member(shop)
        shop.service.sale(shop.cashier, member, Money(1_000))  # NT$50 of cash-back
        server.register(shop.data_dir, shop.local.terminal_id)
        creds = load_credentials(shop.data_dir)
        assert creds is not None
        with Transport(creds.server_url, creds.token, timeout=30) as transport:
            assert not run_round(shop.local.store, creds, transport).problems
            transport.authorise(member, 40, str(uuid.uuid4()), "cash_back")  # another till's
        service = CheckoutService(shop.local.store, terminal_id=shop.local.terminal_id,
                                  rules=shop.service.rules,
                                  stored_value_guard=SyncGuard(shop.data_dir, timeout=5))
        return refusal(lambda: service.sale(shop.cashier, member, Money(500),
                                            cash_back=Money(50)))
    finally:
        server.stop()


def sync_refused(shop: Shop, reason: str) -> LoyaltyError:
    """A sync request the real server refuses: a wrong token, or a cursor it never gave."""
    server = start_server(shop)
    try:
        server.register(shop.data_dir, shop.local.terminal_id)
        creds = load_credentials(shop.data_dir)
        assert creds is not None
        token = "not-the-token" if reason == "bad_credential" else creds.token
        if reason == "credential_revoked":  # the manager revoked the terminal
            httpx.post(f"{server.url}/v1/admin/terminals/{creds.terminal_id}/revoke",
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                       timeout=30).raise_for_status()
        with Transport(creds.server_url, token, timeout=30) as transport:
            return refusal(lambda: transport.pull("not-a-cursor"))
    finally:
        server.stop()


def offline_limit(**kwargs: object) -> LoyaltyError:
    now = datetime.now(UTC)
    arguments: dict[str, object] = {"amount": 500, "now": now, "last_sync": now,
                                    "hotlisted": False, "usage": OfflineUsage()}
    arguments.update(kwargs)
    return refusal(lambda: check_offline_debit(OfflineLimits(), **arguments))  # type: ignore[arg-type]


SCENARIOS: dict[str, Callable[[Shop], LoyaltyError]] = {
    # through the checkout service
    "invalid_amount/zero": lambda s: refusal(
        lambda: s.service.sale(s.cashier, s.member(), Money(0))),
    "amount_too_large/over_limit": lambda s: refusal(
        lambda: s.service.top_up(s.manager, s.member(),
                                 Money(s.service.rules.max_top_up_amount + 1))),
    "invalid_amount/points_over_sale": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(10), redeem_points=100)),
    "invalid_amount/points_step": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(1_000), redeem_points=3)),
    "invalid_amount/stored_value_over_due": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(100), stored_value=Money(200))),
    "insufficient_balance/points": points_short,
    "insufficient_balance/stored_value": lambda s: refusal(
        lambda: s.service.plan_sale(fresh_member(s, 300), Money(1_000),
                                    stored_value=Money(301))),
    "invalid_amount/transfer_min": lambda s: refusal(
        lambda: s.service.transfer_points(s.manager, s.member(0), s.member(1), 0)),
    "amount_too_large/transfer_max": lambda s: refusal(
        lambda: s.service.transfer_points(s.manager, s.member(0), s.member(1),
                                          s.service.rules.max_points_transfer + 1)),
    "invalid_input/transfer_self": lambda s: refusal(
        lambda: s.service.transfer_points(s.manager, s.member(), s.member(), 10)),
    "invalid_amount/stamps_range": lambda s: refusal(
        lambda: s.service.add_stamps(s.cashier, s.member(), 0)),
    "insufficient_balance/stamps": lambda s: refusal(
        lambda: s.service.redeem_stamp_card(s.cashier, fresh_member(s))),
    "unknown_member/no_id": lambda s: refusal(
        lambda: s.service.member_view(str(uuid.uuid4()))),
    "unknown_code/wrong_length": lambda s: refusal(lambda: s.service.identify("12345678")),
    "unknown_code/bad_check_digit": lambda s: refusal(
        lambda: s.service.identify("880000000019")),
    "unknown_code/unrecognised": lambda s: refusal(lambda: s.service.identify("hello world")),
    "unknown_code/empty": lambda s: refusal(lambda: s.service.identify("   ")),
    "unknown_code/not_a_voucher": lambda s: refusal(
        lambda: s.service.plan_voucher(s.member(), s.cards[0])),
    "voucher_refused/forged": lambda s: refusal(
        lambda: s.service.plan_voucher(s.member(), "LV1:0000000000")),
    "invalid_input/phone": lambda s: refusal(
        lambda: s.service.enrol(s.cashier, name="王小明", phone="09-abc")),
    "invalid_input/name_missing": lambda s: refusal(
        lambda: s.service.enrol(s.cashier, name="  ")),
    "unknown_event": lambda s: refusal(
        lambda: s.service.void(s.manager, str(uuid.uuid4()))),
    "not_voidable/kind": lambda s: refusal(lambda: s.service.void(
        s.manager, s.service.enrol(s.cashier, name="入會").event.id)),
    "not_voidable/already_voided": voided_twice,
    "not_voidable/stored_value_spent": stored_value_spent,
    "wrong_pin": lambda s: refusal(lambda: s.service.login(CASHIER[0], "0000")),
    "user_locked/now_locked": lambda s: locked(s, again=False),
    "user_locked/locked": lambda s: locked(s, again=True),
    "permission_denied": lambda s: refusal(
        lambda: s.service.top_up(s.cashier, s.member(), Money(100))),
    "permission_denied/member_pin_change": member_pin_change,
    "unknown_user/no_such_user": lambda s: refusal(lambda: s.service.login("路人", "1111")),
    "invalid_input/pin_format": lambda s: refusal(
        lambda: s.service.add_staff(s.manager, "新同事", Role.CASHIER, "12")),
    "invalid_input/staff_exists": lambda s: refusal(
        lambda: s.service.add_staff(s.manager, CASHIER[0], Role.CASHIER, "2222")),
    "offline_refused/never_synced": lambda s: offline_sale(s, None, 100),
    "offline_refused/per_transaction": lambda s: offline_sale(s, datetime.now(UTC), 1_001),
    "offline_refused/stale": lambda s: offline_sale(
        s, datetime.now(UTC) - timedelta(hours=25), 100),
    # the core's own checks, where the service does not reach them yet
    "offline_refused/hotlisted": lambda s: offline_limit(hotlisted=True),
    "offline_refused/member_debits": lambda s: offline_limit(usage=OfflineUsage(0, 3, 0)),
    "offline_refused/member_total": lambda s: offline_limit(usage=OfflineUsage(1_800, 1, 0)),
    "offline_refused/terminal_total": lambda s: offline_limit(usage=OfflineUsage(0, 0, 19_800)),
    "offline_refused/voucher_face": lambda s: refusal(lambda: check_offline_voucher(
        OfflineLimits(), face_value=501, now=datetime.now(UTC), last_sync=datetime.now(UTC))),
    "member_code_refused/expired": lambda s: member_code(s, replay=False),
    "member_code_refused/replayed": lambda s: member_code(s, replay=True),
    "unknown_code/member_code_damaged": lambda s: refusal(
        lambda: parse_member_code("LM1:ABC")),
    "unknown_code/not_member_code": lambda s: refusal(lambda: parse_member_code("880000")),
    "member_code_refused/forged": lambda s: refusal(lambda: verify_member_code(
        parse_member_code(make_member_code(s.member(), b"a" * 32, datetime.now(UTC))),
        b"b" * 32, datetime.now(UTC), set())),
    "offline_refused/voucher_stale": lambda s: refusal(lambda: check_offline_voucher(
        OfflineLimits(), face_value=100, now=datetime.now(UTC), last_sync=None)),
    # vouchers at the till
    "voucher_refused/expired": lambda s: voucher_refusal(s, days=(-30, -1)),
    "voucher_refused/not_yet_valid": lambda s: voucher_refusal(s, days=(1, 30)),
    "voucher_refused/wrong_store": lambda s: voucher_refusal(s, store_id="another-store"),
    "voucher_refused/wrong_member": lambda s: voucher_refusal(
        s, s.member(0), member_id=s.member(1)),
    "voucher_refused/wrong_member/needs_member": lambda s: voucher_refusal(
        s, None, member_id=s.member(1)),
    "voucher_refused/revoked": revoked_voucher,
    "voucher_refused/already_used": used_voucher,
    "voucher_refused/held_elsewhere": lambda s: refusal(lambda: uses_left(
        s.service.plan_voucher(None, voucher(s), Money(500)).voucher, 1, held_elsewhere=1)),
    "invalid_amount/percent_needs_amount": lambda s: refusal(lambda: s.service.plan_voucher(
        None, voucher(s, VoucherKind.PERCENT_OFF))),
    # more amounts, names, users and voids
    "invalid_amount/negative": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(-5))),
    "invalid_amount/wrong_currency": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(500, USD))),
    "invalid_amount/not_money": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), 500)),  # type: ignore[arg-type]
    "invalid_amount/points_negative": lambda s: refusal(
        lambda: s.service.plan_sale(s.member(), Money(500), redeem_points=-5)),
    "invalid_amount/points_max": lambda s: refusal(lambda: s.service.plan_sale(
        s.member(), Money(500), redeem_points=s.service.rules.max_points_redeem + 5)),
    "invalid_input/name_too_long": lambda s: refusal(
        lambda: s.service.enrol(s.cashier, name="王" * 81)),
    "unknown_code/too_long": lambda s: refusal(lambda: s.service.identify("8" * 5000)),
    "unknown_code/not_text": lambda s: refusal(
        lambda: s.service.identify(None)),  # type: ignore[arg-type]
    "unknown_user/several_roles": several_cashiers,
    "unknown_user/manager_adds_staff": lambda s: refusal(
        lambda: s.service.add_staff(None, "新同事", Role.CASHIER, "2222")),
    "invalid_input/first_user": first_user,
    "not_voidable/points_used": points_used,
    # members: cards, phone codes and member PINs
    "duplicate_member/card": lambda s: refusal(
        lambda: s.service.enrol(s.cashier, name="王小明", card_number=s.cards[0])),
    "duplicate_member/phone": lambda s: refusal(lambda: s.service.enrol(
        s.cashier, name="王小明", phone=s.service.identify(s.cards[0]).member.phone)),
    "unknown_member/no_card": lambda s: refusal(
        lambda: s.service.identify(card_number_for_serial(9_999_999))),
    "unknown_member/e_invoice_carrier": lambda s: refusal(
        lambda: s.service.identify("/AB12345")),
    "unknown_member/no_phone": lambda s: refusal(
        lambda: s.service.find_by_phone("0900-000-001")),
    "unknown_member/voucher_first": lambda s: refusal(
        lambda: s.service.identify(voucher(s))),
    "member_code_refused/unknown_member": lambda s: refusal(lambda: s.service.identify(
        make_member_code(str(uuid.uuid4()), b"k" * 32, datetime.now(UTC)))),
    "member_code_refused/no_secret": code_without_secret,
    "member_pin_required/no_pin/card_only": lambda s: pin_refusal(s),
    "member_pin_required/no_pin/always": lambda s: pin_refusal(s, always=True),
    "member_pin_required/missing/card_only": lambda s: pin_refusal(s, pin="2580"),
    "member_pin_required/missing/always": lambda s: pin_refusal(s, pin="2580", always=True),
    "wrong_pin/member": lambda s: pin_refusal(s, pin="2580", given="0000"),
    "member_pin_locked/now_locked": lambda s: pin_refusal(s, pin="2580", given="0000",
                                                          tries=5),
    "member_pin_locked/locked": lambda s: pin_refusal(s, pin="2580", given="0000", tries=6),
    "not_voidable/stamps_exchanged": stamps_exchanged,
    # programmes: check-in, plans, charity
    "invalid_input/no_programmes": lambda s: refusal(
        lambda: s.service.check_in(s.cashier, s.member())),
    "invalid_input/already_checked_in": checked_in_twice,
    "invalid_input/nothing_for_check_in": lambda s: (pull(s), refusal(
        lambda: s.service.check_in(s.cashier, s.member())))[1],
    "invalid_input/no_plan": lambda s: (pull(s, CHECK_IN), refusal(
        lambda: s.service.buy_plan(s.cashier, s.member(), "gold-club")))[1],
    "invalid_input/plan_not_on_sale": plan_not_on_sale,
    "invalid_input/no_charity": lambda s: (pull(s), refusal(
        lambda: s.service.choose_charity(s.cashier, s.member(), "eden")))[1],
    # cash-back
    "invalid_amount/cash_back_over_due": lambda s: cash_back_refusal(s, over_due=True),
    "insufficient_balance/cash_back": lambda s: cash_back_refusal(s, over_due=False),
    "not_voidable/spent": cash_back_spent,
    "offline_refused/cash_back_hotlisted": lambda s: offline_limit(
        amount=0, cash_back=100, hotlisted=True),
    "offline_refused/cash_back_never_synced": lambda s: offline_limit(
        amount=0, cash_back=100, last_sync=None),
    "offline_refused/cash_back_stale": lambda s: offline_limit(
        amount=0, cash_back=100, last_sync=datetime.now(UTC) - timedelta(hours=25)),
    "offline_refused/cash_back_per_transaction": lambda s: offline_limit(
        amount=600, cash_back=500),
    "offline_refused/cash_back_member_debits": lambda s: offline_limit(
        amount=0, cash_back=100, usage=OfflineUsage(0, 3, 0)),
    "offline_refused/cash_back_member_total": lambda s: offline_limit(
        amount=0, cash_back=300, usage=OfflineUsage(1_800, 1, 0)),
    "offline_refused/cash_back_terminal_total": lambda s: offline_limit(
        amount=0, cash_back=300, usage=OfflineUsage(0, 0, 19_800)),
    # the server and sync
    "insufficient_balance/server": server_short,
    "insufficient_balance/server_cash_back": server_cash_back_short,
    "offline": lambda s: refusal(lambda: Transport(DEAD_URL, timeout=0.5).health()),
    "refused/bad_credential": lambda s: sync_refused(s, "bad_credential"),
    "refused/bad_cursor": lambda s: sync_refused(s, "bad_cursor"),
    "refused/credential_revoked": lambda s: sync_refused(s, "credential_revoked"),
}


def key_of(error: LoyaltyError) -> str:
    parts = [error.code] + [str(error.params[p]) for p in ("reason", "case")
                            if p in error.params]
    if isinstance(error, SyncRefused):
        parts.append(error.reason_code)
    return "/".join(parts)


@pytest.mark.parametrize("expected", sorted(SCENARIOS))
def test_a_refusal_in_traditional_chinese_has_no_english_sentence(
        expected: str, shop: Shop, chinese: QTranslator) -> None:
    error = SCENARIOS[expected](shop)
    assert key_of(error) == expected
    text = error_text(error)
    title, _, body = text.partition("\n")
    assert title == headline(error.code) and title, f"no translated headline for {expected}"
    assert body and body == detail(error), f"{expected} fell back to English: {text!r}"
    assert not ENGLISH.search(text), f"English left in {expected}: {text!r}"
    assert error.message not in text


@pytest.mark.parametrize("expected", sorted(SCENARIOS))
def test_the_english_screen_uses_the_same_template(expected: str, shop: Shop) -> None:
    error = SCENARIOS[expected](shop)
    body = detail(error)
    assert body is not None and ENGLISH.search(body)
    assert "{" not in body


def test_every_catalogued_template_is_exercised_or_waits_for_its_raise_site() -> None:
    """The catalogue has no dead entries beyond those whose raise sites other work owns."""
    # A terminal always has a manager.
    pending = {"unknown_user/no_role"}
    assert set(catalogue()) == set(SCENARIOS) | pending


# -- the fallback ---------------------------------------------------------------------------
class NewRefusal(LoyaltyError):
    code = "something_new"


@pytest.mark.parametrize("error", [
    NewRefusal("A refusal the catalogue does not know yet."),
    InsufficientBalance("The server refused: not enough stored value."),  # no reason
    InvalidAmount("The stored-value payment of NT$5 is over the limit.", reason="over_limit",
                  what="stored-value payment", amount=5),  # a param is missing
    InvalidAmount("The top-up of NT$5 is over the limit.", reason="over_limit",
                  what="top-up", amount="5", maximum=1),  # money that is not an int
    InvalidAmount("The gift card cannot be negative.", reason="negative",
                  what="gift card"),  # a label the UI cannot translate
    UnknownCode("A reason nobody catalogued.", reason="brand_new"),
], ids=lambda e: e.message[:30])
def test_the_english_message_is_shown_when_the_catalogue_cannot_say_it(
        error: LoyaltyError, chinese: QTranslator) -> None:
    assert detail(error) is None
    text = error_text(error)
    assert text.endswith(error.message)
    title = headline(error.code)
    assert text == (f"{title}\n{error.message}" if title else error.message)


def test_money_is_formatted_with_the_currency_of_the_error(chinese: QTranslator) -> None:
    error = InvalidAmount("…", reason="stored_value_over_due", stored_value=1_250, due=1_000,
                          currency="TWD")
    assert detail(error) == "儲值金扣款 NT$1,250 超過尚需支付的 NT$1,000。"
    assert detail(InvalidAmount("…", reason="stored_value_over_due", stored_value=1_250,
                                due=1_000, currency="USD")) == \
        "儲值金扣款 US$12.50 超過尚需支付的 US$10.00。"


def test_the_cli_message_and_code_are_unchanged_by_the_params(shop: Shop) -> None:
    error = SCENARIOS["insufficient_balance/stored_value"](shop)
    assert error.code == "insufficient_balance"
    assert error.message == ("測試會員 has NT$300 of stored value; NT$301 cannot be paid "
                             "with it.")
    assert str(error) == error.message


def test_the_servers_other_refusal_of_a_stored_value_debit_keeps_its_reason(
        shop: Shop, chinese: QTranslator) -> None:
    """The real server refuses the online check of a sale's stored value for a reason other
    than the balance (here: the terminal's credential is no longer known, as after a revoke
    or a new server): the refusal keeps the server's reason, so the till says it in Chinese;
    the CLI's message is the one it always was."""
    server = start_server(shop)
    try:
        member = fresh_member(shop, stored_value=500)
        server.register(shop.data_dir, shop.local.terminal_id)
        creds = load_credentials(shop.data_dir)
        assert creds is not None
        save_credentials(shop.data_dir, replace(creds, token="revoked-token"))
        service = CheckoutService(shop.local.store, terminal_id=shop.local.terminal_id,
                                  rules=shop.service.rules,
                                  stored_value_guard=SyncGuard(shop.data_dir, timeout=5))
        error = refusal(lambda: service.sale(shop.cashier, member, Money(300),
                                             stored_value=Money(300),
                                             identified_by=IdentifiedBy.PHONE_CODE))
    finally:
        server.stop()
    assert key_of(error) == "refused/bad_credential"
    assert error.message == "The server refused: Unknown or revoked terminal credential."
    text = error_text(error)
    assert text == f"{headline('refused')}\n{catalogue()['refused/bad_credential']}"
    assert not ENGLISH.search(text), text
    assert shop.service.member_view(member).stored_value == 500  # nothing was written


# -- on the screen --------------------------------------------------------------------------
def test_the_checkout_screen_explains_a_refusal_in_chinese(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        chinese: QTranslator) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    checkout = terminal.window.checkout
    checkout.code_input.setText("880000000019")
    qtbot.keyClick(checkout.code_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: checkout.result.text() != "", timeout=5000)
    assert checkout.result.text() == ("這個條碼不是會員卡。\n"
                                      "卡號的檢查碼錯誤：請重新掃描或重新輸入。")

    scan(qtbot, terminal, demo_shop.cards[0])
    assert checkout.card is not None
    balance = checkout.card.view.stored_value
    checkout.amount_input.setText(str(balance + 500))
    checkout.stored.setMaximum(balance + 100)  # past the UI's cap, as a bad POS might
    checkout.stored.setValue(balance + 100)
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.result.text() != "", timeout=5000)
    text = checkout.result.text()
    assert f"儲值金餘額為 NT${balance:,}，無法扣款 NT${balance + 100:,}" in text
    assert not ENGLISH.search(text)



# -- sync details ---------------------------------------------------------------------------
def test_the_sync_status_says_why_it_is_offline_in_chinese(
        shop: Shop, chinese: QTranslator) -> None:
    """The real sync client against an address nothing listens on: the detail the status bar
    and the manager's Sync tab show is translated; the English stays in the log."""
    from ui.sync_client import ClientSyncPort
    from ui.sync_status import NoSync

    creds = Credentials(DEAD_URL, shop.local.terminal_id, "store-1", "Test store", "token")
    port = ClientSyncPort(shop.local.store, creds, timeout=0.5)
    assert port.state().detail == "尚未同步"
    state = port.sync_now()
    assert not state.online
    assert state.detail == f"{headline('offline')}\n{catalogue()['offline']}"
    assert not ENGLISH.search(state.detail), state.detail
    assert NoSync().state().detail == "未設定同步伺服器"

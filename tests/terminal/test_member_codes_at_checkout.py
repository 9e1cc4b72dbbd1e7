"""Phone codes, member PINs and card ranges at the till, over real SQLite files."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from terminal_testkit import FakeClock, Shop, fresh_store

from terminal.checkout import CODE_WINDOWS_KEPT, CheckoutService
from terminal.errors import InvalidInput, PermissionDenied, WrongPin
from terminal.ledger import Asset, EventKind
from terminal.luhn import luhn_valid
from terminal.member_codes import (
    MemberCodeRefused,
    RefusalReason,
    make_app_setup_code,
    make_member_code,
    new_member_secret,
    parse_app_setup_code,
    window_of,
)
from terminal.member_pins import MemberPinLocked, MemberPinRequired
from terminal.members import CARD_BLOCK, IdentifiedBy, Member
from terminal.money import Money
from terminal.rules import Rules
from terminal.staff import LOCKOUT, MAX_FAILED_PINS, Role, pin_matches
from terminal.store.db import make_engine
from terminal.store.local import open_local_store
from terminal.store.migrate import alembic_config
from terminal.store.paths import DB_NAME
from terminal.store.verify import verify_store

HEX64 = re.compile(r"[0-9a-f]{64}")


def enrol(shop: Shop, name: str = "王小明", pin: str | None = None) -> Member:
    result = shop.service.enrol(shop.cashier, name=name, pin=pin)
    assert result.member is not None
    return result.member.member


def secret_of(shop: Shop, member_id: str) -> bytes:
    return shop.service.member_code_secret(member_id)


def phone_code(shop: Shop, member: Member, **shift: float) -> str:
    return make_member_code(member.id, secret_of(shop, member.id),
                            shop.clock.now + timedelta(**shift))


def refusal(shop: Shop, code: str) -> RefusalReason:
    with pytest.raises(MemberCodeRefused) as info:
        shop.service.identify(code)
    assert info.value.message and info.value.code == "member_code_refused"
    return info.value.reason


def events(shop: Shop) -> int:
    with shop.local.store.session() as s:
        return s.journal_head()[0]


# --- secrets at enrolment -------------------------------------------------------------------

def test_enrolment_issues_a_secret_stored_with_the_member_and_sent_in_the_event(
        shop: Shop) -> None:
    result = shop.service.enrol(shop.cashier, name="王小明")
    assert result.member is not None
    member = result.member.member
    body = result.event.body["member"]
    assert isinstance(body, dict)
    assert HEX64.fullmatch(body["code_secret"])
    assert bytes.fromhex(body["code_secret"]) == secret_of(shop, member.id)
    assert body["pin_hash"] is None and result.member.has_pin is False
    other = enrol(shop, "林美玲")
    assert secret_of(shop, other.id) != secret_of(shop, member.id)


def test_enrolment_with_a_pin_sends_only_its_scrypt_hash(shop: Shop) -> None:
    result = shop.service.enrol(shop.cashier, name="王小明", pin="4321")
    body = result.event.body["member"]
    assert isinstance(body, dict)
    scheme, *_, salt_hex, digest_hex = body["pin_hash"].split("$")
    # the PIN is in no field (a bare substring test would match the hex one time in ~700)
    assert scheme == "scrypt" and "4321" not in body["pin_hash"].split("$")
    assert len(salt_hex) == 32 and HEX64.fullmatch(digest_hex)
    assert pin_matches("4321", body["pin_hash"])
    assert result.member is not None and result.member.has_pin
    with pytest.raises(InvalidInput, match="4 to 12 digits"):
        shop.service.enrol(shop.cashier, name="Bad PIN", pin="12a4")


# --- identify by phone code -------------------------------------------------------------------

def test_a_phone_code_identifies_its_member_and_says_so(shop: Shop) -> None:
    member = enrol(shop)
    view = shop.service.identify(phone_code(shop, member))
    assert view.member == member and view.identified_by is IdentifiedBy.PHONE_CODE
    assert view.points == 100
    by_card = shop.service.identify(member.card_number)
    assert by_card.identified_by is IdentifiedBy.CARD
    assert shop.service.member_view(member.id).identified_by is None


def test_the_next_windows_code_is_accepted_after_this_one(shop: Shop) -> None:
    member = enrol(shop)
    shop.service.identify(phone_code(shop, member))
    shop.clock.advance(seconds=30)
    assert shop.service.identify(phone_code(shop, member)).member == member


def test_a_phone_clock_a_window_off_is_accepted(shop: Shop) -> None:
    member = enrol(shop)
    assert shop.service.identify(phone_code(shop, member, seconds=-30)).member == member
    other = enrol(shop, "林美玲")
    assert shop.service.identify(phone_code(shop, other, seconds=30)).member == other


def test_a_replay_is_refused_even_after_the_terminal_restarts(shop: Shop,
                                                             tmp_path: Path) -> None:
    member = enrol(shop)
    code = phone_code(shop, member)
    shop.service.identify(code)
    assert refusal(shop, code) is RefusalReason.REPLAYED
    shop.local.close()
    reopened = open_local_store(shop.local.path.parent)
    try:
        service = CheckoutService(reopened.store, terminal_id=reopened.terminal_id,
                                  clock=shop.clock)
        with pytest.raises(MemberCodeRefused) as info:
            service.identify(code)
        assert info.value.reason is RefusalReason.REPLAYED
        assert "already used at this till" in info.value.message
    finally:
        reopened.close()


def test_an_older_code_is_refused_once_a_newer_one_was_used(shop: Shop) -> None:
    member = enrol(shop)
    old = phone_code(shop, member, seconds=-30)  # a screenshot from half a minute ago
    shop.service.identify(phone_code(shop, member))
    assert refusal(shop, old) is RefusalReason.REPLAYED


def test_expired_forged_unknown_and_secretless_codes_are_refused_with_their_reason(
        shop: Shop) -> None:
    member = enrol(shop)
    assert refusal(shop, phone_code(shop, member, minutes=-5)) is RefusalReason.EXPIRED
    forged = make_member_code(member.id, new_member_secret(), shop.clock.now)
    assert refusal(shop, forged) is RefusalReason.FORGED
    stranger = make_member_code("019a8f2e-6b1c-7d3e-8f40-123456789abc", new_member_secret(),
                                shop.clock.now)
    assert refusal(shop, stranger) is RefusalReason.UNKNOWN_MEMBER
    with shop.local.store.session(write=True) as s:  # known here, secret not synced yet
        s.add_member(Member("019a8f2e-6b1c-7d3e-8f40-123456789abd", "880000000997", "遠方",
                            "", None, shop.clock.now.date()))
    secretless = make_member_code("019a8f2e-6b1c-7d3e-8f40-123456789abd",
                                  new_member_secret(), shop.clock.now)
    with pytest.raises(MemberCodeRefused, match="sync first") as info:
        shop.service.identify(secretless)
    assert info.value.reason is RefusalReason.NO_SECRET


def test_accepted_windows_are_forgotten_after_a_day(shop: Shop) -> None:
    first, second = enrol(shop), enrol(shop, "林美玲")
    shop.service.identify(phone_code(shop, first))
    shop.clock.advance(seconds=30 * (CODE_WINDOWS_KEPT + 5))
    shop.service.identify(phone_code(shop, second))
    with sqlite3.connect(shop.local.path) as conn:
        rows = conn.execute("SELECT member_id, code_window FROM member_code_uses").fetchall()
    assert rows == [(second.id, window_of(shop.clock.now))]


def test_the_app_setup_code_carries_the_secret_and_is_not_a_member_code(shop: Shop) -> None:
    member = enrol(shop)
    text = make_app_setup_code(member.id, secret_of(shop, member.id))
    assert text.startswith("LK1:") and len(text) == 76
    assert parse_app_setup_code(text) == (member.id, secret_of(shop, member.id))
    with pytest.raises(Exception, match="setup code") as info:
        shop.service.identify(text)
    assert getattr(info.value, "reason", None) == "app_setup_code"


def test_the_setup_code_known_answer_of_docs_codes_md() -> None:
    text = make_app_setup_code("019a8f2e-6b1c-7d3e-8f40-123456789abc", bytes(range(32)))
    assert text == "LK1:590O4IFODM$F.4IPD2--ACPJ100KB0*M0DY0W016C1PN1:Y1I12$C2BO2UZ2423ND3.O3G 3"
    assert parse_app_setup_code(text.lower()) == ("019a8f2e-6b1c-7d3e-8f40-123456789abc",
                                                  bytes(range(32)))


# --- member PIN for stored value ------------------------------------------------------------

def funded(shop: Shop, pin: str | None = "4321") -> Member:
    member = enrol(shop, pin=pin)
    shop.service.top_up(shop.manager, member.id, Money(1000))
    return member


def pay(shop: Shop, member: Member, by: IdentifiedBy | None,
        pin: str | None = None, service: CheckoutService | None = None) -> int:
    result = (service or shop.service).sale(shop.cashier, member.id, Money(300),
                                            stored_value=Money(200), identified_by=by,
                                            member_pin=pin)
    return result.member.stored_value


def test_stored_value_by_card_needs_the_members_pin(shop: Shop) -> None:
    member = funded(shop)
    before = events(shop)
    with pytest.raises(MemberPinRequired, match="needs the member's PIN"):
        pay(shop, member, IdentifiedBy.CARD)
    with pytest.raises(MemberPinRequired):
        pay(shop, member, None)  # not said how: treated as a card
    with pytest.raises(WrongPin, match="Wrong member PIN"):
        pay(shop, member, IdentifiedBy.CARD, "1234")
    assert events(shop) == before
    assert pay(shop, member, IdentifiedBy.CARD, "4321") == 800
    # a sale without stored value never asks
    shop.service.sale(shop.cashier, member.id, Money(100), identified_by=IdentifiedBy.CARD)


def test_a_phone_code_pays_stored_value_without_a_pin(shop: Shop) -> None:
    member = funded(shop, pin=None)
    view = shop.service.identify(phone_code(shop, member))
    assert pay(shop, member, view.identified_by) == 800


def test_a_member_without_a_pin_paying_by_card_is_told_what_to_do(shop: Shop) -> None:
    member = funded(shop, pin=None)
    with pytest.raises(MemberPinRequired, match="set a PIN first, or show the phone code"):
        pay(shop, member, IdentifiedBy.CARD, "1234")


def test_wrong_member_pins_lock_the_pin_and_the_lock_survives_a_restart(shop: Shop) -> None:
    member = funded(shop)
    for _ in range(MAX_FAILED_PINS - 1):
        with pytest.raises(WrongPin):
            pay(shop, member, IdentifiedBy.CARD, "0000")
    with pytest.raises(MemberPinLocked, match="now locked"):
        pay(shop, member, IdentifiedBy.CARD, "0000")
    shop.local.close()
    reopened = open_local_store(shop.local.path.parent)
    try:
        service = CheckoutService(reopened.store, terminal_id=reopened.terminal_id,
                                  clock=shop.clock)
        with pytest.raises(MemberPinLocked, match="locked"):
            pay(shop, member, IdentifiedBy.CARD, "4321", service)  # even the right one
        shop.clock.advance(seconds=LOCKOUT.total_seconds() + 1)
        assert pay(shop, member, IdentifiedBy.CARD, "4321", service) == 800
    finally:
        reopened.close()


@pytest.mark.parametrize(("rule", "by", "needs_pin"), [
    ("card", IdentifiedBy.CARD, True),
    ("card", IdentifiedBy.PHONE_CODE, False),
    ("card", None, True),
    ("never", IdentifiedBy.CARD, False),
    ("always", IdentifiedBy.PHONE_CODE, True),
])
def test_the_stored_value_pin_rule(shop: Shop, rule: str, by: IdentifiedBy | None,
                                   needs_pin: bool) -> None:
    member = funded(shop, pin=None)
    service = CheckoutService(shop.local.store, terminal_id=shop.local.terminal_id,
                              clock=shop.clock, rules=Rules(stored_value_pin=rule))  # type: ignore[arg-type]
    assert service.stored_value_pin_needed(by) is needs_pin
    if needs_pin:
        with pytest.raises(MemberPinRequired, match="set a PIN first") as info:
            pay(shop, member, by, service=service)
        # a phone code is offered as the way out only where it is one
        assert ("show the phone code" in info.value.message) is (rule == "card")
    else:
        assert pay(shop, member, by, service=service) == 800


def test_the_rule_is_read_from_the_config_and_checked() -> None:
    assert Rules.from_mapping({"stored_value_pin": "always"}).stored_value_pin == "always"
    assert Rules().to_mapping()["stored_value_pin"] == "card"
    with pytest.raises(InvalidInput, match="stored_value_pin"):
        Rules.from_mapping({"stored_value_pin": "sometimes"})


# --- setting a member's PIN -------------------------------------------------------------------

def test_a_cashier_sets_the_first_pin_in_a_member_pin_event(shop: Shop) -> None:
    member = funded(shop, pin=None)
    result = shop.service.set_member_pin(shop.cashier, member.id, "2468")
    event = result.event
    assert event.kind is EventKind.MEMBER_PIN and event.postings == ()
    assert set(event.body) == {"member_id", "pin_hash"}
    assert event.body["member_id"] == member.id
    assert pin_matches("2468", str(event.body["pin_hash"]))
    assert result.member is not None and result.member.has_pin
    assert pay(shop, member, IdentifiedBy.CARD, "2468") == 800
    assert verify_store(shop.local.store).ok


def test_changing_a_pin_needs_the_old_one_or_a_manager(shop: Shop) -> None:
    member = funded(shop, pin="1111")
    with pytest.raises(PermissionDenied, match="old PIN, or a manager"):
        shop.service.set_member_pin(shop.cashier, member.id, "2222")
    with pytest.raises(WrongPin):
        shop.service.set_member_pin(shop.cashier, member.id, "2222", old_pin="9999")
    shop.service.set_member_pin(shop.cashier, member.id, "2222", old_pin="1111")
    shop.service.set_member_pin(shop.manager, member.id, "3333")  # forgot it: manager resets
    with pytest.raises(WrongPin):
        pay(shop, member, IdentifiedBy.CARD, "2222")
    assert pay(shop, member, IdentifiedBy.CARD, "3333") == 800
    with pytest.raises(InvalidInput):
        shop.service.set_member_pin(shop.manager, member.id, "12")


def test_a_manager_reset_lifts_a_lock(shop: Shop) -> None:
    member = funded(shop)
    for _ in range(MAX_FAILED_PINS):
        with pytest.raises((WrongPin, MemberPinLocked)):
            pay(shop, member, IdentifiedBy.CARD, "0000")
    with pytest.raises(MemberPinLocked):
        pay(shop, member, IdentifiedBy.CARD, "4321")
    shop.service.set_member_pin(shop.manager, member.id, "5555")
    assert pay(shop, member, IdentifiedBy.CARD, "5555") == 800


# --- card ranges ----------------------------------------------------------------------------

def till(template: Path, folder: Path, number: int | None) -> CheckoutService:
    local = fresh_store(template, folder)
    service = CheckoutService(local.store, terminal_id=local.terminal_id, clock=FakeClock(),
                              terminal_number=number)
    manager = service.add_staff(None, "Mei", Role.MANAGER, "9999")
    service.enrol(manager, name="first")
    return service


def cards(service: CheckoutService, count: int) -> list[str]:
    with service.store.session() as s:
        actor = s.all_staff()[0]
    out = []
    for index in range(count):
        view = service.enrol(actor, name=f"member {index}").member
        assert view is not None
        out.append(view.member.card_number)
    return out


def test_two_offline_terminals_with_numbers_never_mint_the_same_card(
        template_db: Path, tmp_path: Path) -> None:
    one = till(template_db, tmp_path / "one", 1)
    two = till(template_db, tmp_path / "two", 2)
    first, second = cards(one, 5), cards(two, 5)
    assert not set(first) & set(second)
    for card in first + second:
        assert len(card) == 12 and luhn_valid(card)
    assert first[0] == "88" + f"{1 * CARD_BLOCK + 2:09d}" + first[0][-1]
    assert second[-1][2:-1] == f"{2 * CARD_BLOCK + 6:09d}"
    legacy = till(template_db, tmp_path / "legacy", None)
    assert cards(legacy, 1)[0][2:-1] == f"{2:09d}"  # without a number: the old counter


def test_a_full_card_block_is_refused_clearly(template_db: Path, tmp_path: Path) -> None:
    service = till(template_db, tmp_path / "till", 7)
    with service.store.session(write=True) as s:
        s.set_meta("card_serial.block.7", str(CARD_BLOCK - 2))  # type: ignore[attr-defined]
    cards(service, 1)  # the block's last number
    with pytest.raises(InvalidInput, match="used all 999,999 card numbers"):
        cards(service, 1)


def test_a_card_number_already_held_is_skipped(template_db: Path, tmp_path: Path) -> None:
    service = till(template_db, tmp_path / "till", 3)
    taken = "88" + f"{3 * CARD_BLOCK + 2:09d}"  # the next one this till would mint
    from terminal.luhn import luhn_check_digit

    taken += luhn_check_digit(taken)
    with service.store.session() as s:
        actor = s.all_staff()[0]
    service.enrol(actor, name="pre-printed", card_number=taken)
    assert cards(service, 1)[0][2:-1] == f"{3 * CARD_BLOCK + 3:09d}"


@pytest.mark.parametrize("number", [0, -1, 1000, True])
def test_an_impossible_terminal_number_is_refused(shop: Shop, number: int) -> None:
    with pytest.raises(InvalidInput, match="terminal number"):
        CheckoutService(shop.local.store, terminal_id="t", terminal_number=number)


# --- migration ------------------------------------------------------------------------------

def test_members_from_before_0004_keep_their_data_and_have_no_secret_yet(
        data_dir: Path) -> None:
    path = data_dir / DB_NAME
    engine = make_engine(path)
    command.upgrade(alembic_config(engine), "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO members (id, card_number, name, phone, birthday, enrolled_on, tier) "
            "VALUES ('019a8f2e-6b1c-7d3e-8f40-123456789abc', '880000000013', '老會員', '', "
            "NULL, '2026-01-01', 'basic')")
    engine.dispose()
    local = open_local_store(data_dir)
    try:
        clock = FakeClock()
        service = CheckoutService(local.store, terminal_id=local.terminal_id, clock=clock)
        view = service.identify("880000000013")
        assert view.member.name == "老會員" and not view.has_pin
        code = make_member_code(view.member.id, new_member_secret(), clock.now)
        with pytest.raises(MemberCodeRefused) as info:
            service.identify(code)
        assert info.value.reason is RefusalReason.NO_SECRET
        with local.store.session() as s:
            assert s.balances(view.member.id)[Asset.STORED_VALUE] == 0
    finally:
        local.close()

"""Members pulled from the server bring their phone-code secret and PIN hash
(sync.client.localdb.apply_member), so a member enrolled at another till can show a phone code
here, or pay by card with their PIN."""

from __future__ import annotations

from typing import Any

import pytest
from terminal_testkit import Shop

from sync.client.localdb import apply_member
from terminal.errors import WrongPin
from terminal.member_codes import MemberCodeRefused, RefusalReason, make_member_code
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.staff import hash_pin

MEMBER_ID = "019a8f2e-6b1c-7d3e-8f40-123456789abc"
SECRET = bytes(range(32))


def payload(**extra: Any) -> dict[str, Any]:
    return {"id": MEMBER_ID, "card_number": "880000000997", "name": "遠方會員",
            "phone": "", "tier": "basic", "birthday": None, "enrolled_on": "2026-01-02",
            "balances": {"stored_value": 1000}, "lots": [], **extra}


def pull(shop: Shop, body: dict[str, Any]) -> None:
    with shop.local.store.session(write=True) as session:
        apply_member(session, body, 0)


def test_a_pulled_members_secret_and_pin_work_at_this_till(shop: Shop) -> None:
    pull(shop, payload(code_secret=SECRET.hex(), pin_hash=hash_pin("8642")))
    view = shop.service.identify(make_member_code(MEMBER_ID, SECRET, shop.clock.now))
    assert view.identified_by is IdentifiedBy.PHONE_CODE and view.has_pin
    sale = shop.service.sale(shop.cashier, MEMBER_ID, Money(300), stored_value=Money(300),
                             identified_by=IdentifiedBy.CARD, member_pin="8642")
    assert sale.member.stored_value == 700


def test_a_later_pull_updates_the_secret_and_the_pin(shop: Shop) -> None:
    pull(shop, payload(code_secret=SECRET.hex(), pin_hash=hash_pin("8642")))
    new_secret = bytes(range(1, 33))
    pull(shop, payload(code_secret=new_secret.hex().upper(), pin_hash=hash_pin("1357")))
    assert shop.service.member_code_secret(MEMBER_ID) == new_secret
    with pytest.raises(WrongPin):
        shop.service.sale(shop.cashier, MEMBER_ID, Money(100), stored_value=Money(100),
                          identified_by=IdentifiedBy.CARD, member_pin="8642")
    pull(shop, payload(pin_hash=None))  # the PIN was removed on the server
    assert not shop.service.member_view(MEMBER_ID).has_pin
    assert shop.service.member_code_secret(MEMBER_ID) == new_secret  # key absent: kept


@pytest.mark.parametrize("bad", ["", "zz" * 32, "00" * 31, 12345, None])
def test_a_missing_or_malformed_secret_leaves_phone_codes_refused_as_sync_first(
        shop: Shop, bad: object) -> None:
    pull(shop, payload(code_secret=bad))
    with pytest.raises(MemberCodeRefused) as info:
        shop.service.identify(make_member_code(MEMBER_ID, SECRET, shop.clock.now))
    assert info.value.reason is RefusalReason.NO_SECRET


def test_a_pulled_card_from_another_tills_block_does_not_move_the_shared_counter(
        shop: Shop) -> None:
    """A numbered till's cards (number × 1,000,000 + n) stay out of the shared range, so a
    till without a number keeps minting 1, 2, 3 … and never enters another till's block."""
    from terminal.luhn import luhn_check_digit

    block_card = "88" + f"{2_000_005:09d}"
    pull(shop, payload(card_number=block_card + luhn_check_digit(block_card)))
    shared_card = "88" + f"{41:09d}"
    pull(shop, {**payload(card_number=shared_card + luhn_check_digit(shared_card)),
                "id": "019a8f2e-6b1c-7d3e-8f40-123456789abd"})
    enrolled = shop.service.enrol(shop.cashier, name="新會員").member
    assert enrolled is not None
    assert enrolled.member.card_number[2:-1] == f"{42:09d}"

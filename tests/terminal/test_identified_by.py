"""A sale records how the member was identified (card, phone code, phone number, by hand),
over a real SQLite file; a sale whose caller did not say has no such field, as older sales,
and both verify."""

from __future__ import annotations

import pytest
from terminal_testkit import Shop

from terminal.errors import InvalidInput, UnknownMember
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.store.verify import verify_store


@pytest.mark.parametrize("how", [*IdentifiedBy, None])
def test_the_sale_body_says_how_the_member_was_identified(shop: Shop,
                                                          how: IdentifiedBy | None) -> None:
    member = str(shop.service.enrol(shop.cashier, name="王小華").event.body["member_id"])
    event = shop.service.sale(shop.cashier, member, Money(100), identified_by=how).event
    if how is None:
        assert "identified_by" not in event.body
    else:
        assert event.body["identified_by"] == how.value
    assert verify_store(shop.local.store).ok


def test_a_member_is_found_by_phone_number(shop: Shop) -> None:
    member = shop.service.enrol(shop.cashier, name="王小華", phone="0912-345-678").member
    assert member is not None
    view = shop.service.find_by_phone(" 0912 345 678 ")
    assert view.member.id == member.member.id
    assert view.identified_by is IdentifiedBy.PHONE_NUMBER
    assert shop.service.stored_value_pin_needed(view.identified_by)  # no proof, as a card
    with pytest.raises(UnknownMember) as missing:
        shop.service.find_by_phone("0987654321")
    assert missing.value.params == {"reason": "no_phone", "phone": "0987654321"}
    with pytest.raises(InvalidInput):
        shop.service.find_by_phone("call me")

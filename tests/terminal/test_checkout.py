"""The checkout service over a real SQLite store: every use case, every refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from terminal_testkit import Shop

from terminal.errors import (
    AmountTooLarge,
    DuplicateMember,
    InsufficientBalance,
    InvalidAmount,
    InvalidInput,
    LoyaltyError,
    NotVoidable,
    PermissionDenied,
    UnknownCode,
    UnknownEvent,
    UnknownMember,
    UserLocked,
    WrongPin,
)
from terminal.ledger import Asset, EventKind, ShopAccount, unbalanced_assets
from terminal.members import IdentifiedBy
from terminal.money import USD, Money
from terminal.staff import Role
from terminal.store.verify import verify_store

PHONE = IdentifiedBy.PHONE_CODE  # no member PIN needed (those rules: test_member_codes.py)


def enrol(shop: Shop, name: str = "王小明", phone: str = "0912345678") -> str:
    result = shop.service.enrol(shop.cashier, name=name, phone=phone,
                                birthday=date(1990, 5, 1))
    assert result.member is not None
    return result.member.member.id


def snapshot(shop: Shop, member_id: str) -> tuple[int, int, int]:
    view = shop.service.member_view(member_id)
    with shop.local.store.session() as s:
        head = s.journal_head()[0]
    return view.points, view.stored_value, head


def test_enrol_gives_the_new_member_bonus_and_a_card(shop: Shop) -> None:
    result = shop.service.enrol(shop.cashier, name="  王  小明 ", phone="0912-345-678")
    assert result.member is not None
    member = result.member.member
    assert member.name == "王 小明" and member.phone == "0912345678"
    assert result.member.points == 100
    assert result.event.kind is EventKind.ENROL and result.event.cashier_id == shop.cashier.id
    assert shop.service.identify(member.card_number).member == member


def test_enrol_refuses_duplicates_and_bad_input(shop: Shop) -> None:
    enrol(shop)
    with pytest.raises(DuplicateMember):
        enrol(shop, name="Other")
    with pytest.raises(InvalidInput):
        shop.service.enrol(shop.cashier, name="   ")
    with pytest.raises(InvalidInput):
        shop.service.enrol(shop.cashier, name="X", phone="call me")
    with pytest.raises(InvalidInput):
        shop.service.enrol(shop.cashier, name="X", birthday=date(2999, 1, 1))
    with pytest.raises(InvalidInput):
        shop.service.enrol(shop.cashier, name="X", card_number="880000000012")


def test_identify_refusals(shop: Shop) -> None:
    with pytest.raises(UnknownMember, match="No member has card"):
        shop.service.identify("880000000021")
    with pytest.raises(UnknownCode):
        shop.service.identify("880000000012")
    with pytest.raises(UnknownMember, match="e-invoice"):
        shop.service.identify("/ABC+123")


@pytest.mark.parametrize(("amount", "points"), [(49, 0), (50, 1), (99, 1), (100, 2)])
def test_sale_earns_on_the_boundaries(shop: Shop, amount: int, points: int) -> None:
    member = enrol(shop)
    result = shop.service.sale(shop.cashier, member, Money(amount))
    assert result.plan.points_earned == points
    assert result.member.points == 100 + points
    assert result.plan.other_tender == amount


def test_sale_with_points_and_stored_value_is_one_event(shop: Shop) -> None:
    member = enrol(shop)
    shop.service.top_up(shop.manager, member, Money(500))
    result = shop.service.sale(shop.cashier, member, Money(250), redeem_points=100,
                               stored_value=Money(200), identified_by=PHONE)
    plan = result.plan
    assert (plan.discount, plan.stored_value_paid, plan.other_tender) == (20, 200, 30)
    assert plan.points_earned == 4  # earned on the NT$230 left after the points discount
    event = result.event
    assert event.kind is EventKind.SALE
    assert unbalanced_assets(event.postings) == {}
    assets = {p.asset for p in event.postings}
    assert assets == {Asset.POINTS, Asset.STORED_VALUE}
    assert result.member.points == 4 and result.member.stored_value == 300
    with shop.local.store.session() as s:
        assert s.journal_head()[0] == 3  # enrol, top-up, sale: one event for the sale
        assert s.balance(member, Asset.STORED_VALUE) == 300


def test_plan_matches_sale_and_changes_nothing(shop: Shop) -> None:
    member = enrol(shop)
    before = snapshot(shop, member)
    plan = shop.service.plan_sale(member, Money(500), redeem_points=50)
    assert snapshot(shop, member) == before
    result = shop.service.sale(shop.cashier, member, Money(500), redeem_points=50)
    assert result.plan == plan


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"amount": Money(0)}, InvalidAmount),
    ({"amount": Money(-5)}, InvalidAmount),
    ({"amount": Money(10_000_000)}, AmountTooLarge),
    ({"amount": Money(100, USD)}, InvalidAmount),
    ({"amount": Money(100), "redeem_points": 200}, InsufficientBalance),
    ({"amount": Money(10), "redeem_points": 100}, InvalidAmount),  # discount > amount
    ({"amount": Money(100), "redeem_points": 3}, InvalidAmount),  # not a whole step
    ({"amount": Money(100), "redeem_points": -5}, InvalidAmount),
    ({"amount": Money(100), "stored_value": Money(1)}, InsufficientBalance),
    ({"amount": Money(100), "stored_value": Money(-1)}, InvalidAmount),
    ({"amount": Money(100), "stored_value": Money(101)}, InvalidAmount),
])
def test_bad_sales_are_refused_and_change_nothing(shop: Shop, kwargs: dict[str, object],
                                                  error: type[LoyaltyError]) -> None:
    member = enrol(shop)
    before = snapshot(shop, member)
    amount = kwargs.pop("amount")
    with pytest.raises(error) as info:
        shop.service.sale(shop.cashier, member, amount, identified_by=PHONE,
                          **kwargs)  # type: ignore[arg-type]
    assert info.value.message and "Traceback" not in info.value.message
    assert snapshot(shop, member) == before


def test_float_amount_never_reaches_the_ledger(shop: Shop) -> None:
    member = enrol(shop)
    with pytest.raises(InvalidAmount):
        shop.service.sale(shop.cashier, member, 99.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        shop.service.sale(shop.cashier, member, Money(100), redeem_points=5.0)  # type: ignore[arg-type]


def test_unknown_member_sale(shop: Shop) -> None:
    with pytest.raises(UnknownMember):
        shop.service.sale(shop.cashier, "no-such-member", Money(100))


def test_top_up_is_manager_only(shop: Shop) -> None:
    member = enrol(shop)
    with pytest.raises(PermissionDenied):
        shop.service.top_up(shop.cashier, member, Money(500))
    assert shop.service.member_view(member).stored_value == 0
    result = shop.service.top_up(shop.manager, member, Money(500))
    assert result.member is not None and result.member.stored_value == 500
    with pytest.raises(AmountTooLarge):
        shop.service.top_up(shop.manager, member, Money(1_000_000))


def test_void_reverses_a_sale_by_a_compensating_event(shop: Shop) -> None:
    member = enrol(shop)
    shop.service.top_up(shop.manager, member, Money(1000))
    sale = shop.service.sale(shop.cashier, member, Money(500), redeem_points=100,
                             stored_value=Money(300), identified_by=PHONE)
    with pytest.raises(PermissionDenied):
        shop.service.void(shop.cashier, sale.event.id)
    voided = shop.service.void(shop.manager, sale.event.id, "customer changed mind")
    assert voided.member is not None
    assert (voided.member.points, voided.member.stored_value) == (100, 1000)
    assert voided.event.body["voided_event_id"] == sale.event.id
    with shop.local.store.session() as s:
        assert s.event(sale.event.id) == sale.event  # the original is still there
    with pytest.raises(NotVoidable, match="already voided"):
        shop.service.void(shop.manager, sale.event.id)
    with pytest.raises(NotVoidable):
        shop.service.void(shop.manager, voided.event.id)
    with pytest.raises(UnknownEvent):
        shop.service.void(shop.manager, "0190ffff-0000-7000-8000-000000000000")
    assert verify_store(shop.local.store).ok


def test_void_refused_when_the_earned_points_were_spent(shop: Shop) -> None:
    member = enrol(shop)
    sale = shop.service.sale(shop.cashier, member, Money(5000))  # +100 points
    shop.service.sale(shop.cashier, member, Money(100), redeem_points=200)
    # redemption took the soonest-expiring lots: the bonus and the sale's lot
    before = snapshot(shop, member)
    with pytest.raises(NotVoidable, match="already redeemed"):
        shop.service.void(shop.manager, sale.event.id)
    assert snapshot(shop, member) == before


def test_void_of_spent_top_up_refused(shop: Shop) -> None:
    member = enrol(shop)
    top_up = shop.service.top_up(shop.manager, member, Money(500))
    shop.service.sale(shop.cashier, member, Money(400), stored_value=Money(400),
                      identified_by=PHONE)
    with pytest.raises(NotVoidable, match="already spent"):
        shop.service.void(shop.manager, top_up.event.id)


def test_expired_points_are_expired_by_an_event_before_a_sale(shop: Shop) -> None:
    member = enrol(shop)  # 100 points, valid 365 days
    shop.clock.advance(days=366)
    view = shop.service.member_view(member)
    assert view.points == 0  # expired lots are not usable even before the expiry event
    with pytest.raises(InsufficientBalance):
        shop.service.sale(shop.cashier, member, Money(100), redeem_points=100)
    result = shop.service.sale(shop.cashier, member, Money(100))
    with shop.local.store.session() as s:
        kinds = [e.kind for e in s.member_events(member, 10)]
        assert s.account_balance(ShopAccount.POINTS_EXPIRED, Asset.POINTS) == 100
    assert kinds[:2] == [EventKind.SALE, EventKind.EXPIRE]
    assert result.member.points == 2
    assert verify_store(shop.local.store).ok


def test_points_expiring_soon_are_shown(shop: Shop) -> None:
    member = enrol(shop)
    shop.clock.advance(days=340)
    view = shop.service.member_view(member)
    assert view.points_expiring_soon == 100
    assert view.expiring_soon[0].expires_on == date(2026, 3, 10) + timedelta(days=365)


def test_login_lockout_is_persisted(shop: Shop) -> None:
    for _ in range(4):
        with pytest.raises(WrongPin):
            shop.service.login("Cashier Kai", "0000")
    with pytest.raises(UserLocked):
        shop.service.login("Cashier Kai", "0000")
    with pytest.raises(UserLocked):
        shop.service.login("Cashier Kai", "1111")
    shop.clock.advance(minutes=5, seconds=1)
    assert shop.service.login("Cashier Kai", "1111").id == shop.cashier.id
    with pytest.raises(PermissionDenied):
        shop.service.login("Cashier Kai", "1111", Role.MANAGER)
    assert shop.service.login(None, "9999", Role.MANAGER).id == shop.manager.id


def test_every_event_names_its_cashier_and_chains(shop: Shop) -> None:
    member = enrol(shop)
    shop.service.top_up(shop.manager, member, Money(100))
    shop.service.sale(shop.cashier, member, Money(100))
    with shop.local.store.session() as s:
        events = list(s.journal())
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.cashier_id for e in events] == [shop.cashier.id, shop.manager.id, shop.cashier.id]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash


def test_voucher_or_phone_code_at_identify_is_a_plain_refusal(shop: Shop) -> None:
    with pytest.raises(UnknownMember, match="e-voucher"):
        shop.service.identify("LV1:ABCDEF")
    with pytest.raises(UnknownCode):
        shop.service.identify("LM1:not-base45")


def test_stamp_card_fills_and_is_exchanged_for_the_reward(shop: Shop) -> None:
    member = enrol(shop)
    size = shop.service.rules.stamp_card_size
    for _ in range(size - 1):
        shop.service.add_stamps(shop.cashier, member)
    with pytest.raises(InsufficientBalance, match=f"{size - 1} of the {size}"):
        shop.service.redeem_stamp_card(shop.cashier, member)
    result = shop.service.add_stamps(shop.cashier, member)
    assert result.member is not None and result.member.stamps == size
    redeemed = shop.service.redeem_stamp_card(shop.cashier, member)
    assert redeemed.member is not None and redeemed.member.stamps == 0
    assert redeemed.event.body["reward"] == shop.service.rules.stamp_reward
    with shop.local.store.session() as s:
        assert s.account_balance(ShopAccount.STAMPS_REDEEMED, Asset.STAMPS) == size
    assert verify_store(shop.local.store).ok


def test_stamps_refusals_and_void(shop: Shop) -> None:
    member = enrol(shop)
    for bad in (0, -1, 11):
        with pytest.raises(InvalidAmount):
            shop.service.add_stamps(shop.cashier, member, bad)
    stamped = shop.service.add_stamps(shop.cashier, member, 3)
    voided = shop.service.void(shop.manager, stamped.event.id)
    assert voided.member is not None and voided.member.stamps == 0


def test_a_sale_can_stamp_the_card_by_rule(shop: Shop) -> None:
    from dataclasses import replace as dc_replace

    shop.service.rules = dc_replace(shop.service.rules, stamps_per_sale=1)
    member = enrol(shop)
    result = shop.service.sale(shop.cashier, member, Money(120))
    assert result.member.stamps == 1 and result.event.body["stamps_added"] == 1
    assert shop.service.member_view(member).stamps == 1


def test_points_transfer_keeps_expiry_dates_and_needs_a_manager(shop: Shop) -> None:
    giver = enrol(shop)  # 100 welcome points, expiring in a year
    shop.clock.advance(days=10)
    shop.service.sale(shop.cashier, giver, Money(2500))  # +50, expiring 10 days later
    receiver = shop.service.enrol(shop.cashier, name="林美玲", phone="0922000111").member
    assert receiver is not None
    with pytest.raises(PermissionDenied):
        shop.service.transfer_points(shop.cashier, giver, receiver.member.id, 120)
    result = shop.service.transfer_points(shop.manager, giver, receiver.member.id, 120)
    assert result.member is not None and result.member.points == 30
    assert unbalanced_assets(result.event.postings) == {}
    got = shop.service.member_view(receiver.member.id)
    assert got.points == 100 + 120
    with shop.local.store.session() as s:
        lots = {lot.expires_on: lot.remaining for lot in s.lots(receiver.member.id)}
    first = date(2026, 3, 10) + timedelta(days=365)
    assert lots[first] == 100  # the giver's oldest points, same expiry date
    assert lots[first + timedelta(days=10)] == 20 + 100  # and the newer ones
    assert verify_store(shop.local.store).ok


@pytest.mark.parametrize(("points", "error"), [
    (0, InvalidAmount), (-5, InvalidAmount), (6000, AmountTooLarge), (101, InsufficientBalance),
])
def test_points_transfer_refusals_change_nothing(shop: Shop, points: int,
                                                 error: type[LoyaltyError]) -> None:
    giver = enrol(shop)
    receiver = shop.service.enrol(shop.cashier, name="林美玲", phone="0922000111").member
    assert receiver is not None
    before = snapshot(shop, giver)
    with pytest.raises(error):
        shop.service.transfer_points(shop.manager, giver, receiver.member.id, points)
    assert snapshot(shop, giver) == before
    with pytest.raises(InvalidInput):
        shop.service.transfer_points(shop.manager, giver, giver, 10)

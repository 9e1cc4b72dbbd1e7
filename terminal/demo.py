"""Demo shop data: two staff, 20 members with a few weeks of history (deterministic).

Every demo member has a phone-code secret (made at enrolment, like any member). Every
``DEMO_PIN_EVERY``-th member from the first (card serials 1, 5, 9, 13, 17) has the PIN
``DEMO_MEMBER_PIN`` for paying with stored value by card, the others none, so the demo shows
both (and scrypt makes each PIN cost 0.1–0.2 s of seeding).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from terminal.checkout import CheckoutService
from terminal.errors import LoyaltyError
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.staff import Role, Staff

DEMO_CASHIER = ("林小美", "1111")
DEMO_MANAGER = ("陳店長", "9999")
DEMO_MEMBER_PIN = "2580"
DEMO_PIN_EVERY = 4

_SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐"
_GIVEN = ["怡君", "志明", "淑芬", "家豪", "雅婷", "俊傑", "美玲", "建宏", "欣怡", "宗翰",
          "佩珊", "冠宇", "惠雯", "承恩", "詩涵", "柏翰", "玉婷", "文彬", "心怡", "育誠"]
_TIERS = ["basic"] * 12 + ["silver"] * 5 + ["gold"] * 2 + ["platinum"]


@dataclass
class SteppingClock:
    """A clock the seeding moves by hand, so the demo history spans past days."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def seed_demo(service: CheckoutService, days: int = 45, seed: int = 7) -> tuple[Staff, Staff]:
    """Fill an empty store. ``service.clock`` must be a :class:`SteppingClock`."""
    clock = service.clock
    if not isinstance(clock, SteppingClock):
        raise TypeError("seed_demo needs a CheckoutService built with a SteppingClock")
    rng = random.Random(seed)
    end = clock.now
    clock.now = end - timedelta(days=days)
    manager = service.add_staff(None, DEMO_MANAGER[0], Role.MANAGER, DEMO_MANAGER[1])
    cashier = service.add_staff(manager, DEMO_CASHIER[0], Role.CASHIER, DEMO_CASHIER[1])
    member_ids: list[str] = []
    for index in range(20):
        name = _SURNAMES[index] + _GIVEN[index]
        phone = f"09{rng.randrange(10**8):08d}"
        birthday = date(rng.randrange(1960, 2005), rng.randrange(1, 13), rng.randrange(1, 29))
        if index == 0:  # one member with a birthday this month, for the prompts
            birthday = date(1990, end.month, min(end.day + 3, 28))
        result = service.enrol(cashier, name=name, phone=phone, birthday=birthday,
                               tier=_TIERS[index],
                               pin=None if index % DEMO_PIN_EVERY else DEMO_MEMBER_PIN)
        assert result.member is not None
        member_ids.append(result.member.member.id)
        clock.now += timedelta(hours=rng.randrange(1, 12))
    for member_id in member_ids[::2]:
        service.top_up(manager, member_id, Money(rng.choice((500, 1000, 2000))))
    while clock.now < end - timedelta(hours=2):
        member_id = rng.choice(member_ids[:16])  # the last four stay dormant / new
        view = service.member_view(member_id)
        amount = rng.randrange(60, 1500)
        redeem = 0
        if view.points >= 200 and rng.random() < 0.3:
            redeem = service.rules.max_points_for(amount // 2, view.points)
        stored = min(view.stored_value, amount - service.rules.discount_for(redeem)) \
            if view.stored_value and rng.random() < 0.4 else 0
        with contextlib.suppress(LoyaltyError):  # a refused demo sale is skipped
            service.sale(cashier, member_id, Money(amount), redeem_points=redeem,
                         stored_value=Money(stored), identified_by=IdentifiedBy.PHONE_CODE)
        clock.now += timedelta(hours=rng.randrange(3, 20))
    clock.now = end
    return cashier, manager

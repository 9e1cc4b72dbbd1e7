"""The running result of one evaluation: programmes add balanced postings through it.

Every method that posts adds both sides at once (member and shop), so the postings of a
result always sum to zero per asset, and every posting is attributed to the programme being
applied and the rule that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from terminal.ledger import Asset, Posting, ShopAccount, member_account
from terminal.lots import lot_key
from terminal.programmes.fields import Reward
from terminal.programmes.model import (
    Attribution,
    Context,
    Discount,
    MemberState,
    Prompt,
    Result,
    StateChange,
)


@dataclass
class Tally:
    context: Context
    state: MemberState
    today: date
    points_validity_days: int
    multiplier_stacking: str = "multiply"
    programme_id: str = ""
    postings: list[Posting] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    changes: list[StateChange] = field(default_factory=list)
    multipliers: list[int] = field(default_factory=list)  # percent, from tiers and memberships
    earned_points: int = 0  # points this sale earned by spend (what a charity may take a share of)
    effects: int = 0  # grows with every benefit given (postings, discounts, multipliers)
    discounted: int = 0  # the sum of ``discounts``
    lots: dict[str, tuple[str, date | None]] = field(default_factory=dict)

    # reading -----------------------------------------------------------------------------
    @property
    def member_id(self) -> str:
        return self.state.member_id

    @property
    def basis(self) -> int:
        """The amount earning works on: the sale after the discounts given so far."""
        return max(self.context.amount - self.discounted, 0)

    def multiply(self, value: int) -> int:
        """``value`` × the multipliers collected so far (exact, then floored once)."""
        if not self.multipliers:
            return value
        if self.multiplier_stacking == "max":
            return value * max(self.multipliers) // 100
        if self.multiplier_stacking == "add":
            return value * (100 + sum(m - 100 for m in self.multipliers)) // 100
        numerator, denominator = value, 1
        for percent in self.multipliers:
            numerator *= percent
            denominator *= 100
        return numerator // denominator

    def awarded(self, key: str) -> bool:
        return key in self.state.awarded or any(
            c.field == "award" and c.value == key for c in self.changes)

    # effects -----------------------------------------------------------------------------
    def _pair(self, account: str, shop: ShopAccount, asset: Asset, amount: int, rule: str,
              lot: str | None = None, expires: date | None = None) -> None:
        if amount == 0:
            return
        index = len(self.postings)
        self.postings += (Posting(account, asset, amount, lot, expires),
                          Posting(shop, asset, -amount))
        self.attributions += (Attribution(index, self.programme_id, rule),
                              Attribution(index + 1, self.programme_id, rule))
        self.effects += 1

    def points_lot(self, member_id: str) -> tuple[str, date | None]:
        known = self.lots.get(member_id)
        if known is None:
            days = self.points_validity_days
            expires = self.today + timedelta(days=days) if days else None
            known = self.lots[member_id] = (lot_key(member_id, expires), expires)
        return known

    def points(self, amount: int, rule: str, member_id: str | None = None) -> None:
        who = member_id or self.member_id
        lot, expires = self.points_lot(who)
        self._pair(member_account(who), ShopAccount.POINTS_ISSUED, Asset.POINTS, amount, rule,
                   lot, expires)

    def cash_back(self, amount: int, rule: str, member_id: str | None = None) -> None:
        self._pair(member_account(member_id or self.member_id), ShopAccount.CASH_BACK_ISSUED,
                   Asset.CASH_BACK, amount, rule)

    def stamps(self, amount: int, rule: str, member_id: str | None = None) -> None:
        self._pair(member_account(member_id or self.member_id), ShopAccount.STAMPS_ISSUED,
                   Asset.STAMPS, amount, rule)

    def redeem_stamps(self, amount: int, rule: str) -> None:
        self._pair(member_account(self.member_id), ShopAccount.STAMPS_REDEEMED, Asset.STAMPS,
                   -amount, rule)

    def stored_value_bonus(self, amount: int, rule: str, member_id: str | None = None) -> None:
        self._pair(member_account(member_id or self.member_id), ShopAccount.TOP_UP_BONUS,
                   Asset.STORED_VALUE, amount, rule)

    def donate_points(self, amount: int, rule: str) -> None:
        """Points the member earned on this sale, passed on to the charity account."""
        lot, expires = self.points_lot(self.member_id)
        if amount:
            for posting in (Posting(member_account(self.member_id), Asset.POINTS, -amount, lot,
                                    expires),
                            Posting(ShopAccount.CHARITY, Asset.POINTS, amount)):
                self.attributions.append(Attribution(len(self.postings), self.programme_id,
                                                     rule))
                self.postings.append(posting)
            self.effects += 1

    def pledge(self, amount: int, rule: str) -> None:
        """Money the shop pledges to the charity (minor units), on the member's behalf."""
        self._pair(ShopAccount.CHARITY, ShopAccount.DONATIONS_PLEDGED, Asset.DONATION, amount,
                   rule)

    def grant(self, reward: Reward, rule: str, member_id: str | None = None) -> None:
        self.points(reward.points, rule, member_id)
        self.cash_back(reward.cash_back, rule, member_id)
        self.stamps(reward.stamps, rule, member_id)
        self.stored_value_bonus(reward.stored_value, rule, member_id)
        if reward.gift and member_id in (None, self.member_id):
            self.prompt("gift", reward.gift)

    def prompt(self, kind: str, text: str, amount: int = 0) -> None:
        self.prompts.append(Prompt(self.programme_id, kind, text, amount))

    def discount(self, amount: int, rule: str) -> None:
        amount = min(amount, self.basis)
        if amount > 0:
            self.discounts.append(Discount(self.programme_id, rule, amount))
            self.discounted += amount
            self.effects += 1

    def multiplier(self, percent: int) -> None:
        if percent != 100:
            self.multipliers.append(percent)
            self.effects += 1

    def change(self, field_name: str, value: str, key: str = "") -> None:
        self.changes.append(StateChange(field_name, value, key))

    def award(self, key: str) -> None:
        self.change("award", key)

    def result(self, version: int) -> Result:
        return Result(tuple(self.postings), tuple(self.attributions), tuple(self.prompts),
                      tuple(self.discounts), tuple(self.changes), version)

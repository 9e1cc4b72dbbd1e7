"""What the core needs from the outside world, as Protocols (implemented in terminal/store/).

The checkout service opens one session per use case; a write session is one transaction that
commits when the ``with`` block ends normally and rolls back when it raises, so a refusal
never leaves half a change behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from terminal.ledger import Asset, Event
from terminal.lots import Lot
from terminal.member_pins import MemberPin
from terminal.members import Member
from terminal.programmes.member_state import EventFacts
from terminal.staff import Staff
from terminal.vouchers import UsesTaken


class LedgerSession(Protocol):
    # members ---------------------------------------------------------------------------
    def member_by_id(self, member_id: str) -> Member | None: ...
    def member_by_card(self, card_number: str) -> Member | None: ...
    def member_by_phone(self, phone: str) -> Member | None: ...
    def add_member(self, member: Member, code_secret: bytes | None = None,
                   pin_hash: str | None = None) -> None: ...
    def next_card_serial(self, block: int | None = None) -> int:
        """The next card serial: the terminal's old counter, or (``block`` given) the
        counter of its own card range (terminal_number × 1,000,000 + n)."""
        ...

    # members' phone-code secrets and PINs ------------------------------------------------
    def member_code_secret(self, member_id: str) -> bytes | None: ...
    def member_code_windows(self, member_id: str, since: int) -> set[int]:
        """The windows (>= ``since``) of this member's phone codes accepted here."""
        ...
    def record_member_code_window(self, member_id: str, window: int,
                                  forget_before: int) -> None:
        """Remember an accepted window (so a restart does not reopen replays); forget every
        member's windows older than ``forget_before``."""
        ...
    def member_pin(self, member_id: str) -> MemberPin: ...
    def save_member_pin(self, pin: MemberPin) -> None: ...

    # ledger ----------------------------------------------------------------------------
    def balance(self, member_id: str, asset: Asset) -> int: ...
    def balances(self, member_id: str) -> dict[Asset, int]: ...
    def lots(self, member_id: str) -> list[Lot]: ...
    def journal_head(self) -> tuple[int, str]: ...
    def append(self, event: Event) -> None: ...
    def event(self, event_id: str) -> Event | None: ...
    def voided_by(self, event_id: str) -> str | None: ...
    def member_events(self, member_id: str, limit: int) -> list[Event]:
        """The newest events that concern the member (its own, and others posting to its
        account: a transfer received, a referral reward), newest first."""
        ...
    def member_facts(self, member_id: str) -> list[EventFacts]:
        """The member's own events, oldest first, as its programme state needs them."""
        ...
    def set_member_tier(self, member_id: str, tier: str) -> None: ...
    def events_between(self, start: datetime, end: datetime) -> Iterator[Event]: ...

    # vouchers (keys and status pulled from the server by the sync layer) ---------------
    def voucher_keys(self) -> dict[int, bytes]: ...
    def voucher_status(self, voucher_id: str) -> str | None: ...
    def voucher_uses(self, voucher_id: str) -> int: ...

    # meta (what the sync layer pulled, e.g. the programme document) ---------------------
    def get_meta(self, key: str) -> str | None: ...

    # staff -----------------------------------------------------------------------------
    def staff_by_name(self, name: str) -> Staff | None: ...
    def staff_by_id(self, staff_id: str) -> Staff | None: ...
    def all_staff(self) -> list[Staff]: ...
    def save_staff(self, staff: Staff) -> None: ...


class LedgerStore(Protocol):
    def session(self, write: bool = False) -> AbstractContextManager[LedgerSession]: ...


class StoredValueGuard(Protocol):
    """Decides whether a stored-value debit may go ahead (the sync layer's hook).

    Online it asks the server to authorise the debit; offline it applies the offline limits
    (DESIGN §6). It raises a :class:`terminal.errors.LoyaltyError` to refuse. It is called
    inside the sale's write transaction, after the local balance checks passed.
    ``amount`` is the stored value paid (may be 0), ``cash_back`` the cash-back spent in the
    same sale: the guard gives it the same treatment, online and offline (sync/README.md,
    money rules).
    """

    def authorise(self, session: LedgerSession, member_id: str, amount: int,
                  event_id: str, cash_back: int = 0) -> bool:
        """True when the server now holds part of the sale online (the caller then
        releases it with :meth:`release` if the sale fails after all)."""
        ...

    def release(self, event_id: str) -> None:
        """Give back what the server holds for ``event_id``: the sale failed at the till
        after it was authorised (best effort; an unreleased hold expires on the server)."""
        ...


class VoucherGuard(Protocol):
    """Decides whether a verified e-voucher may be redeemed here (the sync layer's hook).

    Called inside the redemption's write transaction, after the offline checks of the
    voucher itself (signature, validity, pulled status, local uses) passed. ``worth`` is what
    the voucher is worth in this sale (an amount-off voucher's face value, a percent-off
    voucher's discount; 0 for a product voucher, whose price the terminal does not know).

    Returns the voucher's uses taken so far at every till (:class:`UsesTaken`: the
    server's count, other tills' redemptions in progress, and this terminal's uses the
    server has not received yet) when the server answered (online: the caller refuses a
    voucher with no use left), or None when it could not be
    reached and the offline voucher limits allowed the redemption (DESIGN §6: within the
    offline window since the last sync, ``worth`` up to ``voucher_face_max``). It raises a
    :class:`terminal.errors.LoyaltyError` (``OfflineRefused``) to refuse.
    """

    def redeemable(self, session: LedgerSession, voucher_id: str,
                   worth: int) -> UsesTaken | None: ...

    def reserve(self, session: LedgerSession, voucher_id: str, worth: int, uses: int,
                event_id: str) -> UsesTaken | None:
        """As :meth:`redeemable`, for the redemption ``event_id`` about to be made: online,
        the server also reserves one use for it when one is left (so two online tills cannot
        both take the last use); the count returned is the uses taken before this one."""
        ...

    def release(self, event_id: str) -> None:
        """Give back what :meth:`reserve` held for ``event_id``: the redemption failed at
        the till after all (best effort; an unreleased hold expires on the server)."""
        ...


class Guard(StoredValueGuard, VoucherGuard, Protocol):
    """Both guards in one object (the sync layer's ``SyncGuard`` is one)."""

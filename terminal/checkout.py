"""The checkout service: the only way the UI or the CLI changes state.

Each use case validates its input, opens one store session, checks permissions and balances,
builds one balanced event (plus an expiry event when a member's lots ran out of date), and
appends it. Any refusal raises a :mod:`terminal.errors` type before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from terminal import ledger
from terminal.codes import CardCode, EInvoiceCarrier, VoucherCode, parse_code
from terminal.errors import (
    AmountTooLarge,
    DuplicateMember,
    InsufficientBalance,
    InvalidAmount,
    InvalidInput,
    NotVoidable,
    PermissionDenied,
    UnknownCode,
    UnknownEvent,
    UnknownMember,
    UnknownUser,
)
from terminal.ids import new_id
from terminal.ledger import (
    Asset,
    Event,
    EventKind,
    Posting,
    ShopAccount,
    member_account,
    member_id_of,
)
from terminal.lots import Lot, allocate, expiring_within, is_expired, lot_key, usable_lots
from terminal.member_codes import (
    ACCEPTED_DRIFT,
    RotatingCode,
    new_member_secret,
    verify_member_code,
    window_of,
)
from terminal.member_codes import (
    RefusalReason as CodeRefusal,
)
from terminal.member_codes import refuse as refuse_code
from terminal.member_pins import (
    MemberPin,
    MemberPinRequired,
    StoredValuePin,
    check_member_pin,
    wrong_member_pin,
)
from terminal.members import (
    CARD_BLOCK,
    DEFAULT_TIER,
    TIERS,
    IdentifiedBy,
    Member,
    card_number_for_serial,
    is_card_number,
    normalise_phone,
    validate_name,
    validate_tier,
)
from terminal.money import Money, format_minor, require_int
from terminal.ports import LedgerSession, LedgerStore, StoredValueGuard, VoucherGuard
from terminal.programmes import (
    Context,
    Discount,
    Document,
    Line,
    MemberState,
    Result,
    Trigger,
    evaluate,
)
from terminal.programmes.at_checkout import (
    PULLED_META_KEY,
    PulledProgrammes,
    lines_after_discount,
)
from terminal.programmes.member_state import member_state
from terminal.rules import Rules
from terminal.staff import (
    Role,
    Staff,
    check_pin,
    hash_pin,
    require_role,
    validate_pin,
    wrong_pin_error,
)
from terminal.vouchers import (
    RefusalReason,
    Voucher,
    VoucherKind,
    refusal,
    uses_left,
    verify_voucher,
)

Clock = Callable[[], datetime]

MAX_TERMINAL_NUMBER = 999  # 999 × CARD_BLOCK + 999,999 still fits a card's 9-digit serial
# Accepted phone-code windows are kept a day (a clock set back must not reopen a replay).
CODE_WINDOWS_KEPT = 24 * 60 * 2


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class MemberView:
    """What the member panel and receipts show about a member right now."""

    member: Member
    points: int
    stored_value: int
    stamps: int
    expiring_soon: tuple[Lot, ...]
    identified_by: IdentifiedBy | None = None  # None: looked up by id, not identified here
    has_pin: bool = False  # the member has set a PIN (for stored value by card)

    @property
    def points_expiring_soon(self) -> int:
        return sum(lot.remaining for lot in self.expiring_soon)


@dataclass(frozen=True, slots=True)
class SalePlan:
    """What a sale will do, shown to the cashier before it commits (all minor units)."""

    member_id: str
    amount: int
    points_redeemed: int
    discount: int
    stored_value_paid: int
    other_tender: int
    points_earned: int
    cash_back_paid: int = 0
    programme_discount: int = 0  # taken off by programmes (tier, membership), after points
    programme_discounts: tuple[Discount, ...] = ()  # each with its programme and rule

    @property
    def due(self) -> int:
        """What the member pays, by stored value, cash-back and other tender together."""
        return self.amount - self.discount - self.programme_discount


@dataclass(frozen=True, slots=True)
class VoucherPlan:
    """What redeeming a scanned voucher will do (shown before it commits)."""

    voucher: Voucher
    discount: int  # minor units off the sale; 0 for product vouchers (the POS rings it up)
    uses_left_after: int


@dataclass(frozen=True, slots=True)
class EventResult:
    event: Event
    member: MemberView | None


@dataclass(frozen=True, slots=True)
class SaleResult:
    event: Event
    plan: SalePlan
    member: MemberView


def _checked_terminal_number(number: object) -> int:
    if not isinstance(number, int) or isinstance(number, bool) \
            or not 1 <= number <= MAX_TERMINAL_NUMBER:
        raise InvalidInput(f"The terminal number must be 1 to {MAX_TERMINAL_NUMBER}, not "
                           f"{number!r}.")
    return number


class _ReleasedOnFailure:
    """Around a use case that asks the server to hold something for ``event_id`` (a
    stored-value debit, a voucher's use): if the use case fails after the hold was made
    (``made``), its event never exists, so the hold is given back at once instead of
    blocking the member's balance or the voucher until it expires. Entered before the write
    session, so a failed commit is covered too."""

    def __init__(self, guard: StoredValueGuard | VoucherGuard | None, event_id: str) -> None:
        self.guard = guard
        self.event_id = event_id
        self.made = False

    def __enter__(self) -> _ReleasedOnFailure:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None and self.made and self.guard is not None:
            self.guard.release(self.event_id)


class CheckoutService:
    def __init__(
        self,
        store: LedgerStore,
        *,
        terminal_id: str,
        rules: Rules | None = None,
        clock: Clock = utc_now,
        timezone: str = "Asia/Taipei",
        stored_value_guard: StoredValueGuard | None = None,
        store_id: str | None = None,
        terminal_number: int | None = None,
        voucher_guard: VoucherGuard | None = None,
    ) -> None:
        self.store = store
        self.terminal_id = terminal_id
        self.rules = rules or Rules()
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.stored_value_guard = stored_value_guard
        # Registered: online the server's redemption count, offline the voucher limits.
        self.voucher_guard = voucher_guard
        self.store_id = store_id  # the server's store, once registered (scopes vouchers)
        self.programmes = PulledProgrammes()  # the server's programme document, once pulled
        # Given by the server at registration: new card numbers come from this terminal's own
        # block, so two offline terminals never mint the same card (None: one shared counter).
        self.terminal_number = (None if terminal_number is None
                                else _checked_terminal_number(terminal_number))

    def adopt_terminal_number(self, number: int) -> None:
        """The server's number for a terminal that had none (a sync round saved it): new card
        numbers come from its block from now on. A number already set is kept."""
        if self.terminal_number is None:
            self.terminal_number = _checked_terminal_number(number)

    # staff -----------------------------------------------------------------------------
    def add_staff(self, actor: Staff | None, name: str, role: Role, pin: str) -> Staff:
        """Create a cashier or manager. ``actor`` None is allowed only for the first user."""
        clean = validate_name(name)
        staff = Staff(new_id(), clean, role, hash_pin(pin))
        with self.store.session(write=True) as session:
            existing = session.all_staff()
            if existing:
                if actor is None:
                    raise UnknownUser("Only a manager can add staff.", reason="manager_adds_staff")
                require_role(actor, Role.MANAGER, "add staff")
            elif role is not Role.MANAGER and actor is None:
                raise InvalidInput("The first user must be a manager.", reason="first_user")
            if any(s.name == clean for s in existing):
                raise InvalidInput(f"There is already a user called {clean}.",
                                   reason="staff_exists", name=clean)
            session.save_staff(staff)
        return staff

    def login(self, name: str | None, pin: str, needed: Role = Role.CASHIER) -> Staff:
        """Check a PIN. ``name`` may be omitted when only one user has the needed role."""
        with self.store.session(write=True) as session:
            staff = self._pick_staff(session, name, needed)
            updated, ok = check_pin(staff, pin, self.clock())
            session.save_staff(updated)
        if not ok:
            raise wrong_pin_error(updated)
        require_role(updated, needed, f"do this ({needed.value} PIN needed)")
        return updated

    def staff_named(self, name: str | None, needed: Role = Role.CASHIER) -> Staff:
        """The user a trusted integration (the shop's POS) acts as, without a PIN."""
        with self.store.session() as session:
            staff = self._pick_staff(session, name, needed)
        require_role(staff, needed, "do this")
        return staff

    def _pick_staff(self, session: LedgerSession, name: str | None, needed: Role) -> Staff:
        if name is not None:
            staff = session.staff_by_name(name)
            if staff is None or not staff.active:
                raise UnknownUser(f"No user called {name!r}.", reason="no_such_user", name=name)
            return staff
        active = [s for s in session.all_staff() if s.active]
        # the only cashier; else, in a shop run by its manager alone, the only manager
        candidates = ([s for s in active if s.role is needed]
                      or [s for s in active if s.role.allows(needed)])
        if not candidates:
            raise UnknownUser(f"There is no {needed.value} on this terminal.", reason="no_role",
                              role=needed.value)
        if len(candidates) > 1:
            raise UnknownUser(f"Several {needed.value}s exist: say which user.",
                              reason="several_roles", role=needed.value)
        return candidates[0]

    # members ---------------------------------------------------------------------------
    def identify(self, code: str) -> MemberView:
        """The member behind a scanned or typed code: a card number or a phone code.

        A phone code (``LM1:``) is checked with the member's secret at this terminal's clock
        (its window ±1) and refused when expired, replayed here, forged, for a member unknown
        here, or for a member whose secret has not reached this terminal yet. An accepted
        window is remembered in the store, so the same code is refused after a restart too.
        """
        parsed = parse_code(code)
        if isinstance(parsed, EInvoiceCarrier):
            raise UnknownMember(
                "That is an e-invoice mobile carrier (手機條碼載具), not a member code: "
                "pass it to the POS.", reason="e_invoice_carrier"
            )
        if isinstance(parsed, VoucherCode):
            raise UnknownMember("That is an e-voucher: identify the member first, then redeem it.",
                                reason="voucher_first")
        if isinstance(parsed, RotatingCode):
            return self._identify_by_phone_code(parsed)
        assert isinstance(parsed, CardCode)
        with self.store.session() as session:
            member = session.member_by_card(parsed.card_number)
            if member is None:
                raise UnknownMember(f"No member has card {parsed.card_number}.",
                                    reason="no_card", card=parsed.card_number)
            return replace(self._view(session, member), identified_by=IdentifiedBy.CARD)

    def _identify_by_phone_code(self, code: RotatingCode) -> MemberView:
        now = self.clock()
        current = window_of(now)
        with self.store.session(write=True) as session:
            member = session.member_by_id(code.member_id)
            if member is None:
                raise refuse_code(CodeRefusal.UNKNOWN_MEMBER)
            secret = session.member_code_secret(member.id)
            if secret is None:
                raise refuse_code(CodeRefusal.NO_SECRET)
            seen = session.member_code_windows(member.id, current - 2 * ACCEPTED_DRIFT)
            window = verify_member_code(code, secret, now, seen)
            session.record_member_code_window(member.id, window, current - CODE_WINDOWS_KEPT)
            return replace(self._view(session, member), identified_by=IdentifiedBy.PHONE_CODE)

    def find_by_phone(self, phone: str) -> MemberView:
        """The member with this phone number (said at the till, typed by the cashier). A phone
        number is no proof of anything: stored value then needs the member's PIN, as by card."""
        clean = normalise_phone(phone)
        with self.store.session() as session:
            member = session.member_by_phone(clean) if clean else None
            if member is None:
                raise UnknownMember(f"No member has phone number {clean or phone.strip()}.",
                                    reason="no_phone", phone=clean or phone.strip())
            return replace(self._view(session, member), identified_by=IdentifiedBy.PHONE_NUMBER)

    def member_view(self, member_id: str) -> MemberView:
        with self.store.session() as session:
            return self._view(session, self._member(session, member_id))

    def history(self, member_id: str, limit: int = 50) -> list[Event]:
        with self.store.session() as session:
            self._member(session, member_id)
            return session.member_events(member_id, limit)

    def enrol(
        self,
        actor: Staff,
        *,
        name: str,
        phone: str = "",
        birthday: date | None = None,
        card_number: str | None = None,
        tier: str = DEFAULT_TIER,
        pin: str | None = None,
        referrer: str | None = None,
    ) -> EventResult:
        """A new member: card, phone-code secret, optional PIN, new-member bonus; one event.

        ``referrer`` (a member's card number, id or phone) is recorded in the body as
        ``referred_by``; the referral programme rewards both at the new member's first
        purchase. With a pulled programme document its new-member bonus replaces the rules'.

        The event carries the member's phone-code secret (``member.code_secret``, hex) and PIN
        hash (``member.pin_hash``) so the server can hand them to the app and other tills.
        """
        require_role(actor, Role.CASHIER, "enrol members")
        clean_name = validate_name(name)
        clean_phone = normalise_phone(phone)
        validate_tier(tier)
        today = self.today()
        if birthday is not None and not date(1900, 1, 1) <= birthday <= today:
            raise InvalidInput(f"Birthday {birthday.isoformat()} is not plausible.")
        if card_number is not None and not is_card_number(card_number):
            raise InvalidInput(f"{card_number!r} is not a valid member card number.")
        pin_hash = None if pin is None else hash_pin(pin)  # scrypt: before the transaction
        secret = new_member_secret()
        with self.store.session(write=True) as session:
            if card_number is None:
                card_number = self._new_card_number(session)
            if session.member_by_card(card_number) is not None:
                raise DuplicateMember(f"Card {card_number} already belongs to a member.",
                                      reason="card", card=card_number)
            if clean_phone and session.member_by_phone(clean_phone) is not None:
                raise DuplicateMember(f"Phone {clean_phone} is already registered.",
                                      reason="phone", phone=clean_phone)
            referrer_id = None if referrer is None else self._referrer(session, referrer)
            member = Member(new_id(), card_number, clean_name, clean_phone, birthday, today,
                            tier)
            session.add_member(member, code_secret=secret, pin_hash=pin_hash)
            event_id = new_id()
            extra: dict[str, object] = {}
            outcome = self._evaluate(session, member, Context(Trigger.ENROL,
                                                              referrer_id=referrer_id), extra)
            if outcome is None:
                postings = self._earn_postings(member.id, self.rules.new_member_bonus, today)
            else:
                postings = list(outcome.postings)
                extra.update(outcome.attribution_body())
                extra["programme_prompts"] = _prompts(outcome)
            body: dict[str, object] = {
                "member": {
                    "id": member.id,
                    "card_number": member.card_number,
                    "name": member.name,
                    "phone": member.phone,
                    "birthday": birthday.isoformat() if birthday else None,
                    "enrolled_on": today.isoformat(),
                    "tier": tier,
                    "code_secret": secret.hex(),
                    "pin_hash": pin_hash,
                },
                "member_id": member.id,
                "bonus_points": _points_to(member_account(member.id), postings),
            }
            if referrer_id is not None:
                body["referred_by"] = referrer_id
            body.update(extra)
            event = self._append(session, actor, EventKind.ENROL, body, postings, event_id)
            return EventResult(event, self._view(session, member))

    def _referrer(self, session: LedgerSession, referrer: str) -> str:
        """The referring member, by card number, member id or phone number."""
        code = referrer.strip()
        found = (session.member_by_card(code) if is_card_number(code)
                 else session.member_by_id(code))
        if found is None and code and code[0] in "+0":
            found = session.member_by_phone(normalise_phone(code))
        if found is None:
            raise UnknownMember(f"No member {code!r} to be the referrer.", reason="no_card",
                                card=code)
        return found.id

    # programme triggers ------------------------------------------------------------------
    def check_in(self, actor: Staff, member_id: str) -> EventResult:
        """The member's daily check-in (每日簽到): once a day, by the pulled document's
        check-in programme (birthday and subscription rewards may come with it)."""
        require_role(actor, Role.CASHIER, "check members in")
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            body: dict[str, object] = {"member_id": member_id}
            outcome = self._evaluate(session, member, Context(Trigger.CHECK_IN), body)
            if outcome is None:
                raise InvalidInput(f"Check-ins need the shop's programme document: "
                                   f"{body.get('programmes_error') or 'none was pulled'}.",
                                   reason="no_programmes")
            if any(p.kind == "already_checked_in" for p in outcome.prompts):
                raise InvalidInput(f"{member.name} has already checked in today.",
                                   reason="already_checked_in", name=member.name)
            if not outcome.postings and not outcome.state_changes:
                raise InvalidInput("No programme gives anything for a check-in today.",
                                   reason="nothing_for_check_in")
            body.update(outcome.attribution_body())
            body["programme_prompts"] = _prompts(outcome)
            event = self._append(session, actor, EventKind.CHECK_IN, body,
                                 list(outcome.postings))
            return EventResult(event, self._view(session, member))

    def issue_due_benefits(self, actor: Staff, member_id: str) -> EventResult | None:
        """Issue the periodic benefits that fell due for the member now identified at the
        till (a subscription's monthly benefit): one ``benefit`` event, or None when nothing
        is due or no programme document was pulled.

        Once per period: the event records the benefit's award key in its body, and the
        member's state is derived from the member's events, so a second scan, a restart or
        the month's first sale finds it given. The till calls this when a member is
        identified, so the benefit can be used in that very sale.
        """
        require_role(actor, Role.CASHIER, "issue members' benefits")
        today = self.today()
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            body: dict[str, object] = {"member_id": member_id}
            document = self._document(session, body)
            if document is None or not any(  # most scans: no need to read the member's state
                    Trigger.VISIT in p.kind.triggers and p.active_on(today)
                    for p in document.programmes):
                return None
            outcome = self._evaluate(session, member, Context(Trigger.VISIT), body)
            if outcome is None or not (outcome.postings or outcome.state_changes):
                return None
            body.update(outcome.attribution_body())
            body["programme_prompts"] = _prompts(outcome)
            event = self._append(session, actor, EventKind.BENEFIT, body,
                                 list(outcome.postings))
            return EventResult(event, self._view(session, member))

    def buy_plan(self, actor: Staff, member_id: str, plan_id: str) -> EventResult:
        """Buy or renew a paid membership or subscription of the pulled document: one
        ``plan`` event with the fee (paid at the POS) and the new last day in its body; a
        subscription's first monthly benefit comes with it."""
        require_role(actor, Role.CASHIER, "sell memberships")
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            body: dict[str, object] = {"member_id": member_id, "plan_id": plan_id}
            outcome = self._evaluate(session, member,
                                     Context(Trigger.PLAN_PURCHASE, plan_id=plan_id), body)
            if outcome is None:
                raise InvalidInput(f"Memberships need the shop's programme document: "
                                   f"{body.get('programmes_error') or 'none was pulled'}.",
                                   reason="no_programmes")
            body["fee"] = sum(p.amount for p in outcome.prompts if p.kind == "plan_fee")
            body["currency"] = self.rules.currency.code
            body["valid_until"] = next(c.value for c in outcome.state_changes
                                       if c.field == "plan")
            body.update(outcome.attribution_body())
            body["programme_prompts"] = _prompts(outcome)
            event = self._append(session, actor, EventKind.PLAN, body, list(outcome.postings))
            return EventResult(event, self._view(session, member))

    def choose_charity(self, actor: Staff, member_id: str,
                       programme_id: str | None) -> EventResult:
        """The charity (an opt-in ``charity`` programme of the pulled document) the member
        gives to from now on, or None for none: one ``preference`` event, no postings."""
        require_role(actor, Role.CASHIER, "record members' choices")
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            body: dict[str, object] = {"member_id": member_id}
            document = self._document(session, body)
            if programme_id is not None:
                programme = None if document is None else document.programme(programme_id)
                if programme is None or programme.type != "charity":
                    raise InvalidInput(f"There is no charity programme {programme_id!r}.",
                                       reason="no_charity", programme=programme_id)
                body["programme_names"] = {programme.id: programme.name}
            body["state_changes"] = [{"field": "charity", "value": programme_id or ""}]
            event = self._append(session, actor, EventKind.PREFERENCE, body, [])
            return EventResult(event, self._view(session, member))

    def _new_card_number(self, session: LedgerSession) -> str:
        """The next free card number: from this terminal's block when it has a number."""
        number = self.terminal_number
        if number is None:
            return card_number_for_serial(session.next_card_serial())
        while True:
            n = session.next_card_serial(number)
            if n >= CARD_BLOCK:
                raise InvalidInput(
                    f"This terminal (number {number}) has used all {CARD_BLOCK - 1:,} card "
                    "numbers of its block: enrol with pre-printed cards (give the card "
                    "number), or register the terminal again for a new number.")
            card = card_number_for_serial(number * CARD_BLOCK + n)
            if session.member_by_card(card) is None:  # e.g. a pre-printed card in the block
                return card

    # member PINs and phone-code secrets ------------------------------------------------
    def member_code_secret(self, member_id: str) -> bytes:
        """The member's phone-code secret (for the app's setup QR after enrolment)."""
        with self.store.session() as session:
            self._member(session, member_id)
            secret = session.member_code_secret(member_id)
        if secret is None:
            raise refuse_code(CodeRefusal.NO_SECRET)
        return secret

    def stored_value_pin_needed(self, identified_by: IdentifiedBy | None) -> bool:
        """Whether paying with stored value needs the member's PIN (rule ``stored_value_pin``).

        Under "card", anything but a phone code counts as a static card: a caller that does
        not say how the member was identified gets the safe answer.
        """
        rule = self.rules.stored_value_pin
        if rule is StoredValuePin.NEVER:
            return False
        return rule is StoredValuePin.ALWAYS or identified_by is not IdentifiedBy.PHONE_CODE

    def set_member_pin(self, actor: Staff, member_id: str, new_pin: str, *,
                       old_pin: str | None = None) -> EventResult:
        """Set or change a member's PIN: one ``member_pin`` event, no postings.

        Any cashier may set the first PIN (the member is at the till, e.g. at enrolment).
        Changing a PIN needs the old one, or a manager (who checks the member's identity;
        this also lifts a lock). A wrong old PIN counts towards the member's lock.
        """
        require_role(actor, Role.CASHIER, "set members' PINs")
        validate_pin(new_pin)
        with self.store.session() as session:
            self._member(session, member_id)
            has_pin = session.member_pin(member_id).pin_hash is not None
        if has_pin and not actor.role.allows(Role.MANAGER):
            if not old_pin:
                raise PermissionDenied("Changing a member's PIN needs the old PIN, or a "
                                       "manager.", reason="member_pin_change")
            self._verify_member_pin(member_id, old_pin)
        pin_hash = hash_pin(new_pin)
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            session.save_member_pin(MemberPin(member_id, pin_hash))
            body = {"member_id": member_id, "pin_hash": pin_hash}
            event = self._append(session, actor, EventKind.MEMBER_PIN, body, [])
            return EventResult(event, self._view(session, member))

    def _verify_member_pin(self, member_id: str, pin: str | None) -> None:
        """Check the member's PIN in its own transaction, so a wrong try is counted even
        though the caller's use case is refused."""
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            state = session.member_pin(member_id)
            by_phone = ("" if self.rules.stored_value_pin is StoredValuePin.ALWAYS
                        else ", or show the phone code")
            if state.pin_hash is None:
                raise MemberPinRequired(f"{member.name} has no PIN for stored value: set a "
                                        f"PIN first{by_phone}.", reason="no_pin",
                                        case="card_only" if by_phone else "always",
                                        name=member.name)
            if not pin:
                raise MemberPinRequired("Paying with stored value needs the member's PIN"
                                        f"{by_phone}.", reason="missing",
                                        case="card_only" if by_phone else "always")
            updated, ok = check_member_pin(state, pin, self.clock())
            session.save_member_pin(updated)
        if not ok:
            raise wrong_member_pin(updated)

    # sale ------------------------------------------------------------------------------
    def plan_sale(
        self,
        member_id: str,
        amount: Money,
        *,
        redeem_points: int = 0,
        stored_value: Money | None = None,
        cash_back: Money | None = None,
        lines: tuple[Line, ...] = (),
    ) -> SalePlan:
        """What :meth:`sale` would do, without doing it (for the confirmation step)."""
        with self.store.session() as session:
            member = self._member(session, member_id)
            lots = [lot for lot in session.lots(member_id) if lot.remaining > 0]
            balances = session.balances(member_id)
            plan, _ = self._plan(member, lots, balances, amount, redeem_points, stored_value,
                                 cash_back, self._sale_programmes(session, member, {}, lines))
            return plan

    def sale(
        self,
        actor: Staff,
        member_id: str,
        amount: Money,
        *,
        redeem_points: int = 0,
        stored_value: Money | None = None,
        identified_by: IdentifiedBy | None = None,
        member_pin: str | None = None,
        cash_back: Money | None = None,
        lines: tuple[Line, ...] = (),
    ) -> SaleResult:
        """Earn + points redemption + stored-value and cash-back payment, in ONE event.

        Paying with stored value needs the member's PIN when :meth:`stored_value_pin_needed`
        says so for ``identified_by`` (how the caller identified the member). Cash-back needs
        no PIN: it is a rebate the shop gave, never money the member paid in, and small; it
        goes through the stored-value guard too (held by the server online; offline, the
        hotlist and the offline limits).
        With a pulled programme document every programme the sale triggers applies, from the
        member's state derived from its events; the state changes (tier, rewards given …)
        are kept in the sale event's body, in the same transaction.
        """
        require_role(actor, Role.CASHIER, "make sales")
        if (isinstance(stored_value, Money) and stored_value.minor > 0
                and self.stored_value_pin_needed(identified_by)):
            self._verify_member_pin(member_id, member_pin)
        today = self.today()
        event_id = new_id()
        with (_ReleasedOnFailure(self.stored_value_guard, event_id) as holds,
              self.store.session(write=True) as session):
            member = self._member(session, member_id)
            # One read of the member's lots and balances serves the whole use case.
            lots = [lot for lot in session.lots(member_id) if lot.remaining > 0]
            if any(is_expired(lot, today) for lot in lots):
                self._expire_lots(session, actor, member_id, lots, today)
                lots = [lot for lot in lots if not is_expired(lot, today)]
            balances = session.balances(member_id)
            balance = balances[Asset.STORED_VALUE]
            extra: dict[str, object] = {}  # the programmes' attribution, kept in the body
            plan, outcome = self._plan(member, lots, balances, amount, redeem_points,
                                       stored_value, cash_back,
                                       self._sale_programmes(session, member, extra, lines))
            if ((plan.stored_value_paid or plan.cash_back_paid)
                    and self.stored_value_guard is not None):
                holds.made = self.stored_value_guard.authorise(
                    session, member_id, plan.stored_value_paid, event_id,
                    cash_back=plan.cash_back_paid)
            account = member_account(member_id)
            postings: list[Posting] = []
            remaining = {lot.lot_id: lot for lot in lots}
            if plan.points_redeemed:
                for lot, take in allocate(lots, plan.points_redeemed, today):
                    postings.append(Posting(account, Asset.POINTS, -take, lot.lot_id))
                    remaining[lot.lot_id] = replace(lot, remaining=lot.remaining - take)
                postings.append(Posting(ShopAccount.POINTS_REDEEMED, Asset.POINTS,
                                        plan.points_redeemed))
            if plan.stored_value_paid:
                postings.append(Posting(account, Asset.STORED_VALUE, -plan.stored_value_paid))
                postings.append(Posting(ShopAccount.STORED_VALUE_SPENT, Asset.STORED_VALUE,
                                        plan.stored_value_paid))
            if plan.cash_back_paid:
                postings.append(Posting(account, Asset.CASH_BACK, -plan.cash_back_paid))
                postings.append(Posting(ShopAccount.CASH_BACK_REDEEMED, Asset.CASH_BACK,
                                        plan.cash_back_paid))
            stamps_added = 0
            if outcome is None:
                earned = self._earn_postings(member_id, plan.points_earned, today)
                stamps_added = self.rules.stamps_per_sale
            else:
                earned = list(outcome.postings)
                extra.update(outcome.attribution_body(offset=len(postings)))
                extra["programme_prompts"] = _prompts(outcome)
                member = self._keep_state_changes(session, member, outcome)
            postings.extend(earned)
            if stamps_added:
                postings.extend(self._stamp_postings(member_id, stamps_added))
            for posting in earned:
                if posting.account == account and posting.asset is Asset.POINTS and posting.lot:
                    before = remaining.get(posting.lot)
                    remaining[posting.lot] = Lot(posting.lot, member_id, posting.expires_on,
                                                 posting.amount
                                                 + (before.remaining if before else 0))
            body = {
                "member_id": member_id,
                "currency": self.rules.currency.code,
                "amount": plan.amount,
                "points_redeemed": plan.points_redeemed,
                "discount": plan.discount,
                "stored_value_paid": plan.stored_value_paid,
                "other_tender": plan.other_tender,
                "points_earned": plan.points_earned,
            }
            if plan.cash_back_paid:
                body["cash_back_paid"] = plan.cash_back_paid
            if identified_by is not None:  # absent: the caller did not say (older events too)
                body["identified_by"] = identified_by.value
            if plan.programme_discount:  # itemised in "programme_discounts" (attribution)
                body["programme_discount"] = plan.programme_discount
            if stamps_added:
                body["stamps_added"] = stamps_added
            body.update(extra)
            event = self._append(session, actor, EventKind.SALE, body, postings, event_id)
            stamps = balances[Asset.STAMPS] + sum(
                p.amount for p in postings if p.account == account and p.asset is Asset.STAMPS)
            view = self._view_from(member, list(remaining.values()),
                                   balance - plan.stored_value_paid, stamps,
                                   identified_by=identified_by,
                                   has_pin=session.member_pin(member_id).pin_hash is not None)
            return SaleResult(event, plan, view)

    def _sale_programmes(self, session: LedgerSession, member: Member,
                         body: dict[str, object],
                         lines: tuple[Line, ...]) -> Callable[[int, int], Result | None]:
        """Evaluates the pulled programme document for a sale of ``amount`` with ``due`` left
        after the points discount (None: no document, the rules apply)."""
        def evaluate_sale(amount: int, due: int) -> Result | None:
            if lines and sum(line.amount for line in lines) != amount:
                raise InvalidInput("The sale lines do not add up to the sale amount.",
                                   reason="lines_total")
            context = Context(Trigger.SALE, due, lines_after_discount(lines, due))
            return self._evaluate(session, member, context, body)
        return evaluate_sale

    # programmes ------------------------------------------------------------------------
    def _document(self, session: LedgerSession, body: dict[str, object]) -> Document | None:
        pulled = self.programmes.get(session.get_meta(PULLED_META_KEY))
        if pulled.error:
            body["programmes_error"] = pulled.error
        return pulled.document

    def programme_state(self, member_id: str) -> MemberState:
        """The member's programme state now (tier, spend, rewards given …), from its events."""
        with self.store.session() as session:
            return self._state(session, self._member(session, member_id))

    def _state(self, session: LedgerSession, member: Member) -> MemberState:
        stamps = session.balances(member.id)[Asset.STAMPS]
        return member_state(member, session.member_facts(member.id), self.today(),
                            self.zone, stamps)

    def _evaluate(self, session: LedgerSession, member: Member, context: Context,
                  body: dict[str, object]) -> Result | None:
        document = self._document(session, body)
        if document is None:
            return None
        result = evaluate(document, context, self._state(session, member), self.clock())
        used = {a.programme_id for a in result.attributions} | {
            d.programme_id for d in result.discounts}
        if used:  # the names as they were, for the receipt and the history
            body["programme_names"] = {p.id: p.name for p in document.programmes
                                       if p.id in used}
        return result

    def _keep_state_changes(self, session: LedgerSession, member: Member,
                            outcome: Result) -> Member:
        """Apply what the event body records to the members table too (the tier, when it is
        one the terminal knows), so the rules, the UI and the POS see the new tier."""
        for change in outcome.state_changes:
            if change.field == "tier" and change.value in TIERS:
                session.set_member_tier(member.id, change.value)
                member = replace(member, tier=change.value)
        return member

    def _plan(self, member: Member, lots: list[Lot], balances: Mapping[Asset, int],
              amount: Money, redeem_points: int, stored_value: Money | None,
              cash_back: Money | None = None,
              programmes: Callable[[int, int], Result | None] | None = None,
              ) -> tuple[SalePlan, Result | None]:
        """The sale's plan and the programmes' result. Points are taken off first; the
        programmes then see what is left (``due``) and their discounts (a tier's or a paid
        membership's percentage, floored to whole minor units by the programme) are taken
        off that, before stored value and cash-back are checked against what is left."""
        total = self._money(amount, "sale amount", self.rules.max_sale_amount)
        points = require_int(redeem_points, "number of points")
        sv = 0 if stored_value is None else self._money(stored_value, "stored-value payment",
                                                        self.rules.max_sale_amount,
                                                        allow_zero=True)
        cb = 0 if cash_back is None else self._money(cash_back, "cash-back payment",
                                                     self.rules.max_sale_amount,
                                                     allow_zero=True)
        balance = balances[Asset.STORED_VALUE]
        discount = self.rules.discount_for(points)
        if discount > total:
            raise InvalidAmount(
                f"{points} points are worth {format_minor(discount, self.rules.currency)}, "
                f"more than the sale of {format_minor(total, self.rules.currency)}.",
                reason="points_over_sale", points=points, discount=discount, total=total,
                currency=self.rules.currency.code,
            )
        available = sum(lot.remaining for lot in usable_lots(lots, self.today()))
        if points > available:
            raise InsufficientBalance(
                f"{member.name} has {available} points; {points} cannot be redeemed.",
                reason="points", name=member.name, available=available, points=points,
            )
        due = total - discount
        outcome = None if programmes is None else programmes(total, due)
        offs = () if outcome is None else outcome.discounts
        off = sum(d.amount for d in offs)
        due -= off  # never below 0: a programme discount is capped at what is left
        if sv > due:
            raise InvalidAmount(
                f"Stored value {format_minor(sv, self.rules.currency)} is more than the "
                f"{format_minor(due, self.rules.currency)} left to pay.",
                reason="stored_value_over_due", stored_value=sv, due=due,
                currency=self.rules.currency.code,
            )
        if sv > balance:
            raise InsufficientBalance(
                f"{member.name} has {format_minor(balance, self.rules.currency)} of stored "
                f"value; {format_minor(sv, self.rules.currency)} cannot be paid with it.",
                reason="stored_value", name=member.name, balance=balance, stored_value=sv,
                currency=self.rules.currency.code,
            )
        if cb > due - sv:
            raise InvalidAmount(
                f"Cash-back {format_minor(cb, self.rules.currency)} is more than the "
                f"{format_minor(due - sv, self.rules.currency)} left to pay.",
                reason="cash_back_over_due", cash_back=cb, due=due - sv,
                currency=self.rules.currency.code,
            )
        have = balances.get(Asset.CASH_BACK, 0)
        if cb > have:
            raise InsufficientBalance(
                f"{member.name} has {format_minor(have, self.rules.currency)} of cash-back; "
                f"{format_minor(cb, self.rules.currency)} cannot be paid with it.",
                reason="cash_back", name=member.name, balance=have, cash_back=cb,
                currency=self.rules.currency.code,
            )
        earned = (self.rules.points_for(due, member.tier) if outcome is None
                  else _points_to(member_account(member.id), list(outcome.postings)))
        return SalePlan(member.id, total, points, discount, sv, due - sv - cb, earned, cb,
                        off, offs), outcome

    # stored value ----------------------------------------------------------------------
    def top_up(self, actor: Staff, member_id: str, amount: Money) -> EventResult:
        require_role(actor, Role.MANAGER, "top up stored value")
        value = self._money(amount, "top-up", self.rules.max_top_up_amount)
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            account = member_account(member_id)
            postings = [
                Posting(account, Asset.STORED_VALUE, value),
                Posting(ShopAccount.STORED_VALUE_FLOAT, Asset.STORED_VALUE, -value),
            ]
            body: dict[str, object] = {"member_id": member_id,
                                       "currency": self.rules.currency.code, "amount": value}
            outcome = self._evaluate(session, member, Context(Trigger.TOP_UP, value), body)
            if outcome is not None and outcome.postings:  # a top-up bonus
                body.update(outcome.attribution_body(offset=len(postings)))
                body["bonus"] = sum(p.amount for p in outcome.postings
                                    if p.account == account)
                postings.extend(outcome.postings)
            event = self._append(session, actor, EventKind.TOP_UP, body, postings)
            return EventResult(event, self._view(session, member))

    # points transfer ------------------------------------------------------------------
    def transfer_points(self, actor: Staff, from_member: str, to_member: str,
                        points: int) -> EventResult:
        """Give points to another member (family, friends): manager only, within limits.

        The points keep their expiry dates: each lot drawn from the giver (soonest-expiring
        first) becomes a lot of the receiver with the same expiry. One event, balanced.
        """
        require_role(actor, Role.MANAGER, "transfer points")
        points = require_int(points, "number of points")
        if points <= 0:
            raise InvalidAmount("Transfer at least 1 point.", reason="transfer_min")
        if points > self.rules.max_points_transfer:
            raise AmountTooLarge(f"A transfer moves at most {self.rules.max_points_transfer:,} "
                                 "points.", reason="transfer_max",
                                 maximum=self.rules.max_points_transfer)
        if from_member == to_member:
            raise InvalidInput("A member cannot transfer points to themselves.",
                               reason="transfer_self")
        today = self.today()
        with self.store.session(write=True) as session:
            giver = self._member(session, from_member)
            self._member(session, to_member)
            self._expire_member_lots(session, actor, from_member, today)
            postings: list[Posting] = []
            for lot, take in allocate(session.lots(from_member), points, today):
                postings.append(Posting(member_account(from_member), Asset.POINTS, -take,
                                        lot.lot_id))
                postings.append(Posting(member_account(to_member), Asset.POINTS, take,
                                        lot_key(to_member, lot.expires_on), lot.expires_on))
            body = {"member_id": from_member, "to_member_id": to_member, "points": points}
            event = self._append(session, actor, EventKind.TRANSFER, body, postings)
            return EventResult(event, self._view(session, giver))

    # stamp cards ----------------------------------------------------------------------
    def add_stamps(self, actor: Staff, member_id: str, count: int = 1) -> EventResult:
        """Stamp the member's card (集點): one event, ``count`` stamps."""
        require_role(actor, Role.CASHIER, "add stamps")
        count = require_int(count, "number of stamps")
        if not 1 <= count <= self.rules.max_stamps_per_visit:
            raise InvalidAmount(f"Add between 1 and {self.rules.max_stamps_per_visit} stamps "
                                "at a time.", reason="stamps_range",
                                maximum=self.rules.max_stamps_per_visit)
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            body = {"member_id": member_id, "stamps": count}
            event = self._append(session, actor, EventKind.STAMP, body,
                                 self._stamp_postings(member_id, count))
            return EventResult(event, self._view(session, member))

    def redeem_stamp_card(self, actor: Staff, member_id: str) -> EventResult:
        """Exchange a full card (``stamp_card_size`` stamps) for the reward."""
        require_role(actor, Role.CASHIER, "redeem stamp cards")
        size = self.rules.stamp_card_size
        with self.store.session(write=True) as session:
            member = self._member(session, member_id)
            have = session.balances(member_id)[Asset.STAMPS]
            if have < size:
                raise InsufficientBalance(
                    f"{member.name} has {have} of the {size} stamps a full card needs.",
                    reason="stamps", name=member.name, have=have, size=size)
            postings = [Posting(member_account(member_id), Asset.STAMPS, -size),
                        Posting(ShopAccount.STAMPS_REDEEMED, Asset.STAMPS, size)]
            body = {"member_id": member_id, "stamps": size, "reward": self.rules.stamp_reward}
            event = self._append(session, actor, EventKind.STAMP_REDEEM, body, postings)
            return EventResult(event, self._view(session, member))

    def _stamp_postings(self, member_id: str, count: int) -> list[Posting]:
        return [Posting(member_account(member_id), Asset.STAMPS, count),
                Posting(ShopAccount.STAMPS_ISSUED, Asset.STAMPS, -count)]

    # e-vouchers -------------------------------------------------------------------------
    def plan_voucher(self, member_id: str | None, text: str,
                     sale_amount: Money | None = None) -> VoucherPlan:
        """Verify a scanned voucher and say what it would take off: the same checks as the
        redemption, the voucher guard's included (so a refusal shows at the scan, not only at
        the confirmation)."""
        with self.store.session() as session:
            plan = self._voucher_plan(session, member_id, text, sale_amount)
            self._voucher_guard_check(session, plan)
            return plan

    def _voucher_guard_check(self, session: LedgerSession, plan: VoucherPlan,
                             event_id: str | None = None) -> bool:
        """With a voucher guard (a registered terminal): online, refuse a voucher with no use
        left at any till (for a redemption ``event_id``, the server also reserves its use:
        True); offline, the guard applies the offline voucher limits."""
        if self.voucher_guard is None:
            return False
        voucher = plan.voucher
        worth = voucher.face_value if voucher.face_value is not None else plan.discount
        if event_id is None:
            used = self.voucher_guard.redeemable(session, voucher.id, worth)
        else:
            used = self.voucher_guard.reserve(session, voucher.id, worth, voucher.uses,
                                              event_id)
        if used is None:
            return False
        # online, none left at any till: refused as used up, or as being redeemed elsewhere
        uses_left(voucher, used.taken, used.held_elsewhere)
        return event_id is not None

    def redeem_voucher(self, actor: Staff, member_id: str | None, text: str,
                       sale_amount: Money | None = None) -> EventResult:
        """Honour a signed e-voucher: one ``voucher_redeem`` event (DESIGN §4).

        The signature, validity, store, member binding, revocation and earlier uses are all
        checked offline with the keys and hotlist last pulled from the server; a second use
        that two offline tills both honoured is settled by the server (first wins, the other
        is posted to ``voucher_double_redemption_loss``). With a voucher guard (a registered
        terminal) the server reserves the redemption's use (a voucher hold: two online tills
        cannot both take the last one); when it cannot be reached the offline voucher limits
        apply (DESIGN §6).
        """
        require_role(actor, Role.CASHIER, "redeem vouchers")
        event_id = new_id()
        with (_ReleasedOnFailure(self.voucher_guard, event_id) as holds,
              self.store.session(write=True) as session):
            member = None if member_id is None else self._member(session, member_id)
            plan = self._voucher_plan(session, member_id, text, sale_amount)
            holds.made = self._voucher_guard_check(session, plan, event_id)
            event = self._append(session, actor, EventKind.VOUCHER_REDEEM,
                                 self._voucher_body(plan, member_id, sale_amount),
                                 self._voucher_postings(plan), event_id=event_id)
            return EventResult(event, None if member is None else self._view(session, member))

    @staticmethod
    def _voucher_postings(plan: VoucherPlan) -> list[Posting]:
        if not plan.discount:
            return []
        return [Posting(ShopAccount.VOUCHERS_HONOURED, Asset.STORED_VALUE, plan.discount),
                Posting(ShopAccount.VOUCHERS_ISSUED, Asset.STORED_VALUE, -plan.discount)]

    @staticmethod
    def _voucher_body(plan: VoucherPlan, member_id: str | None,
                      sale_amount: Money | None) -> dict[str, object]:
        voucher = plan.voucher
        return {
            "member_id": member_id,
            "voucher_id": voucher.id,
            "key_id": voucher.key_id,
            "voucher_kind": voucher.kind.name.lower(),
            "value": voucher.value,
            "face_value": voucher.face_value,
            "uses": voucher.uses,  # as signed: the server flags only uses beyond it
            "discount": plan.discount,
            "sale_amount": None if sale_amount is None else sale_amount.minor,
        }

    def _voucher_plan(self, session: LedgerSession, member_id: str | None, text: str,
                      sale_amount: Money | None) -> VoucherPlan:
        parsed = parse_code(text)
        if not isinstance(parsed, VoucherCode):
            raise UnknownCode("That is not an e-voucher.", reason="not_a_voucher")
        amount = None if sale_amount is None else self._money(
            sale_amount, "sale amount", self.rules.max_sale_amount)
        voucher = verify_voucher(parsed.text, session.voucher_keys(), now=self.clock(),
                                 store_id=self.store_id or "", member_id=member_id,
                                 revoked=(), used=())
        status = session.voucher_status(voucher.id)  # as last pulled from the server
        if status == "revoked":
            raise refusal(RefusalReason.REVOKED, voucher)
        taken = max(session.voucher_uses(voucher.id), 1 if status == "redeemed" else 0)
        left = uses_left(voucher, taken)
        if voucher.kind is VoucherKind.AMOUNT_OFF:
            discount = voucher.value if amount is None else min(voucher.value, amount)
        elif voucher.kind is VoucherKind.PERCENT_OFF:
            if amount is None:
                raise InvalidAmount("A percent-off voucher needs the sale amount.",
                                    reason="percent_needs_amount")
            discount = amount * voucher.value // 100
        else:
            discount = 0
        return VoucherPlan(voucher, discount, left - 1)

    # corrections -----------------------------------------------------------------------
    def void(self, actor: Staff, event_id: str, reason: str = "") -> EventResult:
        """Reverse a sale or top-up with a compensating event (manager only)."""
        require_role(actor, Role.MANAGER, "void or refund")
        with self.store.session(write=True) as session:
            original = session.event(event_id)
            if original is None:
                raise UnknownEvent(f"No event {event_id} on this terminal.", event_id=event_id)
            if original.kind not in (EventKind.SALE, EventKind.TOP_UP, EventKind.STAMP):
                raise NotVoidable(f"A {original.kind.value} event cannot be voided.", reason="kind",
                                  kind=original.kind.value)
            already = session.voided_by(event_id)
            if already is not None:
                raise NotVoidable(f"That {original.kind.value} was already voided by {already}.",
                                  reason="already_voided", kind=original.kind.value,
                                  by=already)
            member_id = str(original.body["member_id"])
            member = self._member(session, member_id)
            reversal = [p.reversed() for p in original.postings]
            self._check_reversal(session, member, reversal)
            body = {"member_id": member_id, "voided_event_id": event_id,
                    "voided_kind": original.kind.value, "voided": dict(original.body),
                    "reason": reason[:200]}
            event = self._append(session, actor, EventKind.VOID, body, reversal)
            return EventResult(event, self._view(session, member))

    def _check_reversal(self, session: LedgerSession, member: Member,
                        reversal: list[Posting]) -> None:
        """Refuse a void that would leave a member (the voided event's, or another it
        rewarded, e.g. a referrer) with a negative points lot or balance."""
        lots: dict[str, int] = {}
        owners_read: set[str] = set()
        change: dict[tuple[str, Asset], int] = {}
        for posting in reversal:
            owner = member_id_of(posting.account)
            if owner is None:
                continue
            if posting.asset is Asset.POINTS:
                if posting.lot is None:
                    continue
                if owner not in owners_read:
                    owners_read.add(owner)
                    lots.update({lot.lot_id: lot.remaining for lot in session.lots(owner)})
                left = lots.get(posting.lot, 0) + posting.amount
                if left < 0:
                    raise NotVoidable(
                        "The points this sale earned were already redeemed or expired: "
                        "it cannot be voided in full.", reason="points_used",
                    )
                lots[posting.lot] = left
            else:
                key = (owner, posting.asset)
                change[key] = change.get(key, 0) + posting.amount
        for (owner, asset), amount in change.items():
            if amount >= 0 or session.balance(owner, asset) + amount >= 0:
                continue
            if asset is Asset.STORED_VALUE:
                raise NotVoidable(
                    "The stored value from this top-up was already spent: it cannot be "
                    "voided in full.", reason="stored_value_spent",
                )
            if asset is Asset.STAMPS:
                raise NotVoidable("These stamps were already exchanged for a reward: "
                                  "they cannot be voided.", reason="stamps_exchanged")
            raise NotVoidable(f"The {asset.value.replace('_', '-')} this event gave was already "
                              "spent: it cannot be voided in full.", reason="spent",
                              asset=asset.value)

    def expire_points(self, actor: Staff, member_id: str) -> EventResult | None:
        """Write an expiry event for the member's out-of-date lots (None when none)."""
        with self.store.session(write=True) as session:
            self._member(session, member_id)
            event = self._expire_member_lots(session, actor, member_id, self.today())
            return None if event is None else EventResult(event, None)

    def _expire_member_lots(self, session: LedgerSession, actor: Staff, member_id: str,
                            today: date) -> Event | None:
        return self._expire_lots(session, actor, member_id, session.lots(member_id), today)

    def _expire_lots(self, session: LedgerSession, actor: Staff, member_id: str,
                     lots: list[Lot], today: date) -> Event | None:
        expired = [lot for lot in lots if lot.remaining > 0 and is_expired(lot, today)]
        if not expired:
            return None
        account = member_account(member_id)
        total = sum(lot.remaining for lot in expired)
        postings = [Posting(account, Asset.POINTS, -lot.remaining, lot.lot_id)
                    for lot in expired]
        postings.append(Posting(ShopAccount.POINTS_EXPIRED, Asset.POINTS, total))
        body = {"member_id": member_id, "points_expired": total}
        return self._append(session, actor, EventKind.EXPIRE, body, postings)

    # helpers ---------------------------------------------------------------------------
    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def _money(self, amount: Money, what: str, maximum: int, allow_zero: bool = False) -> int:
        if not isinstance(amount, Money):
            raise InvalidAmount(f"The {what} must be an amount of money, not {amount!r}.",
                                reason="not_money", what=what)
        if amount.currency != self.rules.currency:
            raise InvalidAmount(f"The {what} must be in {self.rules.currency.code}.",
                                reason="wrong_currency", what=what,
                                currency=self.rules.currency.code)
        value = amount.minor
        if value < 0:
            raise InvalidAmount(f"The {what} cannot be negative.", reason="negative", what=what)
        if value == 0 and not allow_zero:
            raise InvalidAmount(f"The {what} must be more than zero.", reason="zero", what=what)
        if value > maximum:
            raise AmountTooLarge(
                f"The {what} of {format_minor(value, self.rules.currency)} is over the limit "
                f"of {format_minor(maximum, self.rules.currency)}.",
                reason="over_limit", what=what, amount=value, maximum=maximum,
                currency=self.rules.currency.code,
            )
        return value

    def _member(self, session: LedgerSession, member_id: str) -> Member:
        member = session.member_by_id(member_id)
        if member is None:
            raise UnknownMember(f"No member {member_id}.", reason="no_id", member_id=member_id)
        return member

    def _earn_postings(self, member_id: str, points: int, today: date) -> list[Posting]:
        """Points earned today form (or grow) the member's lot that expires on the same day."""
        if points <= 0:
            return []
        days = self.rules.points_validity_days
        expires = today + timedelta(days=days) if days else None
        return [
            Posting(member_account(member_id), Asset.POINTS, points,
                    lot_key(member_id, expires), expires),
            Posting(ShopAccount.POINTS_ISSUED, Asset.POINTS, -points),
        ]

    def _append(self, session: LedgerSession, actor: Staff, kind: EventKind,
                body: Mapping[str, object], postings: list[Posting],
                event_id: str | None = None) -> Event:
        seq, prev_hash = session.journal_head()
        event = ledger.seal(
            id=event_id or new_id(),
            terminal_id=self.terminal_id,
            seq=seq + 1,
            cashier_id=actor.id,
            occurred_at=self.clock(),
            kind=kind,
            body=body,
            postings=postings,
            prev_hash=prev_hash,
        )
        session.append(event)
        return event

    def _view(self, session: LedgerSession, member: Member) -> MemberView:
        balances = session.balances(member.id)
        return self._view_from(member, session.lots(member.id), balances[Asset.STORED_VALUE],
                               balances[Asset.STAMPS],
                               has_pin=session.member_pin(member.id).pin_hash is not None)

    def _view_from(self, member: Member, lots: list[Lot], stored_value: int,
                   stamps: int, identified_by: IdentifiedBy | None = None,
                   has_pin: bool = False) -> MemberView:
        today = self.today()
        return MemberView(
            member=member,
            points=sum(lot.remaining for lot in usable_lots(lots, today)),
            stored_value=stored_value,
            stamps=stamps,
            expiring_soon=tuple(expiring_within(lots, today, self.rules.expiring_soon_days)),
            identified_by=identified_by,
            has_pin=has_pin,
        )


def _prompts(outcome: Result) -> list[list[object]]:
    return [[p.programme_id, p.kind, p.text, p.amount] for p in outcome.prompts]


def _points_to(account: str, postings: list[Posting]) -> int:
    return sum(p.amount for p in postings if p.account == account and p.asset is Asset.POINTS)

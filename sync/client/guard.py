"""The money guard the checkout service calls before a stored-value or cash-back debit
(terminal.ports).

Online: the server authorises each debit, stored value and cash-back alike (a hold each, made
by a conditional update on its side: no overdraft, even with several tills at once).
Offline (the server cannot be reached, or does not know the member yet): the offline limits
last pulled from the server apply to what it did not authorise (:mod:`terminal.limits`), and
the debit is recorded so the next ones count it. The same holds when the server says "not
enough" while this till has credits for the member it has not pushed yet (a top-up made here
a moment ago, before the next round): the server's balance is behind, the till's is not.
Vouchers: online the server reserves one use for the redemption (:meth:`SyncGuard.reserve`, a
voucher hold: two online tills cannot both take a single-use voucher) and says how often it
was used at every till (:meth:`SyncGuard.redeemable`, at the scan); offline the voucher limits
apply (the window since the last sync, face value).
A terminal that was never registered is standalone: its local balance check is the rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sync.client import localdb
from sync.client.credentials import Credentials, load_credentials
from sync.client.transport import SyncRefused, SyncUnavailable, Transport
from terminal.errors import InsufficientBalance, LoyaltyError
from terminal.ledger import Asset
from terminal.limits import check_offline_debit, check_offline_voucher
from terminal.ports import LedgerSession
from terminal.store.repositories import SqliteSession
from terminal.vouchers import UsesTaken

log = logging.getLogger(__name__)

SV = Asset.STORED_VALUE.value
CASH_BACK = Asset.CASH_BACK.value


def utc_now() -> datetime:
    return datetime.now(UTC)


def _refusal(exc: SyncRefused, asset: str, amount: int) -> LoyaltyError:
    """The server's refusal of a hold as the till says it: not enough stored value (reason
    ``server``) or cash-back (``server_cash_back``), or the server's own reason."""
    if exc.reason_code == "insufficient_balance":
        message = exc.message.removeprefix("The server refused: ")
        if asset == CASH_BACK:
            return InsufficientBalance(message, reason="server_cash_back", cash_back=amount)
        return InsufficientBalance(message, reason="server", stored_value=amount)
    # code "refused" with the server's reason (bad_credential: the terminal was revoked or
    # the server replaced), so the app can say it in its language
    return SyncRefused(exc.message, exc.reason_code, exc.status)


class SyncGuard:
    def __init__(self, data_dir: Path, *, clock: Callable[[], datetime] = utc_now,
                 timeout: float = 2.0,
                 transport_factory: Callable[[Credentials], Transport] | None = None) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.timeout = timeout
        self.transport_factory = transport_factory or (
            lambda c: Transport(c.server_url, c.token, timeout=self.timeout))

    def authorise(self, session: LedgerSession, member_id: str, amount: int,
                  event_id: str, cash_back: int = 0) -> bool:
        """``amount`` of stored value and ``cash_back`` of cash-back for the sale
        ``event_id``: each held by the server when it can be reached. A refusal of either
        refuses the sale (and releases what was already held for it); what the server did
        not authorise (unreachable, or a member not pushed yet) follows the offline rules
        (so a hotlisted member cannot spend it, and it counts against the offline limits).
        True when the server holds part of the sale (the caller releases it if the sale
        fails after all)."""
        if not isinstance(session, SqliteSession):
            raise TypeError("SyncGuard needs the SQLite store's session")
        creds = load_credentials(self.data_dir)
        if creds is None:
            return False
        # cash-back first: a server from before cash-back holds is found out before it holds
        # any stored value for this sale (it would take the cash-back ask for stored value)
        wanted = {asset: value for asset, value in ((CASH_BACK, cash_back), (SV, amount))
                  if value > 0}
        held = self._hold(creds, member_id, event_id, wanted,
                          lambda asset: localdb.unpushed_credit(session, member_id, asset) > 0
                          ) if wanted else set()
        offline = 0 if SV in held else amount
        offline_cash_back = 0 if CASH_BACK in held else cash_back
        if not offline and not offline_cash_back:
            return bool(held)
        now = self.clock()
        try:
            check_offline_debit(localdb.offline_limits(session), amount=offline, now=now,
                                last_sync=localdb.last_success(session),
                                hotlisted=localdb.hotlisted(session, member_id),
                                usage=localdb.offline_usage(session, member_id),
                                cash_back=offline_cash_back)
        except LoyaltyError:
            if held:  # the server held part of the sale just before it became unreachable
                with self.transport_factory(creds) as transport:
                    self._release(transport, event_id)
            raise
        localdb.record_offline_debit(session, event_id, member_id,
                                     offline + offline_cash_back, now)
        return bool(held)

    def redeemable(self, session: LedgerSession, voucher_id: str,
                   worth: int) -> UsesTaken | None:
        """The voucher's redemptions at every till (online: the server's count plus this
        till's uses not pushed yet), or None once the offline voucher limits allowed it (the
        server could not be reached); standalone: None.

        "Online" is the same test as for stored value: the server answered this very
        request, with the terminal's credential, within the guard's timeout. The request
        reads (no write): it is the check at the scan; the redemption reserves
        (:meth:`reserve`)."""
        if not isinstance(session, SqliteSession):
            raise TypeError("SyncGuard needs the SQLite store's session")
        creds = load_credentials(self.data_dir)
        if creds is None:
            return None
        try:
            with self.transport_factory(creds) as transport:
                state = transport.voucher(voucher_id)
            # the server's count, the uses other tills hold now, and this till's uses it has
            # not received yet: every till's uses, none twice (a pushed use is in the
            # server's count, this till's own holds are among its unpushed uses)
            held = int(state.get("held", 0))
            return UsesTaken(int(state["redemptions"]) + held
                             + len(localdb.unpushed_voucher_redemptions(session, voucher_id)),
                             held)
        except SyncRefused as exc:  # bad_credential (revoked, server replaced): say why
            raise SyncRefused(exc.message, exc.reason_code, exc.status) from None
        except SyncUnavailable:
            pass
        self._offline_voucher(session, worth)
        return None

    def reserve(self, session: LedgerSession, voucher_id: str, worth: int, uses: int,
                event_id: str) -> UsesTaken | None:
        """The redemption ``event_id`` of a voucher signed for ``uses``: online, the server
        reserves one use for it when one is left at every till, and the uses taken before
        it are returned (``uses`` or more: none was left, nothing held, the caller refuses).
        Offline (or a server from before voucher holds: its count, unreserved) as
        :meth:`redeemable`. The hold is consumed by the redemption's push; if the
        redemption fails after all, the caller releases it (:meth:`release`)."""
        if not isinstance(session, SqliteSession):
            raise TypeError("SyncGuard needs the SQLite store's session")
        creds = load_credentials(self.data_dir)
        if creds is None:
            return None
        pending = localdb.unpushed_voucher_redemptions(session, voucher_id)
        try:
            with self.transport_factory(creds) as transport:
                answer = transport.hold_voucher(voucher_id, event_id, uses, pending)
            used = int(answer["redemptions"])
            elsewhere = int(answer.get("held_elsewhere", 0))
            # not held: no use left (the count says so; never let it read otherwise)
            return UsesTaken(used if answer.get("held") is True else max(used, uses),
                             elsewhere)
        except SyncRefused as exc:
            if exc.status in (404, 405):  # an older server: no voucher holds, only the count
                log.warning("the server does not hold vouchers (it is older than voucher "
                            "holds): its count decides, unreserved")
                return self.redeemable(session, voucher_id, worth)
            raise SyncRefused(exc.message, exc.reason_code, exc.status) from None
        except SyncUnavailable:
            pass
        self._offline_voucher(session, worth)
        return None

    def release(self, event_id: str) -> None:
        """Release what the server holds for ``event_id`` (a voucher's use, stored value,
        cash-back): the redemption or sale failed at the till after the hold, so its event
        will never arrive. Best effort: a server that cannot be reached lets the holds
        expire (``hold_seconds``)."""
        creds = load_credentials(self.data_dir)
        if creds is None:
            return
        with self.transport_factory(creds) as transport:
            self._release(transport, event_id)

    def _offline_voucher(self, session: SqliteSession, worth: int) -> None:
        """The offline voucher limits: they raise to refuse."""
        check_offline_voucher(localdb.offline_limits(session), face_value=worth,
                              now=self.clock(), last_sync=localdb.last_success(session))

    def _hold(self, creds: Credentials, member_id: str, event_id: str,
              wanted: dict[str, int], behind: Callable[[str], bool]) -> set[str]:
        """The assets the server now holds for the event. A refusal raises (after the holds
        already made for the event are released); an unreachable server, a member it does
        not know yet, or "not enough" of an asset the server is ``behind`` on (this till
        has credits of it not pushed yet) stops the asking: the offline rules apply to the
        rest."""
        held: set[str] = set()
        with self.transport_factory(creds) as transport:
            for asset, amount in wanted.items():
                try:
                    answer = transport.authorise(member_id, amount, event_id, asset)
                except SyncUnavailable:
                    return held
                except SyncRefused as exc:
                    if exc.reason_code == "unknown_member":
                        return held  # a member enrolled here and not yet pushed
                    if exc.reason_code == "insufficient_balance" and behind(asset):
                        log.info("the server has not seen this till's latest %s credit for "
                                 "the member yet: the offline rules apply", asset)
                        return held
                    if held:
                        self._release(transport, event_id)
                    raise _refusal(exc, asset, amount) from None
                if answer.get("asset", SV) != asset:
                    log.warning("the server does not hold %s (it is older than cash-back "
                                "holds): the offline rules apply to this sale", asset)
                    return held
                held.add(asset)
        return held

    @staticmethod
    def _release(transport: Transport, event_id: str) -> None:
        """Release the event's holds: the sale is refused, so its event never arrives. When
        the server cannot say yes, the holds expire on their own (``HOLD_SECONDS``)."""
        try:
            transport.release(event_id)
        except (SyncUnavailable, SyncRefused) as exc:
            log.warning("holds of refused sale %s not released (they expire): %s", event_id,
                        exc.message)

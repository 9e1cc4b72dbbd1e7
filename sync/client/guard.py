"""The stored-value guard the checkout service calls before a debit (terminal.ports).

Online: the server authorises the debit (a conditional update on its side: no overdraft).
Offline (the server cannot be reached): the offline limits last pulled from the server apply
(:mod:`terminal.limits`), and the debit is recorded so the next ones count it.
Cash-back is never asked of the server: it always follows the offline rules (sync/README.md).
Vouchers (:meth:`SyncGuard.redeemable`): online the server says how often a voucher was used
at every till; offline the voucher limits apply (the window since the last sync, face value).
A terminal that was never registered is standalone: its local balance check is the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sync.client import localdb
from sync.client.credentials import Credentials, load_credentials
from sync.client.transport import SyncRefused, SyncUnavailable, Transport
from terminal.errors import InsufficientBalance
from terminal.limits import check_offline_debit, check_offline_voucher
from terminal.ports import LedgerSession
from terminal.store.repositories import SqliteSession


def utc_now() -> datetime:
    return datetime.now(UTC)


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
                  event_id: str, cash_back: int = 0) -> None:
        """``amount`` of stored value (the server authorises it when it can be reached) and
        ``cash_back`` (never asked of the server: always under the offline rules, so a
        hotlisted member cannot spend it and it counts against the offline limits)."""
        if not isinstance(session, SqliteSession):
            raise TypeError("SyncGuard needs the SQLite store's session")
        creds = load_credentials(self.data_dir)
        if creds is None:
            return
        offline = amount if amount > 0 and not self._authorised(creds, member_id, amount,
                                                                  event_id) else 0
        if not offline and not cash_back:
            return
        now = self.clock()
        check_offline_debit(localdb.offline_limits(session), amount=offline, now=now,
                            last_sync=localdb.last_success(session),
                            hotlisted=localdb.hotlisted(session, member_id),
                            usage=localdb.offline_usage(session, member_id),
                            cash_back=cash_back)
        localdb.record_offline_debit(session, event_id, member_id, offline + cash_back, now)

    def redeemable(self, session: LedgerSession, voucher_id: str, worth: int) -> int | None:
        """The server's count of the voucher's redemptions (online), or None once the offline
        voucher limits allowed it (the server could not be reached); standalone: None.

        "Online" is the same test as for stored value: the server answered this very
        request, with the terminal's credential, within the guard's timeout. The request is
        a read of one row (no hold, no write): vouchers are not reserved, a double use
        between two online tills in the same second is still settled by the push rules."""
        if not isinstance(session, SqliteSession):
            raise TypeError("SyncGuard needs the SQLite store's session")
        creds = load_credentials(self.data_dir)
        if creds is None:
            return None
        try:
            with self.transport_factory(creds) as transport:
                return int(transport.voucher(voucher_id)["redemptions"])
        except SyncRefused as exc:  # bad_credential (revoked, server replaced): say why
            raise SyncRefused(exc.message, exc.reason_code, exc.status) from None
        except SyncUnavailable:
            pass
        check_offline_voucher(localdb.offline_limits(session), face_value=worth,
                              now=self.clock(), last_sync=localdb.last_success(session))
        return None

    def _authorised(self, creds: Credentials, member_id: str, amount: int,
                    event_id: str) -> bool:
        """True: the server holds ``amount`` for the event; False: it cannot be reached (or
        does not know the member yet), so the offline rules apply."""
        try:
            with self.transport_factory(creds) as transport:
                transport.authorise(member_id, amount, event_id)
            return True
        except SyncRefused as exc:
            if exc.reason_code == "insufficient_balance":
                raise InsufficientBalance(exc.message.removeprefix("The server refused: "),
                                          reason="server", stored_value=amount) from None
            if exc.reason_code != "unknown_member":
                # code "refused" with the server's reason (bad_credential: the terminal was
                # revoked or the server replaced), so the app can say it in its language
                raise SyncRefused(exc.message, exc.reason_code, exc.status) from None
            return False  # a member enrolled here and not yet pushed
        except SyncUnavailable:
            return False

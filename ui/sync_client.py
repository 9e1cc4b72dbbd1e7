"""The real sync client (``sync/client``) behind the UI's :class:`ui.sync_status.SyncPort`.

A round (push, pull, check) runs on the UI's network lane, never on the UI thread. It reads
and writes the local store in short transactions of its own (``sync.client.round``); SQLite's
locking and busy timeout serialise them with the database worker's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from sync.client import localdb
from sync.client.credentials import Credentials
from sync.client.round import run_round
from sync.client.transport import Transport
from terminal.errors import LoyaltyError
from terminal.money import TWD, Currency, format_minor
from terminal.store.repositories import SqliteLedgerStore
from ui.errors import error_text
from ui.sync_status import Conflict, SyncState

log = logging.getLogger(__name__)

TransportFactory = Callable[[Credentials], Transport]


class ClientSyncPort:
    """``data_dir``: where ``sync.json`` is; a round then saves the terminal's number into a
    file that has none and hands it to ``on_terminal_number`` (the running checkout service:
    its new cards come from the terminal's own block at once, not after a restart)."""

    def __init__(self, store: SqliteLedgerStore, creds: Credentials, *, timeout: float = 10.0,
                 transport_factory: TransportFactory | None = None,
                 currency: Currency = TWD, data_dir: Path | None = None,
                 on_terminal_number: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.currency = currency  # of the amounts the server flags
        self.creds = creds
        self.data_dir = data_dir
        self._on_terminal_number = on_terminal_number
        self._factory = transport_factory or (
            lambda c: Transport(c.server_url, c.token, timeout=timeout))
        self._lock = threading.Lock()
        self._online = False
        self._detail = QCoreApplication.translate("sync", "not synced yet")
        self._conflicts: tuple[Conflict, ...] = ()

    def state(self) -> SyncState:
        with self.store.session() as session:
            waiting = localdb.pending_count(session)
            last = localdb.last_success(session)
        with self._lock:
            return SyncState(self._online, waiting, last, "" if self._online else self._detail,
                             self._conflicts)

    def sync_now(self) -> SyncState:
        try:
            with self._factory(self.creds) as transport:
                report = run_round(self.store, self.creds, transport, data_dir=self.data_dir)
                flags = transport.conflicts()
            if report.terminal_number_saved and report.terminal_number is not None \
                    and self._on_terminal_number is not None:
                self._on_terminal_number(report.terminal_number)
        except LoyaltyError as exc:
            log.info("sync round failed: %s", exc.message)  # the technical detail, in English
            with self._lock:
                self._online = False
                self._detail = error_text(exc)  # in the screen's language
        else:
            with self._lock:
                self._online = True
                self._detail = ""
                self._conflicts = tuple(describe_flag(flag, self.currency) for flag in flags)
        return self.state()


def conflict_labels() -> dict[str, str]:
    """Translated names of the kinds of flag the server raises (sync.server.service)."""
    q = QCoreApplication  # q.translate(context, text): the form pyside6-lupdate finds
    return {
        "stored_value_overdraft": q.translate("sync", "Stored value overdrawn offline"),
        "points_overdraft": q.translate("sync", "Points overdrawn offline"),
        "cash_back_overdraft": q.translate("sync", "Cash-back overdrawn on several tills"),
        "voucher_double_redemption": q.translate("sync", "Voucher redeemed twice"),
        "malformed_voucher": q.translate("sync", "Voucher redemption without a voucher"),
        "unknown_member": q.translate("sync", "Member unknown to the server"),
        "foreign_member": q.translate("sync", "Member of another store"),
        "invalid_member_secret": q.translate("sync", "Member's phone-app secret not accepted"),
        "invalid_pin_hash": q.translate("sync", "Member PIN change not accepted"),
        "unbookable_event": q.translate("sync", "Event kept but not booked"),
    }


# kinds whose amount is money (minor units); points_overdraft's is points
_MONEY_KINDS = {"stored_value_overdraft", "cash_back_overdraft", "voucher_double_redemption"}


def describe_flag(flag: dict[str, Any], currency: Currency = TWD) -> Conflict:
    """One line per conflict the server flagged (when, what, amount, member), translated;
    the server's identifier and its English detail go to the tooltip."""
    kind = str(flag.get("kind", "?"))
    parts = [str(flag.get("created_at", ""))[:16], conflict_labels().get(kind, kind)]
    amount = flag.get("amount")
    if isinstance(amount, int) and not isinstance(amount, bool) and amount:
        if kind in _MONEY_KINDS:
            parts.append(format_minor(amount, currency))
        elif kind == "points_overdraft":
            parts.append(QCoreApplication.translate("sync", "{points} points").format(
                points=f"{amount:,}"))
        else:
            parts.append(str(amount))
    if flag.get("member_id"):
        parts.append(QCoreApplication.translate("sync", "member {member}").format(
            member=flag["member_id"]))
    return Conflict(kind, " · ".join(p for p in parts if p), str(flag.get("detail") or ""))

"""The real sync client (``sync/client``) behind the UI's :class:`ui.sync_status.SyncPort`.

A round (push, pull, check) runs on the UI's network lane, never on the UI thread. It reads
and writes the local store in short transactions of its own (``sync.client.round``); SQLite's
locking and busy timeout serialise them with the database worker's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from sync.client import localdb
from sync.client.credentials import Credentials
from sync.client.round import run_round
from sync.client.transport import Transport
from terminal.errors import LoyaltyError
from terminal.store.repositories import SqliteLedgerStore
from ui.errors import error_text
from ui.sync_status import SyncState

log = logging.getLogger(__name__)

TransportFactory = Callable[[Credentials], Transport]


class ClientSyncPort:
    def __init__(self, store: SqliteLedgerStore, creds: Credentials, *, timeout: float = 10.0,
                 transport_factory: TransportFactory | None = None) -> None:
        self.store = store
        self.creds = creds
        self._factory = transport_factory or (
            lambda c: Transport(c.server_url, c.token, timeout=timeout))
        self._lock = threading.Lock()
        self._online = False
        self._detail = QCoreApplication.translate("sync", "not synced yet")
        self._conflicts: tuple[str, ...] = ()

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
                run_round(self.store, self.creds, transport)
                flags = transport.conflicts()
        except LoyaltyError as exc:
            log.info("sync round failed: %s", exc.message)  # the technical detail, in English
            with self._lock:
                self._online = False
                self._detail = error_text(exc)  # in the screen's language
        else:
            with self._lock:
                self._online = True
                self._detail = ""
                self._conflicts = tuple(describe_flag(flag) for flag in flags)
        return self.state()


def describe_flag(flag: dict[str, Any]) -> str:
    """One line per conflict the server flagged (kind, amount, member, detail)."""
    parts = [str(flag.get("created_at", ""))[:16], str(flag.get("kind", "?"))]
    amount = flag.get("amount")
    if isinstance(amount, int) and amount:
        parts.append(str(amount))
    if flag.get("member_id"):
        parts.append(QCoreApplication.translate("sync", "member {member}").format(
            member=flag["member_id"]))
    if flag.get("detail"):
        parts.append(str(flag["detail"]))
    return " · ".join(p for p in parts if p)

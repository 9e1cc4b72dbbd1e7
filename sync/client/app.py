"""Composition helpers for a terminal app (the UI or a long-running CLI): one call each."""

from __future__ import annotations

from pathlib import Path

from sync.client.credentials import load_credentials
from sync.client.guard import SyncGuard
from sync.client.round import RoundReport, run_round
from sync.client.transport import Transport
from sync.client.worker import SyncWorker
from terminal.errors import LoyaltyError
from terminal.store.repositories import SqliteLedgerStore


class NotRegistered(LoyaltyError):
    code = "not_registered"


def sync_once(data_dir: Path, store: SqliteLedgerStore) -> RoundReport:
    """One round with the credential in ``data_dir`` (raises NotRegistered without one)."""
    creds = load_credentials(data_dir)
    if creds is None:
        raise NotRegistered("This terminal is not registered with a server.")
    with Transport(creds.server_url, creds.token) as transport:
        return run_round(store, creds, transport, data_dir=data_dir)


def make_worker(data_dir: Path, store: SqliteLedgerStore, interval: float = 30.0) -> SyncWorker:
    """A background worker running :func:`sync_once`; call ``start()``, ``trigger()``,
    ``stop()``; show ``status`` in the status bar."""
    return SyncWorker(lambda: sync_once(data_dir, store), interval=interval)


def make_guard(data_dir: Path) -> SyncGuard:
    """The ``stored_value_guard`` and ``voucher_guard`` to give
    :class:`terminal.checkout.CheckoutService`."""
    return SyncGuard(data_dir)

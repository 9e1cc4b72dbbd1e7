"""Shared helpers for the core and store tests (imported by tests as ``terminal_testkit``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from terminal.checkout import CheckoutService
from terminal.staff import Staff
from terminal.store.local import LocalStore, open_local_store
from terminal.store.paths import DB_NAME

START = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Taipei


@dataclass
class FakeClock:
    """A clock the test moves by hand (the store and everything else are real)."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Shop:
    local: LocalStore
    service: CheckoutService
    clock: FakeClock
    manager: Staff
    cashier: Staff


def fresh_store(template: Path, folder: Path) -> LocalStore:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / DB_NAME)
    return open_local_store(folder)

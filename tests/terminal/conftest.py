"""Fixtures for the domain core and the local store: real SQLite files in tmp dirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from terminal_testkit import FakeClock, Shop, fresh_store

from terminal.checkout import CheckoutService
from terminal.staff import Role
from terminal.store.local import open_local_store
from terminal.store.paths import DB_NAME


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database file, copied for each test (migrating once is faster)."""
    folder = tmp_path_factory.mktemp("template")
    local = open_local_store(folder)
    local.close()
    return folder / DB_NAME


@pytest.fixture
def shop(template_db: Path, tmp_path: Path) -> Iterator[Shop]:
    local = fresh_store(template_db, tmp_path / "shop")
    clock = FakeClock()
    service = CheckoutService(local.store, terminal_id=local.terminal_id, clock=clock)
    manager = service.add_staff(None, "Manager Mei", Role.MANAGER, "9999")
    cashier = service.add_staff(manager, "Cashier Kai", Role.CASHIER, "1111")
    yield Shop(local, service, clock, manager, cashier)
    local.close()

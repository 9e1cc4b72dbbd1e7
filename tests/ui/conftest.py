"""Fixtures for the UI tests: real widgets (offscreen) over a real SQLite store.

A demo shop is seeded once per session into a template directory; each test gets a copy, so
tests are independent and fast. ``make_terminal`` builds the whole app (ui.app.build_terminal)
and closes it after the test, checking that no worker thread was left behind.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_testkit import DemoShop

from terminal.checkout import CheckoutService
from terminal.config import CONFIG_NAME, DEFAULT_CONFIG, load_config
from terminal.demo import SteppingClock, seed_demo
from terminal.members import card_number_for_serial
from terminal.store.local import open_local_store
from ui.app import AppOptions, Terminal, build_terminal
from ui.i18n import choose_font


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    path = tmp_path_factory.mktemp("demo-template")
    (path / CONFIG_NAME).write_text(DEFAULT_CONFIG.replace("My Shop", "測試咖啡 Test Café"),
                                    encoding="utf-8")
    config = load_config(path)
    local = open_local_store(path)
    try:
        clock = SteppingClock(datetime.now(UTC))
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=config.rules, clock=clock, timezone=config.timezone)
        seed_demo(service)
    finally:
        local.close()
    return DemoShop(path, [card_number_for_serial(n) for n in range(1, 21)])


@pytest.fixture
def shop_dir(demo_shop: DemoShop, tmp_path: Path) -> Path:
    target = tmp_path / "terminal-data"
    shutil.copytree(demo_shop.path, target)
    return target


def _worker_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate()
                  if t.name.startswith(("loyalty-", "device-")) and t.is_alive())


@pytest.fixture
def make_terminal(qapp: QApplication, qtbot: QtBot,
                  shop_dir: Path) -> Iterator[Callable[..., Terminal]]:
    qapp.setFont(choose_font())
    built: list[Terminal] = []

    def make(**overrides: Any) -> Terminal:
        options: dict[str, Any] = {
            "data_dir": shop_dir,
            "idle_lock_s": 0,
            "sync_interval_s": 0,
            "devices_config": {"wedge": {}, "printer": {"transport": "dummy"}},
        }
        options.update(overrides)
        terminal = build_terminal(qapp, AppOptions(**options))
        built.append(terminal)
        qtbot.addWidget(terminal.window)
        terminal.window.show()
        # a demo terminal seeds its demo shop first: slow on a loaded 2-core CI machine
        qtbot.waitUntil(lambda: terminal.window.login.staff.count() > 0,
                        timeout=20000 if options.get("demo") else 5000)
        return terminal

    yield make
    for terminal in built:
        terminal.close()
    qtbot.waitUntil(lambda: not _worker_threads(), timeout=5000)



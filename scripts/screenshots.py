#!/usr/bin/env python3
"""Screenshots of the real windows for the README: ``python scripts/screenshots.py``.

Runs offscreen (no display needed): starts the app on a fresh demo shop with simulated
devices, drives it like a cashier and a manager would, and saves PNGs under
docs/screenshots/. Traditional Chinese by default; ``--lang en`` for English.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.app import AppOptions, build_terminal, prepare_app  # noqa: E402
from ui.i18n import install_translator  # noqa: E402

SIZE = (1280, 800)


def pump(app: QApplication, until: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return
        time.sleep(0.01)
    raise RuntimeError("the app did not get there in time")


def settle(app: QApplication, seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", choices=["zh_TW", "en"], default="zh_TW")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    suffix = "" if args.lang == "zh_TW" else "-en"
    args.out.mkdir(parents=True, exist_ok=True)
    app = prepare_app()
    install_translator(app, args.lang)
    terminal = build_terminal(app, AppOptions(demo=True, language=args.lang, idle_lock_s=0,
                                              receipt_previews=False))
    window = terminal.window
    try:
        window.resize(*SIZE)
        window.show()
        login = window.login
        pump(app, lambda: login.staff.count() > 0 and login.submit_button.isEnabled())
        statuses = terminal.ctx.bridge.statuses
        pump(app, lambda: terminal.ctx.demo_scan is not None and all(
            statuses().get(name) is not None and statuses()[name].ok
            for name in ("scanner", "printer")))
        login.select("林小美")
        login.pin.setText("11")
        settle(app)
        shot(window.grab(), args.out / f"login{suffix}.png")

        login.pin.setText("1111")
        login.submit()
        checkout = window.checkout
        pump(app, lambda: window.stack.currentWidget() is checkout)
        pump(app, lambda: checkout.demo_cards.count() > 0 and bool(
            checkout.demo_cards.itemText(0).split()[0].strip()))
        card = terminal.ctx.demo_cards[0][0]
        assert terminal.ctx.demo_scan is not None
        terminal.ctx.demo_scan(card)  # through the simulated serial scanner
        pump(app, lambda: checkout.card is not None)
        checkout.amount_input.setText("1280")
        checkout.redeem_most()
        checkout.review_sale()
        pump(app, lambda: checkout.confirm.pending)
        settle(app)
        shot(window.grab(), args.out / f"checkout{suffix}.png")

        checkout.confirm.confirm()
        pump(app, lambda: checkout.result.text() != "")
        window.open_manager()
        unlock = window.unlock
        pump(app, lambda: unlock.staff.count() > 0)
        unlock.pin.setText("9999")
        unlock.submit()
        manager = window.manager
        pump(app, lambda: window.stack.currentWidget() is manager)
        manager.tabs.setCurrentIndex(0)
        manager.load_report()
        pump(app, lambda: manager.report_table.rowCount() > 0)
        settle(app, 1.0)
        shot(window.grab(), args.out / f"manager{suffix}.png")

        manager.tabs.setCurrentWidget(manager.analytics)
        pump(app, lambda: manager.analytics.figures is not None)
        settle(app, 1.0)
        shot(window.grab(), args.out / f"analytics{suffix}.png")
    finally:
        terminal.close()
    return 0


def shot(pixmap: object, path: Path) -> None:
    from PySide6.QtGui import QPixmap

    assert isinstance(pixmap, QPixmap)
    if not pixmap.save(str(path)):
        raise OSError(f"cannot write {path}")
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    raise SystemExit(main())

"""``loyalty-terminal``: the composition root of the cashier app.

Builds the store, the checkout service, the background runner, the devices (through
``devices.registry``), the sync port and the window, wires them together, and tears them down
in order. ``--demo`` starts on a fresh demo shop with simulated devices, so every flow can be
tried without hardware.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from devices.scanners.wedge import WedgeDetector
from sync.client.credentials import load_credentials
from terminal.checkout import CheckoutService
from terminal.config import CONFIG_NAME, DEFAULT_CONFIG, TerminalConfig, load_config
from terminal.demo import DEMO_CASHIER, DEMO_MANAGER, SteppingClock, seed_demo
from terminal.errors import LoyaltyError
from terminal.members import card_number_for_serial
from terminal.programmes.at_checkout import PULLED_META_KEY
from terminal.store.paths import resolve_data_dir
from ui.bridge import DeviceBridge
from ui.context import AppContext, Session
from ui.demo_programmes import demo_document
from ui.errors import error_text
from ui.i18n import choose_font, install_translator, pick_language
from ui.keyboard import IdleWatcher, WedgeKeyFilter
from ui.main_window import MainWindow
from ui.ops import Lane, Op, TaskRunner
from ui.pos_inbox import PosInbox
from ui.queries import event_count
from ui.style import STYLE_SHEET
from ui.sync_status import (
    Backoff,
    DemoSync,
    LazyGuard,
    LazySyncPort,
    NoSync,
    SyncController,
    SyncPort,
)

if TYPE_CHECKING:
    from devices.registry import DeviceSet
    from devices.simulated import DemoCamera
    from terminal.store.local import LocalStore

log = logging.getLogger(__name__)

DEFAULT_IDLE_LOCK_S = 180
DEMO_SHOP = "好日子咖啡 Good Day Coffee"  # Big5 receipts have no "é"


@dataclass
class AppOptions:
    data_dir: Path | None = None
    demo: bool = False
    language: str | None = None
    idle_lock_s: float | None = None
    sync_interval_s: float = 60.0  # between good rounds; 0: no background rounds
    sync_backoff: Backoff | None = None  # after failed rounds (default: 5 s doubling to 300 s)
    sync_port: SyncPort | None = None  # injected by tests; else from the config
    devices_config: Mapping[str, Any] | None = None  # a [devices] table overriding the config
    simulated_scanner: bool = True  # --demo: a pty-backed serial scanner
    simulated_camera: bool = True  # --demo: a camera reading generated frames (DemoCamera)
    receipt_previews: bool = True  # --demo: PNG previews of printed receipts


@dataclass
class Terminal:
    """The running app's parts; :meth:`close` stops them in order."""

    window: MainWindow
    ctx: AppContext
    idle: IdleWatcher
    wedge: WedgeKeyFilter | None
    app: QApplication
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    closed: bool = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.window.close()
        self.app.removeEventFilter(self.idle)
        if self.wedge is not None:
            self.app.removeEventFilter(self.wedge)
        self.ctx.sync.stop()
        self.ctx.runner.shutdown()  # waits for running work (e.g. devices being built)
        self.app.processEvents()  # deliver what the workers finished
        if self.ctx.devices is not None:
            self.ctx.devices.stop()
        if self.ctx.opened_local is not None:
            self.ctx.opened_local.close()
        for step in reversed(self.cleanup):
            step()
        self.window.deleteLater()


@dataclass
class DemoHands:
    """What the demo's buttons do to the simulated devices (None: that device is absent)."""

    scan: Callable[[str], None] | None = None  # type a code into the pty scanner
    show_camera: Callable[[str], None] | None = None  # hold a code up to the camera


def _demo_devices(data_dir: Path, options: AppOptions,
                  cleanup: list[Callable[[], None]]) -> tuple[dict[str, Any], DemoHands]:
    """The demo's devices: keyboard wedge, a dummy printer (PNG previews), a serial scanner
    on a pseudo-terminal that the "Demo: scan this card" button types into, and a camera
    whose frames are generated pictures of the counter (``DemoCamera``): "Demo: show to the
    camera" puts the chosen card's QR code in them, and the camera pipeline decodes it."""
    table: dict[str, Any] = {"wedge": {}, "printer": {"transport": "dummy"}}
    if options.receipt_previews:
        table["printer"]["preview_dir"] = str(data_dir / "receipts")
    hands = DemoHands()
    if options.simulated_scanner:
        try:
            from devices.simulated import PtyScanner

            pty = PtyScanner()
        except (ImportError, OSError) as exc:
            log.warning("no simulated scanner: %s", exc)
        else:
            cleanup.append(pty.close)
            table["scanner"] = {"port": pty.port, "reconnect_min_s": 0.2}
            hands.scan = pty.type_code
    if options.simulated_camera:
        try:
            from devices.simulated import DemoCamera

            camera = DemoCamera(data_dir / "demo-camera")
        except (ImportError, OSError) as exc:
            log.warning("no simulated camera: %s", exc)
        else:
            table["camera"] = camera.config()
            hands.show_camera = _held_up(camera)
    return table, hands


def _held_up(camera: DemoCamera, hold_ms: int = 3000) -> Callable[[str], None]:
    """Show a code to the demo camera for ``hold_ms``, then take it away (so the same card
    can be shown again); a later show replaces an earlier one. Called on the UI thread."""
    shown = [0]

    def show(code: str) -> None:
        shown[0] += 1
        serial = shown[0]
        camera.show(code)
        QTimer.singleShot(hold_ms, lambda: camera.hide() if serial == shown[0] else None)

    return show


def _open_store(data_dir: Path, config: TerminalConfig, demo: bool
                ) -> tuple[LocalStore, CheckoutService]:
    """Open (migrate) the store and build the checkout service; on the database worker."""
    from terminal.store.local import open_local_store
    from terminal.store.registration import terminal_number

    local = open_local_store(data_dir, create=True)
    try:
        # Stored-value and cash-back debits are authorised by the server when registered and
        # vouchers checked with it (offline limits apply when it cannot be reached); a
        # terminal never registered is standalone.
        guard = LazyGuard(data_dir)
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=config.rules, timezone=config.timezone,
                                  stored_value_guard=guard, voucher_guard=guard,
                                  terminal_number=terminal_number(data_dir))
        if demo:
            with local.store.session() as session:
                empty = not session.all_staff()
            if empty:
                seeding = CheckoutService(local.store, terminal_id=local.terminal_id,
                                          rules=config.rules,
                                          clock=SteppingClock(service.clock()),
                                          timezone=config.timezone)
                seed_demo(seeding)
                with local.store.session(write=True) as session:  # as a pull stores it
                    session.set_meta(PULLED_META_KEY, json.dumps(demo_document(config.rules)))
    except BaseException:
        local.close()
        raise
    return local, service


def _sync_port(ctx: AppContext, options: AppOptions) -> SyncPort:
    if options.sync_port is not None:
        return options.sync_port
    creds = load_credentials(ctx.data_dir)
    store, currency = ctx.store, ctx.rules.currency
    if creds is not None:
        def adopt(number: int) -> None:  # a number saved by a round: new cards use it now
            if ctx.opened_service is not None:
                ctx.opened_service.adopt_terminal_number(number)

        def client_port() -> SyncPort:
            from ui.sync_client import ClientSyncPort  # httpx, msgspec: loaded off the UI

            return ClientSyncPort(store, creds, currency=currency, data_dir=ctx.data_dir,
                                  on_terminal_number=adopt)

        return LazySyncPort(client_port)
    if options.demo:
        return DemoSync(lambda: event_count(store))
    return NoSync()


def build_terminal(app: QApplication, options: AppOptions) -> Terminal:
    """Build the window (not shown) and start opening the store, the devices and sync in the
    background. Raises LoyaltyError when the config cannot be used; a store that cannot be
    opened is explained on the sign-in screen."""
    cleanup: list[Callable[[], None]] = []
    data_dir = options.data_dir
    if options.demo and data_dir is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="loyalty-demo-"))
        cleanup.append(lambda: shutil.rmtree(temp_dir, ignore_errors=True))
        data_dir = temp_dir
    data_dir = resolve_data_dir(data_dir)
    if options.demo:
        data_dir.mkdir(parents=True, exist_ok=True)
        config_path = data_dir / CONFIG_NAME
        if not config_path.exists():
            config_path.write_text(DEFAULT_CONFIG.replace('name = "My Shop"',
                                                          f'name = "{DEMO_SHOP}"'),
                                   encoding="utf-8")
    config = load_config(data_dir)
    runner = TaskRunner()
    bridge = DeviceBridge()
    session = Session()
    sync = SyncController(NoSync(), runner, int(options.sync_interval_s * 1000),
                          backoff=options.sync_backoff)

    shop = config.raw.get("shop", {})
    idle_s = options.idle_lock_s
    if idle_s is None:
        configured = shop.get("idle_lock_seconds") if isinstance(shop, Mapping) else None
        idle_s = float(configured) if isinstance(configured, int | float) else DEFAULT_IDLE_LOCK_S
    idle_ms = int(idle_s * 1000)
    ctx = AppContext(
        data_dir=data_dir, config=config, runner=runner, bridge=bridge, sync=sync,
        session=session, devices=None, demo=options.demo, demo_scan=None,
        demo_cards=[(card_number_for_serial(n), "") for n in range(1, 21)] if options.demo
        else [], idle_lock_ms=idle_ms)
    idle = IdleWatcher(idle_ms)
    app.installEventFilter(idle)
    window = MainWindow(ctx, idle)
    terminal = Terminal(window, ctx, idle, None, app, cleanup)

    login = window.login
    login.submit_button.setEnabled(False)
    login.set_message(QCoreApplication.translate("MainWindow", "Preparing the demo shop…")
                      if options.demo else "")

    def opened(parts: tuple[LocalStore, CheckoutService]) -> None:
        ctx.attach(*parts)
        if terminal.closed:
            return
        login.submit_button.setEnabled(True)
        if options.demo:
            login.set_message(QCoreApplication.translate("MainWindow",
                "Demo shop: cashier {cashier} PIN {cashier_pin}, manager {manager} PIN "
                "{manager_pin}.").format(cashier=DEMO_CASHIER[0], cashier_pin=DEMO_CASHIER[1],
                                         manager=DEMO_MANAGER[0], manager_pin=DEMO_MANAGER[1]))
            _load_demo_names(terminal)
        login.reload_staff()
        sync.set_port(_sync_port(ctx, options))
        sync.start()
        _start_devices(terminal, data_dir, config.devices, options)

    def failed(message: str) -> None:
        login.set_message(message, True)
        _start_devices(terminal, data_dir, config.devices, options)

    def open_store() -> None:
        if not terminal.closed:
            Op(lambda: _open_store(data_dir, config, options.demo)).success(opened).failure(
                failed).run(runner)

    # Start once the event loop runs, i.e. after the window is shown: the store's imports
    # (SQLAlchemy) then do not compete with building the window; devices load after it.
    QTimer.singleShot(0, open_store)
    _install_wedge(terminal, config.devices, options)
    inbox = PosInbox(data_dir, config.rules.currency.code, runner, window)
    inbox.amount_received.connect(window.checkout.pos_amount)
    inbox.problem.connect(lambda message: window.checkout.say(message, True))
    inbox.check()  # an amount left from before the start
    return terminal


def _install_wedge(terminal: Terminal, configured: Mapping[str, Any],
                   options: AppOptions) -> None:
    """The keyboard-wedge filter from the first moment (its detector is Qt-free and light;
    the other devices load later on their own thread)."""
    from devices.config import WedgeConfig, parse_devices_config

    table = options.devices_config if options.devices_config is not None else configured
    if options.demo and not table:
        table = {"wedge": {}}
    section = parse_devices_config({"devices": table}).wedge
    if isinstance(section, WedgeConfig):
        detector = WedgeDetector(section, terminal.ctx.bridge.on_code("scanner"))
        terminal.wedge = WedgeKeyFilter(detector)
        terminal.app.installEventFilter(terminal.wedge)


def _start_devices(terminal: Terminal, data_dir: Path, configured: Mapping[str, Any],
                   options: AppOptions) -> None:
    """Build and start the devices on the devices lane (python-escpos and OpenCV take a
    second to import); the window is usable meanwhile and the status bar fills in."""
    bridge = terminal.ctx.bridge

    def build() -> tuple[DeviceSet, DemoHands]:
        from devices.registry import build_devices

        table: Mapping[str, Any] = configured
        hands = DemoHands()
        if options.demo and not table:
            table, hands = _demo_devices(data_dir, options, terminal.cleanup)
        if options.devices_config is not None:
            table = options.devices_config
        devices = build_devices({"devices": table}, on_code=bridge.on_code("scanner"),
                                on_status=lambda name, status: bridge.on_status(name)(status))
        devices.start()
        return devices, hands

    def ready(built: tuple[DeviceSet, DemoHands]) -> None:
        devices, hands = built
        terminal.ctx.devices = devices
        if terminal.closed:
            return  # close() stops them
        terminal.ctx.demo_scan = hands.scan
        terminal.ctx.demo_camera = hands.show_camera
        if devices.wedge is not None and terminal.wedge is None:
            terminal.wedge = WedgeKeyFilter(devices.wedge)
            terminal.app.installEventFilter(terminal.wedge)
        for name, status in devices.statuses().items():
            bridge.status_changed.emit(name, status)

    def failed(message: str) -> None:
        log.error("devices could not be started: %s", message)

    Op(build, Lane.DEVICES).success(ready).failure(failed).run(terminal.ctx.runner)


def _load_demo_names(terminal: Terminal) -> None:
    """Fill the demo card picker with the members' names (read on the DB worker)."""
    store = terminal.ctx.store
    cards = [card for card, _name in terminal.ctx.demo_cards]

    def names() -> list[tuple[str, str]]:
        with store.session() as session:
            found = [(card, session.member_by_card(card)) for card in cards]
        return [(card, member.name) for card, member in found if member is not None]

    def show(pairs: list[tuple[str, str]]) -> None:
        terminal.ctx.demo_cards = pairs
        combo = getattr(terminal.window.checkout, "demo_cards", None)
        if combo is not None:
            combo.clear()
            for card, name in pairs:
                combo.addItem(f"{name}  {card}", card)

    Op(names).success(show).run(terminal.ctx.runner)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="loyalty-terminal",
                                     description="The loyalty terminal's cashier app.")
    parser.add_argument("--demo", action="store_true",
                        help="start on a fresh demo shop with simulated devices "
                             f"(cashier PIN {DEMO_CASHIER[1]}, manager PIN {DEMO_MANAGER[1]})")
    parser.add_argument("--data-dir", type=Path,
                        help="data directory (default: $LOYALTY_DATA_DIR or the user data dir)")
    parser.add_argument("--lang", choices=["zh_TW", "en"],
                        help="user interface language (default: the config, then the locale)")
    parser.add_argument("--idle-lock", type=float, metavar="SECONDS",
                        help=f"lock after this long idle (default {DEFAULT_IDLE_LOCK_S}; 0: never)")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen (kiosk)")
    return parser.parse_args(argv)


def prepare_app(argv0: str = "loyalty-terminal") -> QApplication:
    """The QApplication with the terminal's name, TC font and style sheet."""
    app = QApplication.instance() or QApplication([argv0])
    assert isinstance(app, QApplication)
    app.setApplicationName("loyalty-terminal")
    app.setFont(choose_font())
    app.setStyleSheet(STYLE_SHEET)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=os.environ.get("LOYALTY_LOG", "WARNING"))
    app = prepare_app(sys.argv[0])
    options = AppOptions(data_dir=args.data_dir, demo=args.demo, language=args.lang,
                         idle_lock_s=args.idle_lock)
    try:
        configured_language = None
        if args.data_dir is not None or not args.demo:
            try:
                configured_language = load_config(resolve_data_dir(args.data_dir)).language
            except LoyaltyError:
                configured_language = None
        install_translator(app, pick_language(args.lang, configured_language or (
            "zh_TW" if args.demo else None)))
        terminal = build_terminal(app, options)
    except LoyaltyError as exc:
        QMessageBox.critical(None, "loyalty-terminal", error_text(exc))
        print(f"loyalty-terminal: {exc.message}", file=sys.stderr)
        return 2
    if args.fullscreen:
        terminal.window.showFullScreen()
    else:
        terminal.window.show()
    _quit_on_signals(app)
    try:
        return app.exec()
    finally:
        terminal.close()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl-C / SIGTERM (systemd) close the app cleanly: stores closed, devices stopped."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda _n, _f: app.quit())
    ticker = QTimer(app)  # Python sees a signal only when Python code runs: tick now and then
    ticker.timeout.connect(lambda: None)
    ticker.start(300)


if __name__ == "__main__":
    raise SystemExit(main())

"""Manager mode, the idle lock, printer failures and the status bar over a real store."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import CASHIER, MANAGER, DemoShop, MakeTerminal, member_now, scan, sign_in

from devices.base import DeviceState
from terminal.reports import CashierTotals
from terminal.store.local import open_local_store
from ui.app import Terminal
from ui.ops import Op
from ui.queries import report_for_day


def today_totals(terminal: Terminal) -> CashierTotals:
    local = open_local_store(terminal.ctx.local.path.parent, create=False)
    try:
        report = report_for_day(local.store, terminal.ctx.service.today(), terminal.ctx.zone)
        return report.by_cashier.get(CASHIER[0], CashierTotals())
    finally:
        local.close()


def unlock_manager(qtbot: QtBot, terminal: Terminal) -> None:
    window = terminal.window
    window.checkout.manager_requested.emit()
    qtbot.waitUntil(lambda: window.unlock.staff.count() == 1, timeout=5000)
    window.unlock.pin.setText(MANAGER[1])
    window.unlock.submit()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.manager, timeout=5000)


def sell(qtbot: QtBot, terminal: Terminal, card: str, amount: int) -> None:
    scan(qtbot, terminal, card)
    checkout = terminal.window.checkout
    checkout.amount_input.setText(str(amount))
    checkout.review_sale()
    qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: "Sale recorded" in checkout.result.text(), timeout=5000)


def test_manager_sees_the_day_report_and_liability(qtbot: QtBot, make_terminal: MakeTerminal,
                                                   demo_shop: DemoShop,
                                                   clear_of_midnight: None) -> None:
    terminal = make_terminal()
    earlier = today_totals(terminal)  # the demo history includes sales from earlier today
    sign_in(qtbot, terminal)
    sell(qtbot, terminal, demo_shop.cards[3], 777)
    unlock_manager(qtbot, terminal)
    manager = terminal.window.manager
    manager.tabs.setCurrentIndex(0)
    manager.load_report()
    table = manager.report_table
    qtbot.waitUntil(lambda: table.rowCount() >= 2, timeout=5000)
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert CASHIER[0] in rows
    assert table.item(rows[CASHIER[0]], 2).text() == f"NT${earlier.sales_amount + 777:,}"
    assert table.item(rows["Total"], 1).text() == str(earlier.sales + 1)
    manager.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: manager.liability_sv.text() != "", timeout=5000)
    total_sv = sum(member_now(terminal, card).stored_value for card in demo_shop.cards)
    total_points = sum(member_now(terminal, card).points for card in demo_shop.cards)
    assert manager.liability_sv.text() == f"NT${total_sv:,}"
    assert manager.liability_points.text().startswith(f"{total_points:,} points")


def test_manager_voids_a_sale_and_the_points_go_back(qtbot: QtBot, make_terminal: MakeTerminal,
                                                     demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    card = demo_shop.cards[5]
    before = member_now(terminal, card)
    sell(qtbot, terminal, card, 500)
    assert member_now(terminal, card).points > before.points
    checkout = terminal.window.checkout
    checkout.review_void_last()  # a cashier may ask, but the core refuses
    checkout.confirm.confirm()
    qtbot.waitUntil(lambda: checkout.result.property("problem") is True, timeout=5000)
    assert member_now(terminal, card).points > before.points
    unlock_manager(qtbot, terminal)
    manager = terminal.window.manager
    manager.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: manager.void_table.rowCount() > 0, timeout=5000)
    assert manager.void_table.item(0, 3).text() == "NT$500"  # newest first
    manager.void_table.selectRow(0)
    manager.void_reason.setText("wrong amount")
    manager.review_void()
    assert manager.void_confirm.pending
    assert "wrong amount" in manager.void_confirm.body.text()
    manager.void_confirm.confirm()
    qtbot.waitUntil(lambda: "Voided" in manager.message.text(), timeout=5000)
    assert member_now(terminal, card).points == before.points
    qtbot.waitUntil(lambda: manager.void_table.item(0, 4) is not None
                    and manager.void_table.item(0, 4).text() == "voided", timeout=5000)


def test_a_failing_printer_does_not_block_a_sale(qtbot: QtBot, make_terminal: MakeTerminal,
                                                 demo_shop: DemoShop, tmp_path: object) -> None:
    terminal = make_terminal(devices_config={
        "wedge": {},
        "printer": {"transport": "file", "path": "/nonexistent-dir/printer.bin",
                    "retry_min_s": 0.05, "retry_max_s": 0.2}})
    status_label = terminal.window.status.devices["printer"]
    qtbot.waitUntil(lambda: status_label.property("problem") is True, timeout=5000)
    sign_in(qtbot, terminal)
    card = demo_shop.cards[7]
    before = member_now(terminal, card)
    sell(qtbot, terminal, card, 300)
    assert member_now(terminal, card).points > before.points
    assert terminal.ctx.devices is not None and terminal.ctx.devices.printer is not None
    printer = terminal.ctx.devices.printer
    qtbot.waitUntil(lambda: printer.status.state in (DeviceState.DISCONNECTED,
                                                     DeviceState.ERROR, DeviceState.MISSING),
                    timeout=5000)
    assert len(printer.pending()) == 1  # the receipt waits for the printer, the sale did not
    sell(qtbot, terminal, card, 200)  # and the next sale goes through as well
    assert "nonexistent-dir" in status_label.toolTip()


def test_the_test_print_reaches_the_printer(qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal, MANAGER)
    terminal.window.open_manager()
    manager = terminal.window.manager
    manager.tabs.setCurrentIndex(3)
    assert manager.device_table.rowCount() >= 2
    qtbot.mouseClick(manager.findChild(QWidget, "testPrintButton"),  # type: ignore[arg-type]
                     Qt.MouseButton.LeftButton)
    assert terminal.ctx.devices is not None and terminal.ctx.devices.printer is not None
    assert terminal.ctx.devices.printer.wait_idle(5)
    assert terminal.ctx.devices.printer.printer.dummy_output


def test_the_screen_locks_after_the_idle_time(qtbot: QtBot, make_terminal: MakeTerminal,
                                              demo_shop: DemoShop) -> None:
    # a long idle time while signing in and scanning (a scan is not key or mouse activity, so
    # it does not restart the timer); shortened once the member is on the screen
    terminal = make_terminal(idle_lock_s=60)
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, demo_shop.cards[0])
    window = terminal.window
    assert window.stack.currentWidget() is window.checkout
    assert terminal.idle.armed
    terminal.idle.set_timeout(0.4)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login, timeout=5000)
    assert terminal.ctx.session.user is None
    assert window.checkout.card is None  # the member's data is off the screen
    assert "without activity" in window.login.message.text()
    assert window.login.selected_name() == CASHIER[0]


def test_activity_keeps_the_screen_unlocked(qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    # 4 × 300 ms outlasts the 1 s idle time (no key presses: locked), each gap leaves 700 ms
    terminal = make_terminal(idle_lock_s=1.0)
    sign_in(qtbot, terminal)
    window = terminal.window
    for _ in range(4):
        qtbot.wait(300)
        qtbot.keyClick(window.checkout.amount_input, Qt.Key.Key_5)
    assert window.stack.currentWidget() is window.checkout
    assert terminal.ctx.session.user is not None


def test_a_wrong_pin_is_refused_in_plain_words(qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    login = terminal.window.login
    login.select(CASHIER[0])
    login.pin.setText("0000")
    login.submit()
    qtbot.waitUntil(lambda: login.message.property("problem") is True, timeout=5000)
    assert "Wrong PIN" in login.message.text()
    assert terminal.window.stack.currentWidget() is login


def test_a_lookup_finishing_after_the_lock_does_not_show_the_member(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    release = threading.Event()
    Op(lambda: release.wait(10)).run(terminal.ctx.runner)  # the worker is busy …
    terminal.ctx.bridge.on_code("scanner")(demo_shop.cards[11])  # … so this lookup waits
    terminal.window.lock(idle=True)
    release.set()
    qtbot.waitUntil(lambda: terminal.ctx.runner.pending == 0, timeout=5000)
    assert terminal.window.checkout.card is None
    assert terminal.window.checkout.panel.name.text() == ""


def test_the_last_receipt_can_be_reprinted(qtbot: QtBot, make_terminal: MakeTerminal,
                                           demo_shop: DemoShop) -> None:
    terminal = make_terminal()
    sign_in(qtbot, terminal)
    sell(qtbot, terminal, demo_shop.cards[12], 321)
    assert terminal.ctx.devices is not None and terminal.ctx.devices.printer is not None
    queue = terminal.ctx.devices.printer
    assert queue.wait_idle(5)
    printed_once = len(queue.printer.dummy_output)
    amount_once = queue.printer.dummy_output.count(b"NT$321")
    assert amount_once > 0
    checkout = terminal.window.checkout
    qtbot.keyClick(checkout.code_input, Qt.Key.Key_F8)
    assert "Reprinting" in checkout.result.text()
    assert queue.wait_idle(5)
    assert len(queue.printer.dummy_output) > printed_once
    assert queue.printer.dummy_output.count(b"NT$321") == 2 * amount_once

"""Manager mode end to end: a conflict made by two offline tills reaches the manager's list.

Real parts only: the sync server on 127.0.0.1, this app over a copy of the demo shop, and a
second till (its own SQLite file, the checkout service with the real sync guard).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, MakeTerminal, SyncServer, scan, sign_in

from sync.client import localdb
from sync.client.credentials import Credentials, load_credentials
from sync.client.guard import SyncGuard
from sync.client.round import RoundReport, run_round
from sync.client.transport import Transport
from sync.server import service as service_module
from terminal.checkout import CheckoutService
from terminal.config import load_config
from terminal.money import Money
from terminal.staff import Role
from terminal.store.local import LocalStore, open_local_store
from ui.i18n import I18N_DIR, build_qm, install_translator, qm_path
from ui.sync_client import conflict_labels, describe_flag


def sync_round(local: LocalStore, creds: Credentials) -> RoundReport:
    with Transport(creds.server_url, creds.token, timeout=30) as transport:
        report = run_round(local.store, creds, transport)
    assert not report.problems, report.problems
    return report


def conflict_lines(manager: QWidget) -> list[str]:
    conflicts = manager.conflicts  # type: ignore[attr-defined]
    return [conflicts.item(i).text() for i in range(conflicts.count())]


def test_two_offline_tills_overspend_a_member_and_the_manager_sees_the_flag_after_sync_now(
        qtbot: QtBot, make_terminal: MakeTerminal, shop_dir: Path, tmp_path: Path) -> None:
    """GIVEN a member with NT$800 of stored value, known to this till and to a second one
    WHEN both tills, offline, take NT$600 from it, the other till syncs first and the
    manager presses "Sync now" THEN the server flags this till's debit as an overdraft and
    the manager's conflict list shows it."""
    server = SyncServer(tmp_path).start()
    other_dir = tmp_path / "other-till"
    other_dir.mkdir()
    here = open_local_store(shop_dir, create=False)
    other = open_local_store(other_dir)
    here_open = True
    try:
        # this till: a new member with NT$800, registered and synced (history included)
        config = load_config(shop_dir)
        service = CheckoutService(here.store, terminal_id=here.terminal_id, rules=config.rules,
                                  timezone=config.timezone)
        manager = service.login(*MANAGER, needed=Role.MANAGER)
        enrolled = service.enrol(manager, name="衝突測試", pin="2580")
        member = enrolled.event.body["member_id"]
        assert isinstance(member, str)
        card = service.member_view(member).member.card_number
        service.top_up(manager, member, Money(800))
        store_id = server.register(shop_dir, here.terminal_id)
        here_creds = load_credentials(shop_dir)
        assert here_creds is not None
        assert sync_round(here, here_creds).pushed > 0
        here.close()  # from now on the app has the file
        here_open = False

        # the other till: same store, pulls the member and its balance
        server.register(other_dir, other.terminal_id, store_id)
        other_creds = load_credentials(other_dir)
        assert other_creds is not None
        other_service = CheckoutService(other.store, terminal_id=other.terminal_id,
                                        stored_value_guard=SyncGuard(other_dir, timeout=2))
        boss = other_service.add_staff(None, "店長乙", Role.MANAGER, "8888")
        sync_round(other, other_creds)
        assert other_service.member_view(member).stored_value == 800

        server.stop()  # the link goes down for both tills
        other_service.sale(boss, member, Money(600), stored_value=Money(600),  # offline
                           member_pin="2580")
        with other.store.session() as session:
            assert localdb.offline_usage(session, member).member_spent == 600

        # this till, offline too: the cashier app takes NT$600 from the same member
        terminal = make_terminal()
        window = terminal.window
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
        sign_in(qtbot, terminal, MANAGER)
        scan(qtbot, terminal, card)
        checkout = window.checkout
        checkout.amount_input.setText("600")
        checkout.stored.setValue(600)
        checkout.review_sale()
        qtbot.waitUntil(lambda: checkout.confirm.pending, timeout=5000)
        checkout.confirm.confirm()
        # paying with stored value after a card scan: the member types the PIN
        qtbot.waitUntil(lambda: checkout.member_pin.pending, timeout=5000)
        checkout.member_pin.pin.setText("2580")
        checkout.member_pin.submit()
        qtbot.waitUntil(lambda: "NT$200" in checkout.result.text(), timeout=10000)

        window.open_manager()
        manager_view = window.manager
        manager_view.tabs.setCurrentIndex(4)
        assert not any("overdraft" in line for line in conflict_lines(manager_view))

        server.start()  # the link is back: the other till syncs first, its debit applies
        sync_round(other, other_creds)
        qtbot.mouseClick(manager_view.findChild(QWidget, "syncNowButton"),  # type: ignore[arg-type]
                         Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any("Stored value overdrawn offline" in line
                                    for line in conflict_lines(manager_view)), timeout=20000)
        flagged = [line for line in conflict_lines(manager_view) if "overdrawn" in line]
        assert len(flagged) == 1
        assert member in flagged[0] and "NT$400" in flagged[0]
        assert "stored_value_overdraft" not in flagged[0]  # the identifier: in the tooltip
        item = next(manager_view.conflicts.item(i)  # type: ignore[attr-defined]
                    for i in range(manager_view.conflicts.count())  # type: ignore[attr-defined]
                    if "overdrawn" in manager_view.conflicts.item(i).text())  # type: ignore[attr-defined]
        assert item.toolTip().startswith("stored_value_overdraft\n")
        assert "overdrew the account by 400" in item.toolTip()  # the server's detail
        assert not window.banner.isVisible()
    finally:
        if here_open:
            here.close()
        other.close()
        server.stop()


def flag_kinds_raised_by_the_server() -> set[str]:
    """Every kind sync/server passes to its flag helper, read from the source."""
    source = (Path(service_module.__file__).read_text(encoding="utf-8"))
    kinds = set(re.findall(r'_flag\(batch, item, [^,]+, "([a-z_]+)"', source))
    assert {"stored_value_overdraft", "foreign_member"} <= kinds  # the pattern still matches
    return kinds | {service_module.UNBOOKABLE}  # (the kept-but-unbookable event's flag)


def test_every_kind_the_server_flags_has_a_label() -> None:
    labels = conflict_labels()
    assert flag_kinds_raised_by_the_server() <= set(labels)
    assert all(label != kind for kind, label in labels.items())


@pytest.mark.parametrize("kind", sorted(conflict_labels()))
def test_a_conflict_reads_in_traditional_chinese_and_keeps_its_identifier(
        kind: str, qapp: QApplication, tmp_path: Path) -> None:
    ts = shutil.copy(I18N_DIR / "loyalty_zh_TW.ts", tmp_path / "loyalty_zh_TW.ts")
    assert build_qm(ts, qm_path("zh_TW", tmp_path))  # this test's own .qm, from the .ts
    translator = install_translator(qapp, "zh_TW", tmp_path)
    assert translator is not None
    try:
        conflict = describe_flag({"created_at": "2026-12-01T10:00:00", "kind": kind,
                                  "amount": 1_250, "member_id": "m-1",
                                  "detail": "offline debit overdrew the account by 1250"})
    finally:
        qapp.removeTranslator(translator)
    assert conflict.kind == kind
    assert kind not in conflict.text
    assert not re.search(r"\b[A-Za-z]{2,}[\s,;:'’]+[A-Za-z]{2,}\b", conflict.text), conflict.text
    assert conflict.detail.startswith("offline debit")
    if kind == "points_overdraft":
        assert "1,250 點" in conflict.text
    elif kind in ("stored_value_overdraft", "cash_back_overdraft", "voucher_double_redemption"):
        assert "NT$1,250" in conflict.text

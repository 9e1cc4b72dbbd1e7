"""Manager mode's Analytics tab over the real demo store, its bar chart, and lifecycle
thresholds from config.toml reaching the cashier's badge and prompts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot
from ui_testkit import MANAGER, DemoShop, MakeTerminal, scan, sign_in, wait_idle

from terminal.analytics import redemption_rate, retention, rfm, segment_counts
from terminal.checkout import CheckoutService
from terminal.config import load_config
from terminal.ledger import Asset, ShopAccount
from terminal.lifecycle import Stage, Thresholds, lifecycle_stage, stage_counts
from terminal.money import Money
from terminal.staff import Role
from terminal.store.activity import activities, liability, shop_total
from terminal.store.local import open_local_store
from ui.app import Terminal
from ui.i18n import I18N_DIR, install_translator
from ui.member_ops import member_card
from ui.queries import last_sale
from ui.widgets.bar_chart import BAR_COLOUR, Bar, BarChart

STAGE_NAMES = {Stage.NEW: "New member", Stage.ACTIVE: "Active", Stage.DORMANT: "Dormant",
               Stage.CHURNED: "Churned"}


def open_analytics(qtbot: QtBot, terminal: Terminal) -> None:
    window = terminal.window
    sign_in(qtbot, terminal)
    window.checkout.manager_requested.emit()
    qtbot.waitUntil(lambda: window.unlock.staff.count() == 1, timeout=5000)
    window.unlock.pin.setText(MANAGER[1])
    window.unlock.submit()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.manager, timeout=5000)
    manager = window.manager
    manager.tabs.setCurrentWidget(manager.analytics)
    qtbot.waitUntil(lambda: manager.analytics.figures is not None, timeout=10000)
    wait_idle(qtbot, terminal)


def column(table: QTableWidget, c: int) -> list[str]:
    return [table.item(r, c).text() for r in range(table.rowCount())]


def core_figures(terminal: Terminal) -> dict[str, object]:
    """The core functions over the same store file, on the test thread."""
    local = open_local_store(terminal.ctx.local.path.parent, create=False)
    try:
        rules, today = terminal.ctx.rules, terminal.ctx.service.today()
        with local.store.session() as session:
            members, days = activities(session, terminal.ctx.zone)
            owed = liability(session, rules.redeem_points_unit, rules.redeem_value_unit)
            issued = -shop_total(session, ShopAccount.POINTS_ISSUED, Asset.POINTS.value)
            redeemed = shop_total(session, ShopAccount.POINTS_REDEEMED, Asset.POINTS.value)
        return {"segments": segment_counts(rfm(members, today)),
                "stages": stage_counts(members, today, Thresholds.of(rules)),
                "cohorts": retention(members, days, today), "owed": owed,
                "rate": redemption_rate(issued, redeemed), "issued": issued,
                "redeemed": redeemed, "members": len(members)}
    finally:
        local.close()


def test_the_analytics_tab_shows_what_the_core_computes(
        qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    open_analytics(qtbot, terminal)
    tab = terminal.window.manager.analytics
    assert terminal.window.manager.tabs.tabText(5) == "Analytics"
    core = core_figures(terminal)
    segments = core["segments"]
    assert isinstance(segments, dict) and sum(segments.values()) == core["members"] == 20
    shown = dict(zip(column(tab.segment_table, 0), column(tab.segment_table, 1), strict=True))
    assert shown == {tab.segment_name(name): f"{count:,}" for name, count in segments.items()}
    assert "Champions" in shown and "Never bought" in shown
    stages = core["stages"]
    assert isinstance(stages, dict) and sum(stages.values()) == 20
    assert column(tab.stage_table, 0) == [STAGE_NAMES[s] for s in Stage]
    assert column(tab.stage_table, 1) == [str(stages[s]) for s in Stage]
    cohorts = core["cohorts"]
    assert isinstance(cohorts, list) and cohorts
    assert tab.retention_table.rowCount() == len(cohorts)
    for r, cohort in enumerate(cohorts):
        assert [tab.retention_table.item(r, c).text() for c in range(5)] == [
            cohort.month, f"{cohort.members:,}", cohort.d1.percent(), cohort.d7.percent(),
            cohort.d30.percent()]
    owed, rate = core["owed"], core["rate"]
    assert tab.stored_value.text() == f"NT${owed.stored_value:,}"  # type: ignore[attr-defined]
    assert tab.points.text() == (f"{owed.points:,} points "  # type: ignore[attr-defined]
                                 f"(worth NT${owed.points_value:,})")  # type: ignore[attr-defined]
    assert tab.redemption.text() == (f"{rate.percent()} ({core['redeemed']:,} of "  # type: ignore[attr-defined]
                                     f"{core['issued']:,} points issued)")
    assert "20 members" in tab.caption.text()
    first = tab.figures
    tab.load()  # Refresh: computed on the database worker, the result arrives by signal
    assert tab.loading and terminal.ctx.runner.pending >= 1 and tab.figures is first
    qtbot.waitUntil(lambda: tab.figures is not first, timeout=10000)
    assert not tab.loading and tab.figures is not None
    assert tab.figures.segments == segments and tab.figures.stages == stages
    kept = tab.figures
    manager = terminal.window.manager
    manager.tabs.setCurrentIndex(0)
    manager.tabs.setCurrentWidget(tab)  # coming back shows the figures of earlier today
    assert not tab.loading and tab.figures is kept
    wait_idle(qtbot, terminal)


def test_the_chart_has_one_bar_per_segment_with_members_heights_in_proportion(
        qtbot: QtBot, make_terminal: MakeTerminal) -> None:
    terminal = make_terminal()
    terminal.window.resize(1280, 800)
    open_analytics(qtbot, terminal)
    tab = terminal.window.manager.analytics
    segments = core_figures(terminal)["segments"]
    assert isinstance(segments, dict)
    chart = tab.segment_chart
    non_empty = [(name, count) for name, count in segments.items() if count > 0]
    assert [(bar.key, bar.value) for bar in chart.bars] == non_empty
    assert len(non_empty) >= 3  # the demo history spreads members over several segments
    assert_proportional(chart)


def assert_proportional(chart: BarChart) -> None:
    rects, area = chart.bar_rects(), chart.plot_area()
    assert len(rects) == len(chart.bars) and area.height() > 50
    top = max(bar.value for bar in chart.bars)
    for bar, rect in zip(chart.bars, rects, strict=True):
        assert rect.height() == pytest.approx(area.height() * bar.value / top)
        assert rect.bottom() == pytest.approx(area.bottom())  # all stand on the baseline
        assert area.contains(rect.center())
    tallest = max(rects, key=QRectF.height)
    assert tallest.height() == pytest.approx(area.height())
    lefts = [r.left() for r in rects]
    assert lefts == sorted(lefts)
    assert all(a.right() < b.left() for a, b in zip(rects, rects[1:], strict=False))


def test_the_bar_chart_leaves_out_empty_bars_and_scales_with_its_size(
        qapp: QApplication, qtbot: QtBot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_bars([Bar("a", "A", 8), Bar("b", "B", 0), Bar("c", "C", 2), Bar("d", "D", 4)])
    assert [bar.key for bar in chart.bars] == ["a", "c", "d"]
    assert_proportional(chart)
    heights = [r.height() for r in chart.bar_rects()]
    assert heights[0] == pytest.approx(4 * heights[1]) == pytest.approx(2 * heights[2])
    chart.resize(900, 500)
    assert_proportional(chart)
    assert chart.bar_rects()[0].height() > heights[0]
    image = chart.grab().toImage()  # and the bars really are painted where the model says
    for rect in chart.bar_rects():
        centre = rect.center().toPoint()
        assert image.pixelColor(centre) == BAR_COLOUR
    gap = QRectF(chart.bar_rects()[0].right() + 2, chart.plot_area().bottom() - 5, 1, 1)
    assert image.pixelColor(gap.center().toPoint()) != BAR_COLOUR
    chart.set_bars([Bar("a", "A", 0)])
    assert chart.bars == () and chart.bar_rects() == []
    chart.grab()  # an empty chart paints without error


def test_thresholds_from_config_reach_the_badge_prompt_and_analytics(
        qtbot: QtBot, make_terminal: MakeTerminal, demo_shop: DemoShop,
        shop_dir: Path) -> None:
    config = shop_dir / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[rules]\n", "[rules]\nlifecycle_new_days = 1\nlifecycle_dormant_days = 2\n"
                     "lifecycle_churned_days = 400\n", 1), encoding="utf-8")
    terminal = make_terminal()
    thresholds = Thresholds.of(terminal.ctx.rules)
    assert thresholds == Thresholds(1, 2, 400)
    today = terminal.ctx.service.today()
    local = open_local_store(shop_dir, create=False)
    try:
        with local.store.session() as session:
            members, _ = activities(session, terminal.ctx.zone)
            idle = [(a, (today - a.last_purchase).days) for a in members
                    if a.last_purchase is not None and (today - a.last_purchase).days > 2]
            assert idle, "the demo history should have a member not seen for a few days"
            member, days = idle[0]
            found = session.member_by_id(member.member_id)
            assert found is not None
            card = found.card_number
    finally:
        local.close()
    assert lifecycle_stage(member.enrolled_on, member.last_purchase, today) is Stage.ACTIVE
    sign_in(qtbot, terminal)
    scan(qtbot, terminal, card)
    panel = terminal.window.checkout.panel
    assert panel.card is not None and panel.card.stage is Stage.DORMANT
    assert panel.badges.text().endswith("Dormant")
    assert f"Dormant for {days} days" in panel.prompts.text()
    terminal.window.checkout.manager_requested.emit()
    window = terminal.window
    qtbot.waitUntil(lambda: window.unlock.staff.count() == 1, timeout=5000)
    window.unlock.pin.setText(MANAGER[1])
    window.unlock.submit()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.manager, timeout=5000)
    window.manager.tabs.setCurrentWidget(window.manager.analytics)
    tab = window.manager.analytics
    qtbot.waitUntil(lambda: tab.figures is not None, timeout=10000)
    expected = stage_counts(members, today, thresholds)
    assert expected[Stage.DORMANT] >= 1
    assert column(tab.stage_table, 1) == [str(expected[s]) for s in Stage]
    assert column(tab.stage_table, 2) == ["≤ 1", "≤ 2", "3–400", "> 400"]


def test_the_analytics_tab_speaks_traditional_chinese(
        qapp: QApplication, qtbot: QtBot, make_terminal: MakeTerminal, tmp_path: Path) -> None:
    shutil.copy(I18N_DIR / "loyalty_zh_TW.ts", tmp_path / "loyalty_zh_TW.ts")
    translator = install_translator(qapp, "zh_TW", tmp_path)  # builds the .qm with lrelease
    assert translator is not None
    try:
        terminal = make_terminal()
        open_analytics(qtbot, terminal)
        manager = terminal.window.manager
        assert manager.tabs.tabText(manager.tabs.indexOf(manager.analytics)) == "分析"
        tab = manager.analytics
        assert column(tab.stage_table, 0) == ["新會員", "活躍", "休眠", "流失"]
        labels = {bar.key: bar.label for bar in tab.segment_chart.bars}
        assert labels.get("champions", "頂級顧客") == "頂級顧客"
        assert all(label != key for key, label in labels.items())
        assert "位會員" in tab.caption.text()
    finally:
        qapp.removeTranslator(translator)


def test_a_voided_sale_is_not_the_last_purchase_behind_the_badge(
        shop_dir: Path, demo_shop: DemoShop) -> None:
    local = open_local_store(shop_dir, create=False)
    try:
        service = CheckoutService(local.store, terminal_id=local.terminal_id,
                                  rules=load_config(shop_dir).rules)
        manager = service.login(MANAGER[0], MANAGER[1], Role.MANAGER)
        view = service.identify(demo_shop.cards[2])
        before = last_sale(local.store, view.member.id)
        sale = service.sale(manager, view.member.id, Money(300))
        latest = last_sale(local.store, view.member.id)
        assert latest is not None and latest.id == sale.event.id
        service.void(manager, sale.event.id, "typed the wrong member")
        after = last_sale(local.store, view.member.id)
        assert (after.id if after else None) == (before.id if before else None)
        card = member_card(service, local.store, service.identify(demo_shop.cards[2]))
        expected = before.occurred_at.astimezone(service.zone).date() if before else None
        assert card.last_purchase == expected
    finally:
        local.close()

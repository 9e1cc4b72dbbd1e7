"""Voucher money rules across tills: the offline voucher limits at redemption, and the
server's settling of double redemptions (percent-off losses, multi-use counts). Real tills
(SQLite files), real server on 127.0.0.1 (SQLite and PostgreSQL), vouchers signed by the
server's own issuing code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synckit import Ledger, Server, Till

from sync.client import localdb
from sync.client.credentials import credentials_path
from sync.server import voucher_issuing
from sync.server.db import make_engine
from terminal.limits import OfflineRefused
from terminal.money import Money
from terminal.vouchers import RefusalReason, VoucherRefused

LOSS = "shop:voucher_double_redemption_loss"


def issue(server: Server, tmp_path: Path, kind: str, value: int, uses: int = 1) -> str:
    """Sign one voucher with the server's issuing code (a key is made on first use)."""
    keys = tmp_path / "voucher-keys"
    engine = make_engine(server.database_url, pool_size=1)
    try:
        with engine.begin() as conn:
            if not keys.exists():
                voucher_issuing.new_voucher_key(conn, keys)
            issued = voucher_issuing.issue_vouchers(conn, keys, tmp_path / "qr", kind=kind,
                                                    value=value, uses=uses)
    finally:
        engine.dispose()
    return str(issued[0]["text"])


def redeem(till: Till, text: str, amount: int | None = None) -> int:
    """Redeem at ``till``; the discount it gave."""
    event = till.service.redeem_voucher(till.cashier, None, text,
                                        None if amount is None else Money(amount)).event
    return int(event.body["discount"])


def used_offline(text: str, *uses: Till) -> None:
    """Both tills pull, go offline, redeem ``text`` once per entry of ``uses`` (in order),
    come back and sync, the first of them first."""
    tills: list[Till] = []
    for till in uses:
        if all(till is not seen for seen in tills):
            tills.append(till)
    for till in tills:
        till.sync()
        till.online = False
    for till in uses:
        redeem(till, text)
    for till in tills:
        till.online = True
    for till in tills:
        till.sync()


def set_last_sync(till: Till, when: datetime) -> None:
    with till.local.store.session(write=True) as session:
        localdb.mark_success(session, when)


def loss_flags(ledger: Ledger) -> list[tuple[int, str]]:
    return [(int(r[0]), str(r[1])) for r in ledger.rows(
        "SELECT amount, terminal_id FROM flags WHERE kind = 'voucher_double_redemption' "
        "ORDER BY id")]


def test_offline_vouchers_only_within_24_hours_of_the_last_sync(
        server: Server, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, _ = tills
    text = issue(server, tmp_path, "amount_off", 100)
    a.sync()
    a.online = False
    set_last_sync(a, datetime.now(UTC) - timedelta(hours=24, minutes=1))
    with pytest.raises(OfflineRefused, match="not synced in the last 24 hours") as info:
        redeem(a, text)
    assert info.value.params["reason"] == "voucher_stale"
    with pytest.raises(OfflineRefused):  # the preview at the scan says it first
        a.service.plan_voucher(None, text)
    with a.local.store.session() as session:
        assert localdb.pending_count(session) == 0  # nothing written
    set_last_sync(a, datetime.now(UTC) - timedelta(hours=23))
    assert redeem(a, text) == 100


def test_face_value_over_the_limit_is_refused_offline_and_allowed_online(
        server: Server, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, _ = tills
    big = issue(server, tmp_path, "amount_off", 501)
    limit = issue(server, tmp_path, "amount_off", 500)
    percent = issue(server, tmp_path, "percent_off", 50)
    a.sync()
    a.online = False
    with pytest.raises(OfflineRefused, match="up to NT\\$500") as info:
        redeem(a, big, 600)
    assert info.value.params["reason"] == "voucher_face"
    with pytest.raises(OfflineRefused, match="up to NT\\$500"):
        redeem(a, percent, 1002)  # 50% of NT$1,002 is worth NT$501 in this sale
    assert redeem(a, limit, 600) == 500
    assert redeem(a, percent, 1000) == 500
    a.online = True
    assert redeem(a, big, 600) == 501


def test_online_a_voucher_used_up_at_another_till_is_refused_before_its_status_is_pulled(
        server: Server, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, b = tills
    text = issue(server, tmp_path, "amount_off", 100, uses=2)
    a.sync()
    b.sync()
    redeem(a, text)
    redeem(a, text)
    a.sync()  # pushed: the server counts 2; b has not pulled since
    with pytest.raises(VoucherRefused) as info:
        redeem(b, text)
    assert info.value.reason is RefusalReason.ALREADY_USED
    with pytest.raises(VoucherRefused):  # and so does the preview at the scan
        b.service.plan_voucher(None, text)


def test_online_the_uses_of_both_tills_add_up_before_this_till_has_pushed(
        server: Server, tills: tuple[Till, Till], tmp_path: Path) -> None:
    """The review's case: a 3-use voucher used once at b (pushed); a, online, uses it twice
    without syncing. The server counts 1 and a's own journal 2: a third use at a is refused
    (4 in all otherwise)."""
    a, b = tills
    text = issue(server, tmp_path, "amount_off", 100, uses=3)
    a.sync()
    b.sync()
    redeem(b, text)
    b.sync()  # the server counts 1
    redeem(a, text)
    redeem(a, text)  # not pushed: a's two uses are not in the server's count yet
    with pytest.raises(VoucherRefused) as info:
        redeem(a, text)
    assert info.value.reason is RefusalReason.ALREADY_USED


def test_a_standalone_till_is_not_asked_about_the_offline_limits(
        server: Server, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, _ = tills
    text = issue(server, tmp_path, "amount_off", 900)
    a.sync()
    credentials_path(a.data_dir).unlink()  # as a till that was never registered
    a.online = False
    set_last_sync(a, datetime.now(UTC) - timedelta(days=30))
    assert redeem(a, text) == 900


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_a_percent_off_voucher_redeemed_at_two_offline_tills_posts_the_second_discount(
        server: Server, ledger: Ledger, tills: tuple[Till, Till], tmp_path: Path,
        order: str) -> None:
    a, b = tills
    text = issue(server, tmp_path, "percent_off", 20)
    a.sync()
    b.sync()
    a.online = b.online = False
    discounts = {"a": redeem(a, text, 400), "b": redeem(b, text, 1000)}
    assert discounts == {"a": 80, "b": 200}
    terms = {"a": a, "b": b}
    a.online = b.online = True
    for name in order:
        terms[name].sync()
    second = order[1]
    assert ledger.balance(LOSS) == discounts[second]
    assert loss_flags(ledger) == [(discounts[second], terms[second].creds.terminal_id)]
    assert ledger.balance("shop:vouchers_honoured") == discounts[order[0]]
    assert ledger.balances_match_postings()
    assert all(v == 0 for v in ledger.postings_sum_by_asset().values())
    # a second push of the same events changes nothing (idempotent)
    for name in order:
        terms[name].sync()
    assert ledger.balance(LOSS) == discounts[second]


def test_a_three_use_voucher_is_flagged_only_at_its_fourth_use_across_tills(
        server: Server, ledger: Ledger, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, b = tills
    text = issue(server, tmp_path, "amount_off", 50, uses=3)
    used_offline(text, a, a, b)
    assert loss_flags(ledger) == []
    assert ledger.balance(LOSS) == 0
    assert ledger.scalar("SELECT redemptions FROM vouchers") == 3
    b.online = False
    redeem(b, text)  # b counts one use of its own and "redeemed" pulled: 2 of 3
    b.online = True
    b.sync()
    assert loss_flags(ledger) == [(50, b.creds.terminal_id)]
    assert ledger.balance(LOSS) == 50
    assert ledger.balances_match_postings()


def test_a_multi_use_product_voucher_beyond_its_uses_is_flagged_without_a_posting(
        server: Server, ledger: Ledger, tills: tuple[Till, Till], tmp_path: Path) -> None:
    a, b = tills
    text = issue(server, tmp_path, "multi_use", 7, uses=2)
    used_offline(text, a, a, b)
    assert loss_flags(ledger) == [(0, b.creds.terminal_id)]
    assert ledger.balance(LOSS) == 0

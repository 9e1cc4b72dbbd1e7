"""Voucher holds: a till online reserves one use of a voucher before it redeems it, so two
online tills cannot both take a single-use voucher's use (before, both read "0 uses" and the
push settled the second as a loss). Real server on 127.0.0.1, SQLite and PostgreSQL; real
tills (SQLite files) for the end-to-end cases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from synckit import Ledger, RawTerminal, Server, Till, make_till
from test_voucher_rules import issue, redeem

from sync import protocol
from terminal.ids import new_id
from terminal.vouchers import MAX_USES, RefusalReason, VoucherRefused

VOUCHER = "v-holds-1"


def hold(term: RawTerminal, event_id: str, uses: int = 1, pending: tuple[str, ...] = (),
         voucher: str = VOUCHER) -> httpx.Response:
    return term.call("POST", f"/v1/sync/vouchers/{voucher}/hold",
                     {"event_id": event_id, "uses": uses, "pending": list(pending)})


def redemption(term: RawTerminal, uses: int) -> dict[str, Any]:
    """A redemption event of VOUCHER signed for ``uses``, next in ``term``'s chain."""
    return term.event(protocol.VOUCHER_REDEEM, {"voucher_id": VOUCHER, "face_value": 100,
                                                "uses": uses, "member_id": None}, [])


def state(term: RawTerminal, voucher: str = VOUCHER) -> dict[str, int]:
    response = term.call("GET", f"/v1/sync/vouchers/{voucher}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def two(server: Server) -> tuple[RawTerminal, RawTerminal]:
    store = server.new_store()
    return RawTerminal.create(server, store), RawTerminal.create(server, store)


def test_the_last_use_is_held_for_one_till_and_refused_to_the_other(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    """GIVEN a single-use voucher held by a WHEN b asks THEN b is told it is used up (held
    false, 1 use taken) and the scan check at b counts a's hold; a's own count does not."""
    a, b = two
    first = hold(a, new_id())
    assert first.status_code == 200, first.text
    assert first.json()["held"] is True and first.json()["redemptions"] == 0
    second = hold(b, new_id())
    assert second.status_code == 200, second.text
    assert second.json()["held"] is False and second.json()["redemptions"] == 1
    assert second.json()["held_elsewhere"] == 1  # a redemption in progress, not a use
    assert state(b)["held"] == 1 and state(a)["held"] == 0


def test_a_retry_is_the_same_hold_and_an_event_id_holds_one_voucher(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    a, b = two
    event = new_id()
    assert hold(a, event).json()["held"] is True
    again = hold(a, event)
    assert again.json()["held"] is True and again.json()["redemptions"] == 0
    other = hold(a, event, voucher="v-holds-other")
    assert other.status_code == 409 and other.json()["error"]["code"] == "hold_conflict"
    stolen = hold(b, event, uses=5)
    assert stolen.status_code == 409 and stolen.json()["error"]["code"] == "hold_conflict"


def test_the_push_consumes_the_hold_and_the_use_counts_once(
        server: Server, two: tuple[RawTerminal, RawTerminal], ledger: Ledger) -> None:
    """A 2-use voucher: a holds and pushes its redemption: the hold becomes a redemption
    (counted once), b gets the second use, a third ask is refused."""
    a, b = two
    first = redemption(a, uses=2)
    assert hold(a, first["id"], uses=2).json()["held"] is True
    assert a.push([first]).status_code == 200
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 0
    assert state(b) | {"id": None} == {"id": None, "status": "redeemed", "redemptions": 1,
                                       "held": 0}
    assert hold(b, new_id(), uses=2).json()["held"] is True
    refused = hold(a, new_id(), uses=2)
    assert refused.json() | {"event_id": None} == {
        "held": False, "event_id": None, "voucher_id": VOUCHER, "redemptions": 2,
        "held_elsewhere": 1}  # b's use is in progress, a's pushed


def test_the_till_counts_its_own_unpushed_uses_as_pending(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    a, _ = two
    two_uses = (new_id(), new_id())
    assert hold(a, new_id(), uses=3, pending=two_uses).json()["held"] is True
    assert hold(a, new_id(), uses=3, pending=(*two_uses, new_id())).json() | {
        "event_id": None} == {"held": False, "event_id": None, "voucher_id": VOUCHER,
                              "redemptions": 3, "held_elsewhere": 0}


def test_a_pending_use_the_server_already_received_counts_once(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    """The till pushed its redemption, the server committed it, and the till has not marked
    it pushed yet: it still sends it as pending. The server counts it once (in its
    redemptions), so the 2-use voucher's second use is held, not refused."""
    a, _ = two
    first = redemption(a, uses=2)
    assert hold(a, first["id"], uses=2).json()["held"] is True
    assert a.push([first]).status_code == 200
    second = hold(a, new_id(), uses=2, pending=(first["id"],))
    assert second.json()["held"] is True and second.json()["redemptions"] == 1


def test_a_late_hold_for_a_pushed_redemption_holds_nothing(
        server: Server, two: tuple[RawTerminal, RawTerminal], ledger: Ledger) -> None:
    """A hold asked again after its redemption was pushed (a retry that arrives late) is
    not stored: it would never be consumed and would block a use for hold_seconds."""
    a, b = two
    first = redemption(a, uses=2)
    assert a.push([first]).status_code == 200
    late = hold(a, first["id"], uses=2)
    assert late.json()["held"] is True and late.json()["redemptions"] == 0
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 0
    assert hold(b, new_id(), uses=2).json()["held"] is True  # the second use is free


def test_a_released_or_expired_hold_frees_the_use(
        server: Server, two: tuple[RawTerminal, RawTerminal], ledger: Ledger) -> None:
    a, b = two
    event = new_id()
    assert hold(a, event).json()["held"] is True
    assert b.release(event).json()["vouchers"] == 0  # not b's to release
    assert hold(b, new_id()).json()["held"] is False
    assert a.release(event).json()["vouchers"] == 1
    b_event = new_id()
    assert hold(b, b_event).json()["held"] is True
    with ledger.engine.begin() as conn:  # as the clock would after hold_seconds
        conn.execute(text("UPDATE voucher_holds SET expires_at = "
                          "'2000-01-01T00:00:00.000000Z'"))
    assert state(a)["held"] == 0
    assert hold(a, new_id()).json()["held"] is True
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 1  # b's deleted


def test_many_tills_at_once_get_exactly_the_voucher_s_uses(server: Server) -> None:
    """GIVEN a 2-use voucher WHEN eight terminals ask for it at the same moment THEN exactly
    two are held (on PostgreSQL the advisory lock serialises them; SQLite writes one at a
    time)."""
    store = server.new_store()
    terminals = [RawTerminal.create(server, store) for _ in range(8)]
    with ThreadPoolExecutor(len(terminals)) as pool:
        answers = list(pool.map(lambda term: hold(term, new_id(), uses=2), terminals))
    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
    assert sum(answer.json()["held"] for answer in answers) == 2


def test_bad_hold_requests_are_refused_with_a_reason(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    a, _ = two
    for body in ({"event_id": new_id(), "uses": 0}, {"event_id": new_id(), "uses": "1"},
                 {"event_id": "", "uses": 1}, {"event_id": new_id(), "uses": 1, "pending": -1}):
        response = a.call("POST", f"/v1/sync/vouchers/{VOUCHER}/hold", body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == "invalid_request"
    anonymous = httpx.post(f"{server.url}/v1/sync/vouchers/{VOUCHER}/hold",
                           json={"event_id": new_id(), "uses": 1})
    assert anonymous.status_code == 401


# --- end to end: real tills -------------------------------------------------------------

def test_two_online_tills_cannot_both_use_a_single_use_voucher_before_either_pushes(
        server: Server, tills: tuple[Till, Till], tmp_path: Path, ledger: Ledger) -> None:
    """GIVEN a single-use voucher and two online tills WHEN a redeems it (not pushed yet)
    THEN b's scan and b's redemption are refused as being redeemed at another till; once
    a's push has consumed the hold (no loss posted), as used up."""
    a, b = tills
    voucher_text = issue(server, tmp_path, "amount_off", 100)
    a.sync()
    b.sync()
    assert redeem(a, voucher_text) == 100
    with pytest.raises(VoucherRefused) as at_scan:
        b.service.plan_voucher(None, voucher_text)
    assert at_scan.value.reason is RefusalReason.HELD_ELSEWHERE
    with pytest.raises(VoucherRefused) as at_redemption:
        redeem(b, voucher_text)
    assert at_redemption.value.reason is RefusalReason.HELD_ELSEWHERE
    assert "Another till is redeeming this voucher" in at_redemption.value.message
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 1
    a.sync()
    with pytest.raises(VoucherRefused) as after_push:
        redeem(b, voucher_text)
    assert after_push.value.reason is RefusalReason.ALREADY_USED
    b.sync()
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 0
    assert ledger.scalar("SELECT COUNT(*) FROM flags") == 0
    assert ledger.scalar("SELECT redemptions FROM vouchers") == 1


def test_a_till_offline_after_its_hold_still_redeems_and_the_server_counts_it_once(
        server: Server, tills: tuple[Till, Till], tmp_path: Path, ledger: Ledger) -> None:
    """A 2-use voucher: a uses it online (held), goes offline and uses it again (offline
    rules), then syncs: both uses count once each (the hold became one of them), nothing is
    flagged, and b, online, finds it used up. (Before a syncs, b would be offered the use a
    took offline: the offline gap, settled by the push.)"""
    a, b = tills
    voucher_text = issue(server, tmp_path, "amount_off", 100, uses=2)
    a.sync()
    b.sync()
    redeem(a, voucher_text)
    a.online = False
    redeem(a, voucher_text)
    a.online = True
    a.sync()
    with pytest.raises(VoucherRefused) as info:
        redeem(b, voucher_text)
    assert info.value.reason is RefusalReason.ALREADY_USED
    assert ledger.scalar("SELECT redemptions FROM vouchers") == 2
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 0
    assert ledger.scalar("SELECT COUNT(*) FROM flags") == 0


def test_a_redemption_that_fails_at_the_till_after_its_hold_releases_it(
        server: Server, tills: tuple[Till, Till], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, ledger: Ledger) -> None:
    """GIVEN a held single-use voucher WHEN a's journal write fails THEN a releases the hold
    at once, so b can redeem it (not "already used" for 15 minutes)."""
    a, b = tills
    voucher_text = issue(server, tmp_path, "amount_off", 100)
    a.sync()
    b.sync()

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(a.service, "_append", disk_full)
        with pytest.raises(OSError):
            redeem(a, voucher_text)
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 0
    assert redeem(b, voucher_text) == 100
    assert ledger.scalar("SELECT COUNT(*) FROM voucher_holds") == 1


def test_a_server_from_before_voucher_holds_is_asked_its_count(
        database_url: str, tmp_path: Path) -> None:
    """A server without the hold route (404): the till asks the count, unreserved, as
    before: a voucher used up there is refused, one not yet used is honoured."""
    older = Server(database_url, workdir=tmp_path,
                   without_routes=(r"/v1/sync/vouchers/[^/]+/hold",)).start()
    try:
        store = older.new_store()
        a, b = make_till(tmp_path / "a", older, store), make_till(tmp_path / "b", older, store)
        try:
            voucher_text = issue(older, tmp_path, "amount_off", 100)
            a.sync()
            b.sync()
            assert redeem(a, voucher_text) == 100
            a.sync()
            with pytest.raises(VoucherRefused) as info:
                redeem(b, voucher_text)
            assert info.value.reason is RefusalReason.ALREADY_USED
        finally:
            a.close()
            b.close()
    finally:
        older.stop()


def test_the_longest_pending_list_is_counted_not_a_server_error(
        server: Server, two: tuple[RawTerminal, RawTerminal]) -> None:
    """A till may send as many pending ids as a voucher has uses (65,535): more than
    PostgreSQL's bind parameters for one statement, so the ids travel as one JSON value.
    One of them the server already has (pushed), so it is left out of the count."""
    a, _ = two
    pushed = redemption(a, uses=MAX_USES)
    assert a.push([pushed]).status_code == 200
    pending = (pushed["id"], *(new_id() for _ in range(MAX_USES - 2)))
    answer = hold(a, new_id(), uses=MAX_USES, pending=pending)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["held"] is True
    assert answer.json()["redemptions"] == MAX_USES - 1  # 1 pushed + 65,533 pending

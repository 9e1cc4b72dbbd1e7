from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from terminal.errors import InsufficientBalance, IntegrityError
from terminal.ids import uuid7, uuid7_unix_ms
from terminal.ledger import (
    GENESIS_HASH,
    Asset,
    Event,
    EventKind,
    Posting,
    ShopAccount,
    check_chain,
    seal,
)
from terminal.lots import Lot, allocate, expiring_within, usable_lots

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def make(seq: int, prev: str, amount: int = 10) -> Event:
    return seal(id=str(uuid7()), terminal_id="t1", seq=seq, cashier_id="c1", occurred_at=T0,
                kind=EventKind.TOP_UP, body={"member_id": "m1", "amount": amount},
                postings=[Posting("member:m1", Asset.STORED_VALUE, amount),
                          Posting(ShopAccount.STORED_VALUE_FLOAT, Asset.STORED_VALUE, -amount)],
                prev_hash=prev)


def chain(n: int) -> list[Event]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        event = make(seq, prev, seq)
        events.append(event)
        prev = event.hash
    return events


def test_uuid7_is_time_ordered_version_7() -> None:
    a = uuid7(1_700_000_000_000)
    b = uuid7(1_700_000_000_001)
    assert a.version == 7 and a.variant == "specified in RFC 4122"
    assert str(a) < str(b)
    assert uuid7_unix_ms(str(a)) == 1_700_000_000_000


def test_unbalanced_postings_are_refused() -> None:
    with pytest.raises(IntegrityError, match="do not balance"):
        seal(id="e", terminal_id="t", seq=1, cashier_id="c", occurred_at=T0,
             kind=EventKind.ADJUST, body={},
             postings=[Posting("member:m", Asset.POINTS, 5),
                       Posting(ShopAccount.POINTS_ISSUED, Asset.STORED_VALUE, -5)],
             prev_hash=GENESIS_HASH)


def test_float_posting_is_refused() -> None:
    with pytest.raises(IntegrityError):
        seal(id="e", terminal_id="t", seq=1, cashier_id="c", occurred_at=T0,
             kind=EventKind.ADJUST, body={},
             postings=[Posting("a", Asset.POINTS, 0.5), Posting("b", Asset.POINTS, -0.5)],  # type: ignore[arg-type]
             prev_hash=GENESIS_HASH)


def test_wire_round_trip_keeps_the_hash() -> None:
    event = chain(1)[0]
    again = Event.from_wire(event.to_wire())
    assert again == event
    assert again.compute_hash() == event.hash


def test_sound_chain_has_no_problems() -> None:
    assert check_chain(chain(5)) == []


def test_chain_detects_tampering_gaps_and_relinking() -> None:
    events = chain(4)
    tampered = list(events)
    tampered[1] = replace(events[1], body={"member_id": "m1", "amount": 999})
    assert [p.problem for p in check_chain(tampered)] == ["content does not match its hash"]

    gap = [events[0], events[2], events[3]]
    problems = check_chain(gap)
    assert any("sequence gap" in p.problem for p in problems)
    assert any("previous-hash" in p.problem for p in problems)


def test_lots_soonest_expiring_first_and_expired_lots_unusable() -> None:
    today = date(2026, 6, 1)
    lots = [Lot("late", "m", date(2026, 12, 31), 50), Lot("never", "m", None, 70),
            Lot("soon", "m", date(2026, 6, 30), 30), Lot("gone", "m", date(2026, 5, 31), 99)]
    assert [lot.lot_id for lot in usable_lots(lots, today)] == ["soon", "late", "never"]
    taken = [(lot.lot_id, n) for lot, n in allocate(lots, 60, today)]
    assert taken == [("soon", 30), ("late", 30)]
    assert [lot.lot_id for lot in expiring_within(lots, today, 30)] == ["soon"]
    with pytest.raises(InsufficientBalance):
        allocate(lots, 151, today)

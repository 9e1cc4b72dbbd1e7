"""The sync client's raw journal read gives exactly the domain path's wire events: the same
push bytes, the same hash chain, for varied events (unicode, escapes, nested bodies, lots,
expiries, no postings) and for values stored in a form the store does not write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from sync import protocol
from terminal import ledger
from terminal.ledger import Asset, EventKind, Posting, ShopAccount, member_account
from terminal.store.local import LocalStore, open_local_store

MEMBER = "0190a0a0-0000-7000-8000-000000000001"
BODIES: list[dict[str, object]] = [
    {"member_id": MEMBER, "amount": 30},
    {"member_id": MEMBER, "note": "咖啡 ☕ \"quoted\" back\\slash\ttab\nnewline \u2028 \x01"},
    {"member_id": MEMBER, "nested": {"z": [1, {"b": None, "a": True}], "a": -2**62},
     "empty": {}, "list": []},
    {"member_id": MEMBER, "ratio": 1.5, "big": 1e16, "small": 2.5e-7, "huge": 2**70},
    {},
]


def _postings(i: int) -> list[Posting]:
    account = member_account(MEMBER)
    if i % 4 == 0:
        return []
    if i % 4 == 1:
        return [Posting(account, Asset.STORED_VALUE, 100 + i),
                Posting(ShopAccount.STORED_VALUE_FLOAT, Asset.STORED_VALUE, -100 - i)]
    expires = date(2027, 1, 1) + timedelta(days=i)
    return [Posting(account, Asset.POINTS, i, f"lot-{i}", expires),
            Posting(ShopAccount.POINTS_ISSUED, Asset.POINTS, -i),
            Posting(account, Asset.CASH_BACK, -1),
            Posting(ShopAccount.CASH_BACK_REDEEMED, Asset.CASH_BACK, 1)]


@pytest.fixture
def till(tmp_path: Path) -> LocalStore:
    local = open_local_store(tmp_path / "till")
    kinds = [EventKind.SALE, EventKind.TOP_UP, EventKind.ENROL, EventKind.ADJUST,
             EventKind.VOUCHER_REDEEM, EventKind.MEMBER_PIN]
    moment = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
    with local.store.session(write=True) as session:
        seq, head = session.journal_head()
        for i in range(23):
            kind = kinds[i % len(kinds)]
            body = dict(BODIES[i % len(BODIES)])
            if kind is EventKind.VOUCHER_REDEEM:
                body["voucher_id"] = f"voucher-{i}"
            event = ledger.seal(
                id=f"0190a0a0-0000-7000-8000-{i:012d}", terminal_id=local.terminal_id,
                seq=seq + 1, cashier_id=f"cashier {i % 3} ü", kind=kind,
                occurred_at=moment + timedelta(seconds=i, microseconds=i * 7919),
                body=body, postings=_postings(i), prev_hash=head)
            session.append(event)
            seq, head = event.seq, event.hash
    return local


def _domain(local: LocalStore, after: int, limit: int) -> list[dict[str, object]]:
    with local.store.session() as session:
        return [e.to_wire() for e in session.journal(after)][:limit]


def _raw(local: LocalStore, after: int, limit: int) -> list[dict[str, object]]:
    with local.store.session() as session:
        return session.journal_wire(after, limit)


@pytest.mark.parametrize(("after", "limit"), [(0, 1000), (0, 5), (7, 9), (22, 10), (23, 10)])
def test_raw_read_gives_the_domain_wire_events_and_the_same_push_bytes(
        till: LocalStore, after: int, limit: int) -> None:
    domain, raw = _domain(till, after, limit), _raw(till, after, limit)
    assert raw == domain
    assert len(raw) == max(0, min(limit, 23 - after))
    assert protocol.encode_push(raw, "store") == protocol.encode_push(domain, "store")
    till.close()


def test_raw_events_keep_the_hash_chain_the_server_checks(till: LocalStore) -> None:
    events = _raw(till, 0, 1000)
    body = protocol.encode_push(events, None)
    previous = events[0]["prev_hash"]
    for wire in protocol.decode_envelope(body).events:
        event = protocol.decode_event(wire)
        assert protocol.event_hash(event) == event.hash
        assert event.prev_hash == previous
        previous = event.hash
    till.close()


def test_values_in_another_stored_form_are_normalised_like_the_domain_path(
        till: LocalStore) -> None:
    """A time with an offset and an expiry in basic form (rows not written by this store's
    ``append``) come out as ``Event.to_wire()`` would give them."""
    with till.store.session(write=True) as session:
        session.conn.execute(text("UPDATE events SET occurred_at = '2026-12-01T10:00:00+02:00' "
                                  "WHERE seq = 3"))
        session.conn.execute(text("UPDATE postings SET expires_on = '20270305' "
                                  "WHERE event_seq = 3 AND lot IS NOT NULL"))
    raw, domain = _raw(till, 0, 1000), _domain(till, 0, 1000)
    assert raw[2]["occurred_at"] == "2026-12-01T08:00:00.000000Z"
    assert raw[2]["postings"][0][4] == "2027-03-05"  # type: ignore[index]
    assert raw == domain
    till.close()


def test_an_unknown_asset_in_the_journal_is_refused_like_the_domain_path(
        till: LocalStore) -> None:
    with till.store.session(write=True) as session:
        session.conn.execute(text("UPDATE postings SET asset = 'gold' WHERE event_seq = 2"))
    with pytest.raises(ValueError, match="gold"):
        _domain(till, 0, 1000)
    with pytest.raises(ValueError, match="gold"):
        _raw(till, 0, 1000)
    till.close()

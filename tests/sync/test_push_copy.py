"""A large push on PostgreSQL COPYs its event and posting rows instead of sending them inside
the write statement (``service.COPY_FROM_ROWS``): what is stored must be exactly what the
terminal sent, server adjustments (no sequence number) included, and the ledger whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synckit import Ledger, RawTerminal, Server

from sync.server import service


@pytest.fixture
def pg_server(pg_database_url: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(pg_database_url, workdir=tmp_path).start()  # in this process: observable
    yield srv
    srv.stop()


def stored_rows(ledger: Ledger, terminal_id: str) -> dict[str, tuple[Any, ...]]:
    events = {r.id: r for r in ledger.rows(
        "SELECT id, seq, cashier_id, kind, member_id, occurred_at, prev_hash, hash, body, "
        "store_id, result FROM events WHERE terminal_id = :t", t=terminal_id)}
    postings: dict[str, list[list[Any]]] = {i: [] for i in events}
    for p in ledger.rows("SELECT p.event_id, p.account, p.asset, p.amount, p.lot, p.expires_on "
                         "FROM postings p JOIN events e ON e.id = p.event_id "
                         "WHERE e.terminal_id = :t ORDER BY p.id", t=terminal_id):
        postings[p.event_id].append([p.account, p.asset, int(p.amount), p.lot, p.expires_on])
    return {i: (e, postings[i]) for i, e in events.items()}


@pytest.mark.parametrize("copy_from", [100, 10**9], ids=["copy", "json"])
def test_a_large_push_stores_exactly_the_rows_the_terminal_sent(
        pg_server: Server, pg_database_url: str, copy_from: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    copies: list[int] = []
    real_copy = service._copy_rows

    def counting_copy(conn: Any, batch: Any) -> None:
        copies.append(len(batch.event_rows))
        real_copy(conn, batch)

    monkeypatch.setattr(service, "COPY_FROM_ROWS", copy_from)
    monkeypatch.setattr(service, "_copy_rows", counting_copy)
    store = pg_server.new_store()
    term = RawTerminal.create(pg_server, store)
    members, batch = [], []
    for _ in range(5):
        member, enrol = term.enrol()
        members.append(member)
        batch += [enrol, term.top_up(member, 300)]
    while len(batch) < 150:
        member = members[len(batch) % 5]
        batch.append(term.earn(member, 3) if len(batch) % 2 else term.spend(member, 40))
    response = term.push(batch)  # the spends overdraw: server adjustments (seq NULL) follow
    assert response.status_code == 200, response.text
    if copy_from > len(batch):
        assert copies == []  # the rows went inside the write statement
    else:  # one COPY of the batch's rows: the terminal's events and the server adjustments
        assert len(copies) == 1 and copies[0] > len(batch)
    ledger = Ledger(pg_database_url)
    try:
        stored = stored_rows(ledger, term.terminal_id)
        assert len(stored) == len(batch)
        for sent in batch:
            row, postings = stored[sent["id"]]
            assert (row.seq, row.cashier_id, row.kind, row.occurred_at, row.prev_hash,
                    row.hash, row.store_id) == (sent["seq"], sent["cashier_id"], sent["kind"],
                                                sent["occurred_at"], sent["prev_hash"],
                                                sent["hash"], store)
            assert json.loads(row.body) == sent["body"]
            assert row.member_id == sent["body"].get("member_id")
            assert postings == [list(p) for p in sent["postings"]]
        adjustments = stored_rows(ledger, "server")
        assert adjustments, "the overdrawn spends should have made server adjustments"
        assert all(row.seq is None and postings for row, postings in adjustments.values())
        assert all(v == 0 for v in ledger.postings_sum_by_asset().values())
        assert ledger.balances_match_postings()
    finally:
        ledger.close()

"""``loyalty verify``: the hash chain, the balance and lot caches, and SQLite's own check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import text

from terminal.ledger import Asset, Event, check_chain, member_id_of
from terminal.store.repositories import SqliteLedgerStore


@dataclass
class VerifyReport:
    events: int = 0
    problems: list[str] = field(default_factory=list)
    integrity: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(store: SqliteLedgerStore) -> VerifyReport:
    report = VerifyReport()
    with store.session() as session:
        conn = session.conn
        rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
        report.integrity = "; ".join(str(r) for r in rows)
        if report.integrity != "ok":
            report.problems.append(f"SQLite integrity check: {report.integrity}")

        # 1. the hash chain, streamed in batches
        totals: dict[tuple[str, str], int] = defaultdict(int)
        lots: dict[str, int] = defaultdict(int)
        def tally(events: Iterable[Event]) -> Iterator[Event]:
            for event in events:
                report.events += 1
                for p in event.postings:
                    totals[(p.account, p.asset.value)] += p.amount
                    if p.lot is not None and p.asset is Asset.POINTS and member_id_of(p.account):
                        lots[p.lot] += p.amount
                yield event

        for problem in check_chain(tally(session.journal())):
            report.problems.append(f"event #{problem.seq} ({problem.event_id}): {problem.problem}")

        # 2. cached balances == sums of postings
        cached = {(r.account, r.asset): r.balance
                  for r in conn.execute(text("SELECT account, asset, balance FROM balances"))}
        # A member the server knows (topped up at another till, say) may spend here more
        # than this terminal's own postings hold: only the others must stay non-negative.
        synced = {r.member_id for r in conn.execute(text("SELECT member_id FROM member_sync"))}
        for key in sorted(set(cached) | set(totals)):
            if cached.get(key, 0) != totals.get(key, 0):
                report.problems.append(
                    f"balance of {key[0]} ({key[1]}) is {cached.get(key, 0)} in the cache but "
                    f"the postings say {totals.get(key, 0)}")
            member = member_id_of(key[0])
            if member and member not in synced and totals.get(key, 0) < 0:
                report.problems.append(f"{key[0]} has a negative {key[1]} balance")

        # 3. cached lots == sums of lot postings
        cached_lots = {r.lot_id: r.remaining
                       for r in conn.execute(text("SELECT lot_id, remaining FROM lots"))}
        for lot_id in sorted(set(cached_lots) | set(lots)):
            if cached_lots.get(lot_id, 0) != lots.get(lot_id, 0):
                report.problems.append(
                    f"points lot {lot_id} holds {cached_lots.get(lot_id, 0)} in the cache but "
                    f"the postings say {lots.get(lot_id, 0)}")

        # 4. the member index of events (migration 0005) names every member an event concerns
        missing = conn.execute(text(
            "SELECT member_id, seq FROM events WHERE member_id IS NOT NULL "
            "UNION SELECT DISTINCT substr(account, 8), event_seq FROM postings "
            "WHERE account LIKE 'member:%' "
            "EXCEPT SELECT member_id, event_seq FROM event_members")).all()
        for member_id, seq in missing[:20]:
            report.problems.append(f"event #{seq} concerns member {member_id} but is missing "
                                   "from the member index (event_members)")
    return report

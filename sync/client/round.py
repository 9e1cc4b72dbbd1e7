"""One sync round: push every waiting event, pull every change, then check member balances.

* Push sends events after ``sync.pushed_seq`` in sequence order, in batches; an event counts
  as delivered when the server answers ``applied``, ``flagged`` or ``already_applied`` (so a
  retry after a lost reply is harmless), and also when it answers ``refused`` with the flag
  ``unbookable_event``: the server kept it in our chain but could not book it (a kind or
  asset it does not know); it is reported with its reason (``RoundReport.refused``) and
  never sent again. Any other refusal or conflict stops the push (the events stay waiting)
  but not the round: the pull and the check still run, so the hotlist and the offline limits
  arrive, and then the round fails with the refusal as its reason. A push refused as a whole
  (a bad credential, say) stops the round at once. If the server's head for us is behind
  what we thought it had (a restored server), we rewind and send again.
* Pull applies pages of changes, each page and its cursor in one local transaction: members'
  snapshots, vouchers, config, and the facts of the store's members' events made at other
  terminals (their programme state counts every till).
* Check sends a digest per member snapshot; members that differ are reloaded.

A pull page also says this terminal's number on the server (its card range). Given the data
directory, the round saves it into a ``sync.json`` written before numbers existed, and
reports (never overwrites) a different saved number (:func:`adopt_terminal_number`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync import protocol
from sync.client import localdb
from sync.client.credentials import Credentials, adopt_terminal_number, valid_terminal_number
from sync.client.transport import Transport
from terminal.errors import LoyaltyError
from terminal.store.repositories import SqliteLedgerStore

PUSH_BATCH = 1000
log = logging.getLogger("loyalty.sync")


class PushRefused(LoyaltyError):
    code = "push_refused"


@dataclass
class RoundReport:
    pushed: int = 0
    already: int = 0
    flagged: int = 0
    pulled_members: int = 0
    pulled_facts: int = 0  # facts of members' events made at other terminals
    reloaded: int = 0
    waiting: int = 0
    #: events the server kept but could not book: "event #seq (id): reason"
    refused: list[str] = field(default_factory=list)
    #: the server holds back changes until an older transaction of its database ends
    #: (PostgreSQL): they come with a later round
    behind: bool = False
    problems: list[str] = field(default_factory=list)
    #: why the push stopped before every event was delivered (also among ``problems``): the
    #: round still pulls and checks, then fails with it
    push_stopped: str | None = None
    #: this terminal's number as the server said it (None: an older server says nothing)
    terminal_number: int | None = None
    #: the number was saved into a sync.json that had none in this round
    terminal_number_saved: bool = False
    #: the saved number differs from the server's (also among ``problems``); None: checked
    #: and fine, or not checked
    terminal_number_problem: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def push_all(store: SqliteLedgerStore, creds: Credentials, transport: Transport,
             report: RoundReport, batch: int = PUSH_BATCH) -> None:
    """Push every waiting event; the next batch is read and encoded while the server works."""
    with ThreadPoolExecutor(1, thread_name_prefix="sync-encode") as encoder:
        with store.session() as session:
            pushed = localdb.pushed_seq(session)
        upcoming = encoder.submit(_encode_after, store, creds, pushed, batch)
        while True:
            body, last_seq = upcoming.result()
            if body is None:
                return
            upcoming = encoder.submit(_encode_after, store, creds, last_seq, batch)
            response = transport.push(body)
            acked, stop = _acknowledge(response, pushed, report)
            with store.session(write=True) as session:
                localdb.set_pushed_seq(session, acked)
            if stop is not None or acked == pushed:
                report.push_stopped = (f"The server refused an event: {stop}" if stop
                                       else "The server accepted none of the events sent.")
                report.problems.append(report.push_stopped)
                return
            if acked != last_seq:  # partial (e.g. a rewind): read again from what was acked
                upcoming.cancel()
                upcoming = encoder.submit(_encode_after, store, creds, acked, batch)
            pushed = acked


def _encode_after(store: SqliteLedgerStore, creds: Credentials, after: int,
                  batch: int) -> tuple[bytes | None, int]:
    """The push body of the ``batch`` events after ``after``, read as wire rows (the same
    bytes as encoding each ``Event.to_wire()``, without building the domain objects)."""
    with store.session() as session:
        events = session.journal_wire(after, batch)
    if not events:
        return None, after
    return protocol.encode_push(events, creds.store_id), int(events[-1]["seq"])


def _acknowledge(response: protocol.PushResponse, pushed: int,
                 report: RoundReport) -> tuple[int, str | None]:
    acked = pushed
    stop: str | None = None
    for result in response.results:
        if protocol.delivered(result) and result.seq == acked + 1:
            acked = result.seq
            if result.status == "refused":  # kept by the server, not booked
                report.refused.append(f"event #{result.seq} ({result.id}): {result.reason}")
            elif result.status == "already_applied":
                report.already += 1
            else:
                report.pushed += 1
            if result.flags and result.status != "refused":
                report.flagged += 1
        elif not protocol.delivered(result):
            stop = f"event #{result.seq} ({result.id}): {result.status}: {result.reason}"
            break
    if response.head_seq < acked or (stop and response.head_seq < pushed):
        # the server has fewer of our events than we thought: send from its head again
        return min(acked, response.head_seq), None
    return acked, stop


def pull_all(store: SqliteLedgerStore, transport: Transport, report: RoundReport) -> None:
    while True:
        with store.session() as session:
            cursor = localdb.cursor(session)
        page = transport.pull(cursor)
        with store.session(write=True) as session:
            localdb.apply_pull(session, page)
        report.pulled_members += len(page.get("members", []))
        report.pulled_facts += len(page.get("facts") or [])
        _note_terminal_number(page, report)
        if not page.get("has_more"):
            report.behind = bool(page.get("withheld"))
            return


def _note_terminal_number(page: dict[str, Any], report: RoundReport) -> None:
    value = page.get("terminal_number")
    if value is None:
        return
    number = valid_terminal_number(value)
    if number is None:
        problem = f"The server sent {value!r} as this terminal's number (not 1-999): ignored."
        if problem not in report.problems:
            report.problems.append(problem)
        return
    report.terminal_number = number


def save_terminal_number(data_dir: Path, creds: Credentials, report: RoundReport) -> None:
    """Save the server's number into ``sync.json`` if it has none; report a mismatch."""
    if report.terminal_number is None:
        return
    found = adopt_terminal_number(data_dir, creds, report.terminal_number)
    report.terminal_number_saved = found.saved
    if found.saved:
        log.info("terminal number saved", extra={"terminal_number": found.number})
    if found.problem is not None:
        log.warning("terminal number mismatch", extra={"problem": found.problem})
        report.problems.append(found.problem)
        report.terminal_number_problem = found.problem


def check_members(store: SqliteLedgerStore, transport: Transport, report: RoundReport) -> None:
    with store.session() as session:
        digests = localdb.digests(session)
    for start in range(0, len(digests), 2000):
        answer = transport.check(digests[start:start + 2000])
        if answer.get("members"):
            with store.session(write=True) as session:
                for member in answer["members"]:
                    localdb.apply_member(session, member, int(answer["as_of_seq"]))
            report.reloaded += len(answer["members"])


def run_round(store: SqliteLedgerStore, creds: Credentials, transport: Transport,
              clock: Callable[[], datetime] = utc_now,
              data_dir: Path | None = None) -> RoundReport:
    """One round. ``data_dir``: where ``sync.json`` is, to save the terminal's number into
    it when it has none (without it the number is only reported)."""
    report = RoundReport()
    try:
        push_all(store, creds, transport, report)
        pull_all(store, transport, report)
        if data_dir is not None:
            save_terminal_number(data_dir, creds, report)
        check_members(store, transport, report)
        if report.push_stopped is not None:  # the round still pulled and checked
            raise PushRefused(report.push_stopped)
    except LoyaltyError as exc:
        with store.session(write=True) as session:
            localdb.mark_attempt(session, clock(), exc.message)
        raise
    with store.session(write=True) as session:
        localdb.mark_success(session, clock())
        if data_dir is not None and report.terminal_number is not None:
            localdb.set_number_problem(session, report.terminal_number_problem)
        report.waiting = localdb.pending_count(session)
    return report

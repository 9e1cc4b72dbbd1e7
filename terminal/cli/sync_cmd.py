"""``register``, ``sync``, ``status`` (and ``report conflicts``): the terminal and its server."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync.client import localdb
from sync.client.credentials import Credentials, load_credentials, save_credentials
from sync.client.round import run_round
from sync.client.transport import SyncRefused, SyncUnavailable, Transport
from terminal.cli.context import CommandFailed, emit, nt, subcommand
from terminal.errors import LoyaltyError
from terminal.limits import allowance
from terminal.store.local import LocalStore, open_local_store
from terminal.store.paths import resolve_data_dir


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommand(sub, "register", "register this terminal with the server (one-time code)")
    p.add_argument("--server", required=True, help="server URL, e.g. http://127.0.0.1:8700")
    p.add_argument("--code", required=True, help="the enrolment code the manager was given")
    p.add_argument("--force", action="store_true", help="replace an existing registration")
    p.set_defaults(handler=cmd_register)

    p = subcommand(sub, "sync", "run one sync round now (push, pull, balance check)")
    p.set_defaults(handler=cmd_sync)

    p = subcommand(sub, "status", "online/offline, events waiting, last sync, offline allowance")
    p.set_defaults(handler=cmd_status)



def _credentials(data_dir: Any) -> Credentials:
    creds = load_credentials(data_dir)
    if creds is None:
        raise CommandFailed("This terminal is not registered: run `loyalty register --server "
                            "URL --code CODE` first.", "not_registered")
    return creds


def cmd_register(args: argparse.Namespace) -> int:
    """Register (or, with ``--force``, register again: the old ``sync.json`` is not read, so
    a damaged one is no obstacle). A code from ``reissue-code`` registers this till as the
    same terminal again: its chain goes on from the server's head for it."""
    data_dir = resolve_data_dir(args.data_dir)
    if not args.force:
        try:
            existing = load_credentials(data_dir)
        except LoyaltyError as exc:
            raise CommandFailed(f"{exc.message} (`--force` does not read the damaged file).",
                                "damaged_credentials") from None
        if existing is not None:
            raise CommandFailed(f"This terminal is already registered with "
                                f"{existing.server_url} (use --force to replace it).",
                                "already_registered")
    local = open_local_store(data_dir, create=True)
    try:
        with local.store.session() as session:
            head = session.journal_head()
        with Transport(args.server, timeout=10) as transport:
            answer = transport.register(args.code, local.terminal_id, head)
        if answer["terminal_id"] != local.terminal_id:
            raise CommandFailed("The server gave this terminal another id; register a fresh "
                                "data directory.", "terminal_id")
        creds = Credentials.from_registration(args.server, answer)
        continues = _continue_chain(local, answer)
        try:
            path = save_credentials(data_dir, creds)
        except OSError as exc:
            raise CommandFailed(
                f"The server registered this terminal, but its credential could not be saved "
                f"({exc}). Free the disk, then ask the manager for `loyalty-server admin "
                f"reissue-code {creds.terminal_id}` and register with that code.",
                "credential_not_saved") from None
    finally:
        local.close()
    lines = [f"Registered terminal {creds.terminal_id} for store {creds.store_name} "
             f"({creds.store_id}) at {creds.server_url}."]
    if answer.get("registered_again"):
        lines.append(f"Registered again: the server has this terminal's events up to number "
                     f"{answer['head_seq']}; {continues} event(s) of this till follow on the "
                     "next sync.")
    emit(args, {"terminal_id": creds.terminal_id, "store_id": creds.store_id,
                "store_name": creds.store_name, "server": creds.server_url,
                "terminal_number": creds.terminal_number,
                "registered_again": bool(answer.get("registered_again")),
                "server_head_seq": answer.get("head_seq"), "events_waiting": continues,
                "credentials": str(path)}, lines)
    return 0


def _continue_chain(local: LocalStore, answer: dict[str, Any]) -> int:
    """After a registration: check that the server's head for this terminal is in this till's
    journal and mark everything up to it as pushed (the server has it), so the next sync
    sends exactly what follows, and pulls everything from the start. Returns how many events
    are waiting."""
    seq, digest = int(answer.get("head_seq") or 0), str(answer.get("head_hash") or "")
    with local.store.session(write=True) as session:
        if seq > 0:
            event = next(session.journal(seq - 1, batch=1), None)
            if event is None or event.seq != seq or event.hash != digest:
                raise CommandFailed(
                    f"The server's last event of this terminal (number {seq}) is not in this "
                    "till's journal: this data directory is not the one that sent it. The "
                    "credential was not saved; ask the manager for a new terminal.",
                    "chain_mismatch")
        localdb.set_pushed_seq(session, seq)
        # the old cursor may point past this server's feed (a rebuilt server): start again
        localdb.reset_cursor(session)
        localdb.set_number_problem(session, None)  # one number on both sides now
        return localdb.pending_count(session)


def cmd_sync(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    creds = _credentials(data_dir)
    local = open_local_store(data_dir, create=False)
    try:
        with Transport(creds.server_url, creds.token) as transport:
            report = run_round(local.store, creds, transport, data_dir=data_dir)
    finally:
        local.close()
    lines = [f"Synced: {report.pushed} events pushed ({report.already} already there, "
             f"{report.flagged} flagged), {report.pulled_members} members updated, "
             f"{report.reloaded} reloaded, {report.waiting} waiting."]
    if report.terminal_number_saved:
        lines.append(f"This terminal's number is {report.terminal_number} (now saved in "
                     "sync.json): new card numbers come from its own block.")
    if report.refused:
        lines.append(f"{len(report.refused)} event(s) refused by the server (kept there, not "
                     "booked; flagged for the manager):")
        lines += [f"  - {line}" for line in report.refused]
    lines += [f"Problem: {problem}" for problem in report.problems]
    emit(args, vars(report), lines)
    return 0


def card_numbers_line(creds: Credentials | None) -> str | None:
    """Where this terminal's new card numbers come from, in plain words (None: standalone)."""
    if creds is None:
        return None
    if creds.terminal_number is None:
        return ("Card numbers: from the shared block of terminals without a number (this "
                "terminal has none yet: a sync with the server fetches it; if it stays, "
                "register the terminal again).")
    return f"Card numbers: this terminal's own block (terminal number {creds.terminal_number})."


def cmd_status(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    damaged = ""
    try:
        creds = load_credentials(data_dir)
    except LoyaltyError as exc:  # status still answers, and says what to do
        creds, damaged = None, exc.message
    local = open_local_store(data_dir, create=False)
    try:
        with local.store.session() as session:
            waiting = localdb.pending_count(session)
            last = localdb.last_success(session)
            limits = localdb.offline_limits(session)
            usage = localdb.offline_usage(session, "")
            last_error = session.get_meta(localdb.LAST_ERROR) or ""
            number_problem = localdb.number_problem(session)
    finally:
        local.close()
    server = _server_state(creds)
    if damaged:
        server = _ServerState(problem=damaged)
    online = server.online
    left = allowance(limits, now=datetime.now(UTC), last_sync=last,
                     terminal_spent=usage.terminal_spent)
    data = {
        "registered": creds is not None,
        "server": None if creds is None else creds.server_url,
        "terminal_id": None if creds is None else creds.terminal_id,
        "terminal_number": None if creds is None else creds.terminal_number,
        "terminal_number_problem": number_problem,
        "online": online,
        "credential": server.credential,
        "server_problem": server.problem,
        "events_waiting": waiting,
        "last_successful_sync": None if last is None else last.isoformat(),
        "last_error": last_error,
        "offline_allowance": {"seconds_left": left.seconds_left,
                              "stored_value_left": left.terminal_left,
                              "per_transaction": left.per_transaction},
    }
    state = "not registered" if creds is None else ("online" if online else "OFFLINE")
    if server.credential == "refused":
        state = "online, but the server refuses this terminal's credential"
    lines = [f"Sync: {state}; {waiting} events waiting; last sync "
             f"{last.isoformat() if last else 'never'}.",
             f"Offline allowance: {nt(left.terminal_left)} of stored value, "
             f"{left.seconds_left // 3600} h {left.seconds_left % 3600 // 60} min left."]
    if server.problem:
        lines.append(f"Server: {server.problem}")
    card_numbers = card_numbers_line(creds)
    if card_numbers:
        lines.append(card_numbers)
    if number_problem:
        lines.append(f"Terminal number: {number_problem}")
    if last_error:
        lines.append(f"Last problem: {last_error}")
    emit(args, data, lines)
    return 0


@dataclass(frozen=True)
class _ServerState:
    online: bool = False
    credential: str | None = None  # accepted | refused | None (not registered / not asked)
    problem: str = ""


def _server_state(creds: Credentials | None) -> _ServerState:
    """Is the server reachable, and does it accept this terminal's credential (one cheap
    authenticated call)? Never raises: ``status`` always answers."""
    if creds is None:
        return _ServerState()
    with Transport(creds.server_url, creds.token, timeout=2) as transport:
        try:
            transport.health()
        except SyncUnavailable as exc:
            return _ServerState(problem=exc.message)
        except SyncRefused as exc:
            return _ServerState(problem=f"{creds.server_url} does not answer like a loyalty "
                                        f"server (HTTP {exc.status} on /health): check the "
                                        "server URL in sync.json.")
        try:
            transport.whoami()
        except SyncUnavailable as exc:
            return _ServerState(online=True, problem=exc.message)
        except SyncRefused as exc:
            if exc.status in (401, 403):
                message = exc.message.removeprefix("The server refused: ")
                return _ServerState(True, "refused", f"the credential is refused: {message}")
            return _ServerState(True, None, f"the credential could not be checked "
                                            f"(HTTP {exc.status}).")
    return _ServerState(True, "accepted")


def cmd_report_conflicts(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    creds = _credentials(data_dir)
    with Transport(creds.server_url, creds.token, timeout=10) as transport:
        flags = transport.conflicts()
    lines = [f"{len(flags)} flagged item(s) for store {creds.store_name}:"]
    for f in flags:
        lines.append(f"  {f['created_at'][:19]}  {f['kind']}  {nt(int(f['amount']))}  "
                     f"member {f['member_id'] or '-'}  {f['detail']}")
    emit(args, flags, lines)
    return 0

"""Helpers for the sync tests: real servers on 127.0.0.1, real tills, raw event chains."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, text

from sync import protocol
from sync.client.credentials import Credentials, save_credentials
from sync.client.guard import SyncGuard
from sync.client.round import RoundReport, run_round
from sync.client.transport import Transport
from sync.server.app import create_app
from sync.server.config import Settings
from sync.server.db import make_engine
from terminal.checkout import CheckoutService
from terminal.ids import new_id
from terminal.ledger import GENESIS_HASH, format_time, hash_canonical
from terminal.members import IdentifiedBy
from terminal.money import Money
from terminal.staff import Role, Staff
from terminal.store.local import LocalStore, open_local_store

ADMIN_TOKEN = "test-admin-token"
DEAD_URL = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None
                 ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not become healthy")


def without_paths(app: Any, patterns: tuple[str, ...]) -> Any:
    """``app`` with the paths matching ``patterns`` answered as FastAPI answers an unknown
    route (404 ``{"detail": "Not Found"}``): a server from before those routes."""
    if not patterns:
        return app
    missing = re.compile("|".join(f"(?:{p})" for p in patterns))

    async def older(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and missing.fullmatch(scope["path"]):
            body = b'{"detail":"Not Found"}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return older


class Server:
    """A real server on 127.0.0.1: in a thread (fast) or a subprocess (killable)."""

    def __init__(self, database_url: str, subprocess_mode: bool = False,
                 workdir: Path | None = None, workers: int = 1, log_level: str = "WARNING",
                 without_routes: tuple[str, ...] = (), **settings: Any) -> None:
        """``settings``: overrides of :class:`Settings` (``hold_seconds=1``, …);
        ``without_routes``: path patterns (regular expressions) answered 404 as an unknown
        route is (an older server without them; thread mode only)."""
        self.without_routes = without_routes
        self.app: Any = None  # the FastAPI app, in thread mode
        self.database_url = database_url
        self.log_level = log_level
        self.settings = settings
        self.workers = workers
        self.subprocess_mode = subprocess_mode
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Server:
        if self.subprocess_mode:
            env = dict(os.environ, LOYALTY_SERVER_ADMIN_TOKEN=ADMIN_TOKEN,
                       LOYALTY_SERVER_DATABASE_URL=self.database_url,
                       PYTHONPATH=str(ROOT))
            env.update({f"LOYALTY_SERVER_{k.upper()}": str(v) for k, v in self.settings.items()})
            log = (open(self.workdir / "server.log", "ab")  # noqa: SIM115 - the child keeps it
                   if self.workdir else subprocess.DEVNULL)
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sync.server.main", "--host", "127.0.0.1", "--port",
                 str(self.port), "--log-level", self.log_level, "--workers", str(self.workers)],
                env=env, stdout=log, stderr=log,
                cwd=str(self.workdir or ROOT))
            wait_healthy(self.url, proc=self.proc)
            return self
        settings = Settings(database_url=self.database_url, admin_token=ADMIN_TOKEN,
                            log_level=self.log_level, **self.settings)
        self.app = create_app(settings)
        config = uvicorn.Config(without_paths(self.app, self.without_routes), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_healthy(self.url)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(10)
            self.proc = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self.app.state.engine.dispose()
            self._server = None

    def kill(self) -> None:
        assert self.proc is not None, "only a subprocess server can be killed"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=json, timeout=30,
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 200, response.text
        return response.json()

    def new_store(self, name: str = "Store") -> str:
        return str(self.admin("POST", "/v1/admin/stores", {"name": name})["id"])

    def new_code(self, store_id: str, name: str = "till", ttl: int | None = None) -> str:
        body: dict[str, Any] = {"name": name}
        if ttl is not None:
            body["ttl_seconds"] = ttl
        made = self.admin("POST", f"/v1/admin/stores/{store_id}/terminals", body)
        return str(made["enrolment_code"])


def register(server: Server, store_id: str, terminal_id: str | None = None) -> dict[str, Any]:
    code = server.new_code(store_id)
    with Transport(server.url) as transport:
        return transport.register(code, terminal_id)


@dataclass
class Till:
    """A real terminal: its own SQLite file, checkout service with the sync guard."""

    data_dir: Path
    local: LocalStore
    service: CheckoutService
    manager: Staff
    cashier: Staff
    creds: Credentials
    online: bool = True

    def transport(self) -> Transport:
        url = self.creds.server_url if self.online else DEAD_URL
        return Transport(url, self.creds.token, timeout=10)

    def sync(self) -> RoundReport:
        """One round, and more while the server holds changes back (on PostgreSQL a change
        is handed out once every older transaction in the cluster has ended, and other test
        suites may hold one open); the reports are added up."""
        total = RoundReport()
        deadline = time.monotonic() + 20
        while True:
            with self.transport() as transport:
                report = run_round(self.local.store, self.creds, transport,
                                   data_dir=self.data_dir)
            for name in ("pushed", "already", "flagged", "pulled_members", "pulled_facts",
                         "reloaded"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.problems += report.problems
            total.refused += report.refused
            total.waiting, total.behind = report.waiting, report.behind
            if not report.behind or time.monotonic() > deadline:
                return total
            time.sleep(0.05)

    def enrol(self, name: str = "Member") -> str:
        return self.service.enrol(self.cashier, name=name).event.body["member_id"]  # type: ignore[no-any-return]

    def top_up(self, member_id: str, amount: int) -> None:
        self.service.top_up(self.manager, member_id, Money(amount))

    def pay(self, member_id: str, amount: int, total: int | None = None) -> None:
        self.service.sale(self.cashier, member_id, Money(total or amount),
                          stored_value=Money(amount), identified_by=IdentifiedBy.PHONE_CODE)

    def close(self) -> None:
        self.local.close()


def make_till(folder: Path, server: Server, store_id: str) -> Till:
    folder.mkdir(parents=True, exist_ok=True)
    local = open_local_store(folder)
    answer = register(server, store_id, local.terminal_id)
    creds = Credentials.from_registration(server.url, answer)
    save_credentials(folder, creds)
    holder: dict[str, Till] = {}

    def factory(c: Credentials) -> Transport:
        return holder["till"].transport()

    guard = SyncGuard(folder, transport_factory=factory)
    service = CheckoutService(local.store, terminal_id=local.terminal_id,
                              stored_value_guard=guard, voucher_guard=guard)
    manager = service.add_staff(None, "Manager", Role.MANAGER, "9999")
    cashier = service.add_staff(manager, "Cashier", Role.CASHIER, "1111")
    till = Till(folder, local, service, manager, cashier, creds)
    holder["till"] = till
    return till


@dataclass
class RawTerminal:
    """A registered terminal that builds its event chain by hand (for any event kind)."""

    server: Server
    terminal_id: str
    store_id: str
    token: str
    seq: int = 0
    head: str = GENESIS_HASH
    sent: list[dict[str, Any]] = field(default_factory=list)
    cursor: str = "0"  # where the last pull_all ended

    @classmethod
    def create(cls, server: Server, store_id: str) -> RawTerminal:
        answer = register(server, store_id, new_id())
        return cls(server, answer["terminal_id"], store_id, answer["token"])

    def event(self, kind: str, body: dict[str, Any], postings: list[list[Any]],
              event_id: str | None = None) -> dict[str, Any]:
        self.seq += 1
        wire: dict[str, Any] = {
            "id": event_id or new_id(), "terminal_id": self.terminal_id, "seq": self.seq,
            "cashier_id": "cashier", "occurred_at": format_time(datetime.now(UTC)),
            "kind": kind, "body": body, "postings": postings, "prev_hash": self.head}
        wire["hash"] = hash_canonical(wire)
        self.head = wire["hash"]
        self.sent.append(wire)
        return wire

    def enrol(self, member_id: str | None = None, card: str | None = None,
              **secrets: Any) -> tuple[str, dict[str, Any]]:
        """``secrets``: ``code_secret=…``, ``pin_hash=…`` put into the body's member."""
        member_id = member_id or new_id()
        info = {"id": member_id, "card_number": card or member_id[-12:], "name": "M",
                "phone": "", "birthday": None, "enrolled_on": date.today().isoformat(),
                "tier": "basic", **secrets}
        return member_id, self.event("enrol", {"member": info, "member_id": member_id,
                                               "bonus_points": 0}, [])

    def top_up(self, member_id: str, amount: int) -> dict[str, Any]:
        return self.event("top_up", {"member_id": member_id, "amount": amount}, [
            [f"member:{member_id}", "stored_value", amount, None, None],
            ["shop:stored_value_float", "stored_value", -amount, None, None]])

    def spend(self, member_id: str, amount: int) -> dict[str, Any]:
        return self.event("sale", {"member_id": member_id, "amount": amount,
                                   "stored_value_paid": amount}, [
            [f"member:{member_id}", "stored_value", -amount, None, None],
            ["shop:stored_value_spent", "stored_value", amount, None, None]])

    def give_cash_back(self, member_id: str, amount: int) -> dict[str, Any]:
        """A sale that gave the member ``amount`` of cash-back (as a cash-back programme)."""
        return self.event("sale", {"member_id": member_id, "amount": amount * 10}, [
            [f"member:{member_id}", "cash_back", amount, None, None],
            ["shop:cash_back_issued", "cash_back", -amount, None, None]])

    def pay(self, member_id: str, stored_value: int = 0, cash_back: int = 0) -> dict[str, Any]:
        """A sale paid with stored value and/or cash-back (one event, as the till makes it)."""
        postings: list[list[Any]] = []
        if stored_value:
            postings += [[f"member:{member_id}", "stored_value", -stored_value, None, None],
                         ["shop:stored_value_spent", "stored_value", stored_value, None, None]]
        if cash_back:
            postings += [[f"member:{member_id}", "cash_back", -cash_back, None, None],
                         ["shop:cash_back_redeemed", "cash_back", cash_back, None, None]]
        return self.event("sale", {"member_id": member_id, "amount": stored_value + cash_back,
                                   "stored_value_paid": stored_value,
                                   "cash_back_paid": cash_back}, postings)

    def earn(self, member_id: str, points: int, lot: str | None = None) -> dict[str, Any]:
        lot = lot or new_id()
        return self.event("sale", {"member_id": member_id, "amount": points * 50,
                                   "points_earned": points}, [
            [f"member:{member_id}", "points", points, lot, "2099-01-01"],
            ["shop:points_issued", "points", -points, None, None]])

    def redeem_points(self, member_id: str, points: int, lot: str) -> dict[str, Any]:
        return self.event("sale", {"member_id": member_id, "points_redeemed": points}, [
            [f"member:{member_id}", "points", -points, lot, None],
            ["shop:points_redeemed", "points", points, None, None]])

    def redeem_voucher(self, voucher_id: str, face_value: int,
                       member_id: str | None = None) -> dict[str, Any]:
        return self.event(protocol.VOUCHER_REDEEM, {"voucher_id": voucher_id,
                                                    "face_value": face_value,
                                                    "member_id": member_id}, [])

    def member_pin(self, member_id: str, pin_hash: str) -> dict[str, Any]:
        return self.event(protocol.MEMBER_PIN, {"member_id": member_id, "pin_hash": pin_hash},
                          [])

    def call(self, method: str, path: str, json: Any = None,
             params: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.request(method, f"{self.server.url}{path}", json=json, params=params,
                             timeout=30, headers={"Authorization": f"Bearer {self.token}"})

    def authorise(self, member_id: str, amount: int, event_id: str,
                  asset: str | None = None) -> httpx.Response:
        """``asset`` None: the request of a till from before cash-back holds (no asset)."""
        body: dict[str, Any] = {"member_id": member_id, "amount": amount, "event_id": event_id}
        if asset is not None:
            body["asset"] = asset
        return self.call("POST", "/v1/sync/authorise", body)

    def release(self, event_id: str) -> httpx.Response:
        return self.call("POST", "/v1/sync/release", {"event_id": event_id})

    def check(self, digests: list[tuple[str, str]]) -> dict[str, Any]:
        response = self.call("POST", "/v1/sync/check", {"members": digests})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def push(self, events: list[dict[str, Any]], url: str | None = None,
             timeout: float = 60) -> httpx.Response:
        body = protocol.encode_push(events, self.store_id)
        return httpx.post(f"{url or self.server.url}/v1/sync/push", content=body,
                          timeout=timeout,
                          headers={"Authorization": f"Bearer {self.token}",
                                   "content-type": "application/json"})

    def pull_all(self, cursor: str = "0", expect: Iterable[str] = ()) -> dict[str, Any]:
        """Every member pulled after ``cursor``; with ``expect``, pull on until those ids
        have arrived (on PostgreSQL a row is handed out only once every older transaction in
        the cluster has ended, and other suites may hold one open for a while)."""
        members: dict[str, Any] = {}
        wanted = set(expect)
        deadline = time.monotonic() + 20
        while True:
            page = httpx.get(f"{self.server.url}/v1/sync/pull", params={"cursor": cursor},
                             headers={"Authorization": f"Bearer {self.token}"},
                             timeout=30).json()
            for m in page["members"]:
                members[m["id"]] = m
            cursor = self.cursor = page["cursor"]
            if page["has_more"]:
                continue
            done = wanted <= set(members) and not page.get("withheld")
            if done or time.monotonic() > deadline:
                return members
            time.sleep(0.05)


def eventually(check: Callable[[], bool], timeout: float = 20) -> bool:
    """Poll ``check`` until it holds (for pulls on PostgreSQL, see ``pull_all``)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def fact_page_sizes(term: RawTerminal, cursor: str = "0") -> list[int]:
    """The number of member-event facts on each pull page from ``cursor`` to the end."""
    sizes = []
    while True:
        page = term.call("GET", "/v1/sync/pull", params={"cursor": cursor}).json()
        sizes.append(len(page["facts"]))
        cursor = page["cursor"]
        if not page["has_more"]:
            return sizes


class Ledger:
    """Read-only look into a server database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url, pool_size=2)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def postings_sum_by_asset(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self.rows(
            "SELECT asset, SUM(amount) FROM postings GROUP BY asset")}

    def balance(self, account: str, asset: str = "stored_value") -> int:
        return int(self.scalar("SELECT COALESCE(SUM(balance), 0) FROM balances "
                               "WHERE account = :a AND asset = :s", a=account, s=asset))

    def balances_match_postings(self) -> bool:
        cached = {(r[0], r[1]): int(r[2]) for r in self.rows(
            "SELECT account, asset, SUM(balance) FROM balances GROUP BY account, asset")}
        summed = {(r[0], r[1]): int(r[2]) for r in self.rows(
            "SELECT account, asset, SUM(amount) FROM postings GROUP BY account, asset")}
        keys = set(cached) | set(summed)
        return all(cached.get(k, 0) == summed.get(k, 0) for k in keys)

    def close(self) -> None:
        self.engine.dispose()

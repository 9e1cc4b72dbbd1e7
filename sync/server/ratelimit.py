"""Slow down credential guessing: repeated authentication failures from one address get 429.

A failure is a 401 anywhere under ``/v1/`` (a wrong terminal or admin bearer token) or a 403
from ``/v1/register`` (a wrong, used or expired enrolment code). After ``limit`` failures from
one client address within ``window`` seconds, every ``/v1/`` request from that address is
answered ``429 Too Many Requests`` with ``Retry-After`` until the oldest of those failures
leaves the window. The counts live in this process's memory: with ``--workers N`` each worker
counts on its own (so an address gets at most N × limit tries per window), and a restart
forgets them. The address is the socket peer (behind a proxy, run uvicorn with its proxy
headers so that it is the client's).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("loyalty.server.auth")

MAX_ADDRESSES = 10_000  # tracked at once; the stalest are forgotten first


class AuthFailureLimiter:
    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it may now."""
        if self.limit <= 0:
            return None
        with self._lock:
            failures = self._failures.get(address)
            if failures is None or len(failures) < self.limit:
                return None
            wait = failures[0] + self.window - self.clock()
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, address: str) -> bool:
        """Count a failure; True when it makes the address wait."""
        if self.limit <= 0:
            return False
        now = self.clock()
        with self._lock:
            failures = self._failures.pop(address, None)
            if failures is None:
                failures = deque(maxlen=self.limit)
            failures.append(now)
            self._failures[address] = failures  # re-inserted: the dict is oldest-first
            if len(self._failures) > MAX_ADDRESSES:
                self._forget(now)
            return len(failures) == self.limit and failures[0] > now - self.window

    def _forget(self, now: float) -> None:
        stale = [a for a, f in self._failures.items() if f[-1] <= now - self.window]
        for address in stale:
            del self._failures[address]
        while len(self._failures) > MAX_ADDRESSES:
            del self._failures[next(iter(self._failures))]


def _is_failure(path: str, status: int) -> bool:
    return status == 401 or (status == 403 and path == "/v1/register")


class AuthRateLimit:
    """ASGI middleware applying an :class:`AuthFailureLimiter` to the ``/v1/`` API."""

    def __init__(self, app: ASGIApp, limiter: AuthFailureLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/v1/") or self.limiter.limit <= 0:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        wait = self.limiter.retry_after(address)
        if wait is not None:
            await _too_many(send, wait)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, send_status)
        if _is_failure(path, status):
            blocked = self.limiter.record_failure(address)
            log.warning("authentication failed", extra={"address": address, "path": path,
                                                        "status": status})
            if blocked:
                log.warning("address blocked after repeated authentication failures",
                            extra={"address": address, "seconds": self.limiter.window})


async def _too_many(send: Send, wait: int) -> None:
    body = json.dumps({"error": {
        "code": "too_many_failures",
        "message": f"Too many failed sign-in attempts from this address: try again in "
                   f"{wait} s."}}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"),
                            (b"retry-after", str(wait).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

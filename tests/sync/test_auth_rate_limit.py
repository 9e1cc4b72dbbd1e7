"""Repeated authentication failures from one address get 429 with Retry-After, for a while.
A real server on 127.0.0.1 with a small limit and window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from synckit import ADMIN_TOKEN, RawTerminal, Server

from sync.client.transport import SyncUnavailable, Transport
from sync.server.ratelimit import AuthFailureLimiter

LIMIT, WINDOW = 3, 4  # long enough for 5 requests on a loaded machine, short to wait out


@pytest.fixture
def limited(sqlite_database_url: str, tmp_path: Path) -> Iterator[Server]:
    srv = Server(sqlite_database_url, workdir=tmp_path, auth_failure_limit=LIMIT,
                 auth_failure_window_seconds=WINDOW).start()
    yield srv
    srv.stop()


def pull(server: Server, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/sync/pull", headers={"Authorization": f"Bearer {token}"})


def test_repeated_bad_tokens_block_the_address_until_the_window_passes(
        limited: Server) -> None:
    """GIVEN a registered terminal WHEN 3 requests with a wrong token fail THEN the next
    request from that address, even with the right token, is 429 with Retry-After; the
    health check is not limited; after the window the right token works again."""
    term = RawTerminal.create(limited, limited.new_store())
    assert pull(limited, term.token).status_code == 200
    for _ in range(LIMIT):
        assert pull(limited, "guess").status_code == 401
    blocked = pull(limited, term.token)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_failures"
    assert 1 <= int(blocked.headers["retry-after"]) <= WINDOW
    assert httpx.get(f"{limited.url}/health").status_code == 200
    with Transport(limited.url, term.token) as transport, \
            pytest.raises(SyncUnavailable, match="repeated failed sign-ins"):
        transport.pull("0")
    time.sleep(int(blocked.headers["retry-after"]) + 0.1)
    assert pull(limited, term.token).status_code == 200


def test_wrong_enrolment_codes_and_admin_tokens_count_too(limited: Server) -> None:
    store = limited.new_store()
    for code in ("WRONG1", "WRONG2"):
        response = httpx.post(f"{limited.url}/v1/register", json={"code": code})
        assert response.status_code == 403
    bad_admin = httpx.post(f"{limited.url}/v1/admin/stores", json={"name": "x"},
                           headers={"Authorization": "Bearer nope"})
    assert bad_admin.status_code == 401
    good = httpx.post(f"{limited.url}/v1/admin/stores/{store}/terminals", json={"name": "t"},
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert good.status_code == 429 and "retry-after" in good.headers


def test_the_limiter_forgets_failures_older_than_the_window() -> None:
    now = [100.0]
    limiter = AuthFailureLimiter(limit=2, window=10, clock=lambda: now[0])
    assert limiter.record_failure("a") is False
    now[0] = 105.0
    assert limiter.record_failure("a") is True
    assert limiter.retry_after("a") == 5
    assert limiter.retry_after("b") is None
    now[0] = 110.5  # the first failure has left the window
    assert limiter.retry_after("a") is None
    assert limiter.record_failure("a") is True  # 105 and 110.5: two within ten seconds
    assert AuthFailureLimiter(limit=0, window=10).record_failure("a") is False

"""Project-wide test fixtures. Keep this small: area-specific fixtures belong in
tests/<area>/conftest.py.

Fixtures:
    postgres_url  URL of a reachable PostgreSQL (session scope); the test is skipped
                  when none is reachable, or fails when LOYALTY_REQUIRE_POSTGRES=1.
                  Tests using it get the ``postgres`` marker automatically.
    data_dir      a fresh, empty directory to use as a terminal's data directory.
    clear_of_midnight
                  waits (at most two minutes, rarely) until no midnight (UTC, Asia/Taipei
                  or the machine's) is near, for tests that read "today" twice.

Hypothesis runs with the ``loyalty`` profile set below.
"""

import os

# Qt must never try to open a real display in tests. Set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

# Property tests: no per-example deadline (a loaded 2-core CI machine pauses now and then,
# and a 200 ms deadline turned that into "Unreliable test timings"). On CI (CI=true) the
# examples are derandomised, so a run is reproducible; locally they stay random to find bugs.
settings.register_profile("loyalty", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow],
                          derandomize=os.environ.get("CI", "") == "true")
settings.load_profile("loyalty")

POSTGRES_URL_ENV = "LOYALTY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "LOYALTY_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


def _postgres_required() -> bool:
    return os.environ.get(REQUIRE_POSTGRES_ENV, "") == "1"


def _redacted(url: str) -> str:
    """The URL with any password replaced by ***, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@cache
def _postgres_problem() -> str | None:
    """None when PostgreSQL answers at the test URL, else why not (checked once)."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc}); run `make setup`"
    try:
        with psycopg.connect(_postgres_url(), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{type(exc).__name__}: {first_line}"
    return None


def _postgres_unavailable_message(problem: str) -> str:
    return (
        f"PostgreSQL not reachable at {_redacted(_postgres_url())} ({problem}): "
        f"set {POSTGRES_URL_ENV} to a reachable database "
        f"(default {DEFAULT_POSTGRES_URL})"
    )


def pytest_report_header(config: pytest.Config) -> str:
    problem = _postgres_problem()
    url = _redacted(_postgres_url())
    if problem is None:
        return f"PostgreSQL tests: will RUN against {url}"
    if _postgres_required():
        return (
            f"PostgreSQL tests: will FAIL ({REQUIRE_POSTGRES_ENV}=1): "
            + _postgres_unavailable_message(problem)
        )
    return "PostgreSQL tests: will be SKIPPED: " + _postgres_unavailable_message(problem)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Repeat the header's warning at the end, where people look, when it mattered.
    skipped = terminalreporter.stats.get("skipped", [])
    if any("PostgreSQL not reachable" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line(
            f"NOTE: PostgreSQL tests were skipped; set {POSTGRES_URL_ENV} "
            f"(and {REQUIRE_POSTGRES_ENV}=1 to make that an error)",
            yellow=True,
        )


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL database; skips (or fails) when it is unreachable."""
    problem = _postgres_problem()
    if problem is not None:
        message = _postgres_unavailable_message(problem)
        if _postgres_required():
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {message}", pytrace=False)
        pytest.skip(message)
    return _postgres_url()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, empty directory for a terminal's data (database, logs, outbox, ...)."""
    path = tmp_path / "terminal-data"
    path.mkdir()
    return path


MIDNIGHT_MARGIN = timedelta(seconds=120)
_ZONES = (UTC, ZoneInfo("Asia/Taipei"), None)  # None: the machine's own zone


def wait_clear_of_midnight(margin: timedelta = MIDNIGHT_MARGIN) -> None:
    """Sleep past the next midnight when one is less than ``margin`` away, in UTC, the
    demo store's zone or the machine's: a test that reads "today" at two moments (a sale,
    then the day report; members placed N days back, then a CLI run) would see two days."""
    for zone in _ZONES:
        now = datetime.now(zone) if zone else datetime.now().astimezone()
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                     microsecond=0)
        left = (midnight - now).total_seconds()
        if left < margin.total_seconds():
            time.sleep(left + 1)


@pytest.fixture
def clear_of_midnight() -> None:
    wait_clear_of_midnight()


@pytest.fixture(scope="module")
def clear_of_midnight_module() -> Iterator[None]:
    """The same for a module whose fixtures and tests share one "today" (a window of up to
    the margin)."""
    wait_clear_of_midnight()
    yield

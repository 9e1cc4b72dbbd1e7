"""Schemathesis against the published OpenAPI document of a real server, on SQLite and on
PostgreSQL: whatever the input (malformed bodies, odd query strings, wrong types), the server
answers with a reason, never a 5xx. Requests carry valid credentials so the checks reach
past authentication.

Examples per endpoint and mode: ``LOYALTY_FUZZ_EXAMPLES`` (default 25: the whole run stays
within about a minute per database on 2 cores). The long run (marked ``slow``, and skipped
unless ``LOYALTY_FUZZ_LONG=1``, since CI runs the slow tests too) takes
``LOYALTY_FUZZ_EXAMPLES_SLOW`` (default 200). Each endpoint and mode also stops after
``LOYALTY_FUZZ_SECONDS`` (default 20 s; the long run 10 × that) of examples."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from synckit import ADMIN_TOKEN, RawTerminal, Server

EXAMPLES = int(os.environ.get("LOYALTY_FUZZ_EXAMPLES", "25"))
EXAMPLES_SLOW = int(os.environ.get("LOYALTY_FUZZ_EXAMPLES_SLOW", "200"))
SECONDS = float(os.environ.get("LOYALTY_FUZZ_SECONDS", "20"))
LONG = os.environ.get("LOYALTY_FUZZ_LONG", "") == "1"


def _schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


class Fuzzed:
    def __init__(self, schema: Any, terminal_token: str) -> None:
        self.schema = schema
        self.terminal_token = terminal_token


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Fuzzed]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    schema_name = ""
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'server.sqlite3'}"
    else:
        base: str = request.getfixturevalue("postgres_url")
        schema_name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema_name}")
        url = _schema_url(base, schema_name)
    # no auth-failure limit: random enrolment codes would soon make every answer a 429
    server = Server(url, workdir=folder, auth_failure_limit=0).start()
    try:
        store = server.new_store()
        term = RawTerminal.create(server, store)
        member, enrol = term.enrol()
        term.push([enrol, term.top_up(member, 100), term.spend(member, 10)])
        yield Fuzzed(schemathesis.openapi.from_url(f"{server.url}/openapi.json"), term.token)
    finally:
        server.stop()
        if schema_name:
            with psycopg.connect(request.getfixturevalue("postgres_url"),
                                 autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema_name} CASCADE")


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int,
         seconds: float) -> None:
    deadline = time.monotonic() + seconds

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        if time.monotonic() > deadline:
            return  # this endpoint's time is up: the remaining examples are skipped
        response = case.call(headers=headers, timeout=30)
        assert response.status_code < 500, (case.method, case.formatted_path,
                                            response.status_code, response.text[:300])

    check()


def run(api: Fuzzed, mode: GenerationMode, examples: int, seconds: float) -> None:
    operations = [result.ok() for result in api.schema.get_all_operations()]
    assert len(operations) >= 12
    fuzzed = 0
    for operation in operations:
        admin = operation.path.startswith("/v1/admin")
        token = ADMIN_TOKEN if admin else api.terminal_token
        try:
            fuzz(operation, mode, {"Authorization": f"Bearer {token}"}, examples, seconds)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to break (e.g. no parameters)
            continue
        fuzzed += 1
    assert fuzzed >= 6


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_server_fail(api: Fuzzed, mode: GenerationMode) -> None:
    run(api, mode, EXAMPLES, SECONDS)


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="the long fuzz run: set LOYALTY_FUZZ_LONG=1")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_server_fail_long_run(api: Fuzzed, mode: GenerationMode) -> None:
    run(api, mode, EXAMPLES_SLOW, SECONDS * 10)

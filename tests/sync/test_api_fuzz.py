"""Schemathesis against the published OpenAPI document of a real server: whatever the input
(malformed bodies, odd query strings, wrong types), the server answers with a reason, never
a 5xx. Requests carry valid credentials so the checks reach past authentication."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from synckit import ADMIN_TOKEN, RawTerminal, Server

TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    # no auth-failure limit: random enrolment codes would soon make every answer a 429
    server = Server(f"sqlite:///{folder / 'server.sqlite3'}", workdir=folder,
                    auth_failure_limit=0).start()
    store = server.new_store()
    term = RawTerminal.create(server, store)
    member, enrol = term.enrol()
    term.push([enrol, term.top_up(member, 100)])
    TOKENS["terminal"] = term.token
    yield schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    server.stop()


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers=headers, timeout=30)
        assert response.status_code < 500, (case.method, case.formatted_path,
                                            response.status_code, response.text[:300])

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_makes_the_server_fail(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    fuzzed = 0
    for operation in operations:
        admin = operation.path.startswith("/v1/admin")
        token = ADMIN_TOKEN if admin else TOKENS["terminal"]
        try:
            fuzz(operation, mode, {"Authorization": f"Bearer {token}"})
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to break (e.g. no parameters)
            continue
        fuzzed += 1
    assert fuzzed >= 6

"""Typed dependencies: the engine, the authenticated terminal, the admin check."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from sync.server import service
from sync.server.config import Settings
from sync.server.errors import Forbidden, Unauthorised

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


def get_terminal(request: Request, engine: EngineDep) -> service.TerminalAuth:
    token = bearer(request)
    with engine.connect() as conn:
        return service.authenticate(conn, token)


def require_admin(request: Request, settings: SettingsDep) -> None:
    expected = settings.admin_token
    if expected is None or not expected.get_secret_value():
        raise Forbidden("The admin API is disabled: set LOYALTY_SERVER_ADMIN_TOKEN.",
                        "admin_disabled")
    token = bearer(request)
    if not token or not hmac.compare_digest(token.encode(),
                                            expected.get_secret_value().encode()):
        raise Unauthorised("This request needs the admin credential.", "bad_admin_credential")


TerminalDep = Annotated[service.TerminalAuth, Depends(get_terminal)]
AdminDep = Depends(require_admin)


def in_transaction(engine: Engine, work: Callable[[Connection], T],
                   isolation: str | None = None, attempts: int = 5) -> T:
    """Run ``work`` in one transaction and commit; retry on serialization failure/deadlock."""
    for attempt in range(attempts):
        try:
            with engine.connect() as conn:
                if isolation is not None and engine.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level=isolation)
                with conn.begin():
                    return work(conn)
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)
            if state in RETRYABLE_SQLSTATES and attempt + 1 < attempts:
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover

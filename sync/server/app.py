"""The server's composition root: ``create_app(settings)`` wires engine, routes, errors, logs."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DataError as DBAPIDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import PROTOCOL_VERSION
from sync.server.config import Settings
from sync.server.db import make_engine
from sync.server.errors import ServiceError
from sync.server.migrate import upgrade
from sync.server.ratelimit import AuthFailureLimiter, AuthRateLimit
from sync.server.routes import admin, sync

log = logging.getLogger("loyalty.server")
NUL_REFUSED = "cannot contain NUL (0x00) bytes"  # psycopg's message for a NUL in text


class AccessLog:
    """One log line per request, as plain ASGI middleware: ``@app.middleware("http")``
    (BaseHTTPMiddleware) runs every request through an extra task and memory stream, a
    measurable cost per push with 50 terminals."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            log.info("request", extra={"method": scope["method"], "path": scope["path"],
                                       "status": status,
                                       "ms": round((time.perf_counter() - started) * 1000, 1)})


INTERNAL_ERROR = {"error": {"code": "internal",
                            "message": "The server failed to handle this request; the "
                                       "error is in its log."}}


class CatchAll:
    """An exception that escapes a route: its traceback logged as one JSON line (logger
    ``loyalty.server``, with method and path, never the query or the body) and a JSON 500
    ``{"error": {"code": "internal", …}}`` without details. Plain ASGI middleware inside the
    access log (which then logs the 500) and outside the routes; not re-raised, so uvicorn
    does not log it a second time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            log.exception("unhandled error", extra={"method": scope.get("method"),
                                                    "path": scope.get("path")})
            if started:  # too late for a 500: the client sees the connection end
                raise
            await JSONResponse(INTERNAL_ERROR, status_code=500)(scope, receive, send)


def create_app(settings: Settings | None = None, migrate: bool = True) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    app = FastAPI(title="Loyalty server", version=str(PROTOCOL_VERSION),
                  description="Central server of the offline-first loyalty terminals.")
    app.state.settings = settings
    app.state.engine = engine
    app.include_router(sync.router)
    app.include_router(admin.router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "protocol": PROTOCOL_VERSION, "database": engine.dialect.name}

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}},
                            status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                   for e in exc.errors()][:20]
        return JSONResponse({"error": {"code": "invalid_request", "message": "; ".join(reasons)
                                       or "invalid request"}}, status_code=422)

    @app.exception_handler(DBAPIDataError)
    async def nul_in_text(_request: Request, exc: DBAPIDataError) -> JSONResponse:
        # PostgreSQL text cannot hold NUL characters (psycopg refuses them before sending):
        # a client's value, not a server fault. Any other data error stays a 500.
        if NUL_REFUSED not in str(exc.orig):
            raise exc
        return JSONResponse({"error": {"code": "invalid_request", "message":
                                       "A text value holds a NUL character (U+0000), which "
                                       "the server cannot store."}}, status_code=400)

    limiter = AuthFailureLimiter(settings.auth_failure_limit,
                                 settings.auth_failure_window_seconds)
    app.state.auth_limiter = limiter
    app.add_middleware(CatchAll)  # innermost: rate limit and access log see its 500
    app.add_middleware(AuthRateLimit, limiter=limiter)
    app.add_middleware(AccessLog)  # outermost: a 429 is logged too
    return app

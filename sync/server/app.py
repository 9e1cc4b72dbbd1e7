"""The server's composition root: ``create_app(settings)`` wires engine, routes, errors, logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sync.protocol import PROTOCOL_VERSION
from sync.server.config import Settings
from sync.server.db import make_engine
from sync.server.errors import ServiceError
from sync.server.migrate import upgrade
from sync.server.routes import admin, sync

log = logging.getLogger("loyalty.server")


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

    @app.middleware("http")
    async def access_log(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        log.info("request", extra={"method": request.method, "path": request.url.path,
                                   "status": response.status_code,
                                   "ms": round((time.perf_counter() - started) * 1000, 1)})
        return response

    return app

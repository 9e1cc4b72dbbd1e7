"""``loyalty-server``: run the server, or ``loyalty-server admin …`` to manage it.

    loyalty-server --host 127.0.0.1 --port 8700 [--database-url URL]
    loyalty-server admin --help
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from sync.server.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "admin":
        from sync.server.admin_cli import main as admin_main

        return admin_main(args_list[1:])
    parser = argparse.ArgumentParser(prog="loyalty-server",
                                     description="Central server of the loyalty terminals. "
                                                 "`loyalty-server admin --help` for admin.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: "
                        "$LOYALTY_SERVER_DATABASE_URL or sqlite:///loyalty-server.sqlite3)")
    parser.add_argument("--log-level", default=None)
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (default 1); PostgreSQL only")
    args = parser.parse_args(args_list)
    if args.database_url:
        os.environ["LOYALTY_SERVER_DATABASE_URL"] = args.database_url
    settings = Settings()
    if args.log_level:
        settings.log_level = args.log_level

    import uvicorn

    from sync.server import logs
    from sync.server.app import create_app
    from sync.server.db import make_engine
    from sync.server.migrate import upgrade

    logs.configure(settings.log_level)
    if args.log_level:
        os.environ["LOYALTY_SERVER_LOG_LEVEL"] = args.log_level
    if args.workers > 1 and not settings.database_url.startswith("sqlite"):
        engine = make_engine(settings.database_url, pool_size=1)
        upgrade(engine)  # once, before the workers start
        engine.dispose()
        uvicorn.run("sync.server.main:worker_app", factory=True, host=args.host,
                    port=args.port, workers=args.workers, log_level="warning",
                    access_log=False)
        return 0
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def worker_app() -> Any:
    """The app of one worker process (``--workers``): settings from the environment."""
    from sync.server import logs
    from sync.server.app import create_app

    settings = Settings()
    logs.configure(settings.log_level)
    return create_app(settings, migrate=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``loyalty-server``: run the server, or ``loyalty-server admin …`` to manage it.

    loyalty-server --host 127.0.0.1 --port 8700 [--database-url URL]
    loyalty-server admin --help
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import Any

from sync.server.config import Settings


def tune_gc() -> None:
    """Fewer cyclic-GC passes in a server process. A 2,000-event push allocates ~60,000
    container objects that all stay alive until the response is sent (and are then freed by
    reference counting: they hold no cycles), so the default threshold (700) runs ~90 young
    collections and several full ones per batch over the same live objects: measured at ~20%
    of the push time. ``freeze`` keeps the startup objects (modules, app) out of every pass."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


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
        return serve_workers(args.host, args.port, args.workers)
    app = create_app(settings)
    tune_gc()
    # log_config=None: uvicorn keeps the JSON handlers of logs.configure (its default config
    # would put plain-text ones back, and a 500's traceback would not be a JSON line)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                log_config=None)
    return 0


def serve_workers(host: str, port: int, workers: int) -> int:
    """Run ``workers`` server processes, each with its own SO_REUSEPORT socket on one port.

    (uvicorn's ``workers=`` shares one listening socket: the process that wakes first
    accepts every queued connection, so 50 keep-alive terminals connecting at once land
    ~90% on one process. With SO_REUSEPORT the kernel spreads connections over the
    processes.) SIGTERM/SIGINT stop them all; a worker exits if this process dies."""
    import multiprocessing
    import signal

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_main, args=(host, port, os.getpid()),
                         name=f"loyalty-server-{i + 1}") for i in range(workers)]
    for proc in procs:
        proc.start()

    def stop(_signum: int, _frame: Any) -> None:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for proc in procs:
        proc.join()
    return max((proc.exitcode or 0) for proc in procs)


def _worker_main(host: str, port: int, parent: int) -> None:  # pragma: no cover - child
    import socket
    import threading
    import time

    import uvicorn

    def orphan_watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=orphan_watch, daemon=True).start()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    config = uvicorn.Config("sync.server.main:worker_app", factory=True, log_level="warning",
                            access_log=False, log_config=None)
    uvicorn.Server(config).run(sockets=[sock])


def worker_app() -> Any:
    """The app of one worker process (``--workers``): settings from the environment."""
    from sync.server import logs
    from sync.server.app import create_app

    settings = Settings()
    logs.configure(settings.log_level)
    app = create_app(settings, migrate=False)
    tune_gc()
    return app


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Structured (one JSON object per line) logs for the server. Secrets are never logged."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

#: record attributes that are not extra fields (uvicorn adds ``color_message``: the message
#: with terminal colour codes)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "color_message"}
#: uvicorn's own loggers: routed through the same JSON handler (its error log carries the
#: traceback of an exception that escapes the app, its access log one line per request)
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
#: extra fields never written, whatever a caller passes (defence in depth: nothing logs them)
SECRET_FIELDS = frozenset({"token", "authorization", "admin_token", "code", "enrolment_code",
                           "code_secret", "pin_hash", "secret", "password", "private_key"})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: "[redacted]" if k.lower() in SECRET_FIELDS else v
                      for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """One JSON object per line on stderr for the server's loggers and uvicorn's (run uvicorn
    with ``log_config=None`` so that it does not put its plain-text handlers back)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("loyalty")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name == "uvicorn" else []
        logger.propagate = name != "uvicorn"  # the children log through "uvicorn"

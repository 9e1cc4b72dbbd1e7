"""Structured (one JSON object per line) logs for the server. Secrets are never logged."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}
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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("loyalty")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False

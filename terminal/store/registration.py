"""What the terminal's registration with the server (``sync.json``) tells the checkout service.

The composition roots (the CLI, the app) pass the terminal's number to
:class:`terminal.checkout.CheckoutService` so that new card numbers come from the terminal's
own block. Read straight from the JSON key, so this works with any version of the
credentials object; a damaged file is reported by ``sync.client.credentials`` instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from sync.client.credentials import credentials_path


def terminal_number(data_dir: Path) -> int | None:
    """The number the server gave this terminal (None: not registered, or no number)."""
    try:
        data = json.loads(credentials_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("terminal_number") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None

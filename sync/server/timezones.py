"""Store time zones: only names of the IANA zone database are accepted (``Asia/Taipei``).

A store's zone bounds its report day and dates its members' purchases, on PostgreSQL by
name (``AT TIME ZONE``), so a name Python and the database do not both know must never be
stored: :func:`zone_problem` says what is wrong with one, for ``create-store`` to refuse it
and for the reports to name a store row stored before that check.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_ZONE_NAME = 64


@cache
def known_zones() -> frozenset[str]:
    # "localtime" / "posixrules" are files of the system's zone folder, not zone names
    return frozenset(available_timezones()) - {"localtime", "posixrules"}


def zone_problem(name: object) -> str | None:
    """``None`` for a known zone name, else a plain reason."""
    if not isinstance(name, str) or not name:
        return "no time zone is set"
    if len(name) > MAX_ZONE_NAME or name not in known_zones():
        return (f"{name[:MAX_ZONE_NAME]!r} is not a time zone name of the IANA database "
                "(e.g. 'Asia/Taipei', 'Europe/Berlin', 'UTC')")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"{name!r} is listed but cannot be loaded on this server"
    return None

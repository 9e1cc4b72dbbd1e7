"""What the server knows of one voucher, for a till about to show or redeem it online.

Reads only, no lock and no write: the till learns how often the voucher was used at every
till (``redemptions``) and how many uses other tills hold right now (``held``: redemptions
on the way, sync/server/voucher_holds.py), and shows a used-up voucher as such when it is
scanned. The redemption itself asks for a hold, which decides.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from sync.server.voucher_holds import counts
from terminal.ledger import format_time


def voucher_state(conn: Connection, voucher_id: str, terminal_id: str) -> dict[str, Any]:
    """``{"id", "status", "redemptions", "held"}``; a voucher the server never saw: status
    None, 0 redemptions. ``held`` counts the live holds of terminals other than
    ``terminal_id`` (the asker's own holds are among its unpushed uses). One statement (one
    snapshot, :func:`sync.server.voucher_holds.counts`)."""
    status, redemptions, held, _ = counts(conn, voucher_id, terminal_id,
                                          format_time(datetime.now(UTC)))
    return {"id": voucher_id, "status": status, "redemptions": redemptions, "held": held}

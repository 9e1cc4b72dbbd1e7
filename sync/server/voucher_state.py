"""What the server knows of one voucher, for a till about to show or redeem it online.

Reads only, no lock and no write: the till learns how often the voucher was used at every
till (``redemptions``) and how many uses other tills hold right now (``held``: redemptions
on the way, sync/server/voucher_holds.py), and shows a used-up voucher as such when it is
scanned. The redemption itself asks for a hold, which decides.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from sync.server import tables as t
from terminal.ledger import format_time


def voucher_state(conn: Connection, voucher_id: str, terminal_id: str) -> dict[str, Any]:
    """``{"id", "status", "redemptions", "held"}``; a voucher the server never saw: status
    None, 0 redemptions. ``held`` counts the live holds of terminals other than
    ``terminal_id`` (the asker's own holds are among its unpushed uses)."""
    row = conn.execute(select(t.vouchers.c.status, t.vouchers.c.redemptions)
                       .where(t.vouchers.c.id == voucher_id)).first()
    held = conn.execute(select(func.count()).select_from(t.voucher_holds).where(
        t.voucher_holds.c.voucher_id == voucher_id, t.voucher_holds.c.terminal_id != terminal_id,
        t.voucher_holds.c.expires_at > format_time(datetime.now(UTC)))).scalar_one()
    if row is None:
        return {"id": voucher_id, "status": None, "redemptions": 0, "held": int(held)}
    return {"id": voucher_id, "status": row.status, "redemptions": int(row.redemptions),
            "held": int(held)}

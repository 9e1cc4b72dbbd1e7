"""What the server knows of one voucher, for a till about to redeem it online.

One primary-key read, no lock and no write: the till learns how often the voucher was used
at every till (``redemptions``) and refuses a used-up one. Nothing is reserved, so a double
use by two tills within the same moment is still settled by the push's conflict rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from sync.server import tables as t


def voucher_state(conn: Connection, voucher_id: str) -> dict[str, Any]:
    """``{"id", "status", "redemptions"}``; a voucher the server never saw: status None, 0."""
    row = conn.execute(select(t.vouchers.c.status, t.vouchers.c.redemptions)
                       .where(t.vouchers.c.id == voucher_id)).first()
    if row is None:
        return {"id": voucher_id, "status": None, "redemptions": 0}
    return {"id": voucher_id, "status": row.status, "redemptions": int(row.redemptions)}

"""Sync state: server snapshots of members' balances and lots, hotlist, vouchers, offline debits.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_sync",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("as_of_seq", sa.Integer(), nullable=False),
        sa.Column("hotlisted", sa.Boolean(), nullable=False),
        sa.Column("hotlist_reason", sa.Text(), nullable=False),
    )
    op.create_table(
        "member_snapshots",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("asset", sa.String(16), primary_key=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "snapshot_lots",
        sa.Column("lot_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("expires_on", sa.String(10)),
        sa.Column("remaining", sa.Integer(), nullable=False),
    )
    op.create_index("ix_snapshot_lots_member", "snapshot_lots", ["member_id"])
    op.create_table(
        "voucher_status",
        sa.Column("voucher_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("face_value", sa.Integer()),
    )
    op.create_table(
        "offline_debits",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("offline_debits", "voucher_status", "snapshot_lots", "member_snapshots",
                  "member_sync"):
        op.drop_table(table)

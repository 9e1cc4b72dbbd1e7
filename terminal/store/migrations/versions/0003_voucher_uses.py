"""Voucher redemptions made at this terminal, to refuse a second use offline.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voucher_uses",
        sa.Column("voucher_id", sa.String(36), primary_key=True),
        sa.Column("event_seq", sa.Integer(), sa.ForeignKey("events.seq"), primary_key=True),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("voucher_uses")

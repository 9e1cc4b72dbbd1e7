"""The initial local schema: members, staff, journal, postings, balance and lot caches.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("card_number", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(24), nullable=False),
        sa.Column("birthday", sa.String(10)),
        sa.Column("enrolled_on", sa.String(10), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
    )
    op.create_index("ix_members_phone", "members", ["phone"])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(40)),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("terminal_id", sa.String(36), nullable=False),
        sa.Column("cashier_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(36)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("voids", sa.String(36), unique=True),
    )
    op.create_index("ix_events_member", "events", ["member_id", "seq"])
    op.create_index("ix_events_time", "events", ["occurred_at"])
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_seq", sa.Integer(), sa.ForeignKey("events.seq"), nullable=False),
        sa.Column("account", sa.String(48), nullable=False),
        sa.Column("asset", sa.String(16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(36)),
        sa.Column("expires_on", sa.String(10)),
    )
    op.create_index("ix_postings_event", "postings", ["event_seq"])
    op.create_table(
        "balances",
        sa.Column("account", sa.String(48), primary_key=True),
        sa.Column("asset", sa.String(16), primary_key=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "lots",
        sa.Column("lot_id", sa.String(36), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("expires_on", sa.String(10)),
        sa.Column("remaining", sa.Integer(), nullable=False),
    )
    op.create_index("ix_lots_member", "lots", ["member_id"])


def downgrade() -> None:
    for table in ("lots", "balances", "postings", "events", "staff", "members", "meta"):
        op.drop_table(table)

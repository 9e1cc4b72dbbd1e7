"""Every member an event concerns (its ``member_id`` and every member account it posts to),
so a transfer or a referral reward shows in both members' history.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_members",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("event_seq", sa.Integer(), sa.ForeignKey("events.seq"), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT OR IGNORE INTO event_members (member_id, event_seq) "
               "SELECT member_id, seq FROM events WHERE member_id IS NOT NULL")
    op.execute("INSERT OR IGNORE INTO event_members (member_id, event_seq) "
               "SELECT DISTINCT substr(account, 8), event_seq FROM postings "
               "WHERE account LIKE 'member:%'")


def downgrade() -> None:
    op.drop_table("event_members")

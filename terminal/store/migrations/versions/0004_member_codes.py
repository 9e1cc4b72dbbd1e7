"""Members' phone-code secrets and PINs; accepted phone-code windows; PIN lockouts.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("code_secret", sa.String(64), nullable=True))
    op.add_column("members", sa.Column("pin_hash", sa.Text(), nullable=True))
    op.create_table(
        "member_code_uses",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("code_window", sa.Integer(), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_member_code_uses_window", "member_code_uses", ["code_window"])
    op.create_table(
        "member_pin_attempts",
        sa.Column("member_id", sa.String(36), primary_key=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(40)),
    )


def downgrade() -> None:
    op.drop_table("member_pin_attempts")
    op.drop_index("ix_member_code_uses_window", "member_code_uses")
    op.drop_table("member_code_uses")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("pin_hash")
        batch.drop_column("code_secret")

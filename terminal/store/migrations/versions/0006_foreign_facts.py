"""Facts of the members' events made at other terminals of the store (pulled), so the
programme state (tier spend, visits, once-only rewards …) counts every till.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foreign_facts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("voids", sa.String(64)),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
    )
    op.create_index("ix_foreign_facts_member", "foreign_facts", ["member_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_foreign_facts_member", table_name="foreign_facts")
    op.drop_table("foreign_facts")

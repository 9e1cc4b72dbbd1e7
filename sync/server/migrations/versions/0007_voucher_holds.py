"""Voucher holds: ``voucher_holds`` (event id, voucher id, terminal, created, expires), so a
till online reserves a voucher's use before it redeems it and two online tills cannot both
use a single-use voucher (sync/server/voucher_holds.py).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'voucher_holds',
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('voucher_id', sa.String(length=64), nullable=False),
        sa.Column('terminal_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('expires_at', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('event_id'),
    )
    op.create_index('ix_voucher_holds_voucher_id', 'voucher_holds', ['voucher_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_voucher_holds_voucher_id', table_name='voucher_holds')
    op.drop_table('voucher_holds')

"""Drop ``ix_events_store_time`` (``events (store_id, occurred_at)``): no query uses it.

Every push wrote one more index entry per event for it (two text keys). The nightly
analytics read ``events`` by ``(terminal_id, seq)`` (``uq_events_terminal_seq``) and the
reports read ``sale_facts``; the admin day totals filter on ``occurred_at`` alone, which an
index led by ``store_id`` cannot serve as a range (PostgreSQL 15 has no skip scan). The
downgrade builds it again.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_store_time')


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_store_time', ['store_id', 'occurred_at'], unique=False)

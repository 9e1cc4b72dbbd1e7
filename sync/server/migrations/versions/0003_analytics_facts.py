"""Analytics facts (issue 7): the nightly analytics fold each terminal's new events into them.

* ``sale_facts``: one narrow row per member's sale that no void voids (its canonical UTC
  time and amount), which the reports read instead of the ``events`` table;
* ``sale_voids``: every event id a ``void`` event voided, so a sale folded after its void is
  never added;
* ``member_sales``: the facts summed per member and store (purchases, spend, last purchase,
  first return after the enrolment day), rebuilt for the members a fold touched;
* ``analytics_cursor``: per terminal, the last ``seq`` folded.

The tables start empty: the first analytics run after this migration folds every event
(a backfill), later runs only the events pushed since.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sale_facts',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('t', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('sale_facts', schema=None) as batch_op:
        batch_op.create_index('ix_sale_facts_member_id', ['member_id'], unique=False)

    op.create_table('member_sales',
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('purchases', sa.BigInteger(), nullable=False),
    sa.Column('spend', sa.BigInteger(), nullable=False),
    sa.Column('last_at', sa.String(length=40), nullable=False),
    sa.Column('return_from', sa.String(length=40), nullable=True),
    sa.Column('return_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('member_id', 'store_id')
    )
    # rows summed while the member (or store) was unknown: summed again once it is known
    op.create_index('ix_member_sales_unresolved', 'member_sales', ['member_id'], unique=False,
                    postgresql_where=sa.text('return_from IS NULL'),
                    sqlite_where=sa.text('return_from IS NULL'))
    op.create_table('sale_voids',
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('analytics_cursor',
    sa.Column('terminal_id', sa.String(length=36), nullable=False),
    sa.Column('folded_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('terminal_id')
    )


def downgrade() -> None:
    op.drop_table('analytics_cursor')
    op.drop_table('sale_voids')
    op.drop_index('ix_member_sales_unresolved', table_name='member_sales')
    op.drop_table('member_sales')
    with op.batch_alter_table('sale_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_facts_member_id')
    op.drop_table('sale_facts')

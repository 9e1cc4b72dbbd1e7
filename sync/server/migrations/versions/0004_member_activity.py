"""Member activity (issue 7): the per-member, per-scope activity kept between nightly runs.

* ``member_activity``: per member and scope (0: every store, then one per store) the
  purchases, spend, enrolment day, last purchase day and first return day (days since
  1970-01-01), over every folded purchase; each fold rewrites the rows of the members it
  touched, and the reports derive ages and idle days from them for the report day;
* ``activity_zones``: the stores, their numbers and zones the rows were computed with (a
  change rebuilds them all);
* an index on ``member_sales (store_id, last_at)``: a report for a past day finds the
  members with purchases after its end (summed again from the facts for that report).

The tables start empty: the next analytics run fills them (a one-off backfill).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_activity',
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('enrolled_day', sa.Integer(), nullable=False),
    sa.Column('purchases', sa.BigInteger(), nullable=False),
    sa.Column('spend', sa.BigInteger(), nullable=False),
    sa.Column('last_day', sa.Integer(), nullable=True),
    sa.Column('first_return', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('member_id', 'scope')
    )
    op.create_table('activity_zones',
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('shift', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('no')
    )
    op.create_index('ix_member_sales_store_last', 'member_sales', ['store_id', 'last_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_member_sales_store_last', table_name='member_sales')
    op.drop_table('activity_zones')
    op.drop_table('member_activity')

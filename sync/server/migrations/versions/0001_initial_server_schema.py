"""The initial server schema: stores, terminals, members, journal, balances, pull feed.

On PostgreSQL ``changes.txid`` is an ``xid8`` filled by ``pg_current_xact_id()`` (the pull
cursor, DESIGN §6); on SQLite it stays empty and the rowid orders the feed.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import UserDefinedType


class _Xid8(UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _txid_column() -> sa.Column:  # type: ignore[type-arg]
    if op.get_bind().dialect.name == "postgresql":
        return sa.Column("txid", _Xid8(), nullable=False,
                         server_default=sa.text("pg_current_xact_id()"))
    return sa.Column("txid", sa.BigInteger(), nullable=True)


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('balances',
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('asset', sa.String(length=16), nullable=False),
    sa.Column('shard', sa.String(length=36), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('held', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('account', 'asset', 'shard')
    )
    op.create_table('changes',
    sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
    _txid_column(),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_txid_id', ['txid', 'id'], unique=False)

    op.create_table('config',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('terminal_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('cashier_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', sa.String(length=40), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('terminal_id', 'seq', name='uq_events_terminal_seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_store_time', ['store_id', 'occurred_at'], unique=False)

    op.create_table('flags',
    sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('terminal_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_event_id'), ['event_id'], unique=False)

    op.create_table('holds',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('terminal_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('lots',
    sa.Column('lot_id', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('lot_id')
    )
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lots_member_id'), ['member_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('card_number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=24), nullable=False),
    sa.Column('birthday', sa.String(length=10), nullable=True),
    sa.Column('enrolled_on', sa.String(length=10), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('hotlisted', sa.Boolean(), nullable=False),
    sa.Column('hotlist_reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_card_number'), ['card_number'], unique=False)

    op.create_table('postings',
    sa.Column('id', _BIG_ID, autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('asset', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=True),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postings_event_id'), ['event_id'], unique=False)

    op.create_table('stores',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('terminals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', sa.String(length=40), nullable=True),
    sa.Column('registered_at', sa.String(length=40), nullable=True),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terminals_store_id'), ['store_id'], unique=False)

    op.create_table('vouchers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('face_value', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('redeemed_by', sa.String(length=36), nullable=True),
    sa.Column('redemptions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('vouchers')
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terminals_store_id'))

    op.drop_table('terminals')
    op.drop_table('stores')
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_event_id'))

    op.drop_table('postings')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_card_number'))

    op.drop_table('members')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lots_member_id'))

    op.drop_table('lots')
    op.drop_table('holds')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_event_id'))

    op.drop_table('flags')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_store_time')

    op.drop_table('events')
    op.drop_table('config')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_txid_id')

    op.drop_table('changes')
    op.drop_table('balances')

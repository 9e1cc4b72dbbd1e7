"""Holds per asset: ``holds.asset`` (``stored_value`` or ``cash_back``), one hold per
(event id, asset), so a sale can hold stored value and cash-back at once.

The holds already there were all stored value: the column's default fills them. The primary
key becomes ``(event_id, asset)`` (PostgreSQL: altered in place; SQLite: the table is copied
with the new key). The downgrade keeps the stored-value holds only (the other holds' amounts
are first released from ``balances.held``, as if they had expired).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _holds(*key: str) -> sa.Table:
    """The holds table with primary key ``key`` (with ``asset`` when the key has it): what
    SQLite copies the rows into."""
    columns = [sa.Column('event_id', sa.String(length=36), nullable=False)]
    if 'asset' in key:
        columns.append(sa.Column('asset', sa.String(length=32), nullable=False,
                                 server_default='stored_value'))
    columns += [
        sa.Column('member_id', sa.String(length=64), nullable=False),
        sa.Column('terminal_id', sa.String(length=36), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.String(length=40), nullable=False),
        sa.Column('expires_at', sa.String(length=40), nullable=False, server_default=''),
    ]
    return sa.Table('holds', sa.MetaData(), *columns,
                    sa.PrimaryKeyConstraint(*key, name='holds_pkey'),
                    sa.Index('ix_holds_member_id', 'member_id'))


def upgrade() -> None:
    op.add_column('holds', sa.Column('asset', sa.String(length=32), nullable=False,
                                     server_default='stored_value'))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('holds_pkey', 'holds', type_='primary')
        op.create_primary_key('holds_pkey', 'holds', ['event_id', 'asset'])
        return
    with op.batch_alter_table('holds', recreate='always',
                              copy_from=_holds('event_id', 'asset')):
        pass


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT member_id, asset, SUM(amount) FROM holds WHERE asset <> 'stored_value' "
        "GROUP BY member_id, asset")).all()
    for member_id, asset, amount in rows:
        bind.execute(sa.text(
            "UPDATE balances SET held = held - :a WHERE account = :account "
            "AND asset = :asset AND shard = ''"),
            {"a": int(amount), "account": f"member:{member_id}", "asset": asset})
    bind.execute(sa.text("DELETE FROM holds WHERE asset <> 'stored_value'"))
    if bind.dialect.name == "postgresql":
        op.drop_constraint('holds_pkey', 'holds', type_='primary')
        op.create_primary_key('holds_pkey', 'holds', ['event_id'])
        op.drop_column('holds', 'asset')
        return
    with op.batch_alter_table('holds', recreate='always', copy_from=_holds('event_id')):
        pass

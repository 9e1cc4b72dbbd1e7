"""Store-scoped pull feed, member code secrets and PINs, terminal numbers, expiring holds.

* ``changes.store_id`` (the member's store; NULL for config and vouchers) and an index on
  ``(kind, key)`` for compaction;
* ``members.code_secret`` / ``members.pin_hash``; a member without a store gets the store
  that enrolled it (its ``enrol`` event), or the only store when there is just one;
* ``terminals.terminal_number`` (unique): registered terminals are numbered in the order
  they registered;
* ``holds.expires_at``: existing holds expire 15 minutes after they were made.

Revision ID: 0002
Revises: 0001
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from terminal.ledger import format_time, parse_time

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pin_hash', sa.Text(), nullable=True))
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terminal_number', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_terminals_terminal_number', ['terminal_number'])
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_holds_member_id', ['member_id'], unique=False)
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_changes_kind_key', ['kind', 'key'], unique=False)

    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE members SET store_id = (SELECT e.store_id FROM events e WHERE e.kind = 'enrol' "
        "AND e.member_id = members.id AND e.store_id IS NOT NULL ORDER BY e.received_at "
        "LIMIT 1) WHERE store_id IS NULL"))
    stores = [row[0] for row in bind.execute(sa.text("SELECT id FROM stores"))]
    if len(stores) == 1:
        bind.execute(sa.text("UPDATE members SET store_id = :s WHERE store_id IS NULL"),
                     {"s": stores[0]})
    bind.execute(sa.text(
        "UPDATE changes SET store_id = (SELECT m.store_id FROM members m "
        "WHERE m.id = changes.key) WHERE kind = 'member'"))
    registered = bind.execute(sa.text(
        "SELECT id FROM terminals WHERE registered_at IS NOT NULL "
        "ORDER BY registered_at, id")).all()
    for number, row in enumerate(registered[:999], start=1):
        bind.execute(sa.text("UPDATE terminals SET terminal_number = :n WHERE id = :i"),
                     {"n": number, "i": row[0]})
    for row in bind.execute(sa.text("SELECT event_id, created_at FROM holds")).all():
        expires = format_time(parse_time(row[1]) + timedelta(minutes=15))
        bind.execute(sa.text("UPDATE holds SET expires_at = :x WHERE event_id = :i"),
                     {"x": expires, "i": row[0]})


def downgrade() -> None:
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_kind_key')
        batch_op.drop_column('store_id')
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_index('ix_holds_member_id')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_constraint('uq_terminals_terminal_number', type_='unique')
        batch_op.drop_column('terminal_number')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('pin_hash')
        batch_op.drop_column('code_secret')

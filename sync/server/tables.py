"""The central server's schema (SQLAlchemy Core, portable between PostgreSQL and SQLite).

Alembic migrations in ``sync/server/migrations`` create and evolve it. Notes:

* ``balances`` has a ``shard``: member accounts use ``""``; the shop's accounts are kept per
  terminal (shard = terminal id) so concurrent terminals never queue on one hot row, and the
  overdraft receivable per member (shard = member id). Reports sum over shards.
* ``changes`` is the pull feed: one row per changed entity, with the store it belongs to
  (members) or none (config, vouchers: every terminal). On PostgreSQL ``txid`` is an
  ``xid8`` defaulting to ``pg_current_xact_id()`` and the pull hands out only rows below
  ``pg_snapshot_xmin(pg_current_snapshot())`` (see :mod:`sync.server.service`).
* ``holds`` expire (``expires_at``): an expired hold no longer reduces the available balance.
  One hold per (event, asset): a sale may hold stored value and cash-back at once.
* ``sale_facts``, ``sale_voids``, ``member_sales``, ``analytics_cursor``,
  ``member_activity`` and ``activity_zones`` belong to the nightly analytics alone
  (:mod:`sync.server.analytics_facts`, :mod:`sync.server.analytics`): the push never
  writes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import UserDefinedType


class Xid8(UserDefinedType[int]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


BigId = BigInteger().with_variant(Integer, "sqlite")
TxId = Xid8().with_variant(BigInteger(), "sqlite")

metadata = MetaData()

stores = Table(
    "stores", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
)

terminals = Table(
    "terminals", metadata,
    Column("id", String(36), primary_key=True),
    Column("store_id", String(36), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("code_hash", String(64), unique=True),
    Column("code_expires_at", String(40)),
    Column("registered_at", String(40)),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    # 1..999, allocated at registration: the terminal's range of card serials
    Column("terminal_number", Integer),
    UniqueConstraint("terminal_number", name="uq_terminals_terminal_number"),
)

members = Table(
    "members", metadata,
    Column("id", String(36), primary_key=True),
    Column("card_number", String(32), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("phone", String(24), nullable=False),
    Column("birthday", String(10)),
    Column("enrolled_on", String(10), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("store_id", String(36)),
    Column("hotlisted", Boolean, nullable=False),
    Column("hotlist_reason", Text, nullable=False),
    Column("code_secret", String(64)),  # hex of the rotating-code secret; never logged
    Column("pin_hash", Text),  # opaque (the terminal's scrypt string); never logged
)

events = Table(
    "events", metadata,
    Column("id", String(36), primary_key=True),
    Column("terminal_id", String(36), nullable=False),
    Column("seq", BigInteger),
    Column("store_id", String(36)),
    Column("cashier_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("member_id", String(64)),
    Column("occurred_at", String(40), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("result", Text, nullable=False),
    UniqueConstraint("terminal_id", "seq", name="uq_events_terminal_seq"),
    # (no index on store_id, occurred_at since migration 0005: no query used it)
)

postings = Table(
    "postings", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, index=True),
    Column("account", String(80), nullable=False),
    Column("asset", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("lot", String(64)),
    Column("expires_on", String(10)),
)

balances = Table(
    "balances", metadata,
    Column("account", String(80), primary_key=True),
    Column("asset", String(16), primary_key=True),
    Column("shard", String(36), primary_key=True),
    Column("balance", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
)

lots = Table(
    "lots", metadata,
    Column("lot_id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("expires_on", String(10)),
    Column("remaining", BigInteger, nullable=False),
)

vouchers = Table(
    "vouchers", metadata,
    Column("id", String(64), primary_key=True),
    Column("face_value", BigInteger),
    Column("status", String(16), nullable=False),  # issued | redeemed
    Column("redeemed_by", String(36)),
    Column("redemptions", Integer, nullable=False),
)

holds = Table(
    "holds", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("asset", String(32), primary_key=True, server_default="stored_value"),
    Column("member_id", String(64), nullable=False),
    Column("terminal_id", String(36), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Index("ix_holds_member_id", "member_id"),
)

# A voucher reserved online for one redemption event (sync/server/voucher_holds.py): counted
# against the voucher's uses until the event's push consumes it, the till releases it, or it
# expires.
voucher_holds = Table(
    "voucher_holds", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("voucher_id", String(64), nullable=False),
    Column("terminal_id", String(36), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Index("ix_voucher_holds_voucher_id", "voucher_id"),
)

flags = Table(
    "flags", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, index=True),
    Column("store_id", String(36)),
    Column("terminal_id", String(36), nullable=False),
    Column("member_id", String(64)),
    Column("kind", String(32), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

config = Table(
    "config", metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

changes = Table(
    "changes", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("txid", TxId),
    Column("kind", String(16), nullable=False),
    Column("key", String(64), nullable=False),
    Column("store_id", String(36)),  # the member's store; NULL: every terminal
    Index("ix_changes_txid_id", "txid", "id"),
    Index("ix_changes_kind_key", "kind", "key"),
)

sale_facts = Table(
    "sale_facts", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("member_id", String(64), nullable=False, index=True),
    Column("store_id", String(36), nullable=False),
    Column("t", String(40), nullable=False),  # canonical UTC text: …T12:34:56.123456Z
    Column("amount", BigInteger, nullable=False),
)

member_sales = Table(
    "member_sales", metadata,
    Column("member_id", String(64), primary_key=True),
    Column("store_id", String(36), primary_key=True),
    Column("purchases", BigInteger, nullable=False),
    Column("spend", BigInteger, nullable=False),
    Column("last_at", String(40), nullable=False),
    # the end of the member's enrolment day in the store's zone when summed (NULL: the member
    # or store was unknown), and the first purchase from then on
    Column("return_from", String(40)),
    Column("return_at", String(40)),
    Index("ix_member_sales_unresolved", "member_id",
          postgresql_where=text("return_from IS NULL"), sqlite_where=text("return_from IS NULL")),
    # a report for a past day finds the members with purchases after its end
    Index("ix_member_sales_store_last", "store_id", "last_at"),
)

sale_voids = Table(
    "sale_voids", metadata,
    Column("event_id", Text, primary_key=True),  # a voided event's id
)

analytics_cursor = Table(
    "analytics_cursor", metadata,
    Column("terminal_id", String(36), primary_key=True),
    Column("folded_seq", BigInteger, nullable=False),
)

# per member and scope (0: every store, then each store's number in ``activity_zones``) the
# activity over every folded purchase, in days since 1970-01-01 (local dates of the scope's
# stores); the reports compute ages and idle days from them (sync.server.analytics)
member_activity = Table(
    "member_activity", metadata,
    Column("member_id", String(64), primary_key=True),
    Column("scope", Integer, primary_key=True),
    Column("month", String(7), nullable=False),  # of enrolment
    Column("enrolled_day", Integer, nullable=False),
    Column("purchases", BigInteger, nullable=False),
    Column("spend", BigInteger, nullable=False),
    Column("last_day", Integer),  # NULL: never bought (in this scope)
    Column("first_return", Integer),  # the first purchase after the enrolment day
)

# the stores (number, zone; on SQLite the offset used) member_activity was computed with
activity_zones = Table(
    "activity_zones", metadata,
    Column("no", Integer, primary_key=True),
    Column("store_id", String(36), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("shift", String(24), nullable=False),
)


#: how ``events.result`` begins for an event the server kept in its terminal's chain without
#: booking it (``unbookable_event``: nothing posted). Reports and analytics leave such events
#: out, voids included (:func:`booked_only`: no ``%`` in raw SQL).
REFUSED_RESULT_PREFIX = '{"status": "refused"'


def booked_only(alias: str) -> str:
    """SQL: the event ``alias`` was booked (not kept unbooked)."""
    return (f"substr({alias}.result, 1, {len(REFUSED_RESULT_PREFIX)}) "
            f"<> '{REFUSED_RESULT_PREFIX}'")

"""The local store's schema (SQLAlchemy Core). Alembic migrations create and evolve it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("card_number", String(32), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("phone", String(24), nullable=False, default=""),
    Column("birthday", String(10)),
    Column("enrolled_on", String(10), nullable=False),
    Column("tier", String(16), nullable=False),
    # migration 0004: the phone-code secret (64 hex characters) and the PIN hash (scrypt)
    Column("code_secret", String(64)),
    Column("pin_hash", Text),
    Index("ix_members_phone", "phone"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("pin_hash", Text, nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", String(40)),
    Column("active", Boolean, nullable=False, default=True),
)

# The journal. ``seq`` is the gapless per-terminal sequence number and the rowid.
events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("terminal_id", String(36), nullable=False),
    Column("cashier_id", String(36), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("member_id", String(36)),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("voids", String(36), unique=True),
    Index("ix_events_member", "member_id", "seq"),
    Index("ix_events_time", "occurred_at"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_seq", Integer, ForeignKey("events.seq"), nullable=False),
    Column("account", String(48), nullable=False),
    Column("asset", String(16), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("lot", String(36)),
    Column("expires_on", String(10)),
    Index("ix_postings_event", "event_seq"),
)

# Caches derived from postings: rebuilt or checked by ``verify``, never edited by hand.
balances = Table(
    "balances",
    metadata,
    Column("account", String(48), primary_key=True),
    Column("asset", String(16), primary_key=True),
    Column("balance", Integer, nullable=False),
    sqlite_with_rowid=False,
)

lots = Table(
    "lots",
    metadata,
    Column("lot_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("expires_on", String(10)),
    Column("remaining", Integer, nullable=False),
    Index("ix_lots_member", "member_id"),
)

# --- sync (migration 0002) -------------------------------------------------------------
# Server snapshots of members' balances across all terminals. A member with a ``member_sync``
# row has balance = snapshot + this terminal's postings after ``as_of_seq`` (the last of our
# events the server had applied when it took the snapshot); see SqliteSession.balance().
member_sync = Table(
    "member_sync",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("as_of_seq", Integer, nullable=False),
    Column("hotlisted", Boolean, nullable=False, default=False),
    Column("hotlist_reason", Text, nullable=False, default=""),
)

member_snapshots = Table(
    "member_snapshots",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("asset", String(16), primary_key=True),
    Column("balance", Integer, nullable=False),
    sqlite_with_rowid=False,
)

snapshot_lots = Table(
    "snapshot_lots",
    metadata,
    Column("lot_id", String(64), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("expires_on", String(10)),
    Column("remaining", Integer, nullable=False),
    Index("ix_snapshot_lots_member", "member_id"),
)

voucher_status = Table(
    "voucher_status",
    metadata,
    Column("voucher_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("face_value", Integer),
)

# Voucher redemptions made at this terminal (a voucher_redeem event each).
voucher_uses = Table(
    "voucher_uses",
    metadata,
    Column("voucher_id", String(36), primary_key=True),
    Column("event_seq", Integer, ForeignKey("events.seq"), primary_key=True),
    sqlite_with_rowid=False,
)

# Stored-value debits this terminal allowed while offline (the offline limits count them).
offline_debits = Table(
    "offline_debits",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("member_id", String(36), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

# --- member codes and PINs (migration 0004) ------------------------------------------------
# Windows of phone codes accepted at this terminal, per member: a replay is refused even after
# a restart. Old windows are forgotten (SqliteSession.record_member_code_window).
member_code_uses = Table(
    "member_code_uses",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("code_window", Integer, primary_key=True),
    Index("ix_member_code_uses_window", "code_window"),
    sqlite_with_rowid=False,
)

# Wrong member PINs at this terminal (the lockout is local; the PIN hash is the member's).
member_pin_attempts = Table(
    "member_pin_attempts",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", String(40)),
)

# --- programmes at the till (migration 0005) -------------------------------------------------
# Every member an event concerns: its ``member_id`` and each member account it posts to (the
# receiver of a transfer, the referrer rewarded at a referee's sale). Written with the event.
event_members = Table(
    "event_members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("event_seq", Integer, ForeignKey("events.seq"), primary_key=True),
    sqlite_with_rowid=False,
)

# --- other tills' events (migration 0006) -----------------------------------------------------
# What the programme state needs of the store's members' events made at other terminals
# (pulled: sync.client.localdb.apply_facts). Not part of this terminal's journal: ``verify``
# never reads them. ``changes`` is JSON: ``[[field, value, key], …]``.
foreign_facts = Table(
    "foreign_facts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("member_id", String(64), nullable=False),
    Column("terminal_id", String(64), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("voids", String(64)),
    Column("amount", Integer, nullable=False),
    Column("discount", Integer, nullable=False),
    Column("changes", Text, nullable=False),
    Index("ix_foreign_facts_member", "member_id", "occurred_at"),
)

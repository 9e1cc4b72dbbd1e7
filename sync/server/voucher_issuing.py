"""Signing e-vouchers on the server (DESIGN §4): keys, issuing, QR images.

The private signing keys live in files of their own (mode 0600) in a key directory, never in
the database, so a copy of the database cannot mint vouchers. Their public halves are
published in the ``public_keys`` configuration, which every terminal pulls and verifies
vouchers with offline. Keys rotate by adding one: the newest signs, the older ones stay
published until their last voucher has expired.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import qrcode
from sqlalchemy import Connection

from sync.server import service
from sync.server.errors import BadRequest
from terminal.errors import LoyaltyError
from terminal.vouchers import (
    VoucherFields,
    VoucherKind,
    issue_voucher,
    new_signing_key,
    public_key_of,
)

KEY_FILE = "voucher-key-{key_id}.hex"


def _key_files(key_dir: Path) -> dict[int, Path]:
    found = {}
    for path in key_dir.glob("voucher-key-*.hex"):
        try:
            found[int(path.stem.removeprefix("voucher-key-"))] = path
        except ValueError:
            continue
    return found


def new_voucher_key(conn: Connection, key_dir: Path) -> dict[str, Any]:
    """Make the next signing key, save it 0600, and publish its public half."""
    key_dir.mkdir(parents=True, exist_ok=True)
    published = service.get_config(conn, "public_keys") or {}
    existing = set(_key_files(key_dir)) | {int(k) for k in published}
    key_id = max(existing, default=0) + 1
    if key_id > 255:
        raise BadRequest("No voucher key ids left (1-255).")
    private, public = new_signing_key()
    path = key_dir / KEY_FILE.format(key_id=key_id)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(private.hex())
    published = {**published, str(key_id): public.hex()}
    service.set_config(conn, "public_keys", published)
    return {"key_id": key_id, "public_key": public.hex(), "private_key_file": str(path)}


@dataclass(frozen=True)
class SigningKey:
    key_id: int
    private: bytes


def active_key(conn: Connection, key_dir: Path) -> SigningKey:
    """The newest key that is both on disk and published."""
    published = {int(k): v for k, v in (service.get_config(conn, "public_keys") or {}).items()}
    for key_id, path in sorted(_key_files(key_dir).items(), reverse=True):
        if key_id not in published:
            continue
        private = bytes.fromhex(path.read_text().strip())
        if public_key_of(private).hex() != published[key_id]:
            raise BadRequest(f"The key file {path} does not match published key {key_id}.")
        return SigningKey(key_id, private)
    raise BadRequest(f"No voucher signing key in {key_dir}: run "
                     "`loyalty-server admin voucher-key` first.")


def issue_vouchers(conn: Connection, key_dir: Path, out_dir: Path, *, kind: str, value: int,
                   uses: int = 1, days: int = 30, member_id: str | None = None,
                   store_id: str | None = None, count: int = 1,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Sign ``count`` vouchers, record them (so sync can settle their redemptions), and
    write each as a QR PNG plus a manifest.csv into ``out_dir``."""
    if not 1 <= count <= 10_000:
        raise BadRequest("Issue between 1 and 10,000 vouchers at a time.")
    try:
        voucher_kind = VoucherKind[kind.upper()]
    except KeyError:
        names = ", ".join(k.name.lower() for k in VoucherKind)
        raise BadRequest(f"Unknown voucher kind {kind!r}; one of {names}.") from None
    key = active_key(conn, key_dir)
    start = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    issued = []
    for _ in range(count):
        try:
            fields = VoucherFields(kind=voucher_kind, value=value, uses=uses,
                                   not_before=start, not_after=start + timedelta(days=days),
                                   member_id=member_id, store_id=store_id)
        except LoyaltyError as exc:
            raise BadRequest(exc.message) from None
        text = issue_voucher(key.private, key.key_id, fields)
        face = value if voucher_kind is VoucherKind.AMOUNT_OFF else 0
        service.issue_voucher(conn, fields.id, face)
        png = out_dir / f"{fields.id}.png"
        qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M).save(png)
        issued.append({"id": fields.id, "text": text, "png": str(png),
                       "valid_until": fields.not_after.isoformat()})
    with (out_dir / "manifest.csv").open("a", newline="", encoding="utf-8") as manifest:
        writer = csv.DictWriter(manifest, fieldnames=["id", "text", "png", "valid_until"])
        if manifest.tell() == 0:
            writer.writeheader()
        writer.writerows(issued)
    return issued

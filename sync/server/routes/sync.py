"""Terminal-facing routes: register, push, pull, check, authorise, release, vouchers,
conflicts. Thin: they only translate HTTP to :mod:`sync.server.service` calls inside one
transaction."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, StrictInt
from starlette.concurrency import run_in_threadpool

from sync.server import service, voucher_holds
from sync.server.deps import EngineDep, SettingsDep, TerminalDep, bearer, in_transaction
from sync.server.voucher_state import voucher_state
from terminal.vouchers import MAX_USES

router = APIRouter(prefix="/v1")

_POSTING_SCHEMA = {"type": "array", "minItems": 5, "maxItems": 5}
_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "terminal_id", "seq", "cashier_id", "occurred_at", "kind", "body",
                 "postings", "prev_hash", "hash"],
    "properties": {
        "id": {"type": "string"}, "terminal_id": {"type": "string"},
        "seq": {"type": "integer", "minimum": 1}, "cashier_id": {"type": "string"},
        "occurred_at": {"type": "string"}, "kind": {"type": "string"},
        "body": {"type": "object"}, "postings": {"type": "array", "items": _POSTING_SCHEMA},
        "prev_hash": {"type": "string"}, "hash": {"type": "string"},
    },
}
_PUSH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["events"],
        "properties": {"store_id": {"type": ["string", "null"]},
                       "events": {"type": "array", "maxItems": 5000, "items": _EVENT_SCHEMA}},
    }}},
}


class RegisterIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    terminal_id: str | None = Field(default=None, max_length=64)
    #: the till's journal head (seq, hash): checked when a terminal registers again
    head_seq: StrictInt | None = Field(default=None, ge=0, le=2**62)
    head_hash: str | None = Field(default=None, max_length=64)


class RegisterOut(BaseModel):
    terminal_id: str
    store_id: str
    store_name: str
    token: str
    terminal_number: int
    head_seq: int  # the server's last event of this terminal: the till's chain goes on there
    head_hash: str
    registered_again: bool  # a re-issued code: same id, store, number and chain


class AuthoriseIn(BaseModel):
    member_id: str = Field(min_length=1, max_length=64)
    amount: StrictInt = Field(gt=0, le=10**12)
    event_id: str = Field(min_length=1, max_length=64)
    # a request without it (a till from before cash-back holds) holds stored value; any
    # other asset is refused by the service with its reason (400 unsupported_asset)
    asset: str = Field(default=service.SV, min_length=1, max_length=32,
                       description="stored_value (the default) or cash_back")


class ReleaseIn(BaseModel):
    event_id: str = Field(min_length=1, max_length=64)


class VoucherHoldIn(BaseModel):
    event_id: str = Field(min_length=1, max_length=36)
    uses: StrictInt = Field(ge=1, le=MAX_USES, description="the uses the voucher was signed with")
    pending: list[Annotated[str, Field(min_length=1, max_length=36)]] = Field(
        default_factory=list, max_length=MAX_USES,
        description="the event ids of this till's redemptions of it not pushed yet")


class CheckIn(BaseModel):
    members: list[tuple[str, str]] = Field(max_length=5000)


@router.post("/register", response_model=RegisterOut, tags=["sync"])
def register(body: RegisterIn, engine: EngineDep) -> dict[str, Any]:
    """Exchange a one-time enrolment code for this terminal's credential and number."""
    head = None if body.head_seq is None else (body.head_seq, body.head_hash or "")
    return in_transaction(engine, lambda c: service.register(c, body.code, body.terminal_id,
                                                             head))


@router.get("/sync/whoami", tags=["sync"])
def whoami(engine: EngineDep, terminal: TerminalDep) -> dict[str, Any]:
    """A cheap check of the credential (``loyalty status``): this terminal, its store and
    the last of its events the server has."""
    with engine.connect() as conn:
        head = service.terminal_head(conn, terminal)
    return {"terminal_id": terminal.id, "store_id": terminal.store_id, "head_seq": head}


@router.post("/sync/push", tags=["sync"], openapi_extra={"requestBody": _PUSH_BODY})
async def push(request: Request, engine: EngineDep) -> Response:
    """Events in sequence order; per-event results (409 when an id was reused)."""
    token = bearer(request)  # checked inside the push transaction: one connection, hot path
    body = await request.body()
    result, conflict = await run_in_threadpool(
        in_transaction, engine, lambda c: service.push_with_token(c, token, body))
    return Response(msgspec.json.encode(result), status_code=409 if conflict else 200,
                    media_type="application/json")


@router.get("/sync/pull", tags=["sync"])
def pull(engine: EngineDep, settings: SettingsDep, terminal: TerminalDep,
         cursor: Annotated[str, Query(max_length=64)] = "0",
         limit: Annotated[int | None, Query(ge=1, le=5000)] = None) -> dict[str, Any]:
    """Changes since ``cursor``: members with balances, lots and hotlist, vouchers, config,
    other tills' member event facts; and this terminal's ``terminal_number``."""
    page = limit or settings.pull_page_size
    return in_transaction(engine, lambda c: service.pull(c, terminal, cursor, page),
                          isolation="REPEATABLE READ")


@router.post("/sync/check", tags=["sync"])
def check(body: CheckIn, engine: EngineDep, terminal: TerminalDep) -> dict[str, Any]:
    """Per-member balance digests; returns the members that differ, to reload."""
    def work(conn: Any) -> dict[str, Any]:
        members = service.check(conn, terminal, body.members)
        head = service.terminal_head(conn, terminal) if members else None
        return {"members": members, "as_of_seq": head}

    return in_transaction(engine, work, isolation="REPEATABLE READ")


@router.post("/sync/authorise", tags=["sync"])
def authorise(body: AuthoriseIn, engine: EngineDep, settings: SettingsDep,
              terminal: TerminalDep) -> dict[str, Any]:
    """Reserve a stored-value or cash-back debit online (conditional update: never an
    overdraft); the hold expires after ``hold_seconds`` if the sale never arrives."""
    return in_transaction(engine, lambda c: service.authorise(
        c, terminal, body.member_id, body.amount, body.event_id, settings.hold_seconds,
        asset=body.asset))


@router.post("/sync/release", tags=["sync"])
def release(body: ReleaseIn, engine: EngineDep, terminal: TerminalDep) -> dict[str, Any]:
    """Release this terminal's holds of an event whose sale it refused (say its cash-back was
    refused after its stored value was held): the sale will never arrive."""
    def work(conn: Any) -> dict[str, Any]:
        released = service.release_holds(conn, terminal, body.event_id)
        released["vouchers"] = voucher_holds.release_voucher_holds(conn, terminal,
                                                                   body.event_id)
        return released

    return in_transaction(engine, work)


@router.get("/sync/vouchers/{voucher_id}", tags=["sync"])
def voucher(voucher_id: Annotated[str, Path(min_length=1, max_length=64)], engine: EngineDep,
            terminal: TerminalDep) -> dict[str, Any]:
    """How often a voucher was redeemed at every till, and how many uses other tills hold
    right now (a till asks when a voucher is scanned online; offline it applies the offline
    voucher limits instead)."""
    return in_transaction(engine, lambda c: voucher_state(c, voucher_id, terminal.id))


@router.post("/sync/vouchers/{voucher_id}/hold", tags=["sync"])
def hold_voucher(voucher_id: Annotated[str, Path(min_length=1, max_length=64)],
                 body: VoucherHoldIn, engine: EngineDep, settings: SettingsDep,
                 terminal: TerminalDep) -> dict[str, Any]:
    """Reserve one use of a voucher for a redemption about to be made online: ``held``
    true, or false with the ``redemptions`` that used it up (no use left at any till).
    The hold counts until the redemption's push consumes it, the till releases it
    (``/sync/release``), or it expires after ``hold_seconds``."""
    return in_transaction(engine, lambda c: voucher_holds.hold_voucher(
        c, terminal, voucher_id, body.event_id, body.uses, body.pending,
        settings.hold_seconds))


@router.get("/sync/conflicts", tags=["sync"])
def conflicts(engine: EngineDep, terminal: TerminalDep) -> list[dict[str, Any]]:
    """Flagged items of this terminal's store, newest first."""
    return in_transaction(engine, lambda c: service.list_flags(c, terminal.store_id))

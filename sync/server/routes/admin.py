"""Admin routes (behind the admin credential): stores, terminals, members, config, reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictInt
from sqlalchemy import Connection

from sync.server import analytics, day_report, enrolment, service
from sync.server.deps import AdminDep, EngineDep, SettingsDep, in_transaction

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminDep])


class StoreIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="Asia/Taipei", max_length=64)


class TerminalIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    ttl_seconds: StrictInt | None = Field(default=None, ge=1, le=30 * 24 * 3600)


class MemberIn(BaseModel):
    id: str | None = Field(default=None, max_length=36)
    card_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=24)
    birthday: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    enrolled_on: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    tier: str = Field(default="basic", max_length=16)


class MembersIn(BaseModel):
    members: list[MemberIn] = Field(max_length=10000)
    store_id: str = Field(min_length=1, max_length=36)  # only its terminals see them


class OfflineLimitsIn(BaseModel):
    max_offline_hours: StrictInt = Field(default=24, ge=0, le=24 * 30)
    per_transaction: StrictInt = Field(default=1000, ge=0, le=10**12)
    per_member_total: StrictInt = Field(default=2000, ge=0, le=10**12)
    per_member_debits: StrictInt = Field(default=3, ge=0, le=10**6)
    per_terminal_total: StrictInt = Field(default=20000, ge=0, le=10**12)
    voucher_face_max: StrictInt = Field(default=500, ge=0, le=10**12)


class VoucherIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    face_value: StrictInt = Field(ge=0, le=10**12)


@router.post("/stores")
def create_store(body: StoreIn, engine: EngineDep) -> dict[str, Any]:
    return in_transaction(engine, lambda c: service.create_store(c, body.name, body.timezone))


@router.post("/stores/{store_id}/terminals")
def create_terminal(store_id: str, body: TerminalIn, engine: EngineDep,
                    settings: SettingsDep) -> dict[str, Any]:
    """A terminal and its one-time enrolment code (shown once)."""
    ttl = body.ttl_seconds or settings.enrol_code_ttl_seconds
    return in_transaction(engine, lambda c: service.create_terminal(c, store_id, body.name,
                                                                    ttl))


class CodeIn(BaseModel):
    ttl_seconds: StrictInt | None = Field(default=None, ge=1, le=30 * 24 * 3600)


@router.post("/terminals/{terminal_id}/enrolment-code")
def reissue_code(terminal_id: str, engine: EngineDep, settings: SettingsDep,
                 body: CodeIn | None = None) -> dict[str, Any]:
    """A new one-time code for an existing terminal (shown once): registering with it
    replaces the terminal's credential and keeps its id, store, number and chain."""
    ttl = (body.ttl_seconds if body else None) or settings.enrol_code_ttl_seconds
    return in_transaction(engine, lambda c: enrolment.reissue_code(c, terminal_id, ttl))


@router.post("/terminals/{terminal_id}/revoke")
def revoke_terminal(terminal_id: str, engine: EngineDep) -> dict[str, Any]:
    """The terminal's credential (and a code waiting for it) stops working at once."""
    return in_transaction(engine, lambda c: enrolment.revoke(c, terminal_id))


@router.post("/members/import")
def import_members(body: MembersIn, engine: EngineDep) -> dict[str, Any]:
    rows = [m.model_dump() for m in body.members]
    return in_transaction(engine, lambda c: service.import_members(c, rows, body.store_id))


@router.put("/config/offline-limits")
def set_offline_limits(body: OfflineLimitsIn, engine: EngineDep) -> dict[str, Any]:
    version = in_transaction(engine, lambda c: service.set_config(c, "offline_limits",
                                                                  body.model_dump()))
    return {"version": version, "offline_limits": body.model_dump()}


@router.put("/config/programme")
def set_programme(body: dict[str, Any], engine: EngineDep) -> dict[str, Any]:
    version = in_transaction(engine, lambda c: service.set_config(c, "programme", body))
    return {"version": version}


@router.put("/programmes")
def put_programmes(body: dict[str, Any], engine: EngineDep) -> dict[str, Any]:
    """Replace the programme document (422 naming the programme and field when invalid)."""
    return in_transaction(engine, lambda c: service.set_programmes(c, body))


@router.get("/programmes")
def get_programmes(engine: EngineDep) -> dict[str, Any]:
    return in_transaction(engine, service.get_programmes)


@router.post("/vouchers")
def issue_voucher(body: VoucherIn, engine: EngineDep) -> dict[str, Any]:
    return in_transaction(engine, lambda c: service.issue_voucher(c, body.id, body.face_value))


@router.get("/conflicts")
def conflicts(engine: EngineDep,
              store_id: Annotated[str | None, Query(max_length=36)] = None
              ) -> list[dict[str, Any]]:
    return in_transaction(engine, lambda c: service.list_flags(c, store_id))


@router.get("/reports/liability")
def liability(engine: EngineDep) -> dict[str, int]:
    return in_transaction(engine, service.liability)


@router.get("/reports/day")
def day(engine: EngineDep,
        date: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> list[dict[str, Any]]:
    return in_transaction(engine, lambda c: day_report.day_totals(c, date))


# --- analytics reports (issue 7): rfm | lifecycle | retention | redemption --------------------

@router.get("/reports/{name}")
def analytics_report(
        name: str, engine: EngineDep,
        store_id: Annotated[str | None, Query(max_length=36)] = None,
        as_of: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
        new_days: Annotated[int, Query(ge=0, le=100_000)] = analytics.DEFAULTS.new_days,
        dormant_days: Annotated[int, Query(ge=0, le=100_000)] = analytics.DEFAULTS.dormant_days,
        churned_days: Annotated[int, Query(ge=0, le=100_000)] = analytics.DEFAULTS.churned_days,
) -> dict[str, Any]:
    def work(conn: Connection) -> dict[str, Any]:
        limits = analytics.Thresholds(new_days, dormant_days, churned_days)
        return analytics.report(conn, name, store_id=store_id,
                                as_of=analytics.parse_day(as_of), limits=limits)
    return in_transaction(engine, work)

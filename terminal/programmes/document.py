"""The programme document: a versioned JSON/TOML mapping → frozen dataclasses, or a clear error.

A document::

    {"version": 3, "currency": "TWD", "timezone": "Asia/Taipei", "points_validity_days": 365,
     "multiplier_stacking": "multiply",
     "programmes": [{"id": "points", "type": "points", "name": "紅利點數", "priority": 10,
                     "exclusive_group": "", "valid_from": "2026-01-01", "valid_until": null,
                     "params": {"earn_unit": 50}}]}
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from terminal.errors import InvalidAmount
from terminal.money import Currency, currency_by_code
from terminal.programmes.fields import Fields, ProgrammeError
from terminal.programmes.kinds import KINDS, Kind

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
STACKING = ("multiply", "add", "max")
MAX_PROGRAMMES = 100


@dataclass(frozen=True, slots=True)
class Programme:
    id: str
    type: str
    name: str
    priority: int
    exclusive_group: str  # "": stacks with everything; else only the first that acts counts
    valid_from: date | None
    valid_until: date | None
    params: Any  # the type's own frozen Params

    @property
    def kind(self) -> Kind:
        return KINDS[self.type]

    def active_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


@dataclass(frozen=True, slots=True)
class Document:
    version: int
    currency: Currency
    zone: ZoneInfo
    points_validity_days: int
    multiplier_stacking: str
    programmes: tuple[Programme, ...]  # as listed
    ordered: tuple[Programme, ...]  # the evaluation order: phase, priority, id

    def programme(self, programme_id: str) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)


def parse_document(data: Mapping[str, Any]) -> Document:
    """The document in ``data`` (parsed JSON or TOML), or a :class:`ProgrammeError`."""
    top = Fields(data, "")
    version = top.integer("version", minimum=1)
    try:
        currency = currency_by_code(top.text("currency", "TWD"))
    except InvalidAmount as error:
        raise ProgrammeError(error.message, field="currency") from None
    zone_name = top.text("timezone", "Asia/Taipei")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgrammeError(f"unknown time zone {zone_name!r}", field="timezone") from None
    validity = top.integer("points_validity_days", 365)
    stacking = top.choice("multiplier_stacking", STACKING, "multiply")
    raw = top.data.get("programmes")
    top.used.add("programmes")
    if not isinstance(raw, list):
        raise ProgrammeError("must be a list of programmes", field="programmes")
    if len(raw) > MAX_PROGRAMMES:
        raise ProgrammeError(f"at most {MAX_PROGRAMMES} programmes", field="programmes")
    top.finish()
    programmes = [_programme(item, index) for index, item in enumerate(raw)]
    seen: set[str] = set()
    for programme in programmes:
        if programme.id in seen:
            raise ProgrammeError("two programmes have this id", programme.id, "id")
        seen.add(programme.id)
    if sum(p.type == "stamps" for p in programmes) > 1:
        raise ProgrammeError("a document has at most one stamp card (members have one "
                             "stamp balance)", field="programmes")
    ordered = tuple(sorted(programmes, key=lambda p: (p.kind.phase, p.priority, p.id)))
    return Document(version, currency, zone, validity, stacking, tuple(programmes), ordered)


def _programme(item: Any, index: int) -> Programme:
    if not isinstance(item, Mapping):
        raise ProgrammeError("must be a table (an object)", field=f"programmes[{index}]")
    raw_id = item.get("id")
    if not isinstance(raw_id, str) or not ID_PATTERN.fullmatch(raw_id):
        raise ProgrammeError(
            f"must be 1–40 lower-case letters, digits, '-' or '_', not {raw_id!r}",
            field=f"programmes[{index}].id")
    f = Fields(item, raw_id)
    f.used.add("id")
    type_name = f.choice("type", sorted(KINDS), "")
    if not type_name:
        raise f.fail("type", f"is required (one of {', '.join(sorted(KINDS))})")
    name = f.text("name", max_length=80)
    priority = f.integer("priority", 100, minimum=0, maximum=10_000)
    group = f.text("exclusive_group", "", max_length=40)
    valid_from, valid_until = f.day("valid_from"), f.day("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        raise f.fail("valid_until", "is before valid_from")
    params_fields = f.table("params", required=False) or Fields({}, raw_id, "params.")
    params = KINDS[type_name].parse(params_fields)
    params_fields.finish()
    f.finish()
    return Programme(raw_id, type_name, name, priority, group, valid_from, valid_until, params)


def document_data(text: str, fmt: str = "json") -> dict[str, Any]:
    """JSON-ready data from JSON or TOML text (TOML dates become ISO texts), not yet checked."""
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise ProgrammeError(f"not valid {fmt.upper()}: {error}") from None
    if not isinstance(data, dict):
        raise ProgrammeError("the document must be a table (an object)")
    if fmt == "toml":
        data = json.loads(json.dumps(data, default=_iso))
    return data


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise ProgrammeError(f"{value!r} cannot be part of a programme document")


def load_document(text: str, fmt: str = "json") -> Document:
    """Parse a document from JSON or TOML text (``fmt``: "json" or "toml")."""
    return parse_document(document_data(text, fmt))

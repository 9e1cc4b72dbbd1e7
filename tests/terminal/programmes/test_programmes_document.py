"""The programme document: parsed into frozen dataclasses, or refused naming programme and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from programmes_testkit import doc, programme

from terminal.errors import InvalidInput
from terminal.programmes import ProgrammeError, load_document, parse_document
from terminal.programmes.kinds import KINDS

DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo" / "programmes.json"


def test_demo_document_parses_and_covers_every_programme_type() -> None:
    document = load_document(DEMO.read_text(encoding="utf-8"))
    assert {p.type for p in document.programmes} == set(KINDS)
    assert document.version == 1


def test_order_is_phase_then_priority_then_id_whatever_the_listing() -> None:
    listed = [programme("z-points", "points"), programme("give", "charity",
                                                         {"charity": "C", "points_percent": 5}),
              programme("a-cash", "cash_back", {"basis_points": 100}, priority=100),
              programme("tiers", "tiers", {"tiers": [{"name": "base", "threshold": 0}]},
                        priority=500)]
    forward = doc(*listed)
    backward = doc(*reversed(listed))
    assert [p.id for p in forward.ordered] == ["tiers", "a-cash", "z-points", "give"]
    assert forward.ordered == backward.ordered


def test_toml_document_is_accepted() -> None:
    text = """
version = 4
[[programmes]]
id = "points"
type = "points"
name = "紅利點數"
valid_from = 2026-01-01
[programmes.params]
earn_unit = 100
"""
    document = load_document(text, "toml")
    assert document.version == 4
    assert document.programmes[0].params.earn_unit == 100
    assert document.programmes[0].name == "紅利點數"


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("no version", {"programmes": []}, "", "version"),
    ("float version", {"version": 1.5, "programmes": []}, "", "version"),
    ("unknown setting", {"version": 1, "programmes": [], "colour": "red"}, "", "colour"),
    ("bad zone", {"version": 1, "timezone": "Mars/Base", "programmes": []}, "", "timezone"),
    ("bad currency", {"version": 1, "currency": "XXX", "programmes": []}, "", "currency"),
    ("programmes not a list", {"version": 1, "programmes": {}}, "", "programmes"),
    ("bad id", {"version": 1, "programmes": [programme("Bad Id!", "points")]},
     "", "programmes[0].id"),
    ("unknown type", {"version": 1, "programmes": [programme("p", "lottery")]}, "p", "type"),
    ("missing name", {"version": 1, "programmes": [{"id": "p", "type": "points"}]},
     "p", "name"),
    ("unknown field", {"version": 1, "programmes": [programme("p", "points", colour=1)]},
     "p", "colour"),
    ("unknown param", {"version": 1, "programmes": [programme("p", "points",
                                                              {"earn_units": 50})]},
     "p", "params.earn_units"),
    ("zero earn unit", {"version": 1, "programmes": [programme("p", "points",
                                                               {"earn_unit": 0})]},
     "p", "params.earn_unit"),
    ("float ratio", {"version": 1, "programmes": [programme("p", "points",
                                                            {"points_per_unit": 1.5})]},
     "p", "params.points_per_unit"),
    ("bad rounding", {"version": 1, "programmes": [programme("p", "points",
                                                             {"rounding": "banker"})]},
     "p", "params.rounding"),
    ("cash-back over 100 %", {"version": 1, "programmes": [programme(
        "cb", "cash_back", {"basis_points": 10_001})]}, "cb", "params.basis_points"),
    ("tiers not from 0", {"version": 1, "programmes": [programme(
        "t", "tiers", {"tiers": [{"name": "a", "threshold": 5}]})]},
     "t", "params.tiers[0].threshold"),
    ("tiers not rising", {"version": 1, "programmes": [programme(
        "t", "tiers", {"tiers": [{"name": "a", "threshold": 0},
                                 {"name": "b", "threshold": 0}]})]},
     "t", "params.tiers[1].threshold"),
    ("tier bad field", {"version": 1, "programmes": [programme(
        "t", "tiers", {"tiers": [{"name": "a", "threshold": 0, "bonus": 1}]})]},
     "t", "params.tiers[0].bonus"),
    ("period not dividing the year", {"version": 1, "programmes": [programme(
        "t", "tiers", {"tiers": [{"name": "a", "threshold": 0}], "period_months": 5})]},
     "t", "params.period_months"),
    ("empty reward", {"version": 1, "programmes": [programme(
        "w", "welcome", {"reward": {}})]}, "w", "params.reward"),
    ("reward typo", {"version": 1, "programmes": [programme(
        "w", "welcome", {"reward": {"point": 5}})]}, "w", "params.reward.point"),
    ("stamps without card size", {"version": 1, "programmes": [programme(
        "s", "stamps", {"reward": {"gift": "cup"}})]}, "s", "params.card_size"),
    ("charity giving nothing", {"version": 1, "programmes": [programme(
        "c", "charity", {"charity": "X"})]}, "c", "params.spend_basis_points"),
    ("window backwards", {"version": 1, "programmes": [programme(
        "p", "points", valid_from="2026-02-01", valid_until="2026-01-01")]}, "p", "valid_until"),
    ("bad date", {"version": 1, "programmes": [programme(
        "p", "points", valid_from="1 Feb")]}, "p", "valid_from"),
    ("duplicate ids", {"version": 1, "programmes": [programme("p", "points"),
                                                     programme("p", "welcome",
                                                               {"reward": {"points": 1}})]},
     "p", "id"),
    ("two stamp cards", {"version": 1, "programmes": [
        programme(f"s{i}", "stamps", {"card_size": 5, "reward": {"gift": "cup"}})
        for i in (1, 2)]}, "", "programmes"),
    ("top-up steps falling", {"version": 1, "programmes": [programme(
        "t", "top_up_bonus", {"steps": [{"min_top_up": 1000, "bonus": 100},
                                        {"min_top_up": 500, "bonus": 40}]})]},
     "t", "params.steps[1].min_top_up"),
]


@pytest.mark.parametrize(("case", "data", "programme_id", "field"), BAD,
                         ids=[b[0] for b in BAD])
def test_invalid_document_is_refused_naming_programme_and_field(
        case: str, data: dict[str, Any], programme_id: str, field: str) -> None:
    with pytest.raises(ProgrammeError) as caught:
        parse_document(data)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.programme_id == programme_id
    assert error.field == field
    assert field in str(error)
    if programme_id:
        assert repr(programme_id) in str(error)


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(ProgrammeError, match="not valid JSON"):
        load_document("{version: 1")
    with pytest.raises(ProgrammeError, match="table"):
        load_document(json.dumps([1, 2]))

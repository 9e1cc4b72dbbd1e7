"""The terminal's configuration file (``config.toml`` in the data directory).

Parsed with the standard library's tomllib; every problem is a :class:`ConfigError` that names
the file and the setting, so a broken file never becomes a traceback at the till.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from terminal.errors import LoyaltyError
from terminal.rules import Rules

CONFIG_NAME = "config.toml"

DEFAULT_CONFIG = """\
# Loyalty terminal configuration. Amounts are in minor units (TWD has none: 50 = NT$50).
[shop]
name = "My Shop"
timezone = "Asia/Taipei"
language = "zh_TW"

[rules]
earn_unit = 50            # 1 point per full NT$50 spent
points_per_unit = 1
earn_rounding = "floor"
new_member_bonus = 100
redeem_points_unit = 100  # 100 points ...
redeem_value_unit = 20    # ... = NT$20 off
points_validity_days = 365
max_sale_amount = 200000
max_top_up_amount = 50000
stored_value_pin = "card" # member PIN to pay with stored value: "card" (unless a phone
                          # code identified the member), "never" or "always"

[rules.tier_multiplier_percent]
silver = 120
gold = 150
platinum = 200
"""


class ConfigError(LoyaltyError):
    code = "config"


@dataclass(frozen=True)
class TerminalConfig:
    shop_name: str = "My Shop"
    timezone: str = "Asia/Taipei"
    language: str = "zh_TW"
    rules: Rules = field(default_factory=Rules)
    devices: Mapping[str, Any] = field(default_factory=dict)
    sync: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


def parse_config(text: str, source: str = CONFIG_NAME) -> TerminalConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}.") from None
    shop = _table(data, "shop", source)
    unknown = sorted(set(data) - {"shop", "rules", "devices", "sync"})
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {', '.join(unknown)}.")
    timezone = str(shop.get("timezone", "Asia/Taipei"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{source}: [shop] timezone {timezone!r} is not a time zone.") from None
    try:
        rules = Rules.from_mapping(_table(data, "rules", source))
    except LoyaltyError as exc:
        raise ConfigError(f"{source}: [rules] {exc.message}") from None
    return TerminalConfig(
        shop_name=str(shop.get("name", "My Shop")),
        timezone=timezone,
        language=str(shop.get("language", "zh_TW")),
        rules=rules,
        devices=_table(data, "devices", source),
        sync=_table(data, "sync", source),
        raw=data,
    )


def load_config(data_dir: Path) -> TerminalConfig:
    path = data_dir / CONFIG_NAME
    if not path.exists():
        return parse_config(DEFAULT_CONFIG, str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.") from None
    return parse_config(text, str(path))


def _table(data: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{key}] must be a table.")
    return value

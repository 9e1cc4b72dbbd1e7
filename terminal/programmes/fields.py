"""Reading one programme's fields from a parsed JSON/TOML mapping, with errors that name them.

Every refusal is a :class:`ProgrammeError` naming the programme id and the field, so a shop
editing the document sees at once what to fix ("programme 'gold-tiers', field
'tiers[1].threshold': must be a whole number ≥ 0, not 'ten'").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from terminal.errors import InvalidInput
from terminal.rules import Rounding


class ProgrammeError(InvalidInput):
    """A programme document that cannot be used, with the programme and field at fault."""

    code = "invalid_programme"

    def __init__(self, message: str, programme_id: str = "", field: str = "") -> None:
        where = []
        if programme_id:
            where.append(f"programme {programme_id!r}")
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.programme_id = programme_id
        self.field = field


@dataclass(frozen=True, slots=True)
class Reward:
    """What a rule grants: any mix of points, cash-back, stamps, stored value and a gift."""

    points: int = 0
    cash_back: int = 0
    stamps: int = 0
    stored_value: int = 0
    gift: str = ""  # handed over by the cashier (or issued as a voucher): becomes a prompt

    @property
    def empty(self) -> bool:
        return not (self.points or self.cash_back or self.stamps or self.stored_value
                    or self.gift)


class Fields:
    """The fields of one programme (or one nested table); each read marks the key as used."""

    def __init__(self, data: Mapping[str, Any], programme_id: str, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            raise ProgrammeError("must be a table (an object)", programme_id, prefix or "")
        self.data = data
        self.programme_id = programme_id
        self.prefix = prefix
        self.used: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: str) -> ProgrammeError:
        return ProgrammeError(message, self.programme_id, self.name(key))

    def _get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0,
                maximum: int | None = None) -> int:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum}, not {value}")
        return value

    def text(self, key: str, default: str | None = None, *, max_length: int = 200) -> str:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self.fail(key, "is required")
            return default
        if value == "" and default == "":
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty text, not {value!r}")
        if len(value) > max_length:
            raise self.fail(key, f"must be at most {max_length} characters")
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        value = self._get(key)
        if value is None:
            return default
        if value not in options:
            raise self.fail(key, f"must be one of {', '.join(options)}, not {value!r}")
        return str(value)

    def rounding(self, key: str = "rounding", default: Rounding = Rounding.FLOOR) -> Rounding:
        return Rounding(self.choice(key, [r.value for r in Rounding], default.value))

    def day(self, key: str) -> date | None:
        value = self._get(key)
        if value is None:
            return None
        if isinstance(value, date):  # TOML has dates
            return value
        if not isinstance(value, str):
            raise self.fail(key, f"must be a date (YYYY-MM-DD), not {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(key, f"must be a date (YYYY-MM-DD), not {value!r}") from None

    def table(self, key: str, *, required: bool = True) -> Fields | None:
        value = self._get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table (an object)")
        return Fields(value, self.programme_id, f"{self.name(key)}.")

    def tables(self, key: str, *, min_items: int = 1) -> list[Fields]:
        value = self._get(key)
        if not isinstance(value, list) or len(value) < min_items:
            raise self.fail(key, f"must be a list of at least {min_items} table(s)")
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.fail(f"{key}[{index}]", "must be a table (an object)")
            out.append(Fields(item, self.programme_id, f"{self.name(key)}[{index}]."))
        return out

    def percents(self, key: str) -> dict[str, int]:
        """A table of name → whole percent (category or tier multipliers)."""
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table of name = percent")
        out: dict[str, int] = {}
        for name, percent in value.items():
            if isinstance(percent, bool) or not isinstance(percent, int) or percent < 0:
                raise self.fail(f"{key}.{name}", f"must be a whole percent ≥ 0, not {percent!r}")
            out[str(name)] = percent
        return out

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a list of texts")
        return tuple(value)

    def reward(self, key: str = "reward") -> Reward:
        table = self.table(key)
        assert table is not None
        reward = Reward(
            points=table.integer("points", 0),
            cash_back=table.integer("cash_back", 0),
            stamps=table.integer("stamps", 0),
            stored_value=table.integer("stored_value", 0),
            gift=table.text("gift", ""),
        )
        table.finish()
        if reward.empty:
            raise self.fail(key, "must grant something (points, cash_back, stamps, "
                                 "stored_value or gift)")
        return reward

    def finish(self) -> None:
        """Refuse keys nobody read: a typo must not be silently ignored."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "is not a known setting here"
                            + (f" (also: {', '.join(unknown[1:])})" if unknown[1:] else ""))

from datetime import UTC, datetime, timedelta

import pytest

from terminal.errors import InvalidInput, PermissionDenied, UserLocked, WrongPin
from terminal.staff import (
    Role,
    Staff,
    check_pin,
    hash_pin,
    pin_matches,
    require_role,
    wrong_pin_error,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_pins_are_salted_scrypt() -> None:
    first, second = hash_pin("1234"), hash_pin("1234")
    assert first.startswith("scrypt$") and first != second
    assert "1234" not in first.split("$")  # a substring test would match the hex by chance
    assert pin_matches("1234", first) and not pin_matches("1235", first)


def test_pin_format() -> None:
    for bad in ("12", "abcd", "1234567890123", "１２３４"):
        with pytest.raises(InvalidInput):
            hash_pin(bad)


def test_five_wrong_pins_lock_for_five_minutes() -> None:
    staff = Staff("s1", "Kai", Role.CASHIER, hash_pin("1111"))
    for attempt in range(1, 5):
        staff, ok = check_pin(staff, "0000", NOW)
        assert not ok and staff.failed_attempts == attempt
        assert isinstance(wrong_pin_error(staff), WrongPin)
    staff, ok = check_pin(staff, "0000", NOW)
    assert not ok and staff.locked_until == NOW + timedelta(minutes=5)
    assert isinstance(wrong_pin_error(staff), UserLocked)
    with pytest.raises(UserLocked):  # even the right PIN is refused while locked
        check_pin(staff, "1111", NOW + timedelta(minutes=4, seconds=59))
    staff, ok = check_pin(staff, "1111", NOW + timedelta(minutes=5))
    assert ok and staff.failed_attempts == 0 and staff.locked_until is None


def test_roles() -> None:
    cashier = Staff("c", "Kai", Role.CASHIER, "x")
    manager = Staff("m", "Mei", Role.MANAGER, "x")
    require_role(manager, Role.CASHIER, "sell")
    require_role(manager, Role.MANAGER, "top up")
    require_role(cashier, Role.CASHIER, "sell")
    with pytest.raises(PermissionDenied, match="Only a manager"):
        require_role(cashier, Role.MANAGER, "top up")

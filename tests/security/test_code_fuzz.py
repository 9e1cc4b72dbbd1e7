"""Fuzzing the scan-facing parsers: junk and mutated codes only ever meet typed refusals.

A ValueError, IndexError, struct.error, OverflowError… escaping from any of these is a bug:
at the till it would be a crash instead of a message for the cashier.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from security_testkit import KEY_ID, MEMBER, NOW, PRIVATE, STORE, fields, verify

from terminal import base45
from terminal.errors import UnknownCode
from terminal.member_codes import (
    WINDOW_SECONDS,
    MemberCodeRefused,
    make_member_code,
    parse_member_code,
    verify_member_code,
    window_of,
)
from terminal.vouchers import PREFIX, VoucherRefused, issue_voucher

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

SECRET = bytes(32)
BOUND = issue_voucher(PRIVATE, KEY_ID, fields(member_id=MEMBER, store_id=STORE))
PLAIN = issue_voucher(PRIVATE, KEY_ID, fields())
VALID_VOUCHERS = st.sampled_from([BOUND, PLAIN])
VALID_MEMBER_CODE = make_member_code(MEMBER, SECRET, NOW)

ALPHABET_CHARS = st.sampled_from(base45.ALPHABET)
ANY_CHAR = st.one_of(ALPHABET_CHARS, st.characters())
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                       timezones=st.just(UTC))


def voucher_bytes(text: str) -> bytes:
    return base45.decode(text.strip().upper()[len(PREFIX):])


@st.composite
def mutated_text(draw: st.DrawFn, original: st.SearchStrategy[str]) -> str:
    """``original`` with a few character edits: replace, insert, delete, cut, swap."""
    text = list(draw(original))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["replace", "insert", "delete", "cut", "swap"]))
        index = draw(st.integers(0, max(0, len(text) - 1)))
        if action == "replace" and text:
            text[index] = draw(ANY_CHAR)
        elif action == "insert":
            text.insert(index, draw(ANY_CHAR))
        elif action == "delete" and text:
            del text[index]
        elif action == "cut":
            text = text[:index]
        elif action == "swap" and len(text) > 1:
            other = draw(st.integers(0, len(text) - 1))
            text[index], text[other] = text[other], text[index]
    return "".join(text)


@st.composite
def mutated_bytes(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few byte edits, re-encoded as valid Base45 after the prefix."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["xor", "insert", "delete", "cut", "append"]))
        index = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "xor" and data:
            data[index] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data.insert(index, draw(st.integers(0, 255)))
        elif action == "delete" and data:
            del data[index]
        elif action == "cut":
            del data[index:]
        else:
            data += draw(st.binary(min_size=1, max_size=20))
    return bytes(data)


# vouchers ---------------------------------------------------------------------------------------

@FUZZ
@given(st.text(max_size=300))
def test_random_text_never_verifies_as_a_voucher(text: str) -> None:
    try:
        verify(text)
    except VoucherRefused as error:
        assert error.reason == "forged"
    else:
        raise AssertionError("random text verified")


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_behind_the_prefix_are_forged(data: bytes) -> None:
    try:
        verify(PREFIX + base45.encode(data))
    except VoucherRefused as error:
        assert error.reason == "forged"
    else:
        raise AssertionError("random bytes verified")


@FUZZ
@given(mutated_text(VALID_VOUCHERS))
def test_edited_voucher_text_is_refused_unless_it_still_says_the_same(text: str) -> None:
    try:
        verify(text)
    except VoucherRefused as error:
        assert error.reason == "forged"
        return
    assert voucher_bytes(text) in (voucher_bytes(BOUND), voucher_bytes(PLAIN))


@FUZZ
@given(st.data())
def test_edited_voucher_bytes_are_forged(data: st.DataObject) -> None:
    original = voucher_bytes(data.draw(VALID_VOUCHERS))
    changed = data.draw(mutated_bytes(original))
    assume(changed != original)
    try:
        verify(PREFIX + base45.encode(changed))
    except VoucherRefused as error:
        assert error.reason == "forged"
    else:
        raise AssertionError("a tampered voucher verified")


@FUZZ
@given(now=MOMENTS, store=st.text(max_size=40), member=st.none() | st.text(max_size=40),
       zone=st.integers(-14 * 60, 14 * 60))
def test_a_genuine_voucher_at_any_time_place_and_member_meets_only_typed_answers(
        now: datetime, store: str, member: str | None, zone: int) -> None:
    local = now.astimezone(timezone(timedelta(minutes=zone)))
    try:
        verify(BOUND, now=local, store_id=store, member_id=member)
    except VoucherRefused as error:
        assert error.reason in {"expired", "not_yet_valid", "wrong_store", "wrong_member"}
    else:
        assert store == STORE and member == MEMBER


# member codes ------------------------------------------------------------------------------------

def check_member_code(text: str, now: datetime = NOW) -> int | None:
    """The window if ``text`` verifies; None if refused by a typed error."""
    try:
        code = parse_member_code(text)
    except UnknownCode:
        return None
    try:
        return verify_member_code(code, SECRET, now, frozenset())
    except MemberCodeRefused:
        return None


@FUZZ
@given(st.text(max_size=120))
def test_random_text_never_verifies_as_a_member_code(text: str) -> None:
    assert check_member_code(text) is None


@FUZZ
@given(st.binary(max_size=40))
def test_random_bytes_behind_the_prefix_never_verify(data: bytes) -> None:
    assert check_member_code("LM1:" + base45.encode(data)) is None


@FUZZ
@given(mutated_text(st.just(VALID_MEMBER_CODE)))
def test_edited_member_codes_are_refused_unless_they_still_say_the_same(text: str) -> None:
    if check_member_code(text) is not None:
        assert parse_member_code(text) == parse_member_code(VALID_MEMBER_CODE)


@FUZZ
@given(made=MOMENTS, offset=st.integers(-400, 400), seconds=st.integers(0, WINDOW_SECONDS - 1))
def test_a_code_is_accepted_exactly_within_one_window_either_side(
        made: datetime, offset: int, seconds: int) -> None:
    start = datetime.fromtimestamp(window_of(made) * WINDOW_SECONDS, UTC)
    now = start + timedelta(seconds=offset * WINDOW_SECONDS + seconds)
    assume(datetime.min.replace(tzinfo=UTC) + timedelta(days=1) < now)
    assume(now < datetime.max.replace(tzinfo=UTC) - timedelta(days=1))
    code = parse_member_code(make_member_code(MEMBER, SECRET, made))
    try:
        window = verify_member_code(code, SECRET, now, frozenset())
    except MemberCodeRefused as error:
        assert abs(offset) > 1
        assert error.reason == ("expired" if -120 <= offset <= 2880 else "forged")
    else:
        assert abs(offset) <= 1 and window == window_of(made)

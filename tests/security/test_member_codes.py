"""Rotating member codes: the phone app's QR changes every 30 s; a screenshot soon stops working."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from security_testkit import MEMBER, NOW, OTHER_MEMBER

from terminal import base45
from terminal.errors import InvalidInput, UnknownCode
from terminal.member_codes import (
    WINDOW_SECONDS,
    MemberCodeRefused,
    RefusalReason,
    RotatingCode,
    make_member_code,
    new_member_secret,
    parse_member_code,
    verify_member_code,
    window_of,
)

SECRET = bytes(range(32))
WINDOW = timedelta(seconds=WINDOW_SECONDS)


def code_at(moment: datetime, member_id: str = MEMBER, secret: bytes = SECRET) -> RotatingCode:
    return parse_member_code(make_member_code(member_id, secret, moment))


def refusal(code: RotatingCode, *, now: datetime = NOW, secret: bytes = SECRET,
            seen: frozenset[int] = frozenset()) -> MemberCodeRefused:
    with pytest.raises(MemberCodeRefused) as caught:
        verify_member_code(code, secret, now, seen)
    return caught.value


def test_a_fresh_code_identifies_its_member() -> None:
    text = make_member_code(MEMBER, SECRET, NOW)
    code = parse_member_code(text)
    assert code.member_id == MEMBER
    assert verify_member_code(code, SECRET, NOW, frozenset()) == window_of(NOW)


def test_the_code_is_short_enough_for_a_version_2_qr() -> None:
    text = make_member_code(MEMBER, SECRET, NOW)
    assert text.startswith("LM1:") and set(text) <= set(base45.ALPHABET)
    assert len(text) == 37  # QR version 2 at level M holds 38 alphanumeric characters


def test_the_code_changes_every_window_and_only_then() -> None:
    start = datetime.fromtimestamp(window_of(NOW) * WINDOW_SECONDS, NOW.tzinfo)
    assert make_member_code(MEMBER, SECRET, start) == make_member_code(
        MEMBER, SECRET, start + WINDOW - timedelta(microseconds=1))
    assert make_member_code(MEMBER, SECRET, start) != make_member_code(
        MEMBER, SECRET, start + WINDOW)


@pytest.mark.parametrize("shift", [-1, 0, 1])
def test_the_current_window_and_its_neighbours_are_accepted(shift: int) -> None:
    code = code_at(NOW + shift * WINDOW)
    assert verify_member_code(code, SECRET, NOW, frozenset()) == window_of(NOW) + shift


@pytest.mark.parametrize("shift", [-2, -3, -40, -256, -2879, 2, 119])
def test_codes_further_away_are_expired(shift: int) -> None:
    assert refusal(code_at(NOW + shift * WINDOW)).reason.value == "expired"


def test_a_code_from_days_ago_with_an_unlucky_window_byte_is_not_accepted() -> None:
    old = code_at(NOW - 256 * 100 * WINDOW)  # same low byte as now, 8.9 days ago
    assert old.window_hint == window_of(NOW) % 256
    assert refusal(old).reason == "forged"  # out of the search range: not genuine *now*


def test_the_same_window_is_refused_the_second_time() -> None:
    code = code_at(NOW)
    seen = {verify_member_code(code, SECRET, NOW, frozenset())}
    error = refusal(code, seen=frozenset(seen))
    assert error.reason == "replayed"
    assert "already used" in str(error)


def test_an_older_window_is_refused_after_a_newer_one_was_used() -> None:
    newer = verify_member_code(code_at(NOW + WINDOW), SECRET, NOW, frozenset())
    screenshot = code_at(NOW - WINDOW)
    assert refusal(screenshot, seen=frozenset({newer})).reason == "replayed"
    # the next window is fine
    later = NOW + 2 * WINDOW
    assert verify_member_code(code_at(later), SECRET, later, frozenset({newer})) == newer + 1


def test_a_code_made_with_another_secret_is_forged() -> None:
    code = code_at(NOW, secret=new_member_secret())
    assert refusal(code).reason == RefusalReason.FORGED


def test_a_code_for_another_member_does_not_verify_with_this_secret() -> None:
    forged = RotatingCode(OTHER_MEMBER, *_hint_and_mac(code_at(NOW)))
    assert refusal(forged).reason == "forged"


def _hint_and_mac(code: RotatingCode) -> tuple[int, bytes]:
    return code.window_hint, code.mac


def test_a_flipped_mac_bit_is_forged() -> None:
    code = code_at(NOW)
    bad = RotatingCode(code.member_id, code.window_hint, bytes([code.mac[0] ^ 1]) + code.mac[1:])
    assert refusal(bad).reason == "forged"


def test_each_reason_has_its_own_plain_message() -> None:
    messages = {
        refusal(code_at(NOW - 5 * WINDOW)).message,
        refusal(code_at(NOW), seen=frozenset({window_of(NOW)})).message,
        refusal(code_at(NOW, secret=b"x" * 32)).message,
    }
    assert len(messages) == 3


def test_secrets_are_32_random_bytes() -> None:
    one, two = new_member_secret(), new_member_secret()
    assert len(one) == 32 and one != two


def test_scanner_noise_is_tolerated() -> None:
    text = make_member_code(MEMBER, SECRET, NOW)
    assert parse_member_code(" " + text.lower() + "\r\n") == parse_member_code(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "not_member_code"),
    ("880000000013", "not_member_code"),
    ("LM1:" + "0" * 5000, "not_member_code"),
    ("LV1:BB8", "not_member_code"),
    ("LM1:", "member_code_damaged"),
    ("LM1:" + "0" * 32, "member_code_damaged"),
    ("LM1:" + "0" * 34, "member_code_damaged"),
    ("LM1:" + ":" * 33, "member_code_damaged"),
    ("LM1:" + "=" * 33, "member_code_damaged"),
])
def test_junk_is_an_unknown_code_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(UnknownCode) as caught:
        parse_member_code(text)
    assert caught.value.reason == reason


def test_member_ids_must_be_uuids() -> None:
    with pytest.raises(InvalidInput):
        make_member_code("member-7", SECRET, NOW)


def test_times_must_be_aware() -> None:
    with pytest.raises(InvalidInput):
        make_member_code(MEMBER, SECRET, datetime(2026, 11, 22, 8, 0))

"""Keyboard-wedge detection: scanner bursts versus a person typing, by key timing."""

from __future__ import annotations

from devices.config import WedgeConfig
from devices.scanners.wedge import WedgeDetector


def type_keys(detector: WedgeDetector, text: str, start: float, gap_ms: float) -> float:
    """Feed ``text`` with ``gap_ms`` between keys; returns the time of the last key."""
    t = start
    for index, ch in enumerate(text):
        t = start + index * gap_ms / 1000.0
        detector.key(ch, t)
    return t


def test_fast_burst_ending_with_enter_is_a_scan() -> None:
    codes: list[str] = []
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, max_enter_ms=80, min_length=6),
                             codes.append)
    last = type_keys(detector, "8860123456781234", start=10.0, gap_ms=8)
    burst = detector.enter(last + 0.010)
    assert burst is not None and burst.code == "8860123456781234"
    assert 120 < burst.duration_ms < 140
    assert codes == ["8860123456781234"]


def test_person_typing_is_not_a_scan() -> None:
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, min_length=6))
    last = type_keys(detector, "12345678", start=0.0, gap_ms=180)
    assert detector.enter(last + 0.2) is None


def test_fast_typist_short_run_is_not_a_scan() -> None:
    """Two or three keys in a quick roll, then Enter: shorter than min_length."""
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, min_length=6))
    last = type_keys(detector, "abc", start=0.0, gap_ms=30)
    assert detector.enter(last + 0.03) is None


def test_slow_enter_after_a_fast_run_is_not_a_scan() -> None:
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, max_enter_ms=80, min_length=6))
    last = type_keys(detector, "ABCDEFGH", start=0.0, gap_ms=10)
    assert detector.enter(last + 0.5) is None


def test_keys_typed_by_hand_before_a_scan_are_not_part_of_the_code() -> None:
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, min_length=6))
    type_keys(detector, "hi", start=0.0, gap_ms=200)
    last = type_keys(detector, "M000123", start=2.0, gap_ms=10)
    burst = detector.enter(last + 0.01)
    assert burst is not None and burst.code == "M000123"


def test_one_slow_gap_inside_a_burst_restarts_the_run() -> None:
    detector = WedgeDetector(WedgeConfig(max_interkey_ms=50, min_length=6))
    type_keys(detector, "ABCDEF", start=0.0, gap_ms=10)
    last = type_keys(detector, "GHI", start=1.0, gap_ms=10)  # 950 ms pause before G
    assert detector.pending == "GHI"
    assert detector.enter(last + 0.01) is None


def test_thresholds_are_configurable() -> None:
    """A slow scanner (30 ms a key) is a person under strict settings, a scan under loose."""
    strict = WedgeDetector(WedgeConfig(max_interkey_ms=20, min_length=6))
    loose = WedgeDetector(WedgeConfig(max_interkey_ms=40, max_enter_ms=40, min_length=6))
    for detector in (strict, loose):
        type_keys(detector, "1234567890", start=0.0, gap_ms=30)
    assert strict.enter(0.27 + 0.03) is None
    burst = loose.enter(0.27 + 0.03)
    assert burst is not None and burst.code == "1234567890"


def test_enter_consumes_the_run_and_reset_forgets_it() -> None:
    detector = WedgeDetector(WedgeConfig(min_length=3))
    last = type_keys(detector, "ABC", start=0.0, gap_ms=5)
    assert detector.enter(last + 0.005) is not None
    assert detector.enter(last + 0.010) is None  # nothing left
    type_keys(detector, "XYZ", start=1.0, gap_ms=5)
    detector.reset()
    assert detector.pending == ""
    assert detector.enter(1.02) is None

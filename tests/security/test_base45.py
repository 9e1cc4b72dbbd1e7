"""Base45 against RFC 9285: its examples, its error cases, and round trips of any bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal import base45

RFC_9285_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("data", "text"), RFC_9285_EXAMPLES)
def test_rfc_9285_examples_encode_and_decode(data: bytes, text: str) -> None:
    assert base45.encode(data) == text
    assert base45.decode(text) == data


@pytest.mark.parametrize("text", [
    "GGW",        # 65536 + ... : a triple above 65535 (RFC 9285 §4.2's example)
    ":::",        # the largest triple, far above 65535
    "ZZ",         # a final pair above 255
    "A",          # a single character cannot encode anything
    "BB8A",       # one character too many
    "bb8",        # lower case is not in the alphabet
    "BB8=",       # padding does not exist in Base45
    "BB\u00c8",   # a look-alike outside ASCII
])
def test_invalid_text_is_refused(text: str) -> None:
    with pytest.raises(base45.Base45Error):
        base45.decode(text)


def test_the_largest_valid_groups_decode() -> None:
    assert base45.decode("FGW") == b"\xff\xff"
    assert base45.decode("U5") == b"\xff"


def test_the_alphabet_is_the_qr_alphanumeric_set() -> None:
    assert base45.ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@given(st.binary(max_size=300))
def test_any_bytes_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert set(text) <= set(base45.ALPHABET)
    assert base45.decode(text) == data


@given(st.text(max_size=60))
def test_decoding_junk_raises_only_base45_error(text: str) -> None:
    try:
        data = base45.decode(text)
    except base45.Base45Error:
        return
    assert base45.encode(data) == text  # anything accepted is the one canonical encoding

"""Base45 (RFC 9285): bytes as text from the 45-character QR alphanumeric alphabet.

A QR code stores that alphabet at 5.5 bits per character (alphanumeric mode), so Base45 text
(2 bytes → 3 characters) makes a smaller code than base64 (byte mode, 8 bits per character).

Decoding is strict, as the RFC asks: a character outside the alphabet, a dangling single
character, or a group whose value is too large is refused with :class:`Base45Error`, never
quietly repaired. Every byte string has exactly one encoding, so two different texts never
decode to the same bytes.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """Text that is not valid Base45."""


def encode(data: bytes) -> str:
    """Base45 text for ``data``: each 2 bytes become 3 characters, a last odd byte becomes 2."""
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        n = data[start] * 256 + data[start + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes; raise :class:`Base45Error` for anything not valid Base45."""
    if len(text) % 3 == 1:
        raise Base45Error(f"Base45 text cannot be {len(text)} characters long")
    try:
        values = [_VALUE[char] for char in text]
    except KeyError as exc:
        raise Base45Error(f"{exc.args[0]!r} is not a Base45 character") from None
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            n = group[0] + group[1] * 45 + group[2] * 45 * 45
            if n > 0xFFFF:
                raise Base45Error(f"Base45 group {text[start:start + 3]!r} is out of range")
            out += n.to_bytes(2, "big")
        else:
            n = group[0] + group[1] * 45
            if n > 0xFF:
                raise Base45Error(f"Base45 group {text[start:start + 2]!r} is out of range")
            out.append(n)
    return bytes(out)

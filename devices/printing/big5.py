"""Chinese text for ESC/POS printers in their double-byte ("Kanji") mode.

python-escpos sends CJK text only as GB18030; Taiwan's printers expect Big5 and print GB18030
as garbage. In double-byte mode a printer takes two-byte characters between ``FS &`` (enter)
and ``FS .`` (leave); ASCII stays outside, in the ordinary single-byte mode.
"""

from __future__ import annotations

FS_KANJI_ON = b"\x1c&"  # FS &
FS_KANJI_OFF = b"\x1c."  # FS .
CODECS = {"big5": "big5", "gb18030": "gb18030"}


def encode_cjk_text(text: str, codec: str = "big5", replacement: str = "?") -> bytes:
    """``text`` as printer bytes: ASCII runs as-is, other runs in ``codec`` inside FS & … FS .

    A character the codec cannot encode becomes ``replacement`` (ASCII, outside the run).
    """
    out = bytearray()
    run: list[str] = []

    def flush() -> None:
        if run:
            out.extend(FS_KANJI_ON + "".join(run).encode(codec) + FS_KANJI_OFF)
            run.clear()

    for ch in text:
        if ch.isascii():
            flush()
            out.extend(ch.encode("ascii"))
            continue
        try:
            ch.encode(codec)
        except UnicodeEncodeError:
            flush()
            out.extend(replacement.encode("ascii"))
            continue
        run.append(ch)
    flush()
    return bytes(out)


def encode_big5_text(text: str) -> bytes:
    return encode_cjk_text(text, "big5")

"""Receipt bytes on a python-escpos Dummy printer: Big5 text, GB18030, cut, QR, image mode."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from escpos.constants import PAPER_FULL_CUT
from PIL import Image

from devices.config import PrinterConfig
from devices.printing.big5 import FS_KANJI_OFF, FS_KANJI_ON, encode_big5_text, encode_cjk_text
from devices.printing.escpos_printer import INIT, ReceiptPrinter
from devices.printing.image_render import FontMissing, find_tc_font
from devices.printing.layout import ReceiptTemplate, TemplateError, TextLine, display_width
from devices.printing.receipt import (
    Receipt,
    ReceiptLine,
    format_money,
    mask_member,
    sample_receipt,
)

RECEIPT = sample_receipt(datetime(2025, 11, 20, 14, 5))
KANJI_RUN = re.compile(re.escape(FS_KANJI_ON) + b"(.*?)" + re.escape(FS_KANJI_OFF), re.S)


def big5(text: str) -> bytes:
    return FS_KANJI_ON + text.encode("big5") + FS_KANJI_OFF


def decoded_text(job: bytes, codec: str = "big5") -> str:
    """The printable text of a job: double-byte runs decoded, ASCII kept."""
    return KANJI_RUN.sub(lambda m: m.group(1).decode(codec).encode("utf-8"), job).decode(
        "utf-8", errors="replace")


# -- Big5 / GB18030 encoding ---------------------------------------------------------------------
def test_big5_runs_are_wrapped_in_fs_and_fs_dot_and_ascii_stays_outside() -> None:
    assert encode_big5_text("會員 No.42 點數") == (
        b"\x1c&" + "會員".encode("big5") + b"\x1c. No.42 " + b"\x1c&" + "點數".encode("big5")
        + b"\x1c."
    )
    assert "會員".encode("big5") == b"\xb7|\xad\xfb"  # Python's big5 codec, byte for byte


def test_characters_outside_big5_become_question_marks() -> None:
    assert encode_big5_text("们好") == b"?" + big5("好")  # 们 is simplified-only
    assert encode_big5_text("咖啡☕") == big5("咖啡") + b"?"


def test_gb18030_mode_encodes_mainland_text() -> None:
    expected = FS_KANJI_ON + "们好".encode("gb18030") + FS_KANJI_OFF
    assert encode_cjk_text("们好", "gb18030") == expected


# -- whole jobs in text mode --------------------------------------------------------------------
def test_big5_receipt_job_has_init_big5_text_qr_and_cut() -> None:
    printer = ReceiptPrinter(PrinterConfig(profile="TM-T88V", paper_mm=80))
    job = printer.build_job(RECEIPT)
    assert job.startswith(INIT)
    assert big5("好咖啡") in job and big5("信義店") in job
    assert big5("會員") + b" " * 28 + b"************1234\n" in job
    assert b"NT$1,380\n" in job
    assert "好咖啡".encode() not in job and "好咖啡".encode("gb18030") not in job
    payload = RECEIPT.qr_payload.encode()
    size = (len(payload) + 3).to_bytes(2, "little")
    assert b"\x1d(k" + size + b"1P0" + payload in job  # native QR: GS ( k, store data
    assert b"\x1d(k\x03\x001Q0" in job  # print the stored QR
    assert job.endswith(PAPER_FULL_CUT)


def test_every_text_line_fits_the_paper(tmp_path: Path) -> None:
    for paper, columns in ((58, 32), (80, 48)):
        printer = ReceiptPrinter(PrinterConfig(paper_mm=paper))
        text = decoded_text(printer.build_job(RECEIPT))
        escapes = r"\x1b!.|\x1bE.|\x1da.|\x1b@|\x1d\(k.*"
        lines = [re.sub(escapes, "", line) for line in text.split("\n")]
        widest = max(display_width(line) for line in lines if "\x1d" not in line)
        assert widest <= columns
        assert widest >= columns - 2  # pairs are spread to the full width


def test_gb18030_receipt_job_uses_gb18030_bytes() -> None:
    printer = ReceiptPrinter(PrinterConfig(text_mode="gb18030"))
    job = printer.build_job(RECEIPT)
    assert FS_KANJI_ON + "好咖啡".encode("gb18030") + FS_KANJI_OFF in job
    assert big5("好咖啡") not in job


def test_profile_without_native_qr_gets_a_raster_qr_and_no_cut() -> None:
    printer = ReceiptPrinter(PrinterConfig(profile="POS-5890", paper_mm=58))
    job = printer.build_job(RECEIPT)
    assert b"\x1d(k" not in job
    assert b"\x1dv0\x00" in job  # GS v 0 raster image
    assert PAPER_FULL_CUT not in job


def test_dummy_transport_receives_exactly_the_job() -> None:
    printer = ReceiptPrinter(PrinterConfig(transport="dummy"))
    job = printer.build_job(RECEIPT)
    printer.print_receipt(RECEIPT)
    printer.print_receipt(RECEIPT)
    assert printer.dummy_output == job + job


# -- image mode ---------------------------------------------------------------------------------
def test_image_mode_sends_raster_images_of_the_receipt_and_a_cut() -> None:
    printer = ReceiptPrinter(PrinterConfig(text_mode="image", paper_mm=80))
    job = printer.build_job(RECEIPT)
    assert job.startswith(INIT) and job.endswith(PAPER_FULL_CUT)
    assert FS_KANJI_ON not in job and "會員".encode("big5") not in job
    headers = [m.start() for m in re.finditer(re.escape(b"\x1dv0\x00"), job)]
    assert headers
    width_bytes = int.from_bytes(job[headers[0] + 4:headers[0] + 6], "little")
    height = int.from_bytes(job[headers[0] + 6:headers[0] + 8], "little")
    assert width_bytes == 576 // 8
    assert 100 < height <= 960
    raster = job[headers[0] + 8:headers[0] + 8 + width_bytes * height]
    black = sum(bin(b).count("1") for b in raster)
    assert 0.02 < black / (width_bytes * 8 * height) < 0.5  # text was drawn, not a blank strip


def test_image_mode_width_follows_paper_and_profile() -> None:
    assert ReceiptPrinter(PrinterConfig(paper_mm=58, text_mode="image")).image_width() == 384
    assert ReceiptPrinter(PrinterConfig(profile="TM-T88V", text_mode="image")).image_width() == 512


def test_preview_png_shows_the_receipt(tmp_path: Path) -> None:
    printer = ReceiptPrinter(PrinterConfig(preview_dir=str(tmp_path / "previews"), paper_mm=58))
    printer.print_receipt(RECEIPT)
    [png] = list((tmp_path / "previews").glob("*.png"))
    with Image.open(png) as image:
        assert image.width == 384 and image.height > 600
        assert image.convert("L").getextrema() == (0, 255)


def test_the_tc_font_is_noto_sans_cjk_tc() -> None:
    font = find_tc_font()
    assert "CJK" in font.path and font.load(24).getname()[0] == "Noto Sans CJK TC"


def test_a_font_without_chinese_is_refused_with_a_clear_error() -> None:
    with pytest.raises(FontMissing, match="not found"):
        find_tc_font("/nonexistent/font.ttf")
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(dejavu).exists():
        pytest.skip("DejaVu Sans not installed")
    with pytest.raises(FontMissing, match="no Traditional Chinese glyphs"):
        find_tc_font(dejavu)


# -- templates and receipt data -----------------------------------------------------------------
def test_money_is_integer_minor_units_formatted_per_currency() -> None:
    assert format_money(1250) == "NT$1,250"
    assert format_money(-30) == "-NT$30"
    assert format_money(123456, "USD") == "US$1,234.56"
    with pytest.raises(TypeError):
        format_money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ReceiptLine("coffee", 99.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        replace(RECEIPT, total=True)


def test_member_number_is_masked() -> None:
    assert mask_member("8860123456781234") == "************1234"
    assert mask_member("123") == "123"


def test_sections_without_data_are_left_out() -> None:
    anonymous = Receipt(store_name="店", time=datetime(2025, 1, 2, 3, 4), cashier="A", total=100,
                        lines=(ReceiptLine("茶", 100),))
    lines = [item for item in ReceiptTemplate.load("default").render(anonymous)
             if isinstance(item, TextLine)]
    texts = [line.left for line in lines]
    assert "會員" not in texts and "點數餘額" not in texts and "電子票券" not in texts
    assert ("合計", "NT$100") in [(line.left, line.right) for line in lines]


def test_zero_balance_is_printed_but_zero_points_expiring_is_not() -> None:
    receipt = replace(RECEIPT, points_balance=0, points_expiring=0)
    pairs = {item.left: item.right for item in ReceiptTemplate.load("default").render(receipt)
             if isinstance(item, TextLine)}
    assert pairs["點數餘額"] == "0"
    assert "30天內到期點數" not in pairs


@pytest.mark.parametrize("text, message", [
    ("center {store_name}\nbogus x", ":2: unknown directive 'bogus'"),
    ("left {no_such_field}", "unknown field 'no_such_field'"),
    ("if member\nleft x", "'if' without 'end'"),
    ("end", "'end' without 'if'"),
    ("pair only left", "pair needs"),
    ("rule:big", "unknown modifier"),
])
def test_broken_templates_are_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        ReceiptTemplate(text, "t.txt").check(RECEIPT)


def test_template_from_a_file_and_long_lines_wrap(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("pair {store_name} | {total}\ncut\n", encoding="utf-8")
    receipt = replace(RECEIPT, store_name="非常非常非常非常長的店名稱測試")
    config = PrinterConfig(template=str(path), paper_mm=58)
    job = ReceiptPrinter(config).build_job(receipt)
    text = decoded_text(job)
    assert "非常非常非常非常長的店名稱測試\n" in text  # 30 columns: no room for the total
    assert " " * 24 + "NT$1,380\n" in text  # so the total goes right-aligned on the next line

"""Translations: every entry translated, placeholders identical, the .ts up to date with the
code, and the Chinese actually on screen with a Traditional Chinese font."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from ui_testkit import MakeTerminal

from ui.i18n import I18N_DIR, choose_font, install_translator, normalise_language, pick_language

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%L?\d+")


def ts_files() -> list[Path]:
    files = sorted(I18N_DIR.glob("*.ts"))
    assert files, f"no .ts files in {I18N_DIR}"
    return files


def messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(path).getroot()
    return [(context.findtext("name") or "", message.findtext("source") or "", message)
            for context in root.iter("context") for message in context.iter("message")]


def tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    found = str(exe) if exe.exists() else shutil.which(name)
    assert found, f"{name} not found (PySide6 ships it)"
    return found


@pytest.mark.parametrize("path", ts_files(), ids=lambda p: p.name)
def test_every_entry_is_translated_with_the_same_placeholders(path: Path) -> None:
    problems = []
    for context, source, message in messages(path):
        translation = message.find("translation")
        assert translation is not None
        kind = translation.get("type")
        text = translation.text or ""
        if kind in ("unfinished", "vanished", "obsolete") or not text.strip():
            problems.append(f"{context}: {source!r} is not translated ({kind or 'empty'})")
            continue
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: placeholders differ in {source!r} → {text!r}")
    assert not problems, "\n".join(problems)


def test_the_placeholder_check_catches_a_mismatch() -> None:
    assert sorted(PLACEHOLDER.findall("{points} by {date}")) != sorted(
        PLACEHOLDER.findall("{points} 點（{day} 到期）"))


def test_the_ts_file_lists_every_string_in_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))
    subprocess.run([tool("pyside6-lupdate"), *sources, "-ts", str(fresh)], check=True,
                   capture_output=True, timeout=120)
    in_code = {(c, s) for c, s, _m in messages(fresh)}
    for path in ts_files():
        in_ts = {(c, s) for c, s, m in messages(path)
                 if m.find("translation") is not None
                 and m.find("translation").get("type") not in ("vanished", "obsolete")}  # type: ignore[union-attr]
        missing = sorted(in_code - in_ts)
        assert not missing, (f"{path.name} lacks strings from the code (run pyside6-lupdate "
                             f"and translate them): {missing[:10]}")


def test_the_checkout_screen_speaks_traditional_chinese(
        qapp: QApplication, qtbot: QtBot, make_terminal: MakeTerminal, tmp_path: Path) -> None:
    shutil.copy(I18N_DIR / "loyalty_zh_TW.ts", tmp_path / "loyalty_zh_TW.ts")
    translator = install_translator(qapp, "zh_TW", tmp_path)  # builds the .qm with lrelease
    assert translator is not None
    try:
        terminal = make_terminal()
        checkout = terminal.window.checkout
        assert checkout.sale_button.text() == "結帳確認（F5）"
        assert terminal.window.login.submit_button.text() == "登入（Enter）"
        assert terminal.window.manager.tabs.tabText(0) == "日結報表"
    finally:
        qapp.removeTranslator(translator)


def test_a_traditional_chinese_font_is_chosen(qapp: QApplication) -> None:
    assert choose_font().family() == "Noto Sans CJK TC"


def test_the_language_follows_flag_then_config_then_locale() -> None:
    assert pick_language("en", "zh_TW", "zh_TW") == "en"
    assert pick_language(None, "zh_TW", "en_US") == "zh_TW"
    assert pick_language(None, None, "zh_TW") == "zh_TW"
    assert pick_language(None, None, "de_DE") == "en"
    assert normalise_language("zh-Hant-TW") == "zh_TW"

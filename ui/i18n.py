"""Language and font: Traditional Chinese (zh_TW) or English, through Qt Linguist files.

English is the source language of every ``tr()`` string; ``resources/i18n/loyalty_zh_TW.ts``
holds the Traditional Chinese translation, compiled to ``.qm`` by the set-up
(``pyside6-lrelease``). The font is chosen explicitly: without it Qt may fall back to Japanese
glyph shapes for shared Han characters.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
TC_FONT_FAMILIES = ("Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC",
                    "Microsoft JhengHei", "PingFang TC")
LANGUAGES = ("zh_TW", "en")


def pick_language(requested: str | None, configured: str | None,
                  system: str | None = None) -> str:
    """``--lang`` wins, then the config's ``[shop] language``, then the system locale.

    Any Chinese locale of Taiwan / Hong Kong / traditional script gets zh_TW; others English.
    """
    for choice in (requested, configured):
        if choice:
            return normalise_language(choice)
    name = system if system is not None else QLocale.system().name()
    return normalise_language(name)


def normalise_language(name: str) -> str:
    text = name.replace("-", "_")
    if text.lower().startswith("zh"):
        return "zh_TW"
    return "en"


def qm_path(language: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"loyalty_{language}.qm"


def build_qm(ts: Path, qm: Path) -> bool:
    """Compile one .ts with pyside6-lrelease (used when the set-up has not built it)."""
    tool = Path(sys.executable).parent / "pyside6-lrelease"
    command = str(tool) if tool.exists() else shutil.which("pyside6-lrelease")
    if command is None:
        return False
    result = subprocess.run([command, "-silent", str(ts), "-qm", str(qm)],
                            capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        log.warning("pyside6-lrelease failed on %s: %s", ts, result.stderr.strip())
    return result.returncode == 0 and qm.exists()


def install_translator(app: QCoreApplication, language: str,
                       directory: Path = I18N_DIR) -> QTranslator | None:
    """Load and install the translation for ``language`` (None for English, the source)."""
    if language == "en":
        return None
    qm = qm_path(language, directory)
    ts = qm.with_suffix(".ts")
    if (not qm.exists() or (ts.exists() and ts.stat().st_mtime > qm.stat().st_mtime)) \
            and ts.exists():
        # One file per process: two processes (or test workers) compiling at once must
        # never read each other's half-written output.
        built = Path(tempfile.gettempdir()) / f"loyalty-terminal-{os.getpid()}-{qm.name}"
        if build_qm(ts, built):
            qm = built
    translator = QTranslator(app)
    if not translator.load(str(qm)):
        log.warning("no translation loaded for %s (%s): showing English", language, qm)
        return None
    app.installTranslator(translator)
    return translator


def choose_font(point_size: int = 13) -> QFont:
    """The UI font: a Traditional Chinese family, loaded from resources/fonts if needed."""
    if FONT_DIR.is_dir():
        for path in sorted(FONT_DIR.glob("*.[ot]t[fc]")):
            QFontDatabase.addApplicationFont(str(path))
    families = set(QFontDatabase.families())
    for family in TC_FONT_FAMILIES:
        if family in families:
            font = QFont(family, point_size)
            break
    else:
        log.warning("no Traditional Chinese font found (install fonts-noto-cjk)")
        font = QFont()
        font.setPointSize(point_size)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font

"""Architecture rules: the domain core (terminal/, except terminal/store/ and the
terminal/cli/ command package) stays free of Qt, SQL, device, HTTP and other-layer
imports. Checked twice: by import-linter (contracts in pyproject.toml) and by a plain
AST walk that also catches imports import-linter cannot see (e.g. in files that fail
to import)."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "terminal"

FORBIDDEN_IN_CORE = frozenset(
    {
        "PySide6",
        "sqlalchemy",
        "alembic",
        "serial",
        "escpos",
        "cv2",
        "pyzbar",
        "zxingcpp",
        "httpx",
        "requests",
        "fastapi",
        "uvicorn",
        "psycopg",
        "ui",
        "devices",
        "sync",
    }
)


def core_files() -> list[Path]:
    """Every .py file of the domain core: terminal/ less store/ and the cli/ package.

    Both are composition roots at the edge (like ui/app.py), exempt as DESIGN §2 says.
    """
    files = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE)
        if rel.parts[0] in ("store", "cli"):
            continue
        files.append(path)
    return files


def _imported_names(tree: ast.AST) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in the tree, including
    importlib.import_module("x") / __import__("x") calls with a literal name."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.module, node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            arg = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                found.append((arg.value, node.lineno))
    return found


def forbidden_imports(path: Path, forbidden: frozenset[str] = FORBIDDEN_IN_CORE) -> list[str]:
    """'file:line: imports X' for each import of a forbidden top-level package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    return [
        f"{shown}:{line}: imports {module}"
        for module, line in _imported_names(tree)
        if module.split(".")[0] in forbidden
    ]


def test_core_imports_nothing_forbidden() -> None:
    files = core_files()
    assert files, f"no Python files found under {CORE}"
    problems = [problem for path in files for problem in forbidden_imports(path)]
    assert not problems, "the domain core imports forbidden packages:\n" + "\n".join(problems)


def test_forbidden_import_check_detects_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\n"
        "import sqlalchemy\n"
        "from PySide6.QtCore import Qt\n"
        "from . import money\n"
        "import devices.printer as printer\n"
        "mod = importlib.import_module('httpx')\n",
        encoding="utf-8",
    )
    assert forbidden_imports(bad) == [
        f"{bad}:2: imports sqlalchemy",
        f"{bad}:3: imports PySide6.QtCore",
        f"{bad}:5: imports devices.printer",
        f"{bad}:6: imports httpx",
    ]
    good = tmp_path / "good.py"
    good.write_text("import os\nfrom decimal import Decimal\nimport uikit\n", encoding="utf-8")
    assert forbidden_imports(good) == []


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    command = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert command, "lint-imports not found: run `make setup` (import-linter is a dev extra)"
    result = subprocess.run(
        [command, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"lint-imports failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    )

#!/usr/bin/env bash
# Lint and test the project with the tools in .venv (run scripts/setup.sh first;
# `make test` does both).
#
#   scripts/run-tests.sh [PYTEST ARGS...]   ruff, mypy, lint-imports, then pytest
#   scripts/run-tests.sh --lint-only        ruff, mypy, lint-imports
#   LINT=0 scripts/run-tests.sh [ARGS...]   pytest only
#
# Every lint step runs even when an earlier one fails, then pytest runs anyway so a
# single run shows everything; the exit status is non-zero if any step failed.
# pytest runs last, so its summary line is the last thing printed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
[ -x "$BIN/python" ] || { echo "run-tests: no .venv: run 'make setup' first" >&2; exit 2; }

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"

lint_only=0
if [ "${1:-}" = "--lint-only" ]; then
    lint_only=1
    shift
fi

failed=()
step() {  # step NAME CMD...
    local name="$1"
    shift
    echo "==> $name: $*"
    if ! "$@"; then
        failed+=("$name")
        echo "==> $name FAILED"
    fi
}

# The packages mypy checks: those that exist and hold at least one .py file.
mypy_targets() {
    local d
    for d in terminal devices sync ui; do
        if [ -d "$d" ] && [ -n "$(find "$d" -name '*.py' -print -quit)" ]; then
            echo "$d"
        fi
    done
}

if [ "${LINT:-1}" != "0" ]; then
    step ruff "$BIN/ruff" check .
    mapfile -t targets < <(mypy_targets)
    if [ "${#targets[@]}" -gt 0 ]; then
        step mypy "$BIN/mypy" "${targets[@]}"
    else
        echo "==> mypy: no package holds Python code yet, skipped"
    fi
    step lint-imports "$BIN/lint-imports" --no-cache
fi

if [ "$lint_only" = "1" ]; then
    if [ "${#failed[@]}" -gt 0 ]; then
        echo "==> lint FAILED: ${failed[*]}"
        exit 1
    fi
    echo "==> lint passed"
    exit 0
fi

if [ "${#failed[@]}" -gt 0 ]; then
    echo "==> lint FAILED (${failed[*]}); running pytest anyway, the run will fail"
fi
echo "==> pytest $*"
"$BIN/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "==> pytest collected no tests (exit 5): treated as a failure" >&2
fi
if [ "${#failed[@]}" -gt 0 ] && [ "$rc" -eq 0 ]; then
    rc=1
fi
exit "$rc"

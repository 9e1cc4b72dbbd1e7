#!/usr/bin/env bash
# Set up a development machine for the loyalty terminal. Idempotent: a second
# run changes nothing and takes a second or two.
#
#   1. find a Python >= 3.11 (override with PYTHON=/path/to/python)
#   2. Debian/Ubuntu system libraries needed by PySide6 (Qt) and pyzbar (zbar):
#      installed with apt-get when run as root, otherwise the exact command is printed
#      (skip this step with LOYALTY_SKIP_APT=1)
#   3. .venv, created if missing
#   4. pip install -e '.[server,dev]', only when pyproject.toml changed since the
#      last successful install (sha256 stamp in .venv/.loyalty-pyproject.sha256)
#   5. compile resources/i18n/*.ts into .qm files (when any exist)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
STAMP="$VENV/.loyalty-pyproject.sha256"
MIN_PY="3.11"

# Debian package names; on Debian 13 / Ubuntu 24.04 some carry a "t64" suffix.
SYSTEM_PACKAGES=(
    libglib2.0-0 libgl1 libxkbcommon0 libegl1 libfontconfig1 libdbus-1-3
    libzbar0 libusb-1.0-0 fonts-noto-cjk
)

export DEBIAN_FRONTEND=noninteractive
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

py_ok() {  # py_ok CMD: CMD runs and is Python >= MIN_PY
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

# ---------------------------------------------------------------- 1. Python
find_python() {
    local cand
    if [ -n "${PYTHON:-}" ]; then
        py_ok "$PYTHON" || die "PYTHON=$PYTHON is not a working Python >= $MIN_PY"
        echo "$PYTHON"
        return
    fi
    for cand in python3 python3.13 python3.12 python3.11 python; do
        if command -v "$cand" >/dev/null 2>&1 && py_ok "$cand"; then
            command -v "$cand"
            return
        fi
    done
    return 1
}

# ------------------------------------------------------ 2. system libraries
deb_installed() {  # deb_installed NAME: NAME or NAMEt64 is installed
    local name
    for name in "$1" "$1t64"; do
        if dpkg -s "$name" 2>/dev/null | grep -q '^Status: install ok installed'; then
            return 0
        fi
    done
    return 1
}

deb_install_name() {  # the name apt should install: NAMEt64 when the archive has it
    local cand
    cand="$(apt-cache policy "$1t64" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
        echo "$1t64"
    else
        echo "$1"
    fi
}

check_system_packages() {
    if [ "${LOYALTY_SKIP_APT:-0}" = "1" ]; then
        say "system libraries: skipped (LOYALTY_SKIP_APT=1)"
        return
    fi
    if ! command -v dpkg >/dev/null 2>&1; then
        warn "not a Debian/Ubuntu system (no dpkg): make sure the equivalents of" \
            "${SYSTEM_PACKAGES[*]} are installed"
        return
    fi
    local missing=() pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "system libraries: all ${#SYSTEM_PACKAGES[@]} present"
        return
    fi
    say "system libraries missing: ${missing[*]}"
    if is_root && command -v apt-get >/dev/null 2>&1; then
        say "apt-get update"
        apt-get update -qq || die "apt-get update failed"
        local names=()
        for pkg in "${missing[@]}"; do names+=("$(deb_install_name "$pkg")"); done
        say "apt-get install -y --no-install-recommends ${names[*]}"
        apt-get install -y -qq --no-install-recommends "${names[@]}" \
            || die "apt-get install failed (set LOYALTY_SKIP_APT=1 to skip this step)"
        for pkg in "${missing[@]}"; do
            deb_installed "$pkg" || die "$pkg is still not installed after apt-get install"
        done
        say "system libraries: installed ${names[*]}"
    else
        local names=()
        for pkg in "${missing[@]}"; do names+=("$(deb_install_name "$pkg")"); done
        warn "not root: install them with"
        printf '\n    sudo apt-get install -y --no-install-recommends %s\n\n' "${names[*]}" >&2
        warn "continuing; tests needing Qt or zbar will be skipped or fail until then"
    fi
}

# ------------------------------------------------------------------ 3. venv
ensure_venv() {
    if [ -x "$VENV/bin/python" ] && py_ok "$VENV/bin/python"; then
        say "venv: $VENV ($("$VENV/bin/python" -c 'import platform; print(platform.python_version())'))"
        return
    fi
    if [ -e "$VENV" ]; then
        warn "$VENV is broken or older than Python $MIN_PY: recreating it"
        rm -rf "$VENV"
    fi
    local py
    py="$(find_python)" || die "no Python >= $MIN_PY found (set PYTHON=/path/to/python3.11+)"
    if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        if is_root && command -v apt-get >/dev/null 2>&1; then
            say "installing python3-venv (needed by $py -m venv)"
            apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv
        else
            die "$py has no venv/ensurepip module: sudo apt-get install python3-venv"
        fi
    fi
    say "venv: creating $VENV with $py ($("$py" --version 2>&1))"
    "$py" -m venv "$VENV"
    rm -f "$STAMP"
}

# ------------------------------------------------------------ 4. pip install
pip_install() {
    local want have=""
    want="$(sha256sum pyproject.toml | awk '{print $1}')"
    [ -f "$STAMP" ] && have="$(cat "$STAMP")"
    if [ "$want" = "$have" ]; then
        say "python packages: up to date (pyproject.toml unchanged)"
        return
    fi
    say "python packages: pip install -e '.[server,dev]' (pyproject.toml changed or first install)"
    local log="$VENV/pip-install.log"
    if ! "$VENV/bin/python" -m pip install -e '.[server,dev]' >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "pip install failed (full log: $log)"
    fi
    echo "$want" >"$STAMP"
    say "python packages: installed"
}

# ---------------------------------------------------------- 5. translations
build_translations() {
    local ts=() f qm built=0
    shopt -s nullglob
    ts=(resources/i18n/*.ts)
    shopt -u nullglob
    if [ "${#ts[@]}" -eq 0 ]; then
        say "translations: none yet (resources/i18n/*.ts)"
        return
    fi
    local lrelease="$VENV/bin/pyside6-lrelease"
    if [ ! -x "$lrelease" ]; then
        warn "translations: $lrelease not found; .qm files not built"
        return
    fi
    for f in "${ts[@]}"; do
        qm="${f%.ts}.qm"
        if [ ! -f "$qm" ] || [ "$f" -nt "$qm" ]; then
            "$lrelease" -silent "$f" -qm "$qm" || die "pyside6-lrelease failed on $f"
            built=$((built + 1))
        fi
    done
    say "translations: ${#ts[@]} .ts file(s), $built .qm rebuilt"
}

say "project: $ROOT"
check_system_packages
ensure_venv
pip_install
build_translations
say "done"

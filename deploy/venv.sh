#!/usr/bin/env bash
# Creates or updates the project's virtual environment (`make venv`; every make target that
# runs Python depends on it).
#
#   - makes $VENV (default .venv) with the first Python >= 3.11 found: $PYTHON if set, else
#     python3, python3.13, python3.12, python3.11 on PATH; a venv whose Python is missing or
#     too old is made anew
#   - runs `pip install -e '.[dev]'` only when pyproject.toml's content differs from the last
#     successful install (its sha256 is kept in the stamp file $VENV/.installed)
#
# Exit codes: 0 ready, 1 install failed, 3 no suitable Python.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
VENV="${VENV:-.venv}"
STAMP="$VENV/.installed"
MIN_PYTHON="3.11"

log() { printf 'venv: %s\n' "$*" >&2; }

is_suitable() { # python binary -> true when it runs and is >= 3.11
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

find_python() {
  local candidate
  if [[ -n ${PYTHON:-} ]]; then
    is_suitable "$PYTHON" && { command -v "$PYTHON"; return 0; }
    log "PYTHON=$PYTHON is not a working Python >= $MIN_PYTHON"
    return 1
  fi
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && is_suitable "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Serialise concurrent `make` invocations (e.g. `make lint` and `make test` in two terminals).
mkdir -p .cache
exec 9>".cache/venv.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

if [[ -x $VENV/bin/python ]] && is_suitable "$VENV/bin/python"; then
  : # reuse it
else
  if ! python="$(find_python)"; then
    log "no Python >= $MIN_PYTHON found (set PYTHON=/path/to/python3.11, or" \
      "apt-get install -y python3 python3-venv)"
    exit 3
  fi
  if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    log "$python has no venv/ensurepip module: apt-get install -y python3-venv"
    exit 3
  fi
  log "creating $VENV with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
fi

want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ $want != "$have" ]]; then
  log "installing the project and its dev dependencies (pip install -e '.[dev]') ..."
  rm -f "$STAMP"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[dev]'; then
    log "pip install failed"
    exit 1
  fi
  printf '%s\n' "$want" >"$STAMP"
  log "ready: $VENV ($("$VENV/bin/python" --version 2>&1))"
else
  touch "$STAMP" # pyproject.toml was touched but not changed: nothing to install
fi

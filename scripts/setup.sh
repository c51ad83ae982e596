#!/usr/bin/env bash
# Create ./.venv (if needed) and install eng5-runner with its dev tools and the real-judge
# SDKs (extra `judges`: the tests drive them against fake provider servers) into it.
# Idempotent: re-installs only when pyproject.toml changed since the last install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ENG5_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup: creating virtualenv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi

STAMP="$VENV/.eng5-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  echo "setup: installing eng5-runner and its dependencies into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "${ROOT}[dev,judges]"
  echo "$WANT" > "$STAMP"
fi

#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, strict typing, tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
BIN="${ENG5_VENV:-$ROOT/.venv}/bin"

echo "== ruff check" >&2
"$BIN/ruff" check src tests benchmarks scripts
echo "== ruff format --check" >&2
"$BIN/ruff" format --check src tests benchmarks scripts
echo "== shellcheck" >&2
"$BIN/shellcheck" scripts/*.sh .ci/run
echo "== mypy --strict src" >&2
"$BIN/mypy" src
echo "== sample documents up to date" >&2
"$BIN/python" scripts/make_sample_documents.py --check
echo "== pytest" >&2
"$BIN/python" -m pytest "$@"

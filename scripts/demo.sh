#!/usr/bin/env bash
# Set everything up and run the main job on the bundled sample dataset:
# plan (inventory and what execute would send) and dry-run (a schema-valid stub artefact),
# then verify the artefact's checksum and schema.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
RUNNER="${ENG5_VENV:-$ROOT/.venv}/bin/eng5-runner"
OUT="${ENG5_OUTPUT_DIR:-$ROOT/eng5_runs/sample-dry-run}"

"$RUNNER" --mode plan
"$RUNNER" --mode dry-run --output-dir "$OUT"
"$RUNNER" verify "$OUT/assessment_run.dry-run.json"

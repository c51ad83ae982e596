#!/usr/bin/env bash
# Set everything up and run the main job on the embedded default: plan, then execute on the
# embedded local stack (Tansu broker, Content Service, reference CJ service with a simulated
# judge) with the bundled sample dataset, then verify the artefact's checksum and schema.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
RUNNER="${ENG5_VENV:-$ROOT/.venv}/bin/eng5-runner"
OUT="${ENG5_OUTPUT_DIR:-$ROOT/eng5_runs/sample-$(date -u +%Y%m%d-%H%M%S)}"
# One name for the run: its folder's name is its batch label (they used to differ).
LABEL="$(basename "$OUT")"

"$RUNNER" --mode plan --batch-id "$LABEL"
"$RUNNER" --mode execute --local-stack --await-completion --completion-timeout 300 \
  --output-dir "$OUT" --batch-id "$LABEL"
"$RUNNER" verify "$OUT/assessment_run.execute.json"

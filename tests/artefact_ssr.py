"""Every artefact the runner writes must carry an SSR anyone can recompute (issue 8).

:func:`check_ssr` recomputes scale separation reliability from the artefact alone — the
``bt_summary`` entries' ``runner_theta`` and ``standard_error`` — with the convention the RUNBOOK
documents (sample variance, n − 1; mean squared SE; unclipped), independently of the runner's
code, and compares it with ``validation.analysis.scale_separation_reliability``; a null figure
must come with a reason. :func:`every_new_artefact_has_a_consistent_ssr` is an autouse fixture
for the test folders whose tests run the runner. Importable like ``cj_player``.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ARTEFACT_GLOB = "assessment_run.*.json"


def recomputed_ssr(bt_summary: list[Mapping[str, Any]]) -> float | None:
    """SSR from ``runner_theta``/``standard_error`` as the RUNBOOK defines it; None if undefined."""
    fitted = [e for e in bt_summary if e.get("runner_theta") is not None]
    thetas = [float(e["runner_theta"]) for e in fitted]
    if len(thetas) < 2:
        return None
    variance = statistics.variance(thetas)
    if variance <= 0:
        return None
    mean_square_error = statistics.fmean(float(e["standard_error"]) ** 2 for e in fitted)
    return (variance - mean_square_error) / variance


def check_ssr(document: Mapping[str, Any], where: str = "artefact") -> None:
    """Assert the stored SSR equals the one recomputed from the artefact (or is null with why)."""
    block = document["validation"].get("analysis")
    assert block is not None, f"{where}: no validation.analysis block"
    stored = block["scale_separation_reliability"]
    if stored is None:
        assert block["reasons"] or block["errors"], f"{where}: SSR is null without a reason"
        return
    recomputed = recomputed_ssr(document["bt_summary"])
    assert recomputed is not None, f"{where}: SSR {stored} stored but undefined from bt_summary"
    assert math.isclose(stored, recomputed, rel_tol=1e-12, abs_tol=1e-12), (
        f"{where}: stored SSR {stored} != {recomputed} recomputed from runner_theta/standard_error"
    )


@pytest.fixture(autouse=True)
def every_new_artefact_has_a_consistent_ssr(tmp_path: Path) -> Iterator[None]:
    """After each test, check every artefact the runner left in the test's ``tmp_path``.

    Only the test's own folder: other test folders build artefacts by hand (older shapes,
    tampered copies) on purpose. Module-scoped fixtures call :func:`check_ssr` themselves.
    """
    yield
    for path in sorted(tmp_path.rglob(ARTEFACT_GLOB)):
        try:
            document = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue  # replaced or truncated by the test itself on purpose
        check_ssr(document, str(path))

"""The "Judges" section of a judge panel's report: the stored per-judge figures, rendered.

The figures come from ``validation.analysis.judges`` (computed in
:mod:`eng5_np.analysis.judges`); this module only words and tabulates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from eng5_np.report.tables import Table

__all__ = ["JUDGES_HEADING", "JUDGES_INTRO", "judges_table"]

JUDGES_HEADING: Final = "Judges"
JUDGES_INTRO: Final = (
    "A panel judged this run; each comparison names its judge. Infit: how each judge's "
    "decisions fit the scale pooled from every judge (Σ(x − p)² / Σ p(1 − p); about 1 fits, "
    "well above 1 contradicts the scale, below 1 is more deterministic than it). A-win share: "
    "comparisons won by the essay shown first (0.5 = no position bias). τ-b: the anchors' "
    "grades against θ fitted on that judge's comparisons alone."
)


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def judges_table(judges: Sequence[Mapping[str, Any]]) -> Table | None:
    """One row per judge; None when the run had no panel."""
    if not judges:
        return None
    rows = tuple(
        (
            str(judge["label"]),
            str(judge["comparisons"]),
            str(judge["failed"]),
            _number(judge["infit"]),
            _number(judge["essay_a_win_share"], 3),
            _number(judge["tau_b"]),
            str(judge["anchors_used"]),
            "; ".join(judge["reasons"]) or "—",
        )
        for judge in judges
    )
    return Table(
        (
            "judge",
            "comparisons",
            "failed",
            "infit",
            "A-win share",
            "τ-b (own fit)",
            "anchors",
            "notes",
        ),
        rows,
        frozenset({1, 2, 3, 4, 5, 6}),
    )

"""Anchor-align mode (SPEC §12): how well does the judge order the expert-graded anchors?

A guest batch (``assignment_id`` null) of the dataset's anchors only — optionally the anchors
of ``--anchor-grades`` — judged as ordinary essays: no students, no grades on the wire. It is
the execute path unchanged (uploads, request, collector, hydration, artefact, reports); only
the inputs differ (:func:`eng5_np.dataset.anchor_subset.anchors_only`, applied when the
dataset is read) and the artefact is ``assessment_run.anchor-align.json``, whose ``alignment``
block is what the run is for and comes first in its report.
"""

from __future__ import annotations

from typing import Any

from eng5_np.errors import UsageError
from eng5_np.modes.execute import ExecuteResult, run_execute
from eng5_np.settings import RunMode, RunSettings


def check_anchor_align(settings: RunSettings) -> None:
    """Refuse settings an anchor-align run cannot honour (:class:`UsageError`, exit 2)."""
    if settings.mode is not RunMode.ANCHOR_ALIGN:
        raise UsageError(f"anchor-align was called with --mode {settings.mode.value}")
    if "assignment_id" in settings.model_fields_set and settings.assignment_id:
        raise UsageError(
            "--assignment-id does not apply to --mode anchor-align: it is a guest batch, so "
            "the platform cannot add its own anchors or project grades",
            advice="Leave out --assignment-id.",
        )


async def run_anchor_align(settings: RunSettings, **execute_options: Any) -> ExecuteResult:
    """Run the anchors-only guest batch through the execute path (same options and result)."""
    check_anchor_align(settings)
    return await run_execute(settings, **execute_options)

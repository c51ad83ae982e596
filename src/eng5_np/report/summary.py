"""The end-of-run summary (SPEC §1, issue 15): the headline figures with their gates first,
then comparisons, failures, cost, tokens, status and the artefact's path.

The headline figures are the artefact's stored ones (:mod:`eng5_np.report.headline`), the same
rows ``report.md`` and ``report.html`` open with.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eng5_np.artefact.essays import EssayDirectory
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.report.checks import compute_checks
from eng5_np.report.headline import (
    HEADLINE_HEADERS,
    HEADLINE_HEADING,
    headline_notes,
    headline_rows,
)

STATUS_STYLE = {"PASS": "bold green", "WARN": "bold yellow"}


def _named(text: str, directory: EssayDirectory) -> str:
    """``text`` with each wire id of the run replaced by its display name."""
    for essay_id in sorted(directory.essays, key=len, reverse=True):
        if essay_id in text:
            text = text.replace(essay_id, directory.display_name(essay_id))
    return text


def render_headline(console: Console, document: Mapping[str, Any]) -> None:
    """The headline figures of a written artefact, each with its gate."""
    checks = compute_checks(document)
    directory = EssayDirectory.from_artefact(document)
    name = directory.display_name
    table = Table(title=HEADLINE_HEADING)
    for header in HEADLINE_HEADERS:
        table.add_column(header, overflow="fold")
    for row in headline_rows(checks, name):
        status = row.status.value
        table.add_row(row.figure, row.value, row.target, f"[{STATUS_STYLE[status]}]{status}[/]")
    console.print(table)
    for note in headline_notes(checks):
        # Wrapped at the terminal width on word boundaries, whatever the console's default.
        console.print(_named(note, directory), markup=False, soft_wrap=False)


def render_summary(
    console: Console,
    hydrator: Hydrator,
    *,
    artefact_path: Path,
    partial: bool,
    stop_reason: str,
    stack_description: str,
    simulated: bool = False,
    service_result_missing: bool = False,
    judge_identity: str | None = None,
    document: Mapping[str, Any] | None = None,
) -> None:
    """Print the summary of a run; costs are labelled estimates (never money spent).

    ``service_result_missing``: the batch completed without the service's result (the
    analysis is the runner's own). ``judge_identity``: what is known of who judged (the LLM
    Provider's mode, or that the identity is as the platform reported it). ``document`` is
    the final artefact as written: its headline figures come first (without one — nothing
    collected — there are none to show).
    """
    if document is not None and hydrator.comparisons:
        render_headline(console, document)
    succeeded = sum(1 for c in hydrator.comparisons if c["status"] == "succeeded")
    failed = len(hydrator.comparisons) - succeeded
    observed = hydrator.observed
    table = Table(title="Run summary", show_header=False)
    table.add_column("what", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_row("comparisons", f"{len(hydrator.comparisons)} ({succeeded} ok, {failed} failed)")
    table.add_row(
        "other events",
        f"results {observed.assessment_results} · completions {observed.completions} · "
        f"rejected {observed.rejected} · duplicates {observed.duplicates} · "
        f"foreign {observed.foreign}",
    )
    for (provider, model), line in sorted(hydrator.costs.items()):
        usd = "cost unknown (unpriced judge)" if line.unpriced else f"${line.usd:.4f}"
        table.add_row(
            f"est. cost {provider}/{model}",
            f"{usd} · tokens {line.prompt_tokens} in / {line.completion_tokens} out",
        )
    known = hydrator.known_cost_usd
    total = "unknown (an unpriced judge; give --judge-price)" if known is None else f"${known:.4f}"
    if simulated:
        total += " (what the named model would cost; simulated judge: no money spent)"
    table.add_row("estimated cost", total)
    if hydrator.completion is not None:
        table.add_row("batch status", hydrator.completion.status)
    if service_result_missing:
        table.add_row(
            "CJ result",
            "never came: θ, ranks and grades are the runner's own, from the comparisons",
        )
    if judge_identity is not None:
        table.add_row("judge", judge_identity)
    table.add_row("partial data", "yes" if partial else "no")
    table.add_row("stopped because", stop_reason)
    table.add_row("stack", stack_description)
    console.print(table)
    if simulated:
        console.print(
            "warning: simulated judge — these are not LLM judgements (the figures rehearse "
            "the plumbing only)",
            markup=False,
            soft_wrap=True,
        )
    # On its own line, never folded by the table: people copy it into `verify` and `report`.
    console.print(f"artefact: {artefact_path}", markup=False, soft_wrap=True)

"""The experiment report's data (SPEC §12 "Repeats"): repeats, aggregate, rank stability.

Pure: one row per repeat (its status and, when it has an artefact, its summary) and the
aggregate the experiment computed in, a frozen :class:`ExperimentView` out;
:mod:`eng5_np.report.experiment_render` only renders it. Nothing is computed here. The
aggregate covers the *complete* repeats only: a partial repeat's figures come from fewer
comparisons and would widen or bias the spread; it is listed with its status instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis.repeats import RepeatAggregate, Spread
from eng5_np.report.run_summary import RunSummary
from eng5_np.report.tables import Table

NO_VALUE = "—"


@dataclass(frozen=True)
class RepeatRow:
    """One repeat as the experiment knows it."""

    name: str
    status: str
    batch_label: str
    detail: str | None
    summary: RunSummary | None


@dataclass(frozen=True)
class ExperimentView:
    """Everything the experiment report shows."""

    label: str
    repeats: tuple[RepeatRow, ...]
    aggregate: RepeatAggregate
    settings: tuple[tuple[str, str], ...]
    simulated: bool

    def aggregate_json(self) -> dict[str, Any]:
        """The aggregate as plain JSON data (for ``experiment.json``), without per-essay rows."""
        data = dataclasses.asdict(self.aggregate)
        data["stability"] = [
            {
                "essay": row.label,
                "grade": row.grade,
                "mean_rank": row.mean_rank,
                "sd": row.sd,
                "rank_range": row.rank_range,
                "repeats_ranked": row.repeats_ranked,
            }
            for row in self.aggregate.stability
        ]
        data["interval_method"] = "Student-t 95% interval of the mean across complete repeats"
        return data


def complete_summaries(repeats: Sequence[RepeatRow]) -> list[RunSummary]:
    """The summaries the aggregate covers: those of the complete repeats."""
    return [r.summary for r in repeats if r.status == "complete" and r.summary is not None]


def build_experiment_view(
    label: str, repeats: Sequence[RepeatRow], aggregate: RepeatAggregate
) -> ExperimentView:
    """The view of an experiment's repeats and the aggregate the experiment computed
    (:func:`eng5_np.analysis.repeats.aggregate_repeats` of :func:`complete_summaries`)."""
    first = next((r.summary for r in repeats if r.summary is not None), None)
    settings = tuple(first.settings.items()) if first is not None else ()
    return ExperimentView(
        label=label,
        repeats=tuple(repeats),
        aggregate=aggregate,
        settings=settings,
        simulated=first is not None and first.settings.get("stack", "").endswith("/simulated"),
    )


def _fixed(value: float | None, digits: int = 3) -> str:
    return NO_VALUE if value is None else f"{value:.{digits}f}"


def _interval(interval: tuple[float, float] | None, digits: int = 3) -> str:
    if interval is None:
        return NO_VALUE
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def repeats_table(view: ExperimentView) -> Table:
    """One line per repeat: status, counts, cost and its own figures (ids: :func:`ids_table`)."""
    rows = []
    for repeat in view.repeats:
        run = repeat.summary
        if run is None:
            rows.append((repeat.name, repeat.status, *(NO_VALUE,) * 7))
            continue
        tau = _fixed(run.tau)
        if run.tau_ci is not None:
            tau += f" {_interval(run.tau_ci)}"
        rows.append(
            (
                repeat.name,
                repeat.status,
                str(run.comparisons),
                str(run.failures),
                f"{run.cost_usd:.4f}",
                tau,
                NO_VALUE if run.inversions is None else str(run.inversions),
                NO_VALUE if run.never_won is None else str(len(run.never_won)),
                _fixed(run.ssr),
            )
        )
    headers = (
        "repeat",
        "status",
        "comparisons",
        "failures",
        "cost USD",
        "τ-b [the run's 95% CI]",
        "inversions",
        "zero-win",
        "SSR",
    )
    return Table(headers, tuple(rows), frozenset(range(2, 9)), whole=frozenset({0}))


def ids_table(view: ExperimentView) -> Table:
    """One line per repeat: its batch label and wire batch id, each on one line.

    A table of their own: beside nine figures, a 40-character label and a UUID were squeezed
    to five lines each on the experiment page (issue 14).
    """
    rows = tuple(
        (
            repeat.name,
            repeat.batch_label,
            NO_VALUE if repeat.summary is None else repeat.summary.wire_batch_id,
        )
        for repeat in view.repeats
    )
    return Table(("repeat", "batch label", "wire batch id"), rows, whole=frozenset({0, 1, 2}))


def aggregate_table(view: ExperimentView) -> Table:
    """Per figure: mean, SD, 95 % t-interval, min–max and how many repeats had it."""
    aggregate = view.aggregate
    figures: list[tuple[str, Spread, int]] = [
        ("Kendall's τ-b (anchors)", aggregate.tau, 3),
        ("inversions", aggregate.inversions, 2),
        ("anchors that never won", aggregate.never_won_count, 2),
        ("scale separation reliability", aggregate.ssr, 3),
        ("split-half reliability", aggregate.split_half, 3),
        ("Essay A win share", aggregate.essay_a_share, 3),
    ]
    rows = tuple(
        (
            name,
            _fixed(s.mean, digits),
            _fixed(s.sd, digits),
            _interval(s.ci95, digits),
            NO_VALUE if s.minimum is None else f"{s.minimum:.{digits}f} – {s.maximum:.{digits}f}",
            f"{len(s.values)} of {aggregate.repeats}",
        )
        for name, s, digits in figures
    )
    headers = ("figure", "mean", "SD", "95% CI (t)", "min – max", "repeats")
    return Table(headers, rows, frozenset({1, 2}))


def never_won_table(view: ExperimentView) -> Table:
    """Anchors that never won, with in how many complete repeats."""
    total = view.aggregate.repeats
    rows = tuple(
        (label, f"{count} of {total}") for label, count in view.aggregate.never_won_anchors
    )
    return Table(("anchor", "never won in"), rows)


def stability_table(view: ExperimentView) -> Table:
    """Per essay: grade, mean rank, SD, range and its rank in each repeat."""
    rows = tuple(
        (
            row.label,
            row.grade or "student",
            f"{row.mean_rank:.1f}",
            _fixed(row.sd, 2),
            f"{row.rank_range:g}",
            " ".join(f"{rank:g}" for rank in row.ranks),
        )
        for row in view.aggregate.stability
    )
    headers = ("essay", "grade", "mean rank", "SD", "range", "rank per repeat")
    return Table(headers, rows, frozenset({2, 3, 4}))


def summary_lines(view: ExperimentView) -> list[str]:
    """The headline sentences of the experiment report."""
    aggregate = view.aggregate
    counts: dict[str, int] = {}
    for repeat in view.repeats:
        counts[repeat.status] = counts.get(repeat.status, 0) + 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    lines = [
        f"{len(view.repeats)} repeat(s): {status}. The aggregate covers the {aggregate.repeats} "
        "complete repeat(s).",
        f"Comparisons {aggregate.comparisons} ({aggregate.failures} failed), cost "
        f"${aggregate.cost_usd:.4f} over the complete repeats.",
    ]
    tau = aggregate.tau
    if tau.mean is not None:
        interval = (
            f", 95% t-interval across repeats {_interval(tau.ci95)}"
            if tau.ci95
            else " (one repeat: no interval)"
        )
        lines.append(f"Kendall's τ-b: mean {tau.mean:.3f}, SD {_fixed(tau.sd)}{interval}.")
    if aggregate.identical:
        lines.append(
            "Every repeat produced the same ranks: the judge is deterministic for these "
            "settings, so the spread is zero by construction."
        )
    return lines


METHOD_NOTE = (
    "Interval across repeats: mean ± t(0.975, n−1)·SD/√n over the complete repeats, treating each "
    "repeat as an independent run of the same batch; it measures the judge's run-to-run variation. "
    "A single run's τ interval (in its own report) comes from the posterior of that run's fit. "
    "Ranks are by the runner's own Bradley–Terry θ of each repeat (1 = best, ties share the mean "
    "rank); essays are matched across repeats by their file in the dataset."
)

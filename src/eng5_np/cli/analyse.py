"""``eng5-runner analyse``: the runner's statistics for any comparisons table (issue 16).

Reading is :mod:`eng5_np.analysis.table_input`, the figures :mod:`eng5_np.analysis
.table_figures` (the same functions a run's artefact is computed with); this module parses,
prints and maps errors to exit codes (a bad file: one line naming it, exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from eng5_np.cli.common import fail
from eng5_np.cli.help import FLAG, choices
from eng5_np.errors import RunnerError, UsageError
from eng5_np.reference.grades import GradeScale, GradeScaleName, get_scale


def analyse_command(
    tables: Annotated[
        list[Path],
        typer.Argument(
            help="Comparisons tables, CSV or Parquet (columns essay_a,essay_b,winner; "
            "winner = the id of the essay that won; or export's comparisons table). Each "
            "file, and each run of a table with a run column, is analysed on its own."
        ),
    ],
    essays: Annotated[
        Path,
        typer.Option(
            help="Essays table, CSV or Parquet (columns essay_id,role,grade; role anchor or "
            "student, grade for anchors; or export's essays table).",
        ),
    ],
    grade_scale: Annotated[
        GradeScaleName,
        typer.Option(
            case_sensitive=False,
            metavar="NAME",
            help=f"Scale of the anchors' grades: {choices(GradeScaleName)}.",
        ),
    ] = GradeScaleName.LEGACY_9_STEP,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", metavar=FLAG, help="One JSON object per comparisons file, one per line."
        ),
    ] = False,
) -> None:
    """The runner's statistics for comparisons tables: τ-b, inversions, SSR, δ, θ."""
    # Imported here: numpy and the fit slow every other command's start.
    from eng5_np.analysis.table_figures import table_figures
    from eng5_np.analysis.table_input import check_known, read_comparison_runs, read_essays

    scale = get_scale(grade_scale.value)
    try:
        loaded = []
        for table in tables:
            for run, comparisons in read_comparison_runs(table):
                essay_table = read_essays(essays, run)
                _check_scale(essay_table.anchor_grades.values(), scale, essays)
                check_known(comparisons, essay_table, table, essays)
                loaded.append((table, run, comparisons, essay_table))
    except RunnerError as error:
        raise fail(error) from None
    console = Console(highlight=False, soft_wrap=True)
    for table, run, comparisons, essay_table in loaded:
        figures = table_figures(comparisons, essay_table.anchor_grades, scale)
        named = {"file": str(table)} | ({} if run is None else {"run": run})
        if as_json:
            typer.echo(json.dumps({**named, **figures}, ensure_ascii=False))
        else:
            _print(console, table if run is None else Path(f"{table} [run {run}]"), figures)


def _check_scale(grades: Iterable[str], scale: GradeScale, essays: Path) -> None:
    off_scale = sorted(g for g in set(grades) if not scale.contains(g))
    if off_scale:
        raise UsageError(
            f"{essays}: column grade has grade(s) not on {scale.name.value}: "
            f"{', '.join(off_scale)} (scale: {', '.join(scale.grades)})",
            advice="Pick the scale with --grade-scale or fix the grades.",
        )


def _print(console: Console, table: Path, figures: Mapping[str, Any]) -> None:
    """The figures as the report words them, estimate and bounds at one precision."""
    lines = [f"{table}: {figures['comparisons']} successful comparisons"]
    lines.append(f"  Kendall's τ-b (anchors) [95% interval]: {_tau(figures)}")
    lines.append(f"  inversions: {figures['inversions']}")
    for inversion in figures["inversion_list"]:
        p = inversion["p_expert_order"]
        chance = "" if p is None else f": P = {1.0 - p:.2f}"
        lines.append(
            f"    {inversion['lower_grade_id']} above {inversion['higher_grade_id']}{chance}"
        )
    lines.append(f"  scale separation reliability: {_number(figures['ssr'])}")
    lines.append(f"  split-half reliability: {_number(figures['split_half'])}")
    share = figures["essay_a_win_share"]
    lines.append(f'  position bias (share of "Essay A" wins): {_number(share)}')
    consistency = figures["order_consistency"]
    lines.append(
        "  order consistency: "
        + ("no pair judged in both orders" if consistency is None else _number(consistency))
    )
    effect = figures["order_effect"]
    if effect["estimate"] is None:
        lines.append(f"  first-position effect δ: {effect['reason']}")
    else:
        low, high = effect["interval"]
        lines.append(
            f"  first-position effect δ (logits): {effect['estimate']:.3f} [{low:.3f}, {high:.3f}]"
        )
    lines.append("  essays (θ, SE; a bound where the data separate the essay):")
    for essay in figures["essays"]:
        bound = f"{essay['bound']} " if essay["bound"] else ""
        lines.append(
            f"    {essay['essay_id']}: θ {bound}{essay['theta']:.3f}, SE {essay['se']:.3f}"
        )
    lines.extend(f"  warning: {warning}" for warning in figures["warnings"])
    lines.extend(f"  note: {reason}" for reason in figures["reasons"])
    for line in lines:
        console.print(line, markup=False)


def _tau(figures: Mapping[str, Any]) -> str:
    tau, interval = figures["tau_b"], figures["tau_b_interval"]
    if tau is None:
        return "not computable (see the notes)"
    if interval is None:
        return f"{tau:.3f} (no interval: see the notes)"
    return f"{tau:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"


def _number(value: float | None) -> str:
    return "not computable (see the notes)" if value is None else f"{value:.3f}"

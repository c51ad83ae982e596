"""Terminal rendering of plan mode (rich).

The view reads plan mode's result through :class:`PlanData`, a protocol of the attributes it
shows: ``modes.plan.PlanResult`` satisfies it, and the report never imports a mode.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eng5_np.analysis.power import INTERVAL_RUNS, PowerPlan
from eng5_np.dataset.inventory import Inventory
from eng5_np.reference.judge_profiles import JudgeProfile
from eng5_np.reference.llm_models import ModelEntry
from eng5_np.request.budget import (
    MIN_COMPARISONS_PER_ESSAY,
    SERVICE_DEFAULT_BUDGET,
    ComparisonBudget,
    CostEstimate,
    anchor_align_budget,
    expected_anchor_align_width,
    resampling_ceiling,
)
from eng5_np.request.overrides import JudgeOverrides
from eng5_np.settings import RunSettings


class PlanData(Protocol):
    """What plan mode found, as the view reads it (``modes.plan.PlanResult``)."""

    @property
    def settings(self) -> RunSettings: ...
    @property
    def inventory(self) -> Inventory: ...
    @property
    def budget(self) -> ComparisonBudget: ...
    @property
    def llm_overrides(self) -> dict[str, Any] | None: ...
    @property
    def model(self) -> ModelEntry | None: ...
    @property
    def cost(self) -> CostEstimate | None: ...
    @property
    def model_warnings(self) -> list[str]: ...
    @property
    def judge_overrides(self) -> JudgeOverrides: ...
    @property
    def power(self) -> PowerPlan | None: ...
    @property
    def power_note(self) -> str | None: ...


def power_lines(plan: PowerPlan) -> list[str]:
    """What the power planner found, in sentences (the last one a warning when short)."""
    lines = [
        f"τ-b at this budget (≈{plan.per_essay:.1f} comparisons per essay, simulated judge of "
        f"{plan.judge.discrimination:g} logits per grade, {plan.simulated_runs} simulated runs, "
        f"seed {plan.seed}): mean "
        f"{plan.tau_mean:.2f}; {width_sentence(plan)}",
    ]
    target = (
        f"a τ-b difference of {plan.detect_difference:g} (simulated: "
        f"{plan.reached_difference:.3f}, adjacent anchors swapped)"
    )
    if plan.needed_per_essay is None:
        lines.append(
            f"To detect {target} with 80% power no budget on this dataset suffices: even all "
            f"pairs fall short. Power at this budget: {plan.power:.1%}."
        )
    else:
        lines.append(
            f"To detect {target} with 80% power: about {plan.needed_per_essay} comparisons per "
            f"essay ({plan.needed_comparisons} per batch). Power at this budget: "
            f"{plan.power:.0%}."
        )
    return lines


def width_sentence(plan: PowerPlan) -> str:
    """What width of τ-b interval the run will print, and what sampling noise alone needs."""
    spread = f"τ-b's sampling noise alone would need {plan.sampling_width:.2f}"
    if plan.expected_width is None:
        return (
            f"most of {INTERVAL_RUNS} simulated runs print no τ-b interval at this budget "
            f"({spread})."
        )
    return (
        f"the run's 95% interval will be about {plan.expected_width:.2f} wide (median of "
        f"{INTERVAL_RUNS} simulated runs; {spread})."
    )


def sweep_power_lines(
    power: PowerPlan | None, star_share: float | None, profile: JudgeProfile | None
) -> list[str]:
    """The sweep's power sentences: the base judge's, then the cells' predicted ★ share."""
    if power is None:
        return ["No τ-b power estimate: the dataset needs anchors of two or more grades."]
    lines = power_lines(power)
    if not power.budget_enough:
        lines.append(
            f"warning: this budget cannot detect a τ-b difference of {power.detect_difference:g}"
            f" (power {power.power:.1%} < 80%)."
        )
    if star_share is not None:
        named = profile.label if profile is not None else "the built-in profile (one judge)"
        lines.append(
            f"With judge profile {named}: a ★ on τ-b is expected in {star_share:.0%} of sweeps "
            "like this one (simulated)."
        )
    return lines


def render_plan(result: PlanData, console: Console) -> None:
    """Print the inventory, problems and what execute would send."""
    inventory = result.inventory
    settings = result.settings
    console.print(f"[bold]Dataset[/bold] {escape(str(inventory.dataset_dir))}")
    console.print(
        f"Grade scale {settings.grade_scale.value} · batch label {settings.batch_id} · "
        f"course {settings.course_code.value} · language {escape(settings.language)}"
    )
    table = Table(title="Essays", show_lines=False)
    # Display names for people; the opaque wire ids are in the artefact (SPEC §3).
    for column in ("role", "name", "file", "grade", "words", "sha256"):
        table.add_column(column)
    for essay in inventory.essays:
        table.add_row(
            essay.role.value,
            escape(essay.display_name),
            escape(essay.source_path),
            essay.grade or "",
            str(essay.word_count),
            essay.checksum[:12],
        )
    console.print(table)
    for doc, label in ((inventory.instructions, "Instructions"), (inventory.prompt, "Prompt")):
        if doc is not None:
            words = len(doc.content.split())
            console.print(
                f"{label}: {escape(doc.source_path)} ({words} words, sha256 {doc.checksum[:12]})"
            )

    budget = result.budget
    if settings.assignment_id is None:
        console.print(
            f"\n[bold]Execute would send[/bold] one guest CJ request with "
            f"{len(inventory.anchors)} anchors + {len(inventory.students)} students = "
            f"{budget.essays} essays under opaque ids (CJ judges the anchors as ordinary "
            "essays; the runner projects grades), and the prompt uploaded as a prompt reference."
        )
    else:
        console.print(
            f"\n[bold]Execute would send[/bold] one CJ request for assignment "
            f"{escape(settings.assignment_id)} with its {len(inventory.students)} students; CJ "
            "adds the assignment's registered anchors (checked in preflight)."
        )
    cap = (
        f"--max-comparisons {budget.max_comparisons}"
        if budget.max_comparisons is not None
        else (
            f"no --max-comparisons (the CJ service's default budget of {SERVICE_DEFAULT_BUDGET} "
            "applies, SPEC §11.6)"
        )
    )
    console.print(
        f"Comparisons: {cap}; at most {budget.planned} over {budget.all_pairs} distinct pairs, "
        f"≈{budget.per_essay:.1f} per essay."
    )
    anchors = len(inventory.anchors)
    if anchors >= 2:
        default = anchor_align_budget(anchors)
        width = expected_anchor_align_width(anchors, default)
        expected = (
            f"; measured at this size, its 95 % τ-b interval is about {width:.2f} wide "
            "(median of benchmarks/bench_designs.py, simulated judge)"
            if width is not None
            else "; its τ-b interval width is measured for 9 anchors only (bench_designs.py)"
        )
        console.print(
            f"Anchor-align (--mode anchor-align) of these {anchors} anchors asks for "
            f"{default} comparisons by default, every pair in both orders{expected}."
        )
    if result.power is not None:
        for line in power_lines(result.power):
            console.print(escape(line))
        if not result.power.budget_enough:
            console.print(
                "[yellow]warning[/yellow]: this budget cannot detect a τ-b difference of "
                f"{result.power.detect_difference:g} (power {result.power.power:.1%} < 80%); "
                "compare will say 'no detectable difference at this budget'."
            )
    if result.power_note is not None:
        console.print(escape(result.power_note))
    if not budget.gate_reachable:
        ceiling = resampling_ceiling(budget.essays)
        console.print(
            f"[yellow]warn[/yellow]: the quality gate asks ≥{MIN_COMPARISONS_PER_ESSAY} "
            f"comparisons per essay, which the platform cannot meet here: for {budget.essays} "
            f"essays it makes at most {ceiling} comparisons (every pair, then its resampling "
            f"pass), {2 * ceiling / max(budget.essays, 1):.1f} per essay; add essays to reach it."
        )
    elif not budget.meets_gate:
        console.print(
            f"[yellow]warn[/yellow]: the quality gate asks ≥{MIN_COMPARISONS_PER_ESSAY} "
            f"comparisons per essay; that needs ≥{budget.needed_for_gate} comparisons."
        )
    if result.llm_overrides:
        # Prompt and rubric texts are long: name their files and checksums instead.
        shown = dict(result.llm_overrides)
        for key, text in (
            ("system_prompt_override", result.judge_overrides.system_prompt),
            ("judge_rubric_override", result.judge_overrides.rubric),
        ):
            if text is not None:
                shown[key] = f"{text.path} (sha256 {text.sha256[:12]})"
        console.print(f"LLM overrides: {escape(str(shown))}")
    else:
        console.print("LLM overrides: none (the CJ service's defaults apply)")

    if result.cost is not None and result.model is not None:
        cost = result.cost
        console.print(
            f"Estimated cost with {result.model.display_name}: ≈${cost.usd:.4f} "
            f"(≈{cost.prompt_tokens:,} prompt + {cost.completion_tokens:,} completion tokens at "
            f"${result.model.input_per_million:g}/${result.model.output_per_million:g} per "
            "million; an estimate, not a quote)"
        )
    else:
        console.print("Estimated cost: pass --llm-model to estimate with the manifest's prices")
    for warning in [*result.model_warnings, *inventory.warnings]:
        console.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    for skipped in inventory.skipped:
        console.print(f"skipped: {escape(skipped)}")
    if inventory.problems:
        console.print(f"\n[bold red]{len(inventory.problems)} problem(s):[/bold red]")
        for problem in inventory.problems:
            console.print(f"  [red]✗[/red] {escape(problem)}", soft_wrap=True)
    else:
        console.print("\n[green]Dataset is usable.[/green]")

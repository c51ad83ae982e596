"""``eng5-runner sweep``: judges × models × reasoning efforts × system prompts × rubrics.

Every combination is a *cell* (built by :mod:`.sweep_cells`); each cell is a repeats
experiment (:mod:`.repeats`) in its own readably named sub-folder of one sweep folder::

    <output-dir>/
      sweep.json                    the dimensions, every cell (values, folder, estimate, status)
      compare.md / compare.html     the comparison of all cells, written at the end
      model-gpt-5_prompt-p1/        a cell: experiment.json, experiment.md/.html, rep-01/ …

Before anything runs, :func:`plan_sweep` lists the cells and estimates their cost from the
model manifest (plan mode's estimate, :func:`eng5_np.request.budget.estimate_cost`, × repeats):
with the simulated judge the estimate is what the *named* model would cost (without a named
model, the simulated judge's manifest price); it is an upper bound when no
``--max-comparisons`` caps the batch (the platform may stop earlier) and leaves out reasoning
tokens, which no manifest prices.
A sweep is resumable like its cells: re-running the same command skips complete repeats.

Judges (``--judge``, repeated; one value may be a comma-separated panel) are a dimension of a
local-stack sweep: a judge cell's batches each run on a stack of their own with that judge. A
judge cell is priced from the manifest (a panel at the mean of its members' prices when it
splits the comparisons, the sum with ``--panel all``); an OpenAI-compatible server's model by
``--judge-price`` or not at all. Several ``--llm-model`` values on the local stack are refused
unless the simulated judge's profile differs by model: otherwise they only rename the request
(``--judge`` chooses a real judge).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from eng5_np.analysis.power import PowerPlan
from eng5_np.artefact.builder import StackInfo
from eng5_np.errors import CostLimitExceeded, UsageError
from eng5_np.experiments.compare import CompareResult, compare_groups, experiment_group
from eng5_np.experiments.modes import RunOne
from eng5_np.experiments.record import load_record, repeat_label, save_record
from eng5_np.experiments.repeats import run_repeats
from eng5_np.experiments.sweep_cells import SweepCell
from eng5_np.experiments.sweep_judges import judge_estimate
from eng5_np.experiments.sweep_power import plan_sweep_power
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.reference.judge_profiles import JudgeParameters, JudgeProfile
from eng5_np.reference.llm_models import ModelEntry, validate_override
from eng5_np.request.budget import ComparisonBudget, estimate_cost, requested_max_comparisons
from eng5_np.settings import RunSettings

SWEEP_FILE = "sweep.json"
SIMULATED_JUDGE_MODEL = "simulated-judge-v1"
"""The manifest entry that prices the local stack's simulated judge (provider ``mock``)."""


@dataclass(frozen=True)
class SweepPlan:
    """The cells, their estimates and what the estimate assumes."""

    cells: tuple[SweepCell, ...]
    repeats: int
    essays: int
    comparisons_per_batch: int
    total_usd: float | None
    notes: tuple[str, ...]
    power: PowerPlan | None = None
    """The base judge's τ-b interval width and comparisons needed (None: no anchors)."""
    star_share: float | None = None
    """Predicted share of sweeps like this one whose τ-b gets a ★ (the cells' profiles)."""
    judges: tuple[JudgeParameters, ...] = ()
    """Each cell's simulated judge under the profile (local stack only)."""
    profile: JudgeProfile | None = None


class SweepCellRecord(BaseModel):
    """One cell in ``sweep.json``."""

    name: str
    folder: str
    values: dict[str, str]
    estimate_usd: float | None = None
    exit_code: int | None = None


class SweepRecord(BaseModel):
    """The whole ``sweep.json``."""

    model_config = ConfigDict(extra="ignore")

    kind: str = "sweep"
    batch_label: str
    repeats: int
    dimensions: dict[str, list[str]]
    estimate_usd: float | None
    cost_limit_usd: float | None
    cells: list[SweepCellRecord] = Field(default_factory=list)
    exit_code: int | None = None
    reports: list[str] = Field(default_factory=list)


@dataclass
class SweepResult:
    """What a sweep produced: per-cell exit codes and the comparison of all cells."""

    folder: Path
    exit_code: int
    comparison: CompareResult | None
    cell_codes: dict[str, int] = field(default_factory=dict)


def plan_sweep(settings: RunSettings, cells: Sequence[SweepCell], repeats: int) -> SweepPlan:
    """Price every cell from the manifest; unknown models are refused (exit 2)."""
    inventory = load_inventory(settings, new_wire_batch_id())
    inventory.require_usable()
    essays = list(inventory.essays)
    grades = getattr(settings, "anchor_grades", None)
    if settings.mode.value == "anchor-align":
        essays = [a for a in inventory.anchors if not grades or a.grade in grades]
    budget = ComparisonBudget(len(essays), requested_max_comparisons(settings, len(essays)))
    mean_words = sum(e.word_count for e in essays) / len(essays) if essays else 0.0
    prompt_words = len(inventory.prompt.content.split()) if inventory.prompt else 0
    priced: list[SweepCell] = []

    def estimate(entry: ModelEntry) -> float:
        return estimate_cost(
            budget,
            mean_words,
            prompt_words,
            entry.input_per_million,
            entry.output_per_million,
            both_orders=settings.judge_both_orders,
        ).usd

    for cell in cells:
        judge = cell.updates.get("judge")
        if judge is not None:
            usd, priced_as = judge_estimate(judge, settings, estimate)
            usd = None if usd is None else usd * repeats
            priced.append(SweepCell(cell.name, cell.values, cell.updates, usd, priced_as))
            continue
        model_id = cell.updates.get("llm_model", settings.llm_model)
        if model_id is None and settings.local_stack:
            model_id = SIMULATED_JUDGE_MODEL
        entry = validate_override(settings.llm_provider, model_id)[0] if model_id else None
        usd = None
        if entry is not None:
            usd = estimate(entry) * repeats
        priced.append(
            SweepCell(cell.name, cell.values, cell.updates, usd, entry.model_id if entry else None)
        )
    power, star_share, judges, profile = plan_sweep_power(settings, inventory, budget, cells)
    costs = [cell.estimate_usd for cell in priced]
    total = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    notes = [
        f"{len(essays)} essays, {budget.planned} comparisons per batch"
        + ("" if budget.max_comparisons else " (all pairs: an upper bound)")
        + f", {repeats} repeat(s) per cell; reasoning tokens are not priced.",
    ]
    if any(c is None for c in costs):
        notes.append(
            "No --llm-model for some cells, or an unpriced judge: their cost cannot be estimated."
        )
    return SweepPlan(
        tuple(priced),
        repeats,
        len(essays),
        budget.planned,
        total,
        tuple(notes),
        power,
        star_share,
        judges,
        profile,
    )


def check_cost_limit(plan: SweepPlan, cost_limit: float | None) -> None:
    """Refuse a sweep estimated above ``cost_limit`` (or unpriceable under a limit)."""
    if cost_limit is None:
        return
    if plan.total_usd is None:
        raise CostLimitExceeded(
            f"--cost-limit {cost_limit:g}: the sweep's cost cannot be estimated (a cell has no "
            "model); nothing was started",
            advice="Name the model(s) with --llm-model, or drop --cost-limit.",
        )
    if plan.total_usd > cost_limit:
        raise CostLimitExceeded(
            f"the sweep is estimated at ${plan.total_usd:.2f} for {len(plan.cells)} cell(s) × "
            f"{plan.repeats} repeat(s), above --cost-limit ${cost_limit:.2f}; nothing was started"
        )


def _prefixed(say: Callable[[str], None], name: str) -> Callable[[str], None]:
    def notify(message: str) -> None:
        say(f"  {name}/{message}")

    return notify


def _open_sweep(
    settings: RunSettings, plan: SweepPlan, folder: Path, label_explicit: bool, limit: float | None
) -> SweepRecord:
    dimensions: dict[str, list[str]] = {}
    for cell in plan.cells:
        for dimension, value in cell.values.items():
            dimensions.setdefault(dimension, [])
            if value not in dimensions[dimension]:
                dimensions[dimension].append(value)
    existing = load_record(folder, SWEEP_FILE)
    label = settings.batch_id
    if existing is None and folder.is_dir() and any(folder.iterdir()):
        raise UsageError(
            f"{folder} is not empty and holds no sweep.json",
            advice="Give the sweep its own --output-dir.",
        )
    if existing is not None:
        recorded = str(existing.get("batch_label", label))
        if label_explicit and recorded != label:
            raise UsageError(
                f"{folder} holds sweep {recorded!r}, not {label!r}",
                advice=f"Pass --batch-id {recorded} to resume it, or another --output-dir.",
            )
        label = recorded
    cells = [
        SweepCellRecord(name=c.name, folder=c.name, values=c.values, estimate_usd=c.estimate_usd)
        for c in plan.cells
    ]
    return SweepRecord(
        batch_label=label,
        repeats=plan.repeats,
        dimensions=dimensions,
        estimate_usd=plan.total_usd,
        cost_limit_usd=limit,
        cells=cells,
    )


async def run_sweep(
    settings: RunSettings,
    plan: SweepPlan,
    *,
    stack: StackInfo,
    label_explicit: bool = True,
    cost_limit: float | None = None,
    run_one: RunOne | None = None,
    notify: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run (or resume) every cell of the plan, then compare the cells."""
    say = notify or (lambda message: None)
    folder = settings.resolved_output_dir
    record = _open_sweep(settings, plan, folder, label_explicit, cost_limit)
    folder.mkdir(parents=True, exist_ok=True)
    save_record(folder, record, SWEEP_FILE)
    codes: dict[str, int] = {}
    for cell, entry in zip(plan.cells, record.cells, strict=True):
        say(f"cell {cell.name}: " + ", ".join(f"{k} {v}" for k, v in cell.values.items()))
        digest = hashlib.sha256(cell.name.encode()).hexdigest()[:6]
        cell_settings = settings.model_copy(
            update={
                **cell.updates,
                "output_dir": folder / cell.name,
                "batch_id": repeat_label(record.batch_label, f"c{digest}"),
            }
        )
        result = await run_repeats(
            cell_settings,
            repeats=plan.repeats,
            stack=stack,
            label_explicit=False,
            run_one=run_one,
            notify=_prefixed(say, cell.name),
        )
        entry.exit_code = codes[cell.name] = result.exit_code
        save_record(folder, record, SWEEP_FILE)
    comparison = compare_groups(
        [experiment_group(folder / cell.name, cell.name) for cell in plan.cells], folder
    )
    record.reports = [str(path.relative_to(folder)) for path in comparison.report_paths]
    record.exit_code = max(codes.values(), default=0)
    save_record(folder, record, SWEEP_FILE)
    return SweepResult(folder, record.exit_code, comparison, codes)

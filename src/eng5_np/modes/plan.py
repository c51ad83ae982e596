"""Plan mode: inventory the dataset and show what execute would send. Touches no service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eng5_np.analysis.power import Design, PowerPlan, plan_power
from eng5_np.dataset.inventory import Inventory
from eng5_np.logs import get_logger
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.modes.size_checks import context_warnings, length_warnings
from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.grades import GradeScaleName
from eng5_np.reference.judge_profiles import JudgeParameters, JudgeSettings, load_judge_profile
from eng5_np.reference.llm_models import ModelEntry, validate_override
from eng5_np.request.budget import (
    SERVICE_DEFAULT_BUDGET,
    ComparisonBudget,
    CostEstimate,
    estimate_cost,
    requested_max_comparisons,
)
from eng5_np.request.overrides import (
    JudgeOverrides,
    llm_overrides_payload,
    load_judge_overrides,
    read_override_file,
)
from eng5_np.settings import RunSettings

log = get_logger(__name__)


@dataclass(frozen=True)
class PlanResult:
    """Everything plan mode found, ready to render."""

    settings: RunSettings
    inventory: Inventory
    wire_batch_id: str
    budget: ComparisonBudget
    llm_overrides: dict[str, Any] | None
    model: ModelEntry | None
    cost: CostEstimate | None
    model_warnings: list[str]
    judge_overrides: JudgeOverrides
    power: PowerPlan | None = None
    """τ-b interval width and comparisons needed to detect a difference (None: no anchors)."""
    power_note: str | None = None
    """Why there is no power estimate, or what it assumed."""

    @property
    def usable(self) -> bool:
        """True when execute could run with this dataset."""
        return not self.inventory.problems


async def run_plan(settings: RunSettings) -> PlanResult:
    """Inventory the dataset and compute what a run would send."""
    wire_batch_id = new_wire_batch_id()
    inventory = load_inventory(settings, wire_batch_id)
    budget = ComparisonBudget(
        len(inventory.essays), requested_max_comparisons(settings, len(inventory.essays))
    )
    model, warnings = validate_override(settings.llm_provider, settings.llm_model)
    judge_overrides = load_judge_overrides(settings)
    warnings.extend(assignment_notes(settings))
    warnings.extend(length_warnings(inventory.essays))
    cost = None
    if model is not None and inventory.essays:
        mean_words = sum(e.word_count for e in inventory.essays) / len(inventory.essays)
        prompt_words = len(inventory.prompt.content.split()) if inventory.prompt else 0
        cost = estimate_cost(
            budget,
            mean_words,
            prompt_words,
            model.input_per_million,
            model.output_per_million,
            both_orders=settings.judge_both_orders,
        )
        warnings.extend(
            context_warnings(inventory.essays, prompt_words, model, settings.llm_max_tokens or 0)
        )
    log.info(
        "plan.inventory",
        anchors=len(inventory.anchors),
        students=len(inventory.students),
        problems=len(inventory.problems),
    )
    power, power_note = plan_comparisons(settings, inventory, budget)
    return PlanResult(
        settings,
        inventory,
        wire_batch_id,
        budget,
        llm_overrides_payload(settings, judge_overrides),
        model,
        cost,
        warnings,
        judge_overrides,
        power,
        power_note,
    )


def judge_settings_of(settings: RunSettings) -> JudgeSettings:
    """What a judge profile sees of a run's settings: model, effort, prompt and rubric hashes."""
    digests = []
    for path, flag in (
        (settings.system_prompt_file, "--system-prompt"),
        (settings.rubric_file, "--rubric"),
    ):
        digests.append(None if path is None else sha256_text(read_override_file(path, flag).text))
    effort = settings.reasoning_effort
    return JudgeSettings(
        model=settings.llm_model,
        reasoning_effort=None if effort is None else effort.value,
        prompt_sha256=digests[0],
        rubric_sha256=digests[1],
    )


def profile_judge(settings: RunSettings) -> JudgeParameters:
    """The simulated judge a run gets: its ``--judge-profile`` resolved, else the built-in."""
    if not settings.local_stack or settings.judge_profile is None:
        return JudgeParameters()
    profile = load_judge_profile(settings.judge_profile)
    return profile.resolve(judge_settings_of(settings)).parameters


def power_design(inventory: Inventory) -> Design | None:
    """The run's design for the power planner: anchors at their grade positions, students."""
    scale = inventory.grade_scale
    positions = tuple(float(scale.position(a.grade)) for a in inventory.anchors if a.grade)
    if len(set(positions)) < 2:
        return None
    return Design(positions, len(inventory.students))


def budget_per_essay(budget: ComparisonBudget) -> float:
    """Comparisons per essay the batch will have: the budget's (the service's default budget
    without ``--max-comparisons``), as priced and shown by the plan."""
    return budget.per_essay


def run_power_plan(
    settings: RunSettings, inventory: Inventory, budget: ComparisonBudget
) -> PowerPlan | None:
    """The power plan of a run (simulated, fixed seed, a few seconds); None without anchors."""
    design = power_design(inventory)
    if design is None or settings.assignment_id is not None:
        return None
    return plan_power(
        design,
        budget_per_essay(budget),
        judge=profile_judge(settings),
        detect_difference=settings.detect_difference,
    )


def plan_comparisons(
    settings: RunSettings, inventory: Inventory, budget: ComparisonBudget
) -> tuple[PowerPlan | None, str | None]:
    """:func:`run_power_plan`, and why there is none or what it assumed."""
    plan = run_power_plan(settings, inventory, budget)
    if plan is None:
        return None, (
            "no τ-b power estimate: it needs the dataset's anchors with at least two grades"
            + (" (an assignment run sends no anchors)" if settings.assignment_id else "")
        )
    note = None
    if budget.max_comparisons is None:
        note = (
            "no --max-comparisons: the power estimate and the cost assume the CJ service's "
            f"default budget of {SERVICE_DEFAULT_BUDGET} comparisons (a service configured "
            "otherwise makes a different number)"
        )
    return plan, note


def assignment_notes(settings: RunSettings) -> list[str]:
    """What a run's kind (guest or assignment, SPEC §11.1) means for what is sent."""
    if settings.assignment_id is None:
        return []
    notes = [
        f"assignment run ({settings.assignment_id}): only the students are sent; CJ adds the "
        "assignment's registered anchors itself, so the dataset's anchors are not sent"
    ]
    if settings.grade_scale is GradeScaleName.NATIONAL_9_STEP:
        notes.append(
            "the platform's results cannot carry the numeric grades of "
            f"{settings.grade_scale.value} (SPEC §11.3): the runner projects grades itself"
        )
    return notes

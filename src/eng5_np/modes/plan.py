"""Plan mode: inventory the dataset and show what execute would send. Touches no service."""

from __future__ import annotations

from eng5_np.logs import get_logger
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.reference.grades import GradeScaleName
from eng5_np.reference.llm_models import validate_override
from eng5_np.request.budget import ComparisonBudget, estimate_cost
from eng5_np.request.overrides import llm_overrides_payload, load_judge_overrides
from eng5_np.request.plan import PlanResult
from eng5_np.settings import RunSettings

log = get_logger(__name__)
__all__ = ["PlanResult", "assignment_notes", "run_plan"]


async def run_plan(settings: RunSettings) -> PlanResult:
    """Inventory the dataset and compute what a run would send."""
    wire_batch_id = new_wire_batch_id()
    inventory = load_inventory(settings, wire_batch_id)
    budget = ComparisonBudget(len(inventory.essays), settings.max_comparisons)
    model, warnings = validate_override(settings.llm_provider, settings.llm_model)
    judge_overrides = load_judge_overrides(settings)
    warnings.extend(assignment_notes(settings))
    cost = None
    if model is not None and inventory.essays:
        mean_words = sum(e.word_count for e in inventory.essays) / len(inventory.essays)
        prompt_words = len(inventory.prompt.content.split()) if inventory.prompt else 0
        cost = estimate_cost(
            budget, mean_words, prompt_words, model.input_per_million, model.output_per_million
        )
    log.info(
        "plan.inventory",
        anchors=len(inventory.anchors),
        students=len(inventory.students),
        problems=len(inventory.problems),
    )
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
    )


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

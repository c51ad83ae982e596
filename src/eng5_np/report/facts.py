"""What the report states about a run, read from the artefact into typed records (SPEC §8).

Pure: an artefact dict in, frozen dataclasses out. The artefact has been validated against
its schema before it gets here, so required fields are read directly; optional ones (absent
in dry-run stubs, timeouts and failed runs) are read with defaults. Only selected options are
surfaced — never ``metadata.options`` wholesale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.provider_mode import describe_judge

TOP_PROBABILITIES = 3
"""How many of a student's most probable grades the report lists."""

SHOWN_OPTIONS = (
    "max_comparisons",
    "completion_timeout",
    "llm_provider",
    "llm_model",
    "llm_temperature",
    "llm_max_tokens",
    "judge_seed",
    "judge_faults",
)
"""Options worth reading in a report; addresses, paths and flags of the CLI itself are not."""


@dataclass(frozen=True)
class RunStatusFacts:
    """How the run ended."""

    partial_data: bool
    stop_reason: str | None
    completion_status: str | None
    failed_reason: str | None
    failed_source: str | None
    elapsed_seconds: float | None
    timeout_seconds: float | None
    observed_events: dict[str, int]
    batch_stop: str | None = None
    """Why the CJ service stopped the batch, one line (the local stack says; the platform
    does not)."""
    pairing_design: str | None = None
    """The pairing design the CJ service used, when it said."""
    service_result_missing: bool = False
    """The completion came, the service's result never did: the scale is the runner's own."""

    @property
    def reason(self) -> str:
        """Why the run ended as it did, in the artefact's words."""
        if self.failed_reason is not None:
            source = f" (from {self.failed_source})" if self.failed_source else ""
            return f"{self.failed_reason}{source}"
        if self.partial_data:
            return self.stop_reason or "the run did not complete"
        return self.completion_status or self.stop_reason or "no status reported"

    @property
    def headline(self) -> str:
        """One line: complete, partial or failed, and why."""
        if self.failed_reason is not None:
            return f"FAILED: {self.reason}"
        if self.partial_data:
            return f"PARTIAL DATA: {self.reason}"
        return f"complete ({self.reason})"


@dataclass(frozen=True)
class CostLine:
    """Tokens and cost of one provider/model."""

    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    usd: float
    comparisons: int | None
    priced: bool = True
    """False: an unpriced judge's line; ``usd`` is not its cost."""


@dataclass(frozen=True)
class ScaleRow:
    """One essay on the Bradley–Terry scale."""

    essay_id: str
    theta: float | None
    """θ as the CJ service reported it (None: its result never came)."""
    runner_theta: float | None
    """The runner's θ from the same fit as ``standard_error`` (None before schema 1.1)."""
    standard_error: float | None
    rank: int
    comparison_count: int
    is_anchor: bool
    anchor_grade: str | None
    grade_projection: str | None

    @property
    def plotted_theta(self) -> float:
        """The θ drawn with ± SE: the runner's (same fit as the SE) where there is one."""
        if self.runner_theta is not None:
            return self.runner_theta
        return self.theta if self.theta is not None else 0.0


@dataclass(frozen=True)
class ProjectionRow:
    """One student's grade projection."""

    essay_id: str
    grade: str
    top_probabilities: tuple[tuple[str, float], ...]
    source: str
    primary_anchor_id: str | None


@dataclass(frozen=True)
class EssayFacts:
    """An input essay: its role, file and (anchors) expert grade."""

    essay_id: str
    is_anchor: bool
    file_name: str
    grade: str | None


@dataclass(frozen=True)
class OverrideFacts:
    """A judge override file as the artefact recorded it."""

    kind: str
    """``system prompt`` or ``rubric``."""
    path: str
    sha256: str
    text: str


@dataclass(frozen=True)
class RunFacts:
    """Everything the report states about a run, apart from the runner-side checks."""

    batch_label: str
    wire_batch_id: str
    mode: str
    generated_at: str
    runner_version: str
    git_sha: str
    git_dirty: bool | None
    grade_scale: str
    course_code: str
    stack_kind: str
    stack_judge: str
    stack_description: str
    request_position: str | None
    options: tuple[tuple[str, str], ...]
    status: RunStatusFacts
    total_usd: float
    costs: tuple[CostLine, ...]
    scale: tuple[ScaleRow, ...]
    projections: tuple[ProjectionRow, ...]
    essays: tuple[EssayFacts, ...]
    excluded: tuple[tuple[str, str], ...]
    names: Mapping[str, str] = field(default_factory=dict)
    """Wire id → display name: the opaque ids are for the wire, people read names (SPEC §3)."""
    run_kind: str = ""
    """Guest or assignment run, in one line (SPEC §11.1)."""
    overrides: tuple[OverrideFacts, ...] = ()
    judge_identity: str | None = None
    """Who judged an external run, as far as the runner could tell (LLM Provider mock mode)."""
    judge_profile: str | None = None
    """The simulated judge's profile, ``name · sha256[:12]`` (rule and effects when known)."""
    changed: str | None = None
    """Set when the artefact no longer matches its checksum and was rendered with --force."""
    judges: tuple[Mapping[str, Any], ...] = ()
    """A judge panel's stored per-judge figures (``validation.analysis.judges``)."""

    def name(self, essay_id: str) -> str:
        """The display name of ``essay_id`` (the id itself when the run has none for it)."""
        return self.names.get(essay_id, essay_id)

    def named(self, text: str) -> str:
        """``text`` with every wire id of this run replaced by its display name."""
        known = [essay_id for essay_id in self.names if essay_id in text]
        for essay_id in sorted(known, key=len, reverse=True):
            text = text.replace(essay_id, self.names[essay_id])
        return text

    @property
    def simulated(self) -> bool:
        """True when the judgements came from the simulated judge, not an LLM."""
        return self.stack_judge == "simulated"

    @property
    def is_dry_run(self) -> bool:
        """True for a dry-run stub: nothing was sent, nothing came back."""
        return self.mode == "dry-run"


def profile_text(block: Any) -> str | None:
    """``name · sha256[:12]``, plus the rule and effects the CJ result reported, or None."""
    if not isinstance(block, Mapping):
        return None
    text = f"{block['name']} · {str(block['sha256'])[:12]}"
    rule, parameters = block.get("rule"), block.get("parameters")
    if isinstance(parameters, Mapping):
        text += f" · rule {rule}" if isinstance(rule, int) else " · its default"
        text += " (" + ", ".join(f"{k} {v:g}" for k, v in sorted(parameters.items())) + ")"
    return text


def read_facts(artefact: Mapping[str, Any]) -> RunFacts:
    """Read the report's facts from a schema-valid artefact."""
    metadata = artefact["metadata"]
    stack = metadata["stack"]
    request = metadata.get("request")
    position = (
        f"{request['topic']} partition {request['partition']} offset {request['offset']}"
        if request
        else None
    )
    costs = artefact["costs"]
    return RunFacts(
        batch_label=metadata["batch_id"],
        wire_batch_id=metadata["wire_batch_id"],
        mode=metadata["runner_mode"],
        generated_at=metadata["generated_at"],
        runner_version=metadata["runner_version"],
        git_sha=metadata["git_sha"],
        git_dirty=metadata["git_dirty"],
        grade_scale=metadata["grade_scale"],
        course_code=metadata["course_code"],
        stack_kind=stack["kind"],
        stack_judge=stack["judge"],
        stack_description=stack["description"],
        judge_profile=profile_text(stack.get("judge_profile")),
        request_position=position,
        options=_selected_options(metadata),
        status=_status(artefact["validation"]["runner_status"]),
        total_usd=float(costs["total_usd"]),
        costs=tuple(
            CostLine(
                provider=line["provider"],
                model=line["model"],
                prompt_tokens=line["prompt_tokens"],
                completion_tokens=line["completion_tokens"],
                usd=float(line["usd"]),
                comparisons=line.get("comparisons"),
                priced=line.get("priced", True),
            )
            for line in costs["token_counts"]
        ),
        scale=tuple(_scale_row(entry) for entry in artefact["bt_summary"]),
        projections=tuple(_projection_row(entry) for entry in artefact["grade_projections"]),
        essays=_essays(artefact["inputs"]),
        excluded=tuple(
            (entry["essay_id"], entry["reason"])
            for entry in artefact["inputs"].get("excluded_essays", [])
        ),
        names=_names(artefact),
        run_kind=_run_kind(metadata),
        overrides=tuple(
            OverrideFacts(kind.replace("_", " "), o["path"], o["sha256"], o["text"])
            for kind, o in (metadata.get("overrides") or {}).items()
        ),
        judge_identity=_judge_identity(metadata),
        judges=tuple(
            ((artefact.get("validation") or {}).get("analysis") or {}).get("judges") or ()
        ),
    )


def _names(artefact: Mapping[str, Any]) -> dict[str, str]:
    directory = EssayDirectory.from_artefact(artefact)
    ids = {e["essay_id"] for e in artefact["bt_summary"]}
    for record in artefact["llm_comparisons"]:
        ids.update((record["essay_a_id"], record["essay_b_id"]))
    names = {essay_id: info.display_name for essay_id, info in directory.essays.items()}
    names.update({essay_id: directory.display_name(essay_id) for essay_id in ids})
    return names


def _judge_identity(metadata: Mapping[str, Any]) -> str | None:
    """Who judged an external run, as far as the runner could tell; None for the local stack
    (its judge is known) and for a run the callbacks already showed simulated."""
    recorded = metadata.get("llm_provider_mode")
    stack = metadata["stack"]
    if stack["kind"] != "external" or metadata["runner_mode"] == "dry-run":
        return None
    if recorded is None and stack["judge"] != "llm":
        return None
    return describe_judge(recorded)


def _run_kind(metadata: Mapping[str, Any]) -> str:
    assignment = metadata.get("assignment")
    if metadata["runner_mode"] == "anchor-align":
        return "guest run of the anchors only, judged as ordinary essays (no grades sent)"
    if metadata.get("assignment_id") is None:
        return (
            "guest run: anchors and students sent as ordinary essays; the runner projects "
            "the students' grades from the anchors"
        )
    if not assignment:
        return f"assignment run ({metadata['assignment_id']})"
    return (
        f"assignment run ({assignment['assignment_id']}, {assignment['context_origin']}): "
        f"students sent; CJ added its {len(assignment['registered_anchors'])} registered anchors"
    )


def _selected_options(metadata: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    options = metadata.get("options") or {}
    shown = [(name, str(options[name])) for name in SHOWN_OPTIONS if options.get(name) is not None]
    if "max_comparisons" in metadata and not any(n == "max_comparisons" for n, _ in shown):
        shown.insert(0, ("max_comparisons", str(metadata["max_comparisons"])))
    return tuple(shown)


def _status(status: Mapping[str, Any]) -> RunStatusFacts:
    failed = status.get("failed") or {}
    return RunStatusFacts(
        partial_data=bool(status["partial_data"]),
        stop_reason=status.get("stop_reason"),
        completion_status=status.get("completion_status"),
        failed_reason=failed.get("reason"),
        failed_source=failed.get("source"),
        elapsed_seconds=status.get("elapsed_seconds"),
        timeout_seconds=status.get("timeout_seconds"),
        observed_events={str(k): int(v) for k, v in status["observed_events"].items()},
        batch_stop=_batch_stop(status.get("batch_stop")),
        pairing_design=(status.get("batch_stop") or {}).get("design"),
        service_result_missing=bool(status.get("service_result_missing", False)),
    )


def _batch_stop(block: Mapping[str, Any] | None) -> str | None:
    """``budget_spent after 11 waves (platform design): budget of 120 comparisons spent``."""
    if not block:
        return None
    design = f" ({block['design']} design)" if block.get("design") else ""
    detail = f": {block['detail']}" if block.get("detail") else ""
    return f"{block['reason']} after {block['waves']} waves{design}{detail}"


def _scale_row(entry: Mapping[str, Any]) -> ScaleRow:
    se = entry["standard_error"]
    runner = entry.get("runner_theta")
    return ScaleRow(
        essay_id=entry["essay_id"],
        theta=None if entry["theta"] is None else float(entry["theta"]),
        runner_theta=None if runner is None else float(runner),
        standard_error=None if se is None else float(se),
        rank=int(entry["rank"]),
        comparison_count=int(entry["comparison_count"]),
        is_anchor=bool(entry["is_anchor"]),
        anchor_grade=entry.get("anchor_grade"),
        grade_projection=entry.get("grade_projection"),
    )


def _projection_row(entry: Mapping[str, Any]) -> ProjectionRow:
    ranked = sorted(entry["probabilities"].items(), key=lambda item: (-item[1], item[0]))
    return ProjectionRow(
        essay_id=entry["essay_id"],
        grade=entry["grade"],
        top_probabilities=tuple((grade, float(p)) for grade, p in ranked[:TOP_PROBABILITIES]),
        source=entry["probabilities_source"],
        primary_anchor_id=entry.get("primary_anchor_id"),
    )


def _essays(inputs: Mapping[str, Any]) -> tuple[EssayFacts, ...]:
    # Anchors an assignment run did not send (CJ used its registered ones) are not essays of it.
    anchors = [
        EssayFacts(a["anchor_id"], True, a["file_name"], a["grade"])
        for a in inputs["anchors"]
        if a.get("sent", True)
    ]
    students = [EssayFacts(s["essay_id"], False, s["file_name"], None) for s in inputs["students"]]
    return (*anchors, *students)

"""One run reduced to the numbers an experiment compares (SPEC §12): settings and results.

Pure: a schema-valid artefact dict in, a frozen :class:`RunSummary` out. Every figure is the
one the runner stored when it wrote the artefact — nothing is computed here:

- ``alignment`` (the anchor-alignment block: τ-b with its interval, inversions, anchors
  that never won);
- ``validation.analysis`` (scale separation and split-half reliability, position bias, the
  runner's θ per essay for the ranks).

A figure the artefact does not hold is None, with the reason in ``reasons`` ("not recorded"
for an artefact written before the figure was stored). Essays are keyed across runs by their
path in the dataset (``source_path``), because wire essay ids are new in every run and two
essays may have the same text (so the same checksum); their label is the display name when
the artefact has one, else the file name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eng5_np.analysis.differences import RunComparisons
from eng5_np.analysis.figures import read_outcomes
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.grades import get_scale
from eng5_np.report.checks import RefitCheck, RunChecks, compute_checks
from eng5_np.report.gates import NOT_RECORDED, NotComputable

SETTING_OPTIONS = (
    ("mode", None),
    ("provider", "llm_provider"),
    ("model", "llm_model"),
    ("reasoning effort", "reasoning_effort"),
    ("output verbosity", "output_verbosity"),
    ("temperature", "llm_temperature"),
    ("anchor grades", "anchor_grades"),
    ("budget", "max_comparisons"),
    ("judge seed", "judge_seed"),
    ("judge faults", "judge_faults"),
)
"""(label, ``metadata.options`` key) of the settings an experiment varies; mode is metadata."""

OVERRIDE_FILES = (
    ("system prompt", "system_prompt", "system_prompt_file"),
    ("rubric", "rubric", "rubric_file"),
)
"""(label, ``metadata.overrides`` key, ``metadata.options`` key) of the override files."""


@dataclass(frozen=True)
class EssayKey:
    """An essay as it is recognised across runs: its path in the dataset, and a label."""

    source_path: str
    """Path relative to the dataset root: the same file in every run of one dataset."""
    label: str
    grade: str | None
    """The expert grade of an anchor; None for a student."""


@dataclass(frozen=True)
class RunSummary:
    """What compare and the experiment report need from one run."""

    path: Path
    batch_label: str
    wire_batch_id: str
    mode: str
    status: str
    """``complete``, ``partial`` or ``failed``."""
    inventory_hash: str
    grade_scale: str
    settings: dict[str, str]
    """Label → value of the settings an experiment varies (absent settings: ``default``)."""
    comparisons: int
    failures: int
    cost_usd: float
    tau: float | None
    tau_ci: tuple[float, float] | None
    tau_source: str
    """Where τ came from: ``alignment block``, or ``not recorded``."""
    inversions: int | None
    never_won: tuple[str, ...] | None
    """Labels of anchors that took part and never won; None when not computable."""
    ssr: float | None
    split_half: float | None
    essay_a_share: float | None
    """Share of successful comparisons won by the essay shown first (0.5 = no bias)."""
    theta: dict[str, float]
    """Essay source path → the runner's stored θ (the experiments rank essays by it)."""
    essays: dict[str, EssayKey]
    reasons: tuple[str, ...]
    """Why a figure is missing, one line each."""
    comparisons_on_anchors: RunComparisons | None = None
    """The successful comparisons and the anchors' grade positions (for compare's difference
    intervals); None when the run has none."""


def summarise_run(artefact: Mapping[str, Any], path: Path) -> RunSummary:
    """Summarise one schema-valid artefact (read from ``path``)."""
    metadata = artefact["metadata"]
    checks = compute_checks(artefact)
    essays, by_id = _essays(artefact["inputs"])
    reasons: list[str] = []
    tau, tau_ci, source, inversions, never_won = _alignment(artefact, checks, by_id, reasons)
    tally = checks.tally
    if isinstance(tally, NotComputable):
        records = artefact["llm_comparisons"]
        succeeded = sum(1 for r in records if r["status"] == "succeeded")
        counts = (succeeded, len(records) - succeeded)
    else:
        counts = (tally.succeeded, tally.failed)
    ssr, split_half = _reliability(artefact, reasons)
    bias = checks.position_bias
    return RunSummary(
        path=path,
        batch_label=metadata["batch_id"],
        wire_batch_id=metadata["wire_batch_id"],
        mode=metadata["runner_mode"],
        status=_status(artefact["validation"]["runner_status"]),
        inventory_hash=metadata["inventory_hash"],
        grade_scale=metadata["grade_scale"],
        settings=run_settings(metadata),
        comparisons=counts[0],
        failures=counts[1],
        cost_usd=float(artefact["costs"]["total_usd"]),
        tau=tau,
        tau_ci=tau_ci,
        tau_source=source,
        inversions=inversions,
        never_won=never_won,
        ssr=ssr,
        split_half=split_half,
        essay_a_share=None if isinstance(bias, NotComputable) else bias.essay_a_win_share,
        theta=_theta(checks, by_id),
        essays=essays,
        reasons=tuple(reasons),
        comparisons_on_anchors=run_comparisons(artefact),
    )


def run_comparisons(artefact: Mapping[str, Any]) -> RunComparisons | None:
    """A run's successful comparisons and its anchors' grade positions, or None."""
    outcomes, _ = read_outcomes(artefact["llm_comparisons"])
    if not outcomes:
        return None
    scale = get_scale(artefact["metadata"]["grade_scale"])
    directory = EssayDirectory.from_artefact(artefact)
    compared = {e for o in outcomes for e in (o.winner_id, o.loser_id)}
    grades = directory.anchor_grades(compared | set(directory.essays))
    positions = {a: float(scale.position(g)) for a, g in grades.items() if scale.contains(g)}
    return RunComparisons(tuple(outcomes), positions)


def run_settings(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The settings of a run that experiments vary, as display strings."""
    options: Mapping[str, Any] = metadata.get("options") or {}
    overrides: Mapping[str, Any] = metadata.get("overrides") or {}
    settings: dict[str, str] = {}
    for label, key in SETTING_OPTIONS:
        value = metadata["runner_mode"] if key is None else options.get(key)
        if key == "max_comparisons" and value is None:
            value = metadata.get("max_comparisons")
        settings[label] = "default" if value in (None, "", []) else _text(value)
    for label, block_key, option_key in OVERRIDE_FILES:
        settings[label] = _override_file(overrides.get(block_key), options.get(option_key))
    stack = metadata["stack"]
    settings["stack"] = f"{stack['kind']}/{stack['judge']}"
    profile = stack.get("judge_profile")
    if isinstance(profile, Mapping):
        settings["judge profile"] = f"{profile['name']} · {str(profile['sha256'])[:12]}"
    return settings


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _override_file(block: Any, option: Any) -> str:
    """``name · sha256[:12]`` of an override file; the path alone when no hash was recorded."""
    if isinstance(block, Mapping) and block.get("sha256"):
        name = Path(str(block.get("path") or option or "inline")).name
        return f"{name} · {str(block['sha256'])[:12]}"
    if option:
        return f"{Path(str(option)).name} · hash not recorded"
    return "default"


def _status(status: Mapping[str, Any]) -> str:
    if status.get("failed"):
        return "failed"
    return "partial" if status["partial_data"] else "complete"


def _essays(inputs: Mapping[str, Any]) -> tuple[dict[str, EssayKey], dict[str, EssayKey]]:
    """Essays by source path, and the same keys by this run's essay id."""
    by_id: dict[str, EssayKey] = {}
    for anchor in inputs["anchors"]:
        by_id[anchor["anchor_id"]] = EssayKey(
            anchor["source_path"], _label(anchor), anchor.get("grade") or None
        )
    for student in inputs["students"]:
        by_id[student["essay_id"]] = EssayKey(student["source_path"], _label(student), None)
    return {key.source_path: key for key in by_id.values()}, by_id


def _label(essay: Mapping[str, Any]) -> str:
    name = essay.get("display_name") or Path(str(essay["file_name"])).stem
    return str(name)


def _alignment(
    artefact: Mapping[str, Any],
    checks: RunChecks,
    by_id: Mapping[str, EssayKey],
    reasons: list[str],
) -> tuple[float | None, tuple[float, float] | None, str, int | None, tuple[str, ...] | None]:
    block = artefact.get("alignment")
    if isinstance(block, Mapping):
        tau = block.get("kendall_tau_b")
        interval = block.get("tau_ci95")
        reasons.extend(str(reason) for reason in block.get("reasons") or ())
        never = tuple(_name(essay_id, by_id) for essay_id in block.get("never_won") or ())
        return (
            None if tau is None else float(tau),
            None if not interval else (float(interval[0]), float(interval[1])),
            "alignment block",
            None if tau is None else len(block.get("inversions") or ()),
            never,
        )
    check = checks.alignment
    reason = check.reason if isinstance(check, NotComputable) else NOT_RECORDED
    reasons.append(f"anchor alignment: {reason}")
    return None, None, "not recorded", None, None


def _name(essay_id: str, by_id: Mapping[str, EssayKey]) -> str:
    key = by_id.get(essay_id)
    return essay_id if key is None else key.label


def _reliability(
    artefact: Mapping[str, Any], reasons: list[str]
) -> tuple[float | None, float | None]:
    analysis = artefact["validation"].get("analysis")
    if isinstance(analysis, Mapping):
        reasons.extend(str(reason) for reason in analysis.get("reasons") or ())
        ssr, split = (
            analysis.get("scale_separation_reliability"),
            analysis.get("split_half_reliability"),
        )
        return (None if ssr is None else float(ssr), None if split is None else float(split))
    reasons.append(f"reliability: {NOT_RECORDED}")
    return None, None


def _theta(checks: RunChecks, by_id: Mapping[str, EssayKey]) -> dict[str, float]:
    """The runner's stored θ (one consistent fit, SPEC §8), keyed by source path."""
    if not isinstance(checks.refit, RefitCheck):
        return {}
    return {by_id[e].source_path: t for e, t in checks.refit.theta.items() if e in by_id}

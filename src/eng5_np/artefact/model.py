"""A run's artefact as typed, read-only Python objects (the public API's :class:`Artefact`).

:func:`load_artefact` reads an ``assessment_run.<mode>.json``, refuses it unless it matches
its schema and its checksum (and, by default, every data file its manifest lists), and returns
an :class:`Artefact`: the run's essays with display names, roles, grades, θ, SE and projection;
its comparisons; its settings; and its figures as stored (:mod:`.stored_figures`). Nothing is
computed here beyond joining what the artefact says about each essay id
(:class:`~eng5_np.artefact.essays.EssayDirectory`): a figure the artefact does not store is
None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from eng5_np.artefact.essays import EssayDirectory
from eng5_np.artefact.stored_figures import (
    EssayFigures,
    RunFigures,
    read_essay_figures,
    read_figures,
)
from eng5_np.artefact.verify import read_artefact_json, verify_artefact
from eng5_np.errors import ArtefactInvalid

Role = Literal["anchor", "student"]


@dataclass(frozen=True)
class Essay:
    """One essay of the run, with everything the artefact says about it."""

    essay_id: str
    """The opaque wire id (``essay-…``, or ``ANCHOR_<id>_<hex>`` for a platform anchor)."""
    display_name: str
    role: Role
    grade: str | None
    """The expert grade of an anchor; None for a student."""
    service_theta: float | None
    """θ as the CJ service reported it (``bt_summary[].theta``)."""
    theta: float | None
    """The runner's own θ (``runner_theta``), from the fit that gave ``standard_error``."""
    standard_error: float | None
    rank: int | None
    comparisons: int | None
    """Successful comparisons the essay took part in (``bt_summary[].comparison_count``)."""
    wins: int | None
    """Successful comparisons it won (``validation.analysis.essays``, when stored)."""
    infit: float | None
    """Infit mean square (``validation.analysis.essays``, when stored)."""
    projected_grade: str | None
    grade_probabilities: Mapping[str, float]
    """Projected grade → probability (empty when there is no projection)."""


@dataclass(frozen=True)
class Comparison:
    """One LLM comparison as recorded in ``llm_comparisons``."""

    sequence: int
    essay_a_id: str
    essay_b_id: str
    winner_id: str | None
    status: str
    """``succeeded`` or ``failed``."""
    confidence: float | None
    justification: str | None
    provider: str | None
    model: str | None
    tokens_prompt: int | None
    tokens_completion: int | None
    tokens_total: int | None
    cost_usd: float | None
    response_time_ms: int | None
    error_code: str | None
    failure_reason: str | None
    prompt_hash: str | None
    started_at: str | None
    completed_at: str | None

    @property
    def winner_position(self) -> Literal["A", "B"] | None:
        """Which side won: ``"A"`` (shown first), ``"B"``, or None for a failed comparison."""
        if self.winner_id is None:
            return None
        return "A" if self.winner_id == self.essay_a_id else "B"


@dataclass(frozen=True)
class Artefact:
    """A verified run artefact: essays, comparisons, figures, and the raw document."""

    path: Path
    checksum: str
    schema_version: str
    mode: str
    batch_id: str
    wire_batch_id: str
    generated_at: str
    grade_scale: str
    essays: tuple[Essay, ...]
    comparisons: tuple[Comparison, ...]
    figures: RunFigures
    document: Mapping[str, Any]
    """The whole artefact as parsed (read-only view), for anything not typed here."""

    @property
    def metadata(self) -> Mapping[str, Any]:
        """``metadata``: who ran what, when, with which options and stack."""
        value: Mapping[str, Any] = self.document["metadata"]
        return value

    @property
    def options(self) -> Mapping[str, Any]:
        """The run's effective options as recorded (``metadata.options``; no secrets)."""
        value: Mapping[str, Any] = self.metadata.get("options") or {}
        return value

    def essay(self, essay_id: str) -> Essay:
        """The essay with this wire id; :class:`KeyError` when the run has none."""
        for essay in self.essays:
            if essay.essay_id == essay_id:
                return essay
        raise KeyError(essay_id)


def load_artefact(path: str | Path, *, check_files: bool = True) -> Artefact:
    """Read, verify and type an artefact; :class:`~eng5_np.errors.ArtefactInvalid` if tampered.

    The schema and the checksum are always checked; with ``check_files`` (the default) every
    data file the manifest lists is re-hashed too, as ``eng5-runner verify`` does — pass
    False for an artefact copied away from its run folder. A missing or non-JSON file raises
    :class:`~eng5_np.errors.ArtefactUnreadable` (exit 2).
    """
    path = Path(path)
    problems = verify_artefact(path, check_manifest=check_files).problems
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ArtefactInvalid(
            f"{path}: refused, {problems[0]}{more}",
            advice="Run `eng5-runner verify` on it for every problem; load an unchanged copy.",
        )
    return from_document(path, read_artefact_json(path))


def from_document(path: Path, document: Mapping[str, Any]) -> Artefact:
    """Type an already verified artefact document."""
    metadata = document["metadata"]
    comparisons = tuple(_comparison(c) for c in document.get("llm_comparisons") or [])
    return Artefact(
        path=path,
        checksum=str(document["validation"]["artefact_checksum"]),
        schema_version=str(document["schema_version"]),
        mode=str(metadata["runner_mode"]),
        batch_id=str(metadata["batch_id"]),
        wire_batch_id=str(metadata["wire_batch_id"]),
        generated_at=str(metadata["generated_at"]),
        grade_scale=str(metadata["grade_scale"]),
        essays=_essays(document),
        comparisons=comparisons,
        figures=read_figures(document),
        document=MappingProxyType(dict(document)),
    )


def _comparison(record: Mapping[str, Any]) -> Comparison:
    return Comparison(
        sequence=int(record["sequence"]),
        essay_a_id=str(record["essay_a_id"]),
        essay_b_id=str(record["essay_b_id"]),
        winner_id=record.get("winner_id"),
        status=str(record["status"]),
        confidence=record.get("confidence"),
        justification=record.get("justification"),
        provider=record.get("provider"),
        model=record.get("model"),
        tokens_prompt=record.get("tokens_prompt"),
        tokens_completion=record.get("tokens_completion"),
        tokens_total=record.get("tokens_total"),
        cost_usd=record.get("cost_usd"),
        response_time_ms=record.get("response_time_ms"),
        error_code=record.get("error_code"),
        failure_reason=record.get("failure_reason"),
        prompt_hash=record.get("prompt_hash"),
        started_at=record.get("started_at"),
        completed_at=record.get("completed_at"),
    )


def _essays(document: Mapping[str, Any]) -> tuple[Essay, ...]:
    """Every essay the run sent or got results for: the dataset's first, then the platform's."""
    directory = EssayDirectory.from_artefact(document)
    summary = {str(e["essay_id"]): e for e in document.get("bt_summary") or []}
    projections = {str(p["essay_id"]): p for p in document.get("grade_projections") or []}
    stored = read_essay_figures(document)
    not_recorded = EssayFigures(wins=None, infit=None)
    ids = list(directory.essays)
    ids += [essay_id for essay_id in summary if essay_id not in directory.essays]
    essays: list[Essay] = []
    for essay_id in ids:
        info = directory.lookup(essay_id)
        entry = summary.get(essay_id, {})
        projection = projections.get(essay_id, {})
        figures = stored.get(essay_id, not_recorded)
        is_anchor = info.is_anchor if info is not None else bool(entry.get("is_anchor"))
        essays.append(
            Essay(
                essay_id=essay_id,
                display_name=(
                    info.display_name if info else str(entry.get("display_name") or essay_id)
                ),
                role="anchor" if is_anchor else "student",
                grade=(info.grade if info else entry.get("anchor_grade")) if is_anchor else None,
                service_theta=entry.get("theta"),
                theta=entry.get("runner_theta"),
                standard_error=entry.get("standard_error"),
                rank=entry.get("rank"),
                comparisons=entry.get("comparison_count"),
                wins=figures.wins,
                infit=figures.infit,
                projected_grade=projection.get("grade"),
                grade_probabilities=MappingProxyType(dict(projection.get("probabilities") or {})),
            )
        )
    return tuple(essays)

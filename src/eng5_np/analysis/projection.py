"""The runner's own grade projection from anchors' θ (SPEC §6.2), used when the service sends none.

Model. Each grade g that has anchors with a θ gets a Gaussian on the θ scale:

- centre μ_g = mean θ of the anchors graded g;
- one pooled variance σ² for every grade. A single anchor per grade cannot give a
  per-grade spread, so σ² = (s/2)² + mean over grades of Var(μ_g), where s is the
  *grade step* — the median distance in θ between adjacent anchored grades, per scale
  step (a gap across an unanchored grade counts as two steps) — and Var(μ_g) =
  Σ SE²/k² is the uncertainty of the mean of the grade's k anchors. With σ = s/2 the
  neighbouring grade's centre lies two SDs away, so the boundaries fall about halfway.
  With fewer than two anchored grades, or anchors all at one θ, s = 1 logit.
  One shared variance keeps the rule "the nearest grade centre wins": unequal
  variances would hand far-away essays to whichever grade happened to be widest.
- the scale's ``below_lowest`` grade (F on legacy, 0 on national) gets a Gaussian
  with the same σ² centred one step s below the lowest grade centre, so an essay well
  below every anchor is projected below the lowest anchor. Grades without anchors get
  no Gaussian and do not appear in the probabilities; nothing is placed above the top
  anchored grade, so essays above every anchor get the highest anchored grade.

A student's probability of grade g ∝ N(θ; μ_g, σ² + SE²) with uniform priors over the
modelled grades, normalised to sum to 1; ``grade`` is the most probable one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

import numpy as np

from eng5_np.reference.grades import GradeScale

DEFAULT_GRADE_STEP = 1.0
"""Grade step s (logits) used when the anchors cannot provide one."""


@dataclass(frozen=True)
class GradeProjection:
    """One essay's projected grade and the probability of every modelled grade."""

    essay_id: str
    grade: str
    """The most probable grade."""
    probabilities: dict[str, float]
    """Probability per modelled grade (below-lowest + anchored grades), summing to 1."""
    primary_anchor_id: str
    """The anchor whose θ is nearest to the essay's θ (ties: the smallest anchor id)."""
    anchor_alignment: float
    """Signed distance θ_essay − θ_primary_anchor in logits (positive: above the anchor)."""


@dataclass(frozen=True)
class GradeModel:
    """Gaussians over θ for the anchored grades and the below-lowest grade."""

    grade_means: dict[str, float]
    """Centre μ_g per modelled grade, lowest grade first (below-lowest first of all)."""
    variance: float
    """Pooled σ² shared by every grade."""
    grade_step: float
    """Grade step s in logits."""
    anchor_theta: dict[str, float]
    """θ of the anchors that entered the model."""

    def project(self, essay_id: str, theta: float, se: float) -> GradeProjection:
        """Project one essay with ability ``theta`` and standard error ``se``."""
        grades = list(self.grade_means)
        means = np.array([self.grade_means[grade] for grade in grades], dtype=np.float64)
        total_variance = self.variance + se**2
        # Equal variances: the Gaussian normalising constants cancel in the ratio.
        log_density = -((theta - means) ** 2) / (2.0 * total_variance)
        weights = np.exp(log_density - log_density.max())
        probabilities = weights / weights.sum()
        primary = min(self.anchor_theta, key=lambda a: (abs(self.anchor_theta[a] - theta), a))
        return GradeProjection(
            essay_id=essay_id,
            grade=grades[int(np.argmax(probabilities))],
            probabilities={grade: float(p) for grade, p in zip(grades, probabilities, strict=True)},
            primary_anchor_id=primary,
            anchor_alignment=theta - self.anchor_theta[primary],
        )


def build_grade_model(
    theta: Mapping[str, float],
    se: Mapping[str, float],
    anchor_grades: Mapping[str, str],
    scale: GradeScale,
) -> GradeModel:
    """Build the grade Gaussians from the anchors that have a θ and an SE.

    Anchors without θ (never compared) are skipped. ``ValueError`` when a grade is not
    an anchor grade of ``scale`` or no anchor has a θ.
    """
    by_position: dict[int, list[str]] = {}
    for anchor_id, grade in sorted(anchor_grades.items()):
        if not scale.contains(grade):
            raise ValueError(f"anchor {anchor_id!r} has grade {grade!r}, not an anchor grade")
        if anchor_id in theta:
            if anchor_id not in se:
                raise ValueError(f"anchor {anchor_id!r} has a θ but no standard error")
            by_position.setdefault(scale.position(grade), []).append(anchor_id)
    if not by_position:
        raise ValueError("no anchor has a θ: cannot project grades")

    positions = sorted(by_position)
    centres = {p: float(np.mean([theta[a] for a in by_position[p]])) for p in positions}
    centre_variances = [
        sum(se[a] ** 2 for a in by_position[p]) / len(by_position[p]) ** 2 for p in positions
    ]
    per_step = [
        abs(centres[upper] - centres[lower]) / (upper - lower)
        for lower, upper in pairwise(positions)
    ]
    step = median(per_step) if per_step else 0.0
    if step <= 1e-9:
        step = DEFAULT_GRADE_STEP
    variance = (step / 2.0) ** 2 + float(np.mean(centre_variances))

    grade_means = {scale.below_lowest: min(centres.values()) - step}
    grade_means.update({scale.grades[p]: centres[p] for p in positions})
    return GradeModel(
        grade_means=grade_means,
        variance=variance,
        grade_step=step,
        anchor_theta={a: theta[a] for p in positions for a in by_position[p]},
    )


def project_grades(
    theta: Mapping[str, float],
    se: Mapping[str, float],
    anchor_grades: Mapping[str, str],
    scale: GradeScale,
) -> dict[str, GradeProjection]:
    """Project every student (an essay in ``theta`` that is not an anchor), keyed by essay id."""
    model = build_grade_model(theta, se, anchor_grades, scale)
    students = sorted(essay_id for essay_id in theta if essay_id not in anchor_grades)
    missing = [essay_id for essay_id in students if essay_id not in se]
    if missing:
        raise ValueError(f"students without a standard error: {missing}")
    return {
        essay_id: model.project(essay_id, theta[essay_id], se[essay_id]) for essay_id in students
    }

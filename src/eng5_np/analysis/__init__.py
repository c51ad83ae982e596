"""Runner-side analysis of successful comparisons (SPEC §6.2, §8): pure functions, no I/O.

- ``figures``: the per-run figures beside the fit (tally, per-essay counts and infit, counts per
  essay, rank correlation with the service, position bias), all on the run's one fit;
- ``comparisons``: the outcome record and counts over outcomes;
- ``bradley_terry``: θ by a MAP fit that always returns, sum-to-zero posterior SEs;
- ``separation``: the essays whose maximum-likelihood θ would be infinite;
- ``reliability``: scale separation and split-half reliability, infit and misfits;
- ``reliability_figures``: both reliability figures of one fit, with the reasons against them;
- ``bias``: position bias;
- ``alignment``, ``tau_interval``, ``kendall``: anchors' grades against their θ, Kendall's
  τ-b, its interval and the probability that each anchor pair is in order;
- ``bt_batch``: many Bradley–Terry fits and τ-b values at once (simulation, benchmarks);
- ``projection``: the runner's own grade projection from the anchors;
- ``repeats``: the statistics across repeats of one batch (experiments).

This is the only package that computes a statistic. :mod:`eng5_np.artefact.analysis` runs it
once per run, after the data is safe, and stores every figure in the artefact;
:mod:`eng5_np.report` and :mod:`eng5_np.experiments` read those stored figures and never fit.
May import: numpy/scipy, :mod:`eng5_np.reference`; nothing of the runner's I/O layers.
"""

from __future__ import annotations

from eng5_np.analysis.alignment import (
    AlignedInversion,
    AlignmentAnalysis,
    AnchorStanding,
    DirectComparison,
    GradeGap,
    JudgedComparison,
    analyse_alignment,
)
from eng5_np.analysis.bias import PositionBias, position_bias
from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD, BTFit, fit_bradley_terry
from eng5_np.analysis.comparisons import (
    ComparisonOutcome,
    comparison_counts,
    connected_components,
    win_counts,
)
from eng5_np.analysis.figures import (
    MISFIT_SD,
    ComparisonFigures,
    ComparisonTally,
    CountSpread,
    EssayFigures,
    comparison_figures,
    rank_correlation,
    read_outcomes,
)
from eng5_np.analysis.kendall import kendall_tau_b
from eng5_np.analysis.projection import (
    GradeModel,
    GradeProjection,
    build_grade_model,
    project_grades,
)
from eng5_np.analysis.reliability import (
    flag_misfits,
    infit,
    scale_separation_reliability,
    split_half_reliability,
)
from eng5_np.analysis.reliability_figures import (
    SPLIT_HALF_SEED,
    ReliabilityFigures,
    reliability_figures,
    separation_reason,
)
from eng5_np.analysis.tau_interval import (
    IntervalSettings,
    OrderProbability,
    TauBInterval,
    order_probabilities,
    tau_b_interval,
)

__all__ = [
    "DEFAULT_PRIOR_SD",
    "MISFIT_SD",
    "SPLIT_HALF_SEED",
    "AlignedInversion",
    "AlignmentAnalysis",
    "AnchorStanding",
    "BTFit",
    "ComparisonFigures",
    "ComparisonOutcome",
    "ComparisonTally",
    "CountSpread",
    "DirectComparison",
    "EssayFigures",
    "GradeGap",
    "GradeModel",
    "GradeProjection",
    "IntervalSettings",
    "JudgedComparison",
    "OrderProbability",
    "PositionBias",
    "ReliabilityFigures",
    "TauBInterval",
    "analyse_alignment",
    "build_grade_model",
    "comparison_counts",
    "comparison_figures",
    "connected_components",
    "fit_bradley_terry",
    "flag_misfits",
    "infit",
    "kendall_tau_b",
    "order_probabilities",
    "position_bias",
    "project_grades",
    "rank_correlation",
    "read_outcomes",
    "reliability_figures",
    "scale_separation_reliability",
    "separation_reason",
    "split_half_reliability",
    "tau_b_interval",
    "win_counts",
]

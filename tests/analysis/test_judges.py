"""Per-judge figures of a panel (issue 18): infit against the pooled scale, A-win share, and
τ-b fitted on one judge's comparisons alone."""

from __future__ import annotations

import math
import random

import pytest

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.judges import judge_figures, judge_infit
from eng5_np.reference.grades import get_scale

SCALE = get_scale("eng5_np_legacy_9_step")


def _outcome(a: str, b: str, a_wins: bool) -> ComparisonOutcome:
    return ComparisonOutcome(a, b, a if a_wins else b, b if a_wins else a)


def test_infit_is_the_information_weighted_mean_square() -> None:
    theta = {"x": 0.0, "y": 0.0, "z": math.log(3.0)}
    # x–y: p = 0.5, A won: (1 − 0.5)² over 0.25. z–x: p = 0.75, A lost: 0.75² over 0.1875.
    outcomes = [_outcome("x", "y", True), _outcome("z", "x", False)]
    expected = (0.25 + 0.5625) / (0.25 + 0.1875)
    assert judge_infit(outcomes, theta) == pytest.approx(expected)
    assert judge_infit([], theta) is None


def _ladder() -> tuple[list[str], dict[str, float], dict[str, str]]:
    essays = [f"e{i:02d}" for i in range(24)]
    truth = {e: -3.0 + 6.0 * i / 23 for i, e in enumerate(essays)}
    # Every other essay an anchor; grades rise with the true ability.
    anchors = {e: SCALE.grades[min(8, i // 3)] for i, e in enumerate(essays) if i % 2 == 0}
    return essays, truth, anchors


def _panel(seed: int) -> list[tuple[str, ComparisonOutcome | None]]:
    essays, truth, _ = _ladder()
    rng = random.Random(seed)
    judged: list[tuple[str, ComparisonOutcome | None]] = []
    for index in range(600):
        a, b = rng.sample(essays, 2)
        if index % 2 == 0:
            p = 1.0 / (1.0 + math.exp(-2.0 * (truth[a] - truth[b])))
            judged.append(("consistent", _outcome(a, b, rng.random() < p)))
        else:
            judged.append(("random", _outcome(a, b, rng.random() < 0.5)))
    judged.append(("random", None))  # one failed comparison
    return judged


def test_a_random_judge_misfits_and_recovers_no_grade_order() -> None:
    _, _, anchors = _ladder()
    judged = _panel(7)
    pooled = fit_bradley_terry([o for _, o in judged if o is not None]).theta
    consistent, noisy = judge_figures(judged, pooled, anchors, SCALE)
    assert (consistent.label, noisy.label) == ("consistent", "random")
    assert (consistent.comparisons, noisy.comparisons, noisy.failed) == (300, 300, 1)
    assert consistent.infit is not None
    assert noisy.infit is not None
    assert noisy.infit > consistent.infit
    assert consistent.tau_b is not None
    assert noisy.tau_b is not None
    assert consistent.tau_b > 0.8 > noisy.tau_b
    assert consistent.anchors_used == 12
    assert 0.4 < (noisy.essay_a_win_share or 0) < 0.6


def test_measured_figures_for_the_docstring() -> None:
    """The figures the module docstring quotes (run with -s to see them)."""
    _, _, anchors = _ladder()
    judged = _panel(7)
    pooled = fit_bradley_terry([o for _, o in judged if o is not None]).theta
    figures = judge_figures(judged, pooled, anchors, SCALE)
    for figure in figures:
        print(f"{figure.label}: infit {figure.infit:.2f}, tau-b {figure.tau_b:.2f}")
    assert [f.label for f in figures] == ["consistent", "random"]


def test_without_successes_or_a_scale_the_figures_say_why() -> None:
    judged: list[tuple[str, ComparisonOutcome | None]] = [
        ("a", _outcome("x", "y", True)),
        ("a", _outcome("y", "z", True)),
        ("b", None),
    ]
    pooled = {"x": 1.0, "y": 0.0, "z": -1.0}
    first, second = judge_figures(judged, pooled, {"x": "A", "z": "F+"}, None)
    assert first.tau_b is None
    assert "no grade scale" in first.reasons[0]
    assert first.essay_a_win_share == 1.0
    assert (second.comparisons, second.failed, second.infit) == (0, 1, None)
    assert second.reasons == ("no successful comparison",)
    # Anchors on two unconnected parts of one judge's graph: no τ-b.
    apart = [("c", _outcome("x", "y", True)), ("c", _outcome("z", "w", True))]
    (split,) = judge_figures(apart, {"x": 1, "y": 0, "z": 1, "w": 0}, {"x": "A", "z": "F+"}, SCALE)
    assert split.tau_b is None
    assert "disconnected" in split.reasons[0]

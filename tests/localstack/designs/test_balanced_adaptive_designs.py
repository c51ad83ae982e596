"""The balanced design spends any budget (repeats in the other order); the adaptive design
puts its comparisons where they inform and stops at its target."""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter

import numpy as np
import pytest

from eng5_np.analysis import fit_bradley_terry
from eng5_np.localstack.designs import (
    AdaptiveSettings,
    Judgement,
    PairingConfig,
    StopReason,
    run_design,
)
from eng5_np.localstack.designs.adaptive import (
    AdaptiveDesign,
    Objective,
    expected_misorder_drop,
)
from eng5_np.localstack.designs.balanced import BalancedDesign, balanced_plan
from eng5_np.localstack.pairing import PlannedPair

ANCHORS = [f"anchor_{index}" for index in range(9)]
TRUTH = {anchor: 0.75 * index for index, anchor in enumerate(ANCHORS)}


def _judge(seed: int = 0):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)

    async def judge(wave: list[PlannedPair]) -> list[Judgement]:
        out = []
        for pair in wave:
            gap = TRUTH[pair.essay_a_id] - TRUTH[pair.essay_b_id]
            a_wins = rng.random() < 1.0 / (1.0 + math.exp(-gap))
            out.append(Judgement(pair, pair.essay_a_id if a_wins else pair.essay_b_id))
        return out

    return judge


def test_a_balanced_budget_of_twice_all_pairs_judges_every_pair_once_each_way() -> None:
    plan = balanced_plan(ANCHORS, set(), 72, seed=4)
    assert len(plan) == 72
    orders = Counter((pair.essay_a_id, pair.essay_b_id) for pair in plan)
    assert set(orders.values()) == {1}
    assert all((b, a) in orders for a, b in orders)  # every pair in both orders
    # Beyond two passes the repeats stay balanced: 100 comparisons, counts within one or two.
    counts = Counter(
        e
        for pair in balanced_plan(ANCHORS, set(), 100, 4)
        for e in (pair.essay_a_id, pair.essay_b_id)
    )
    assert max(counts.values()) - min(counts.values()) <= 2


def test_the_balanced_design_submits_its_plan_in_waves_and_spends_its_budget() -> None:
    design = BalancedDesign(ANCHORS, budget=50, seed=1)
    stop = asyncio.run(run_design(design, _judge()))
    assert stop.reason is StopReason.BUDGET_SPENT
    assert stop.waves == 13  # ⌈50 / 4⌉
    assert design.ledger.submitted == 50


def test_adaptive_order_puts_its_comparisons_on_neighbours() -> None:
    design = AdaptiveDesign(ANCHORS, objective=Objective.ORDER, budget=400, seed=0)
    # A settled order: every pair judged 4 times, the better essay winning 3 of them.
    history = []
    for i, a in enumerate(ANCHORS):
        for b in ANCHORS[i + 1 :]:
            history += [Judgement(PlannedPair(a, b), b)] * 3 + [Judgement(PlannedPair(a, b), a)]
    design.ledger.record(history)
    design.ledger.submitted = len(history)
    wave = design.next_wave()
    assert len(wave) == 4
    rank = {anchor: index for index, anchor in enumerate(ANCHORS)}
    gaps = [abs(rank[p.essay_a_id] - rank[p.essay_b_id]) for p in wave]
    assert max(gaps) <= 2, gaps  # neighbouring essays, not pairs many grades apart
    assert min(gaps) == 1


def test_adaptive_scale_stops_at_its_target_mean_se() -> None:
    settings = AdaptiveSettings(target_precision=0.9)
    design = AdaptiveDesign(ANCHORS, budget=500, seed=0, settings=settings)
    stop = asyncio.run(run_design(design, _judge(3)))
    assert stop.reason is StopReason.TARGET_REACHED
    assert design.precision is not None
    assert design.precision <= 0.9
    fit = fit_bradley_terry(design.ledger.outcomes)
    assert sum(fit.standard_error.values()) / len(ANCHORS) <= 0.9
    assert design.ledger.submitted < 500


def test_adaptive_order_stops_at_its_target_width_or_budget() -> None:
    settings = AdaptiveSettings(target_precision=0.5, bootstrap_replicates=100)
    design = AdaptiveDesign(
        ANCHORS, objective=Objective.ORDER, budget=200, seed=0, settings=settings
    )
    stop = asyncio.run(run_design(design, _judge(5)))
    assert stop.reason is StopReason.TARGET_REACHED
    assert "τ-b interval width" in stop.detail
    # Without a target the design spends its budget.
    design = AdaptiveDesign(ANCHORS, objective=Objective.ORDER, budget=20, seed=0)
    assert asyncio.run(run_design(design, _judge(5))).reason is StopReason.BUDGET_SPENT


def test_the_config_builds_the_named_design_and_describes_it() -> None:
    config = PairingConfig(design="adaptive", adaptive=AdaptiveSettings(target_precision=0.3))
    built = config.build(ANCHORS, (), budget=None, seed=0, runner_mode="anchor-align")
    assert isinstance(built, AdaptiveDesign)
    assert built.objective is Objective.ORDER
    assert built.budget == 120
    assert config.describe()["settings"]["target_precision"] == 0.3
    execute = config.build(ANCHORS, (), budget=30, seed=0, runner_mode="execute")
    assert isinstance(execute, AdaptiveDesign)
    assert execute.objective is Objective.SCALE
    assert PairingConfig().describe()["design"] == "platform"
    assert PairingConfig(design="balanced").build(ANCHORS, (), budget=None, seed=0).budget == 36


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def test_the_order_gain_of_one_pair_worked_by_hand() -> None:
    # Two essays, θ̂ = (1, 0), Σ = I: v = 2; λ = 0.25 lowers it to 2 − 0.25·2²/(1 + 0.25·2) = 4/3,
    # so the chance the pair is misordered drops from Φ(−1/√2) to Φ(−1/√(4/3)).
    drop = expected_misorder_drop(
        np.eye(2), np.array([1.0, 0.0]), np.array([0]), np.array([1]), np.array([0.25])
    )
    expected = _phi(-1 / math.sqrt(2)) - _phi(-1 / math.sqrt(4 / 3))
    assert drop.shape == (1,)
    assert drop[0] == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(0.046512, abs=1e-6)


def test_the_order_gain_counts_every_contrast_a_comparison_informs() -> None:
    # Three essays, Σ = I, θ̂ = (0, 0, 5): pairs (0,1), (0,2), (1,2), λ = 0.25 each.
    # (0,1) is open (Φ(0) = ½) and (0,2), (1,2) settled (Φ(−5/√2) ≈ 2e-4).
    first, second = np.array([0, 0, 1]), np.array([1, 2, 2])
    drop = expected_misorder_drop(
        np.eye(3), np.array([0.0, 0.0, 5.0]), first, second, np.full(3, 0.25)
    )
    # Comparing 0 and 1 moves only contrasts through them; with Δ = 0 the open pair's own
    # term stays ½ (a variance drop cannot settle an order the estimate has not split), so its
    # gain is the settled pairs' (0,2) and (1,2) terms: c'Σd = 1 for each, v 2 → 2 − 0.25/1.5.
    settled_after = _phi(-5 / math.sqrt(2 - 0.25 / 1.5))
    by_hand = 2 * (_phi(-5 / math.sqrt(2)) - settled_after)
    assert drop[0] == pytest.approx(by_hand, rel=1e-9)
    # Comparing 0 with 2: the pair itself (v 2 → 4/3), (1,2) with c'Σd = 1, and (0,1) with
    # Δ = 0 unchanged at ½.
    own = _phi(-5 / math.sqrt(2)) - _phi(-5 / math.sqrt(4 / 3))
    assert drop[1] == pytest.approx(own + (_phi(-5 / math.sqrt(2)) - settled_after), rel=1e-9)
    assert drop[1] == pytest.approx(drop[2], rel=1e-12)  # symmetric


def test_the_preposterior_order_gain_values_a_level_pair_by_hand() -> None:
    # Two essays the fit has level (Δ = 0), Σ = I, λ = 0.25: held, the gain is 0 (Φ(0) stays
    # ½). Counting θ̂'s move: δ = 0.25·2²/1.5 = 2/3, v' = 4/3, and E Φ(−|√δ Z| / √v') =
    # E Φ(−|Z|/√2) = ½ − arctan(1/√2)/π, so the gain is arctan(1/√2)/π ≈ 0.1959 (the
    # 10-point quadrature gives 0.2057).
    args = (np.eye(2), np.zeros(2), np.array([0]), np.array([1]), np.array([0.25]))
    assert expected_misorder_drop(*args)[0] == 0.0
    exact = math.atan(math.sqrt(0.5)) / math.pi
    assert expected_misorder_drop(*args, moves=True)[0] == pytest.approx(exact, abs=0.011)
    # Far apart and settled, the move barely matters: both forms agree.
    settled = (np.eye(2), np.array([6.0, 0.0]), np.array([0]), np.array([1]), np.array([0.25]))
    held, moved = expected_misorder_drop(*settled), expected_misorder_drop(*settled, moves=True)
    assert moved[0] == pytest.approx(held[0], abs=1e-3)


def test_the_order_rule_counts_the_move_only_for_its_first_comparisons() -> None:
    settings = AdaptiveSettings(lookahead_comparisons_per_essay=2)
    design = AdaptiveDesign(
        ANCHORS, objective=Objective.ORDER, budget=40, seed=0, settings=settings
    )
    n = len(ANCHORS)
    first, second = np.triu_indices(n, 1)
    theta, cov, info = np.zeros(n), np.eye(n), np.full(len(first), 0.25)
    design.ledger.submitted = n - 1  # 2·8 < 2·9: still counting θ̂'s move
    assert design._gains(cov, theta, first, second, info).max() > 0.0
    design.ledger.submitted = n  # 2·9 = 2·9: θ̂ held, so level pairs gain nothing
    assert design._gains(cov, theta, first, second, info).max() == 0.0

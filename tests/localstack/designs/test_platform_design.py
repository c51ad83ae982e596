"""The platform design (SPEC §11.6): matching weights, waves and stop rules, worked by hand."""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter

import pytest

from eng5_np.localstack.designs import Judgement, StopReason, run_design
from eng5_np.localstack.designs.platform import PlatformDesign, PlatformSettings, edge_weight
from eng5_np.localstack.pairing import PlannedPair

DEFAULTS = PlatformSettings()


def _judge(truth: dict[str, float], seed: int = 0, fail: float = 0.0):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)

    async def judge(wave: list[PlannedPair]) -> list[Judgement]:
        judged = []
        for pair in wave:
            if rng.random() < fail:
                judged.append(Judgement(pair, None))
                continue
            gap = truth[pair.essay_a_id] - truth[pair.essay_b_id]
            a_wins = rng.random() < 1.0 / (1.0 + math.exp(-gap))
            judged.append(Judgement(pair, pair.essay_a_id if a_wins else pair.essay_b_id))
        return judged

    return judge


def _essays(count: int) -> dict[str, float]:
    return {f"essay_{index}": 0.75 * index for index in range(count)}


def _run(
    design: PlatformDesign, truth: dict[str, float], **judge: float
) -> list[list[PlannedPair]]:
    waves: list[list[PlannedPair]] = []
    next_wave = design.next_wave

    def recording() -> list[PlannedPair]:
        wave = next_wave()
        waves.append(wave)
        return wave

    design.next_wave = recording  # type: ignore[method-assign]
    design.stop = asyncio.run(run_design(design, _judge(truth, **judge)))  # type: ignore[attr-defined]
    return [wave for wave in waves if wave]


def test_edge_weights_by_hand() -> None:
    # Nothing compared, equal θ: 1/1 + 1/1 + 0.5·e⁰.
    assert edge_weight(0, 0, 0.0, 0.0, DEFAULTS) == pytest.approx(2.5)
    # c = 1 and 3, |Δθ| = 1: 1/2 + 1/4 + 0.5·e⁻¹.
    assert edge_weight(1, 3, 0.4, -0.6, DEFAULTS) == pytest.approx(0.75 + 0.5 / math.e)
    # |Δθ| = 2 is outside the proximity window (< 2): the count terms only.
    assert edge_weight(2, 2, 1.0, -1.0, DEFAULTS) == pytest.approx(2 / 3)
    assert edge_weight(2, 2, 0.0, 1.999, DEFAULTS) == pytest.approx(2 / 3 + 0.5 * math.exp(-1.999))
    # The settings scale both terms.
    custom = PlatformSettings(matching_weight_comparison_count=2.0, matching_weight_bt_proximity=0)
    assert edge_weight(1, 1, 0.0, 0.0, custom) == pytest.approx(2.0)


def test_a_wave_is_a_matching_and_the_most_compared_essay_sits_out() -> None:
    truth = _essays(9)
    design = PlatformDesign(truth, budget=120, seed=3)
    # Give essay_4 the most successful comparisons: it must sit out of the next wave.
    design.ledger.record(
        [
            Judgement(PlannedPair("essay_4", "essay_0"), "essay_4"),
            Judgement(PlannedPair("essay_4", "essay_1"), "essay_1"),
            Judgement(PlannedPair("essay_2", "essay_3"), "essay_3"),
        ]
    )
    wave = design.next_wave()
    assert len(wave) == 4  # ⌊9/2⌋
    shown = [essay for pair in wave for essay in (pair.essay_a_id, pair.essay_b_id)]
    assert len(set(shown)) == 8
    assert "essay_4" not in shown
    # Coverage waves skip pairs already compared.
    pairs = {frozenset((p.essay_a_id, p.essay_b_id)) for p in wave}
    assert frozenset(("essay_2", "essay_3")) not in pairs


def test_nine_anchors_make_nine_coverage_waves_then_one_pass_of_every_pair() -> None:
    # SPEC §11.6, as measured: 9 waves of 4 pairs, then one pass of all 36 pairs (72). (A
    # wave's matching is greedy across waves: for some judge seeds coverage needs 10 waves.)
    truth = _essays(9)
    design = PlatformDesign(truth, seed=1)  # default budget 120
    waves = _run(design, truth)
    assert [len(wave) for wave in waves] == [4] * 9 + [36]
    assert design.stop.reason is StopReason.RESAMPLING_CAP  # type: ignore[attr-defined]
    assert design.stop.waves == 10  # type: ignore[attr-defined]
    coverage = Counter(frozenset((p.essay_a_id, p.essay_b_id)) for w in waves[:9] for p in w)
    assert len(coverage) == 36
    assert set(coverage.values()) == {1}
    # fair_complement: the resampling pass shows every pair the other way round.
    first = {frozenset((p.essay_a_id, p.essay_b_id)): p.essay_a_id for w in waves[:9] for p in w}
    for pair in waves[9]:
        assert first[frozenset((pair.essay_a_id, pair.essay_b_id))] == pair.essay_b_id


def test_the_budget_cuts_the_wave_and_stops_the_batch() -> None:
    truth = _essays(9)
    design = PlatformDesign(truth, budget=6, seed=0)
    waves = _run(design, truth)
    assert [len(wave) for wave in waves] == [4, 2]
    assert design.stop.reason is StopReason.BUDGET_SPENT  # type: ignore[attr-defined]
    assert design.stop.waves == 2  # type: ignore[attr-defined]


def test_twenty_three_essays_spend_the_default_budget_in_eleven_waves() -> None:
    truth = _essays(23)
    design = PlatformDesign(truth, seed=0)
    waves = _run(design, truth)
    assert [len(wave) for wave in waves] == [11] * 10 + [10]  # 120 = 10 · 11 + 10
    assert design.stop.reason is StopReason.BUDGET_SPENT  # type: ignore[attr-defined]


def test_small_nets_get_four_resampling_passes() -> None:
    # 3 essays: 3 coverage waves of one pair (one essay sits out), then 4 passes of 3 pairs.
    truth = _essays(3)
    design = PlatformDesign(truth, seed=2)
    waves = _run(design, truth)
    assert [len(wave) for wave in waves] == [1, 1, 1, 3, 3, 3, 3]
    assert design.stop.reason is StopReason.RESAMPLING_CAP  # type: ignore[attr-defined]
    # 4 essays are a regular batch: 3 perfect matchings of 2 pairs, then one pass of 6.
    truth = _essays(4)
    design = PlatformDesign(truth, seed=2)
    assert [len(wave) for wave in _run(design, truth)] == [2, 2, 2, 6]


def _history(design: PlatformDesign, failed: int) -> None:
    """12 callbacks on 4 essays (every pair twice), ``failed`` of them errors."""
    essays = design.ledger.essays
    judged = []
    for index, (a, b) in enumerate((a, b) for i, a in enumerate(essays) for b in essays[i + 1 :]):
        judged.append(Judgement(PlannedPair(a, b), a if index % 2 else b))
        judged.append(Judgement(PlannedPair(b, a), None if index < failed else a))
    design.ledger.record(judged)
    fit = design.ledger.fit()
    design.theta = {essay: fit.theta.get(essay, 0.0) for essay in essays}


def test_stable_scores_stop_the_batch_only_with_enough_callbacks_and_successes() -> None:
    # θ did not move since the last wave (same comparisons, refit equal): change 0 ≤ 0.025.
    design = PlatformDesign(_essays(4), budget=100, seed=0)
    _history(design, failed=0)
    stop = design.after_wave([], waves=5)
    assert stop is not None
    assert stop.reason is StopReason.STABLE
    assert design.last_change == pytest.approx(0.0, abs=1e-12)
    # Fewer than 12 callbacks: no stability check.
    few = PlatformDesign(
        _essays(4),
        budget=100,
        seed=0,
        settings=PlatformSettings(min_comparisons_for_stability_check=13),
    )
    _history(few, failed=0)
    assert few.after_wave([], waves=5) is None
    # 3 of 12 failed: success rate 0.75 < 0.8, so stable scores do not stop the batch …
    shaky = PlatformDesign(_essays(4), budget=100, seed=0)
    _history(shaky, failed=3)
    assert shaky.after_wave([], waves=5) is None
    # … and at a cap (here the budget, 12 callbacks) the batch fails.
    capped = PlatformDesign(_essays(4), budget=12, seed=0)
    _history(capped, failed=3)
    stop = capped.after_wave([], waves=5)
    assert stop is not None
    assert stop.reason is StopReason.LOW_SUCCESS_RATE
    assert stop.failed


def test_a_batch_whose_comparisons_all_fail_fails_at_its_budget() -> None:
    truth = _essays(9)
    design = PlatformDesign(truth, budget=4, seed=0)
    _run(design, truth, fail=1.0)
    assert design.stop.reason is StopReason.LOW_SUCCESS_RATE  # type: ignore[attr-defined]
    assert design.stop.waves == 1  # type: ignore[attr-defined]


def test_an_empty_wave_finalises_the_batch_as_stalled() -> None:
    design = PlatformDesign(_essays(4), budget=100, seed=0)
    design.passes_done = design.max_passes
    _history(design, failed=0)  # every pair compared, the passes spent
    assert design.next_wave() == []
    stop = design.when_empty(7)
    assert stop.reason is StopReason.STALLED
    assert stop.waves == 7
    assert "monitor" in stop.detail


def test_failed_pairs_are_compared_again_in_coverage() -> None:
    design = PlatformDesign(_essays(2), budget=10, seed=0)
    (pair,) = design.next_wave()
    design.after_wave([Judgement(pair, None)], waves=1)
    (again,) = design.next_wave()
    # Not yet successfully compared: still a coverage pair, shown the other way round.
    assert (again.essay_a_id, again.essay_b_id) == (pair.essay_b_id, pair.essay_a_id)
    assert design.passes_done == 0

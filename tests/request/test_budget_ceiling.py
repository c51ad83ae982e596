"""What a budget implies now that the platform repeats pairs (SPEC §11.6, issue 17)."""

from __future__ import annotations

from pathlib import Path

from eng5_np.request.budget import (
    ComparisonBudget,
    anchor_align_budget,
    requested_max_comparisons,
    resampling_ceiling,
)
from eng5_np.settings import RunMode, RunSettings


def test_the_ceiling_is_every_pair_then_its_resampling_passes() -> None:
    assert resampling_ceiling(9) == 72  # 36 pairs, one pass
    assert resampling_ceiling(3) == 15  # a small net: 3 pairs, four passes
    assert resampling_ceiling(2) == 5
    assert ComparisonBudget(9, 200).planned == 72
    assert ComparisonBudget(9, 50).planned == 50
    assert ComparisonBudget(9, None).promised is None


def test_an_anchor_align_run_asks_for_every_pair_in_both_orders(tmp_path: Path) -> None:
    assert anchor_align_budget(9) == 72
    align = RunSettings(mode=RunMode.ANCHOR_ALIGN, dataset_dir=tmp_path)
    assert requested_max_comparisons(align, 9) == 72
    given = align.model_copy(update={"max_comparisons": 40})
    assert requested_max_comparisons(given, 9) == 40
    execute = RunSettings(mode=RunMode.EXECUTE, dataset_dir=tmp_path)
    assert requested_max_comparisons(execute, 23) is None

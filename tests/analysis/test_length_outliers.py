"""The essay-length outlier rule (analysis/length_outliers.py): robust z of log word count."""

from __future__ import annotations

import math
import statistics

import pytest

from eng5_np.analysis.length_outliers import MIN_ESSAYS, length_outliers, robust_log_z
from eng5_np.dataset.inventory import build_inventory
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName
from eng5_np.settings import bundled_sample_dataset

HUGE = 914_657


def _sample_words() -> dict[str, int]:
    inventory = build_inventory(
        bundled_sample_dataset(), GRADE_SCALES[GradeScaleName.LEGACY_9_STEP], "batch"
    )
    return {essay.source_path: essay.word_count for essay in inventory.essays}


def test_the_z_score_by_hand() -> None:
    words = {"a": 100, "b": 200, "c": 400, "d": 800, "e": 1600}
    # ln w is evenly spaced by ln 2 around ln 400; the MAD is ln 2.
    z = robust_log_z(words)
    assert z["e"] == pytest.approx(2 * math.log(2) / (1.4826 * math.log(2)))
    assert z["c"] == 0


def test_the_sample_dataset_has_no_outlier_and_a_huge_essay_is_the_only_one() -> None:
    words = _sample_words()
    assert len(words) == 23
    scores = robust_log_z(words)
    assert max(abs(z) for z in scores.values()) == pytest.approx(2.09, abs=0.005)
    assert length_outliers(words) == []

    words["student_essays/student_01_phones.txt"] = HUGE
    (outlier,) = length_outliers(words)
    assert outlier.essay == "student_essays/student_01_phones.txt"
    assert outlier.z == pytest.approx(21.5, abs=0.05)
    # A mean/SD z-score of the same data is blunted by the huge essay's own pull on the SD.
    values = list(words.values())
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    assert (HUGE - mean) / sd < 5


def test_a_tiny_essay_is_flagged_as_shorter() -> None:
    words = {f"e{i}": 400 + 10 * i for i in range(10)} | {"stub": 3}
    (outlier,) = length_outliers(words)
    assert (outlier.essay, outlier.z < 0) == ("stub", True)


def test_too_few_essays_or_one_length_flag_nothing() -> None:
    assert length_outliers({f"e{i}": 100 * (i + 1) for i in range(MIN_ESSAYS - 1)}) == []
    assert length_outliers({f"e{i}": 300 for i in range(8)}) == []
    # Most essays of one length (MAD 0): the mean absolute deviation stands in.
    same = {f"e{i}": 300 for i in range(8)} | {"long": 30_000}
    assert [o.essay for o in length_outliers(same)] == ["long"]

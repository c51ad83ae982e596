"""Why the CJ service stopped a batch: read from its result or failure into the artefact."""

from __future__ import annotations

from eng5_np.artefact.builder import RunStatus, batch_stop_block
from eng5_np.report.facts import _batch_stop
from eng5_np.settings import RunMode


def test_the_stop_comes_from_the_first_source_naming_one() -> None:
    result = {
        "stop_reason": "budget_spent",
        "waves": 11,
        "stop_detail": "budget of 120 comparisons spent",
        "pairing_design": "platform",
        "comparison_count": 120,
    }
    block = batch_stop_block(None, result)
    assert block == {
        "reason": "budget_spent",
        "waves": 11,
        "detail": "budget of 120 comparisons spent",
        "design": "platform",
    }
    status = RunStatus(mode=RunMode.EXECUTE, batch_stop=block)
    assert status.as_dict()["batch_stop"] == block
    assert _batch_stop(block) == (
        "budget_spent after 11 waves (platform design): budget of 120 comparisons spent"
    )


def test_a_result_without_a_stop_gives_no_block() -> None:
    # The measured platform sends no stop reason: nothing is invented.
    assert batch_stop_block({"comparison_count": 120}, None) is None
    assert batch_stop_block({"stop_reason": "stable", "waves": "3"}) is None
    assert batch_stop_block(None, {"stop_reason": "low_success_rate", "waves": 1}) == {
        "reason": "low_success_rate",
        "waves": 1,
    }
    assert "batch_stop" not in RunStatus(mode=RunMode.EXECUTE).as_dict()

"""The simulated judge: determinism, quality ordering, callbacks, fault injection."""

from __future__ import annotations

import hashlib
import math
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scipy import stats

from eng5_np.contracts import (
    EssayComparisonWinner,
    LLMComparisonResultV1,
    build_envelope,
    parse_envelope,
    to_wire_bytes,
)
from eng5_np.dataset import build_inventory, extract_text
from eng5_np.localstack.judge import (
    DEFAULT_SLOPE,
    JudgeConfig,
    SimulatedJudge,
    heuristic_position,
    judge_prompt,
    text_features,
)
from eng5_np.localstack.judge_types import FaultConfig, JudgeEssay
from eng5_np.reference.grades import get_scale
from eng5_np.reference.llm_models import load_manifest

SAMPLE = Path(__file__).parents[2] / "src" / "eng5_np" / "data" / "sample_dataset"
ANCHORS = SAMPLE / "anchor_essays"
LEGACY = get_scale("eng5_np_legacy_9_step")
PROMPT = "Can one person really make a difference?"
METADATA = {"essay_a_id": "a", "essay_b_id": "b", "bos_batch_id": "batch"}


def _anchor_text(grade: str) -> str:
    (path,) = ANCHORS.glob(f"anchor_{grade}.*")
    return extract_text(path)


def _compare(
    judge: SimulatedJudge, a: JudgeEssay, b: JudgeEssay, key: str
) -> LLMComparisonResultV1:
    verdict = judge.compare(
        a,
        b,
        student_prompt=PROMPT,
        request_metadata=METADATA,
        correlation_id=uuid.UUID(int=1),
        key=key,
    )
    return verdict.callback


def _stable(callback: LLMComparisonResultV1) -> dict[str, object]:
    """The callback without its wall-clock timing."""
    return callback.model_dump(
        exclude={"requested_at", "completed_at", "response_time_ms", "error_detail"}
    )


@pytest.fixture(scope="module")
def strong() -> JudgeEssay:
    return JudgeEssay("strong", _anchor_text("A"))


@pytest.fixture(scope="module")
def weak() -> JudgeEssay:
    return JudgeEssay("weak", _anchor_text("F+"))


def test_heuristic_ranks_the_sample_a_anchor_above_the_f_plus_anchor() -> None:
    assert heuristic_position(_anchor_text("A")) > heuristic_position(_anchor_text("F+")) + 4
    features = text_features(_anchor_text("F+"))
    assert features.errors < text_features(_anchor_text("A")).errors


def test_heuristic_orders_all_sample_anchors_like_their_grades() -> None:
    inventory = build_inventory(SAMPLE, LEGACY, "judge-heuristic")
    positions, heuristic = [], []
    for anchor in inventory.anchors:
        positions.append(LEGACY.position(anchor.grade or ""))
        heuristic.append(heuristic_position(anchor.text))
    assert len(positions) == 9
    assert stats.spearmanr(positions, heuristic).statistic >= 0.9
    assert all(-1.0 <= value <= 8.0 for value in heuristic)


def test_heuristic_handles_degenerate_text() -> None:
    assert heuristic_position("") == -1.0
    assert heuristic_position("1234 5678") == -1.0
    assert -1.0 <= heuristic_position("word") <= 8.0


def test_quality_of_an_anchor_is_its_grade_position(weak: JudgeEssay) -> None:
    judge = SimulatedJudge(seed=1)
    anchor = JudgeEssay("anchor", "short text", anchor_position=LEGACY.position("B"))
    assert judge.quality(anchor) == 7.0
    assert judge.quality(weak) == pytest.approx(heuristic_position(weak.text))
    assert judge.win_probability(anchor, anchor) == 0.5
    expected = 1 / (1 + pow(2.718281828459045, -DEFAULT_SLOPE * (7.0 - judge.quality(weak))))
    assert judge.win_probability(anchor, weak) == pytest.approx(expected)


def test_same_seed_same_judgements_other_seed_differs(strong: JudgeEssay, weak: JudgeEssay) -> None:
    close = JudgeEssay("close", _anchor_text("B"))
    first = [_compare(SimulatedJudge(seed=5), strong, close, f"k{i}") for i in range(40)]
    again = [_compare(SimulatedJudge(seed=5), strong, close, f"k{i}") for i in range(40)]
    other = [_compare(SimulatedJudge(seed=6), strong, close, f"k{i}") for i in range(40)]
    assert [_stable(c) for c in first] == [_stable(c) for c in again]
    assert [c.winner for c in first] != [c.winner for c in other]
    # Order independence: a key always gets the same judgement.
    assert _stable(_compare(SimulatedJudge(seed=5), strong, close, "k7")) == _stable(first[7])


def test_stronger_essays_win_more(strong: JudgeEssay, weak: JudgeEssay) -> None:
    judge = SimulatedJudge(seed=3)
    close = JudgeEssay("close", _anchor_text("B"))
    vs_weak = [_compare(judge, strong, weak, f"w{i}").winner for i in range(200)]
    vs_close = [_compare(judge, strong, close, f"c{i}").winner for i in range(200)]
    as_b = [_compare(judge, weak, strong, f"b{i}").winner for i in range(200)]
    wins_vs_weak = vs_weak.count(EssayComparisonWinner.ESSAY_A)
    wins_vs_close = vs_close.count(EssayComparisonWinner.ESSAY_A)
    assert wins_vs_weak >= 195
    assert 100 < wins_vs_close < wins_vs_weak
    assert as_b.count(EssayComparisonWinner.ESSAY_B) >= 195


def test_successful_callback_is_realistic(strong: JudgeEssay, weak: JudgeEssay) -> None:
    judge = SimulatedJudge(seed=2)
    callback = _compare(judge, strong, weak, "x")
    prompt = judge_prompt(PROMPT, strong.text, weak.text)
    assert callback.is_success
    assert callback.request_metadata == {
        **METADATA,
        "prompt_sha256": hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
    }
    usage = callback.token_usage
    assert usage.prompt_tokens == round(len(prompt.split()) * 1.3)
    assert 60 <= usage.completion_tokens <= 200
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    model = load_manifest().find("simulated-judge-v1")
    assert model is not None
    assert callback.model == model.model_id
    assert callback.provider == "mock"
    assert callback.cost_estimate == pytest.approx(
        model.cost_usd(usage.prompt_tokens, usage.completion_tokens)
    )
    assert callback.confidence == 5.0  # A against F+: eight grades apart
    assert callback.justification is not None
    assert 0 < len(callback.justification) <= 500
    # A close pair is judged with low confidence.
    twin = JudgeEssay("twin", strong.text)
    assert _compare(judge, strong, twin, "y").confidence == 1.0


def test_error_callbacks_follow_the_platform(strong: JudgeEssay, weak: JudgeEssay) -> None:
    judge = SimulatedJudge(seed=4, faults=FaultConfig(error_rate=1.0, error_codes=("RATE_LIMIT",)))
    callback = _compare(judge, strong, weak, "e")
    assert not callback.is_success
    assert callback.winner is None
    assert callback.justification is None
    assert callback.confidence is None
    assert callback.error_detail is not None
    assert callback.error_detail.error_code == "RATE_LIMIT"
    assert callback.error_detail.correlation_id == callback.correlation_id
    assert callback.model == "unknown"
    assert callback.provider == "mock"
    assert callback.cost_estimate == 0
    assert callback.token_usage.model_dump() == {
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "total_tokens": 0,
    }
    assert len(callback.request_metadata["prompt_sha256"]) == 64
    wire = to_wire_bytes(
        build_envelope(callback, event_type="LLMComparisonResultV1", correlation_id=uuid.uuid4())
    )
    assert parse_envelope(wire, LLMComparisonResultV1).data == callback


def test_fault_rates_are_respected(strong: JudgeEssay, weak: JudgeEssay) -> None:
    judge = SimulatedJudge(seed=9, faults=FaultConfig(error_rate=0.25, duplicate_rate=0.1))
    verdicts = [
        judge.compare(
            strong,
            weak,
            student_prompt=PROMPT,
            request_metadata=METADATA,
            correlation_id=uuid.uuid4(),
            key=str(i),
        )
        for i in range(1000)
    ]
    errors = sum(not verdict.callback.is_success for verdict in verdicts)
    duplicates = sum(verdict.duplicate for verdict in verdicts)
    assert 200 <= errors <= 300
    assert 60 <= duplicates <= 140
    clean = SimulatedJudge(seed=9)
    assert all(
        not clean.compare(
            strong,
            weak,
            student_prompt=PROMPT,
            request_metadata=METADATA,
            correlation_id=uuid.uuid4(),
            key=str(i),
        ).duplicate
        for i in range(100)
    )


def test_foreign_callback_belongs_to_another_batch() -> None:
    judge = SimulatedJudge(seed=1)
    first, second = judge.foreign_callback("x:0"), judge.foreign_callback("x:1")
    for callback in (first, second):
        uuid.UUID(callback.request_metadata["bos_batch_id"])
        assert callback.essay_a_id is not None
        assert callback.essay_a_id.startswith("student_foreign")
    assert first.bos_batch_id != second.bos_batch_id
    assert _stable(judge.foreign_callback("x:0")) == _stable(first)


def test_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="error_rate"):
        FaultConfig(error_rate=1.5)
    with pytest.raises(ValueError, match="negative"):
        FaultConfig(foreign_callbacks=-1)
    with pytest.raises(ValueError, match="not in the model manifest"):
        JudgeConfig(model_id="no-such-model")
    judge = JudgeConfig(seed=11, faults=FaultConfig(duplicate_rate=0.5)).build(scale_steps=9)
    assert judge.seed == 11
    assert judge.faults.duplicate_rate == 0.5
    assert judge.model.model_id == "simulated-judge-v1"


def test_timestamps_lie_between_the_request_and_the_callback(
    strong: JudgeEssay, weak: JudgeEssay
) -> None:
    judge = SimulatedJudge(seed=3)
    for key in ("ok", "error"):
        if key == "error":
            judge = SimulatedJudge(seed=3, faults=FaultConfig(error_rate=1.0))
        asked = datetime.now(UTC)
        callback = _compare(judge, strong, weak, key)
        answered = datetime.now(UTC)

        # Never before the judge was asked (so never before the request was published),
        # never after the callback could be sent.
        assert asked <= callback.requested_at <= callback.completed_at <= answered
        elapsed = callback.completed_at - callback.requested_at
        assert callback.response_time_ms == elapsed // timedelta(milliseconds=1)


def test_the_default_slope_spaces_adjacent_grades_three_quarters_of_a_logit() -> None:
    assert DEFAULT_SLOPE == 0.75
    adjacent = 1 / (1 + math.exp(-DEFAULT_SLOPE))
    assert 0.67 < adjacent < 0.69

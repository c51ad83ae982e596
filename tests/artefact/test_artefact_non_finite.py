"""Non-finite numbers from the chaos run (issue 8): rejected with a reason on arrival, never
stored, and the writer survives one that arithmetic produced."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from cj_player import comparison
from eng5_np.artefact.event_log import COMPARISONS, REJECTED
from eng5_np.artefact.hydrator import Hydrator, Outcome
from eng5_np.artefact.writer import replace_non_finite, seal_and_write
from eng5_np.contracts import LLM_COMPARISON_RESULT_TOPIC, LLMComparisonResultV1
from eng5_np.contracts.wire import ContractError, parse_envelope

BATCH = "6c0b5e1e-5d0e-4c55-9d59-3f4a1c1b2a10"
A, B = "student_a-abc123", "student_b-abc123"


def hydrator() -> Hydrator:
    return Hydrator(wire_batch_id=BATCH, run_essay_ids=frozenset({A, B}))


def raw(message: dict[str, Any]) -> bytes:
    # json.dumps writes inf/nan as Infinity/NaN, as the chaos run's producer did.
    return json.dumps(message).encode("utf-8")


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda m: m["data"].__setitem__("cost_estimate", math.inf), "data.cost_estimate"),
        (lambda m: m["data"].__setitem__("confidence", math.nan), "data.confidence"),
        (
            lambda m: m["data"]["request_metadata"].__setitem__("score", -math.inf),
            "data.request_metadata.score",
        ),
        (lambda m: m.__setitem__("metadata", {"weights": [1.0, math.nan]}), "metadata.weights.1"),
    ],
)
def test_a_non_finite_number_anywhere_is_a_contract_error_naming_it(
    mutate: Any, where: str
) -> None:
    message = comparison(BATCH, A, B)
    mutate(message)
    with pytest.raises(ContractError) as raised:
        parse_envelope(raw(message), LLMComparisonResultV1)
    assert raised.value.reason.startswith(where)
    assert "finite" in raised.value.reason


def test_a_number_too_large_for_a_float_is_rejected_too() -> None:
    text = raw(comparison(BATCH, A, B, cost=0.5)).replace(b"0.5", b"1e999")
    with pytest.raises(ContractError, match=r"^data.cost_estimate \(1e999\)"):
        parse_envelope(text, LLMComparisonResultV1)


def test_the_words_nan_and_infinity_inside_strings_are_fine() -> None:
    message = comparison(BATCH, A, B)
    message["data"]["justification"] = "NaN Infinity 1e999: not numbers here"
    parsed = parse_envelope(raw(message), LLMComparisonResultV1)
    assert parsed.data.justification == "NaN Infinity 1e999: not numbers here"


def test_the_hydrator_rejects_it_with_the_reason_and_keeps_the_rest() -> None:
    state = hydrator()
    bad = comparison(BATCH, A, B, request_id="bad")
    bad["data"]["cost_estimate"] = math.inf
    decision = state.handle(LLM_COMPARISON_RESULT_TOPIC, 0, 7, raw(bad))
    assert decision.outcome is Outcome.REJECTED
    assert decision.file == REJECTED
    assert decision.reason is not None
    assert "data.cost_estimate (Infinity)" in decision.reason
    good = state.handle(LLM_COMPARISON_RESULT_TOPIC, 0, 8, raw(comparison(BATCH, A, B)))
    assert good.outcome is Outcome.COMPARISON
    assert len(state.comparisons) == 1
    json.dumps(state.cost_block(), allow_nan=False)  # what the final write needs


def test_finite_costs_whose_total_overflows_are_rejected() -> None:
    state = hydrator()
    first = state.handle(
        LLM_COMPARISON_RESULT_TOPIC, 0, 1, raw(comparison(BATCH, A, B, cost=1e308))
    )
    second = state.handle(
        LLM_COMPARISON_RESULT_TOPIC, 0, 2, raw(comparison(BATCH, B, A, cost=1e308))
    )
    assert first.outcome is Outcome.COMPARISON
    assert second.outcome is Outcome.REJECTED
    assert second.reason is not None
    assert "non-finite" in second.reason
    json.dumps(state.cost_block(), allow_nan=False)


def test_a_stored_infinity_from_an_older_run_is_rejected_on_replay() -> None:
    # Issue 8: every re-run replayed the stored event and died in the final write again.
    state = hydrator()
    stored = comparison(BATCH, A, B)
    stored["data"]["cost_estimate"] = math.inf
    state.replay(COMPARISONS, raw(stored))
    assert state.comparisons == []
    assert state.observed.rejected == 1
    json.dumps(state.cost_block(), allow_nan=False)


def test_the_writer_replaces_a_computed_non_finite_number_instead_of_dying(
    run_dir: Path, stub_document: dict[str, Any]
) -> None:
    stub_document["metadata"]["stray"] = {"ratio": [0.5, math.inf]}
    path = run_dir / "assessment_run.dry-run.json"
    try:
        seal_and_write(path, stub_document, validate=False)
    except ValueError as error:  # pragma: no cover - the failure this test guards against
        pytest.fail(f"the write died: {error}")
    on_disk = json.loads(path.read_bytes())
    assert on_disk["metadata"]["stray"] == {"ratio": [0.5, None]}


def test_replace_non_finite_reports_every_path() -> None:
    document: dict[str, Any] = {"a": math.nan, "b": [1.0, {"c": -math.inf}], "d": "inf"}
    assert replace_non_finite(document) == ["/a", "/b/1/c"]
    assert document == {"a": None, "b": [1.0, {"c": None}], "d": "inf"}

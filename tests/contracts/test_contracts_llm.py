"""The comparison callback against platform JSON (SPEC §4.5, §4.9)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from eng5_np.contracts import (
    ContractError,
    EssayComparisonWinner,
    LLMComparisonResultV1,
    LLMProviderType,
    parse_envelope,
)

PROMPT_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

SUCCESS_ESSAY_A = f"""{{
  "request_id": "req-6c1d0e8a",
  "correlation_id": "aa5e0c52-7f0b-4c51-b3a4-1f0e9d8c7b6a",
  "winner": "Essay A",
  "justification": "Essay A develops its argument with concrete examples and varied syntax.",
  "confidence": 4.0,
  "error_detail": null,
  "provider": "anthropic",
  "model": "claude-3-5-haiku-20241022",
  "response_time_ms": 2143,
  "token_usage": {{"prompt_tokens": 3120, "completion_tokens": 88, "total_tokens": 3208}},
  "cost_estimate": 0.002843,
  "requested_at": "2025-05-02T10:16:01.004Z",
  "completed_at": "2025-05-02T10:16:03.147Z",
  "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
  "request_metadata": {{
    "essay_a_id": "student-0042",
    "essay_b_id": "anchor-a-01",
    "prompt_sha256": "{PROMPT_SHA}",
    "bos_batch_id": "3f6c1a2e-9b8d-4e7f-a1b2-c3d4e5f60718",
    "cj_batch_id": "117",
    "cj_source": "els",
    "cj_request_type": "cj_comparison"
  }}
}}"""

ERROR_CALLBACK = """{
  "request_id": "req-77aa01",
  "correlation_id": "bb6f1d63-801c-4d62-84b5-2a1f0e9d8c7b",
  "winner": null,
  "justification": null,
  "confidence": null,
  "error_detail": {
    "error_code": "RATE_LIMIT",
    "message": "Provider rate limit exceeded (429)",
    "correlation_id": "bb6f1d63-801c-4d62-84b5-2a1f0e9d8c7b",
    "timestamp": "2025-05-02T10:16:09.500Z",
    "service": "llm_provider_service",
    "operation": "generate_comparison",
    "details": {"retry_after": 30, "provider": "openai"},
    "stack_trace": null,
    "trace_id": null,
    "span_id": null
  },
  "provider": "openai",
  "model": "unknown",
  "response_time_ms": 0,
  "token_usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
  "cost_estimate": 0.0,
  "requested_at": "2025-05-02T10:16:09.100Z",
  "completed_at": "2025-05-02T10:16:09.500Z",
  "trace_id": null,
  "request_metadata": {"essay_a_id": "student-0043", "essay_b_id": "anchor-b-02"}
}"""


def _success(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(SUCCESS_ESSAY_A)
    payload.update(changes)
    return payload


def test_success_with_essay_a_maps_winner_to_essay_a_id() -> None:
    result = LLMComparisonResultV1.model_validate_json(SUCCESS_ESSAY_A)

    assert result.is_success
    assert result.winner is EssayComparisonWinner.ESSAY_A
    assert result.winner_and_loser() == ("student-0042", "anchor-a-01")
    assert result.confidence == 4.0
    assert result.provider is LLMProviderType.ANTHROPIC
    assert result.token_usage.total_tokens == 3208
    assert result.prompt_sha256 == PROMPT_SHA
    assert result.bos_batch_id == "3f6c1a2e-9b8d-4e7f-a1b2-c3d4e5f60718"
    assert result.request_metadata["cj_request_type"] == "cj_comparison"
    assert result.correlation_id == UUID("aa5e0c52-7f0b-4c51-b3a4-1f0e9d8c7b6a")


def test_success_with_essay_b_maps_winner_to_essay_b_id() -> None:
    result = LLMComparisonResultV1.model_validate(_success(winner="Essay B"))
    assert result.winner is EssayComparisonWinner.ESSAY_B
    assert result.winner_and_loser() == ("anchor-a-01", "student-0042")


def test_error_callback_is_stored_as_given() -> None:
    result = LLMComparisonResultV1.model_validate_json(ERROR_CALLBACK)

    assert not result.is_success
    assert result.winner_and_loser() is None
    assert result.error_detail is not None
    assert result.error_detail.error_code == "RATE_LIMIT"
    assert result.error_detail.details == {"retry_after": 30, "provider": "openai"}
    assert result.provider is LLMProviderType.OPENAI
    assert result.model == "unknown"
    assert result.cost_estimate == 0.0
    assert result.token_usage.prompt_tokens == result.token_usage.total_tokens == 0
    assert result.bos_batch_id is None
    assert result.prompt_sha256 is None


def test_unknown_error_codes_are_kept_verbatim() -> None:
    payload = json.loads(ERROR_CALLBACK)
    payload["error_detail"]["error_code"] = "LLM_PROVIDER_TIMEOUT"
    result = LLMComparisonResultV1.model_validate(payload)
    assert result.error_detail is not None
    assert result.error_detail.error_code == "LLM_PROVIDER_TIMEOUT"


def test_metadata_helpers_return_none_for_missing_or_wrong_types() -> None:
    metadata = {"essay_a_id": 42, "essay_b_id": "", "bos_batch_id": None}
    result = LLMComparisonResultV1.model_validate(_success(request_metadata=metadata))
    assert result.essay_a_id is None
    assert result.essay_b_id is None
    assert result.bos_batch_id is None
    assert result.prompt_sha256 is None
    assert result.is_success
    assert result.winner_and_loser() is None


def test_callback_in_an_envelope_with_a_foreign_event_type_and_extras() -> None:
    raw = f"""{{
      "event_id": "0e1d2c3b-4a59-4867-9564-738291a0b1c2",
      "event_type": "LLMComparisonResultV1",
      "event_timestamp": "2025-05-02T10:16:03.200Z",
      "source_service": "llm_provider_service",
      "schema_version": 1,
      "correlation_id": "aa5e0c52-7f0b-4c51-b3a4-1f0e9d8c7b6a",
      "data_schema_uri": null,
      "data": {SUCCESS_ESSAY_A[:-1]}, "queue_latency_ms": 12}},
      "metadata": null,
      "x_partition": 2
    }}""".encode()
    envelope = parse_envelope(raw, LLMComparisonResultV1)
    assert envelope.event_type == "LLMComparisonResultV1"
    assert envelope.data.winner_and_loser() == ("student-0042", "anchor-a-01")
    assert "queue_latency_ms" not in envelope.data.model_dump()


def test_callback_has_no_event_name() -> None:
    dumped = LLMComparisonResultV1.model_validate_json(SUCCESS_ESSAY_A).model_dump(mode="json")
    assert "event_name" not in dumped
    assert dumped["winner"] == "Essay A"


def _error_detail() -> dict[str, Any]:
    detail: dict[str, Any] = json.loads(ERROR_CALLBACK)["error_detail"]
    return detail


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(_success(cost_estimate=-0.01), "cost_estimate", id="negative-cost"),
        pytest.param(_success(response_time_ms=-1), "response_time_ms", id="negative-time"),
        pytest.param(
            _success(token_usage={"prompt_tokens": -5, "completion_tokens": 0, "total_tokens": 0}),
            "prompt_tokens",
            id="negative-tokens",
        ),
        pytest.param(
            _success(error_detail=_error_detail()),
            "must not carry winner",
            id="winner-with-error",
        ),
        pytest.param(
            _success(justification=None),
            "needs winner, justification and confidence",
            id="winner-without-justification",
        ),
        pytest.param(_success(confidence=0), "confidence", id="confidence-0"),
        pytest.param(_success(confidence=6), "confidence", id="confidence-6"),
        pytest.param(_success(justification="x" * 501), "justification", id="justification-501"),
        pytest.param(_success(winner="essay_a"), "winner", id="winner-without-space"),
        pytest.param(_success(provider="azure"), "provider", id="unknown-provider"),
    ],
)
def test_callback_rejections(payload: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        LLMComparisonResultV1.model_validate(payload)
    assert expected in str(caught.value)


def test_error_callback_must_not_be_empty() -> None:
    payload = json.loads(ERROR_CALLBACK)
    payload["error_detail"] = None
    with pytest.raises(ValidationError, match="needs winner, justification and confidence"):
        LLMComparisonResultV1.model_validate(payload)


def test_justification_of_exactly_500_chars_and_confidence_bounds_are_accepted() -> None:
    for confidence in (1, 5, 2.5):
        result = LLMComparisonResultV1.model_validate(
            _success(justification="y" * 500, confidence=confidence)
        )
        assert result.confidence == confidence


def test_validator_failure_reaches_contract_error_reason() -> None:
    raw = json.dumps(
        {
            "event_id": "0e1d2c3b-4a59-4867-9564-738291a0b1c2",
            "event_type": "huleedu.llm_provider.comparison_result.v1",
            "event_timestamp": "2025-05-02T10:16:03.200Z",
            "source_service": "llm_provider_service",
            "correlation_id": "aa5e0c52-7f0b-4c51-b3a4-1f0e9d8c7b6a",
            "data": _success(error_detail=_error_detail()),
        }
    ).encode()
    with pytest.raises(ContractError, match=r"^data: Value error, an error callback must not"):
        parse_envelope(raw, LLMComparisonResultV1)

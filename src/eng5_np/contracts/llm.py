"""The per-comparison callback from the LLM provider service (SPEC §4.5).

The callback has no ``event_name``. Its ``correlation_id`` is the CJ service's
per-comparison id, not the runner's request correlation id (SPEC §4.9).
"""

from __future__ import annotations

from typing import Any, Self
from uuid import UUID

from pydantic import Field, model_validator

from eng5_np.contracts.common import ErrorDetail, WireDatetime, WireModel
from eng5_np.contracts.enums import EssayComparisonWinner, LLMProviderType


class TokenUsage(WireModel):
    """Tokens spent on one comparison; zeros on error callbacks."""

    prompt_tokens: int = Field(default=0, ge=0, description="Tokens in the prompt.")
    completion_tokens: int = Field(default=0, ge=0, description="Tokens in the completion.")
    total_tokens: int = Field(default=0, ge=0, description="Prompt plus completion tokens.")


class LLMComparisonResultV1(WireModel):
    """Outcome of one pairwise comparison: a judgement or an error, never both."""

    request_id: str = Field(description="LLM provider's id for the comparison request.")
    correlation_id: UUID = Field(description="CJ service's per-comparison correlation id.")
    winner: EssayComparisonWinner | None = Field(
        default=None, description="`Essay A` or `Essay B`; null on error."
    )
    justification: str | None = Field(
        default=None, max_length=500, description="Judge's reason, ≤ 500 chars; null on error."
    )
    confidence: float | None = Field(
        default=None, ge=1, le=5, description="Judge's confidence, 1–5; null on error."
    )
    error_detail: ErrorDetail | None = Field(
        default=None, description="Why the comparison failed; null on success."
    )
    provider: LLMProviderType = Field(description="Provider that answered (maybe a fallback).")
    model: str = Field(description="Model id; `unknown` on error callbacks.")
    response_time_ms: int = Field(ge=0, description="Provider response time in milliseconds.")
    token_usage: TokenUsage = Field(description="Tokens spent.")
    cost_estimate: float = Field(ge=0, description="Estimated cost in USD.")
    requested_at: WireDatetime = Field(description="When the comparison was requested.")
    completed_at: WireDatetime = Field(description="When the provider answered.")
    trace_id: str | None = Field(default=None, description="Distributed trace id, if any.")
    request_metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Echoed request context: `essay_a_id`, `essay_b_id`, `prompt_sha256`, "
        "`bos_batch_id`, and others kept but not relied on.",
    )

    @model_validator(mode="after")
    def _judgement_xor_error(self) -> Self:
        """Require all of winner/justification/confidence and no error, or an error alone."""
        judgement = (self.winner, self.justification, self.confidence)
        if self.error_detail is None:
            if any(field is None for field in judgement):
                raise ValueError(
                    "a successful comparison needs winner, justification and confidence"
                )
        elif any(field is not None for field in judgement):
            raise ValueError("an error callback must not carry winner, justification or confidence")
        return self

    @property
    def is_success(self) -> bool:
        """Whether the comparison produced a judgement (rather than an error)."""
        return self.error_detail is None

    def _metadata_str(self, key: str) -> str | None:
        """A non-empty string from ``request_metadata``, else None."""
        value = self.request_metadata.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def essay_a_id(self) -> str | None:
        """Id of the essay shown as "Essay A", from ``request_metadata``."""
        return self._metadata_str("essay_a_id")

    @property
    def essay_b_id(self) -> str | None:
        """Id of the essay shown as "Essay B", from ``request_metadata``."""
        return self._metadata_str("essay_b_id")

    @property
    def prompt_sha256(self) -> str | None:
        """SHA-256 of the judge prompt as computed by the provider (store, never recompute)."""
        return self._metadata_str("prompt_sha256")

    @property
    def bos_batch_id(self) -> str | None:
        """The wire batch id this comparison belongs to, if the producer set it."""
        return self._metadata_str("bos_batch_id")

    def winner_and_loser(self) -> tuple[str, str] | None:
        """``(winner_id, loser_id)``; None for errors or when an essay id is missing."""
        essay_a, essay_b = self.essay_a_id, self.essay_b_id
        if self.winner is None or essay_a is None or essay_b is None:
            return None
        if self.winner is EssayComparisonWinner.ESSAY_A:
            return essay_a, essay_b
        return essay_b, essay_a

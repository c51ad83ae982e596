"""What every judge of the local stack is given and gives back, and the faults it injects.

The simulated judge (:mod:`eng5_np.localstack.judge`) and the real LLM judges
(:mod:`eng5_np.localstack.llm_judge`) both take :class:`JudgeEssay` pairs and return a
:class:`JudgeVerdict` (the comparison callback, and whether to deliver it twice); the reference
CJ service reads a request's ``llm_config_overrides`` into the :class:`JudgeSettings` a judge
profile depends on with :func:`judge_settings`, and injects :class:`FaultConfig`'s faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from eng5_np.contracts import LLMComparisonResultV1
from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.judge_profiles import JudgeSettings

__all__ = ["FaultConfig", "JudgeEssay", "JudgeVerdict", "judge_settings"]

DEFAULT_ERROR_CODES: Final = ("RATE_LIMIT", "LLM_PROVIDER_TIMEOUT", "LLM_PROVIDER_SERVICE_ERROR")


@dataclass(frozen=True)
class FaultConfig:
    """Faults the judge and the reference CJ service inject, for tests and rehearsals."""

    error_rate: float = 0.0
    """Probability that a comparison comes back as an error callback."""
    duplicate_rate: float = 0.0
    """Probability that a callback is published twice (at-least-once delivery)."""
    foreign_callbacks: int = 0
    """Callbacks of another batch (other ``bos_batch_id``, unknown essays) per request."""
    callback_delay_s: float = 0.0
    """Pause after publishing each comparison callback (a slow provider)."""
    error_codes: tuple[str, ...] = DEFAULT_ERROR_CODES
    """Error codes drawn for error callbacks."""
    withhold_result: bool = False
    """The CJ service sends the thin completion and never the rich result, as the platform
    does when it cannot build the result (``eng5_np_national_9_step``, SPEC §11.6)."""
    ignore_requests: int = 0
    """The CJ service ignores this many requests first, as a consumer that joined after they
    were published never sees them (SPEC §11.6); a request published again is answered."""

    def __post_init__(self) -> None:
        for name in ("error_rate", "duplicate_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0–1, got {value}")
        if self.foreign_callbacks < 0 or self.callback_delay_s < 0 or self.ignore_requests < 0:
            raise ValueError(
                "foreign_callbacks, callback_delay_s and ignore_requests must not be negative"
            )
        if not self.error_codes:
            raise ValueError("error_codes must name at least one code")


@dataclass(frozen=True)
class JudgeEssay:
    """An essay as the judge sees it."""

    essay_id: str
    text: str
    anchor_position: int | None = None
    """Position of the anchor's grade on the scale; None for a student."""


@dataclass(frozen=True)
class JudgeVerdict:
    """The callback for one comparison, and whether to deliver it twice."""

    callback: LLMComparisonResultV1
    duplicate: bool


def judge_settings(overrides: Any) -> JudgeSettings:
    """The settings a judge profile depends on, from a request's ``llm_config_overrides``."""
    if overrides is None:
        return JudgeSettings()
    effort = getattr(overrides, "reasoning_effort", None)
    prompt = getattr(overrides, "system_prompt_override", None)
    rubric = getattr(overrides, "judge_rubric_override", None)
    return JudgeSettings(
        model=getattr(overrides, "model_override", None),
        reasoning_effort=None if effort is None else str(getattr(effort, "value", effort)),
        prompt_sha256=None if prompt is None else sha256_text(prompt),
        rubric_sha256=None if rubric is None else sha256_text(rubric),
    )

"""The simulated LLM judge of the local stack (SPEC §7): deterministic, offline, free.

Latent quality q, on the grade-position scale of the request's grade scale (0 = lowest
anchor grade, ``steps - 1`` = highest, -1 = below the lowest):

- an **anchor** has q = the position of its expert grade (known from the anchor registry);
- a **student** gets q from a text-quality heuristic (:mod:`eng5_np.localstack.text_quality`),
  so the simulated judge prefers longer, richer, cleaner essays the way a human marker roughly
  would.

The judge picks A with probability P(A wins) = σ(k · (q_A − q_B)), σ the logistic function,
k = :data:`DEFAULT_SLOPE` = 0.75 logits per grade step — the built-in *judge profile*. A profile
(:mod:`eng5_np.reference.judge_profiles`, ``--judge-profile FILE``) can set, per model ×
reasoning effort × system prompt × rubric of the request, the discrimination k, a position
bias, a length bias and a lapse rate:
P(A wins) = lapse/2 + (1 − lapse) · σ(k · (q_A − q_B) + position_bias + length_bias ·
log2(words_A / words_B)); with the built-in profile every setting gets exactly the judge below.
Calibration of the default, and why:

- **spacing**: adjacent grades are 0.75 logits apart, so the nine grades span 6 logits and a
  Bradley–Terry fit of the sample dataset lands at roughly −3.5 … +3.5 (mean over judge seeds
  at the default budget of ~10 comparisons per essay), the range real CJ studies of essays
  report. The earlier k = 1.2 put the grades 9.6 logits apart and, with only ~10 comparisons
  per essay, made about ten of the 23 sample essays win or lose every comparison;
- **noise**: the judgement noise is the logistic of the model itself — a latent error with SD
  π/√3 ≈ 1.8 logits, i.e. about 2.4 grade steps per single judgement — so adjacent grades are
  told apart 68 % of the time and grades two apart 82 %, in line with how often human and LLM
  judges agree on close and clearly different essays. Students carry one more source of noise:
  the text heuristic places them only within about one grade of where an expert would;
- with it the sample dataset still orders its anchors by grade (Kendall τ ≈ 0.85) and reaches a
  scale separation reliability around 0.8 at the default budget: realistic, not flattering.

Every random draw comes from a generator seeded with the judge's seed and a per-comparison
key, so results do not depend on the order comparisons are made in.

Timing. ``requested_at`` is the wall-clock time the judge was asked (after the CJ service
received the request, so never before it was published) and ``completed_at`` the time its
verdict was ready (before the callback is built and sent); ``response_time_ms`` is the time in
between. The simulated judge answers in well under a millisecond: a realistic provider latency
would have to be either slept (every demo and test many times slower) or written into
timestamps that contradict when the request was published, so it is not simulated.

Cost. ``cost_estimate`` is what the comparison *would* cost at the manifest's prices: of the
model the request names (``llm_config_overrides.model_override``, the runner's
``--llm-model``), whose id the callback then carries with provider ``mock``; without one, of
``simulated-judge-v1`` (priced like Claude Haiku 4.5, for rehearsing a budget). Tokens follow
:mod:`eng5_np.reference.token_model`, the model plan and sweep estimate with. An estimate for
planning, never money spent.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from eng5_np.contracts import (
    ErrorDetail,
    EssayComparisonWinner,
    LLMComparisonResultV1,
    LLMProviderType,
    TokenUsage,
    utc_now,
)
from eng5_np.localstack.judge_types import FaultConfig, JudgeEssay, JudgeVerdict
from eng5_np.localstack.text_quality import (
    DEFAULT_SCALE_STEPS,
    REASONS,
    WEIGHTS,
    TextFeatures,
    heuristic_position,
    position,
    text_features,
)
from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.judge_profiles import (
    JudgeParameters,
    JudgeProfile,
    JudgeSettings,
    ResolvedJudge,
    builtin_profile,
)
from eng5_np.reference.llm_models import ModelEntry, load_manifest
from eng5_np.reference.token_model import COMPLETION_TOKENS, tokens

__all__ = [
    "DEFAULT_SLOPE",
    "JUDGE_MODEL_ID",
    "JudgeConfig",
    "SimulatedJudge",
    "TextFeatures",
    "heuristic_position",
    "judge_prompt",
    "profile_metadata",
    "text_features",
]

JUDGE_MODEL_ID: Final = "simulated-judge-v1"
"""Manifest model id of the simulated judge (provider ``mock``)."""
DEFAULT_SLOPE: Final = 0.75
"""k in P(A wins) = σ(k · Δq): logits per grade step (see the module docstring)."""
LLM_PROVIDER_SERVICE: Final = "llm_provider_service"
ERROR_MODEL: Final = "unknown"
MAX_JUSTIFICATION_CHARS: Final = 500


def _finished(requested_at: datetime) -> tuple[datetime, int]:
    """When the verdict is ready, and the whole milliseconds since ``requested_at``."""
    completed_at = utc_now()
    return completed_at, (completed_at - requested_at) // timedelta(milliseconds=1)


def judge_prompt(student_prompt: str, essay_a: str, essay_b: str) -> str:
    """The full prompt the simulated judge "sees"; its SHA-256 is ``prompt_sha256``."""
    return (
        "You are an experienced examiner of English 5 essays. Compare the two essays written "
        "for the task below and decide which one is better overall: content, structure and "
        "language. Answer with the winner, a short justification and a confidence from 1 to 5."
        f"\n\n## Task\n{student_prompt.strip()}\n\n## Essay A\n{essay_a.strip()}"
        f"\n\n## Essay B\n{essay_b.strip()}\n"
    )


def _manifest_model(model_id: str = JUDGE_MODEL_ID) -> ModelEntry:
    """The ``mock`` provider's manifest entry for ``model_id`` (prices for the cost)."""
    entry = load_manifest().find(model_id, LLMProviderType.MOCK)
    if entry is None:
        raise ValueError(f"model {model_id!r} of provider mock is not in the model manifest")
    return entry


def profile_metadata(profile: JudgeProfile, judge: SimulatedJudge) -> dict[str, Any]:
    """``assessment_metadata.judge_profile``: the profile, the rule used, the effects."""
    rule = judge.resolved.rule if judge.resolved is not None else None
    return {
        "name": profile.name,
        "sha256": profile.sha256,
        "rule": rule,
        "parameters": judge.parameters.model_dump(),
    }


@dataclass(frozen=True)
class JudgeConfig:
    """How the reference CJ service builds its judge for each batch."""

    seed: int = 0
    """Seed of every random draw (pairing and judgements)."""
    faults: FaultConfig = field(default_factory=FaultConfig)
    profile: JudgeProfile = field(default_factory=builtin_profile)
    """The judge's effects per setting (the built-in one: 0.75 logits per grade, no bias)."""
    model_id: str = JUDGE_MODEL_ID
    """A ``mock`` model of the manifest; its prices give ``cost_estimate``."""

    def __post_init__(self) -> None:
        _manifest_model(self.model_id)  # fail at configuration time, not per batch

    def build(
        self,
        scale_steps: int = DEFAULT_SCALE_STEPS,
        settings: JudgeSettings | None = None,
        priced_as: ModelEntry | None = None,
    ) -> SimulatedJudge:
        """A judge for a batch on a scale with ``scale_steps`` grades and these settings.

        ``priced_as`` is the model the request names (``llm_config_overrides``): its
        callbacks then name that model and cost what it would (provider still ``mock``).
        """
        resolved = self.profile.resolve(settings or JudgeSettings())
        return SimulatedJudge(
            seed=self.seed,
            model=_manifest_model(self.model_id),
            faults=self.faults,
            parameters=resolved.parameters,
            scale_steps=scale_steps,
            resolved=resolved,
            priced_as=priced_as,
        )


@dataclass
class SimulatedJudge:
    """Judges pairs by latent quality; deterministic for a seed and per-comparison key."""

    seed: int = 0
    model: ModelEntry = field(default_factory=_manifest_model)
    faults: FaultConfig = field(default_factory=FaultConfig)
    parameters: JudgeParameters = field(default_factory=JudgeParameters)
    scale_steps: int = DEFAULT_SCALE_STEPS
    resolved: ResolvedJudge | None = None
    """Which profile rule set ``parameters`` (None: built directly)."""
    priced_as: ModelEntry | None = None
    """The model a request named: callbacks name it and carry its manifest price."""
    _features: dict[str, TextFeatures] = field(default_factory=dict, init=False, repr=False)

    @property
    def slope(self) -> float:
        """k: logits per grade step (the profile's discrimination)."""
        return self.parameters.discrimination

    @property
    def priced_model(self) -> ModelEntry:
        """The entry whose id the callbacks name and whose prices give ``cost_estimate``."""
        return self.priced_as if self.priced_as is not None else self.model

    def quality(self, essay: JudgeEssay) -> float:
        """Latent quality: the anchor's grade position, else the text heuristic."""
        if essay.anchor_position is not None:
            return float(essay.anchor_position)
        return position(self.features(essay.text), self.scale_steps)

    def features(self, text: str) -> TextFeatures:
        """:func:`text_features` of ``text``, computed once per distinct text."""
        digest = sha256_text(text)
        cached = self._features.get(digest)
        if cached is None:
            cached = text_features(text)
            self._features[digest] = cached
        return cached

    def win_probability(self, essay_a: JudgeEssay, essay_b: JudgeEssay) -> float:
        """P(A wins) = lapse/2 + (1 − lapse) · σ(k·Δq + position_bias + length_bias·log2 w_A/w_B).

        With the built-in profile (no bias, no lapse) exactly σ(k · (q_A − q_B)).
        """
        p = self.parameters
        logit = p.discrimination * (self.quality(essay_a) - self.quality(essay_b))
        logit += p.position_bias
        if p.length_bias:
            words_a = max(1, len(essay_a.text.split()))
            words_b = max(1, len(essay_b.text.split()))
            logit += p.length_bias * math.log2(words_a / words_b)
        chosen = 1.0 / (1.0 + math.exp(-logit))
        if p.lapse_rate:
            return p.lapse_rate / 2.0 + (1.0 - p.lapse_rate) * chosen
        return chosen

    def compare(
        self,
        essay_a: JudgeEssay,
        essay_b: JudgeEssay,
        *,
        student_prompt: str,
        request_metadata: dict[str, Any],
        correlation_id: uuid.UUID,
        key: str,
    ) -> JudgeVerdict:
        """Judge A against B; the callback echoes ``request_metadata`` plus ``prompt_sha256``."""
        rng = random.Random(f"judge:{self.seed}:{key}")
        prompt = judge_prompt(student_prompt, essay_a.text, essay_b.text)
        metadata = {
            **request_metadata,
            "prompt_sha256": sha256_text(prompt),
        }
        requested_at = utc_now()
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        prompt_tokens = tokens(len(prompt.split()))
        completion_tokens = rng.randint(*COMPLETION_TOKENS)
        duplicate = rng.random() < self.faults.duplicate_rate
        if rng.random() < self.faults.error_rate:
            error_code = rng.choice(self.faults.error_codes)
            completed_at, response_ms = _finished(requested_at)
            callback = LLMComparisonResultV1(
                request_id=request_id,
                correlation_id=correlation_id,
                error_detail=ErrorDetail(
                    error_code=error_code,
                    message=f"simulated provider error {error_code}",
                    correlation_id=correlation_id,
                    timestamp=completed_at,
                    service=LLM_PROVIDER_SERVICE,
                    operation="generate_comparison",
                    details={"provider": self.model.provider.value, "simulated": True},
                ),
                provider=self.model.provider,
                model=ERROR_MODEL,
                response_time_ms=response_ms,
                token_usage=TokenUsage(),
                cost_estimate=0.0,
                requested_at=requested_at,
                completed_at=completed_at,
                request_metadata=metadata,
            )
            return JudgeVerdict(callback=callback, duplicate=duplicate)

        a_wins = rng.random() < self.win_probability(essay_a, essay_b)
        gap = abs(self.quality(essay_a) - self.quality(essay_b))
        justification = self._justification(essay_a, essay_b, a_wins=a_wins)
        completed_at, response_ms = _finished(requested_at)
        callback = LLMComparisonResultV1(
            request_id=request_id,
            correlation_id=correlation_id,
            winner=EssayComparisonWinner.ESSAY_A if a_wins else EssayComparisonWinner.ESSAY_B,
            justification=justification,
            confidence=float(min(5, 1 + int(gap / 0.75))),
            provider=self.model.provider,
            model=self.priced_model.model_id,
            response_time_ms=response_ms,
            token_usage=TokenUsage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            ),
            cost_estimate=self.priced_model.cost_usd(prompt_tokens, completion_tokens),
            requested_at=requested_at,
            completed_at=completed_at,
            request_metadata=metadata,
        )
        return JudgeVerdict(callback=callback, duplicate=duplicate)

    def _justification(self, essay_a: JudgeEssay, essay_b: JudgeEssay, *, a_wins: bool) -> str:
        """A short reason naming the features where the winner is ahead."""
        winner, loser = (essay_a, essay_b) if a_wins else (essay_b, essay_a)
        label = "Essay A" if a_wins else "Essay B"
        ahead_of, behind = self.features(winner.text), self.features(loser.text)
        gains = sorted(
            ((ahead_of.value(name) - behind.value(name)) * weight, name)
            for name, weight in WEIGHTS.items()
        )
        reasons = [REASONS[name] for gain, name in reversed(gains) if gain > 0.01][:2]
        if not reasons:
            text = f"{label} is slightly more convincing overall; the essays are otherwise close."
        else:
            text = f"{label} is stronger overall: it {' and '.join(reasons)}."
        return text[:MAX_JUSTIFICATION_CHARS]

    def foreign_callback(self, key: str) -> LLMComparisonResultV1:
        """A plausible callback of some other batch: other ``bos_batch_id``, unknown essays."""
        rng = random.Random(f"foreign:{self.seed}:{key}")
        tag = f"{rng.getrandbits(32):08x}"
        essay_a = JudgeEssay(f"student_foreign_a-{tag}", "An essay from another batch.")
        essay_b = JudgeEssay(f"student_foreign_b-{tag}", "Another essay from another batch.")
        metadata = {
            "essay_a_id": essay_a.essay_id,
            "essay_b_id": essay_b.essay_id,
            "bos_batch_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "cj_batch_id": str(rng.randint(1, 10_000)),
            "cj_source": "foreign_noise",
            "cj_request_type": "cj_comparison",
        }
        correlation_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        verdict = self.compare(
            essay_a,
            essay_b,
            student_prompt="",
            request_metadata=metadata,
            correlation_id=correlation_id,
            key=f"foreign:{key}",
        )
        return verdict.callback

"""Building an LLMJudge over a fake provider for tests (real SDK, fake server on 127.0.0.1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import SecretStr

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.judge_types import JudgeEssay
from eng5_np.localstack.llm_judge.base import CallOptions, ProviderClient, ProviderSettings
from eng5_np.localstack.llm_judge.cost import CostGuard
from eng5_np.localstack.llm_judge.judge import LLMJudge
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.protocol import JudgeTask
from eng5_np.localstack.llm_judge.runtime import build_client
from eng5_np.localstack.llm_judge.throttle import RetryPolicy, Throttle
from eng5_np.reference.llm_models import ModelEntry, load_manifest
from fake_providers import FakeProvider

KEY = "sk-test-7f3a9c1e-not-a-real-key"
SHORT = JudgeEssay("q1w2e3", "A short essay about phones in school.")
LONG = JudgeEssay("z9x8c7", "A much longer essay that develops its argument about phones fully.")
MODELS = {
    "anthropic": (LLMProviderType.ANTHROPIC, "claude-haiku-4-5-20251001"),
    "openai": (LLMProviderType.OPENAI, "gpt-5-mini"),
    "openrouter": (LLMProviderType.OPENROUTER, "openai/gpt-5-mini"),
    "google": (LLMProviderType.GOOGLE, "gemini-2.5-flash"),
}
FAKE_KIND = {
    "anthropic": "anthropic",
    "openai": "openai",
    "openrouter": "openai",
    "google": "google",
}


class Sleeps:
    """Records the backoffs the throttle asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class JudgeRig:
    """A judge, its throttle, guard and client, and the recorded backoffs."""

    judge: LLMJudge
    throttle: Throttle
    guard: CostGuard
    client: ProviderClient
    model: ModelEntry
    sleeps: Sleeps = field(default_factory=Sleeps)

    async def close(self) -> None:
        """Close the SDK client."""
        await self.client.aclose()


def manifest_model(provider: LLMProviderType, model_id: str) -> ModelEntry:
    """A model of the shipped manifest."""
    model = load_manifest().find(model_id, provider)
    assert model is not None
    return model


def make_rig(
    fake: FakeProvider,
    name: str,
    *,
    context: PromptContext | None = None,
    options: CallOptions | None = None,
    policy: RetryPolicy | None = None,
    timeout_s: float = 5.0,
    cost_limit: float | None = None,
    key: str = KEY,
) -> JudgeRig:
    """An LLMJudge for provider ``name`` pointed at ``fake``, backoffs recorded, not slept."""
    provider, model_id = MODELS[name]
    model = manifest_model(provider, model_id)
    client = build_client(
        ProviderSettings(provider, model_id, SecretStr(key), fake.base_url, timeout_s)
    )
    sleeps = Sleeps()
    throttle = Throttle(4, policy=policy or RetryPolicy(max_attempts=4), sleep=sleeps)
    guard = CostGuard(model, cost_limit)
    judge = LLMJudge(
        client,
        model,
        throttle,
        guard,
        context or PromptContext("Write about phones in school."),
        options or CallOptions(),
    )
    return JudgeRig(judge, throttle, guard, client, model, sleeps)


def task(essay_a: JudgeEssay = SHORT, essay_b: JudgeEssay = LONG) -> JudgeTask:
    """One comparison task with the CJ service's metadata keys."""
    return JudgeTask(
        essay_a=essay_a,
        essay_b=essay_b,
        request_metadata={
            "essay_a_id": essay_a.essay_id,
            "essay_b_id": essay_b.essay_id,
            "bos_batch_id": str(uuid.uuid4()),
        },
        correlation_id=uuid.uuid4(),
        key="k",
    )


MIDDLE = JudgeEssay("m3", "A middling essay about phones, of middling length.")


def tasks(count: int) -> list[tuple[int, JudgeTask]]:
    """``count`` comparisons over three essays of different lengths, keyed ``texts:<i>``."""
    essays = (SHORT, LONG, MIDDLE)
    out = []
    for index in range(count):
        a, b = essays[index % 3], essays[(index + 1) % 3]
        metadata = {"essay_a_id": a.essay_id, "essay_b_id": b.essay_id}
        out.append((index, JudgeTask(a, b, metadata, uuid.uuid4(), f"texts:{index}")))
    return out

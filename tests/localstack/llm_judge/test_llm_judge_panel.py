"""Judge panels (issue 18): ``--judge A,B`` deals the comparisons evenly (seeded) to its members
or, with ``--panel all``, has every member judge each; each callback names its judge."""

from __future__ import annotations

from collections import Counter

import pytest
from judge_helpers import KEY, tasks

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import JudgeMisconfigured
from eng5_np.localstack.llm_judge.base import CallOptions
from eng5_np.localstack.llm_judge.cost import CostGuard, CostLimitReached, Spend, usd
from eng5_np.localstack.llm_judge.panel import PanelJudge
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.runtime import JudgeRuntime, JudgingConfig
from eng5_np.localstack.llm_judge.schedule import judge_all
from eng5_np.reference.llm_models import load_manifest
from fake_providers import FakeProvider

pytestmark = pytest.mark.integration

PANEL = "anthropic:claude-haiku-4-5-20251001,ollama:llama3.1:8b"


async def _judge(mode: str, count: int) -> tuple[list[str], list[int]]:
    async with (
        FakeProvider("anthropic", KEY) as anthropic,
        FakeProvider("openai", "") as ollama,
    ):
        config = JudgingConfig.from_options(
            PANEL,
            {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": anthropic.base_url},
            base_url=ollama.base_url,
            panel=mode,
        )
        runtime = JudgeRuntime(config)
        try:
            judge = runtime.for_batch(
                None,  # type: ignore[arg-type]  # a real panel never uses the simulated judge
                PromptContext("Write about phones in school."),
                CallOptions(),
            )
            assert isinstance(judge, PanelJudge)
            labels: list[str] = []
            items: list[int] = []

            async def deliver(item: int, verdict: object) -> None:
                callback = verdict.callback  # type: ignore[attr-defined]
                assert callback.winner is not None
                labels.append(callback.request_metadata["judge"]["label"])
                items.append(item)

            assert await judge_all(judge, tasks(count), 4, deliver) is None
        finally:
            await runtime.aclose()
        assert len(anthropic.requests) == labels.count(PANEL.split(",")[0])
        assert len(ollama.requests) == labels.count(PANEL.split(",")[1])
    return labels, items


async def test_split_deals_the_comparisons_evenly() -> None:
    labels, items = await _judge("split", 11)
    counts = Counter(labels)
    assert sorted(counts.values()) == [5, 6]  # 11 comparisons over 2 judges: ± 1
    assert sorted(items) == list(range(11))  # each comparison judged once
    again, _ = await _judge("split", 11)
    assert Counter(again) == counts  # the same plan, the same dealing


async def test_all_has_every_member_judge_every_comparison() -> None:
    labels, items = await _judge("all", 5)
    assert Counter(labels) == dict.fromkeys(PANEL.split(","), 5)
    assert Counter(items) == dict.fromkeys(range(5), 2)


def test_panel_values_are_checked() -> None:
    environ = {"ANTHROPIC_API_KEY": KEY}
    config = JudgingConfig.from_options(PANEL, environ)
    assert config.is_panel
    assert config.label == PANEL
    assert not config.priced
    assert [where.label for where in config.provenances] == PANEL.split(",")
    described = config.describe()
    assert described.startswith("real LLM judge panel of 2: anthropic:claude-haiku-4-5-20251001")
    assert "ollama:llama3.1:8b (local model at http://127.0.0.1:11434; unpriced" in described
    assert "dealt evenly" in described
    for value, words in [
        ("simulated,openai:gpt-5-mini", "cannot sit on one"),
        ("ollama:m,ollama:m", "named twice"),
        ("ollama:m,,ollama:n", "an empty judge"),
    ]:
        with pytest.raises(JudgeMisconfigured, match=words):
            JudgingConfig.from_options(value, environ)
    with pytest.raises(JudgeMisconfigured, match="--panel all needs a panel"):
        JudgingConfig.from_options("ollama:m", environ, panel="all")
    with pytest.raises(JudgeMisconfigured, match="not one of split, all"):
        JudgingConfig.from_options(PANEL, environ, panel="half")
    with pytest.raises(JudgeMisconfigured, match="is unpriced, so its spend cannot be limited"):
        JudgingConfig.from_options(PANEL, environ, cost_limit_usd=1.0)


PRICED_PANEL = "anthropic:claude-haiku-4-5-20251001,openai:gpt-5-mini"
HAIKU_CALL_USD = (700 * 1.0 + 80 * 5.0) / 1e6
"""The fakes' 700 prompt + 80 completion tokens at the manifest's prices: $0.0011 …"""
MINI_CALL_USD = (700 * 0.25 + 80 * 2.0) / 1e6
"""… and $0.000335."""


async def test_a_panels_cost_limit_counts_every_members_spend() -> None:
    limit = 0.02
    async with (
        FakeProvider("anthropic", KEY) as anthropic,
        FakeProvider("openai", KEY) as openai,
    ):
        config = JudgingConfig.from_options(
            PRICED_PANEL,
            {
                "ANTHROPIC_API_KEY": KEY,
                "ANTHROPIC_BASE_URL": anthropic.base_url,
                "OPENAI_API_KEY": KEY,
                "OPENAI_BASE_URL": openai.base_url,
            },
            cost_limit_usd=limit,
        )
        runtime = JudgeRuntime(config)
        guard = runtime.guard
        delivered: list[int] = []

        async def deliver(item: int, verdict: object) -> None:
            delivered.append(item)

        try:
            judge = runtime.for_batch(
                None,  # type: ignore[arg-type]  # a real panel never uses the simulated judge
                PromptContext("Write about phones in school."),
                CallOptions(),
            )
            stopped = await judge_all(judge, tasks(60), 4, deliver)
        finally:
            await runtime.aclose()
        haiku, mini = len(anthropic.requests), len(openai.requests)
    spent = haiku * HAIKU_CALL_USD + mini * MINI_CALL_USD
    assert haiku > 0
    assert mini > 0
    assert len(delivered) == haiku + mini < 60  # the limit stopped the panel
    assert spent <= limit  # both members' calls together stay within it …
    assert limit - spent < HAIKU_CALL_USD  # … and it stopped only when the next did not fit
    assert guard is not None
    assert guard.spent_usd == pytest.approx(spent)  # the first member's guard sees the panel's
    assert stopped is not None
    assert stopped.startswith(f"spent {usd(spent)} of the limit of $0.02 (judge panel: ")
    assert "claude-haiku-4-5-20251001, gpt-5-mini)" in stopped


def test_guards_sharing_a_spend_share_its_limit() -> None:
    manifest = load_manifest()
    haiku = manifest.find("claude-haiku-4-5-20251001", LLMProviderType.ANTHROPIC)
    mini = manifest.find("gpt-5-mini", LLMProviderType.OPENAI)
    assert haiku is not None
    assert mini is not None
    spend = Spend(0.01)
    first, second = CostGuard(haiku, spend=spend), CostGuard(mini, spend=spend)
    held = first.reserve(0.006)
    with pytest.raises(CostLimitReached):
        second.reserve(0.005)  # fits its own model's price, not the panel's remaining limit
    assert first.tripped
    assert second.tripped
    first.settle(held, 700, 80)
    assert second.spent_usd == pytest.approx(HAIKU_CALL_USD)
    with pytest.raises(ValueError, match="carries its own limit"):
        CostGuard(haiku, 0.5, spend=spend)

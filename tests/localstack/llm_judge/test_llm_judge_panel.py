"""Judge panels (issue 18): ``--judge A,B`` deals the comparisons evenly (seeded) to its members
or, with ``--panel all``, has every member judge each; each callback names its judge."""

from __future__ import annotations

from collections import Counter

import pytest
from judge_helpers import KEY, tasks

from eng5_np.errors import JudgeMisconfigured
from eng5_np.localstack.llm_judge.base import CallOptions
from eng5_np.localstack.llm_judge.panel import PanelJudge
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.runtime import JudgeRuntime, JudgingConfig
from eng5_np.localstack.llm_judge.schedule import judge_all
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
    with pytest.raises(JudgeMisconfigured, match="with a judge panel is not supported"):
        JudgingConfig.from_options(PANEL, environ, price="0,0", cost_limit_usd=1.0)

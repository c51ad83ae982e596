"""A real LLM judge for the local stack (SPEC §13): Anthropic, OpenAI, OpenRouter, Google.

One module per job: :mod:`.prompt` builds the prompt as the platform does (§11.4),
:mod:`.answer` validates the structured answer, :mod:`.anthropic`, :mod:`.openai` (also
OpenRouter) and :mod:`.google` wrap the official SDKs behind :mod:`.base`'s small protocol,
:mod:`.throttle` keeps within rate limits and retries, :mod:`.cost` enforces ``--cost-limit``,
:mod:`.judge` turns an answer into a platform callback, :mod:`.protocol` is what the reference
CJ service calls (simulated judge included), :mod:`.spec` parses ``--judge`` and finds the
keys, :mod:`.runtime` holds it all for a running stack. The SDKs are imported only inside the
provider modules, when a real judge is built.
"""

from eng5_np.localstack.llm_judge.protocol import (
    JudgeTask,
    PairJudge,
    SimulatedPairJudge,
    comparison_tasks,
    with_both_orders,
)
from eng5_np.localstack.llm_judge.runtime import (
    DEFAULT_JUDGE_CONCURRENCY,
    JudgeRuntime,
    JudgingConfig,
    call_options,
    prompt_context,
)
from eng5_np.localstack.llm_judge.spec import JudgeChoice, parse_judge, provider_settings

__all__ = [
    "DEFAULT_JUDGE_CONCURRENCY",
    "JudgeChoice",
    "JudgeRuntime",
    "JudgeTask",
    "JudgingConfig",
    "PairJudge",
    "SimulatedPairJudge",
    "call_options",
    "comparison_tasks",
    "parse_judge",
    "prompt_context",
    "provider_settings",
    "with_both_orders",
]

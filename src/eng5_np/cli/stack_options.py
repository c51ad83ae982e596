"""The flags of a run on the embedded local stack: ``--local-stack`` and its judge's options.

One typed alias per option, as in :mod:`eng5_np.cli.run_options`: the simulated judge's seed,
faults and profile, a real LLM judge (or a panel) with its concurrency, rate, cost limit and
batch mode, and the reference CJ service's pairing design. Every one but ``--local-stack``
itself only applies with it; :func:`eng5_np.cli.main.main_command` refuses them without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eng5_np.cli.help import FLAG, choices
from eng5_np.settings import PairingDesignName

LocalStackOption = Annotated[
    bool,
    typer.Option(
        "--local-stack",
        metavar=FLAG,
        help="Start the embedded local stack for this run. It stops when the command "
        "ends, so execute always collects (as with --await-completion).",
    ),
]

JudgeSeedOption = Annotated[
    int | None, typer.Option(help="With --local-stack: seed of the simulated judge (0).")
]

JudgeFaultsOption = Annotated[
    str | None,
    typer.Option(
        help="With --local-stack: fault injection, e.g. errors=0.1,duplicates=0.05 "
        "(keys: errors, duplicates, foreign, delay, no-result, ignore-requests)."
    ),
]

JudgeProfileOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="With --local-stack: JSON judge profile (the simulated judge's effects per "
        "model, reasoning effort and prompt).",
    ),
]

JudgeOption = Annotated[
    str | None,
    typer.Option(
        metavar="JUDGE",
        help="With --local-stack: simulated (default) or a real LLM judge "
        "<provider>:<model>, provider anthropic, openai, openrouter or google (its API key "
        "from the environment), or openai-compatible, ollama or vllm (a local server); "
        "a panel: several, comma-separated.",
    ),
]

JudgeConcurrencyOption = Annotated[
    int | None,
    typer.Option(metavar="N", help="With --local-stack: comparisons judged at once (8)."),
]

JudgeRpmOption = Annotated[
    int | None,
    typer.Option(metavar="N", help="With --local-stack: provider requests per minute."),
]

CostLimitOption = Annotated[
    float | None,
    typer.Option(
        metavar="USD", help="With --local-stack: a real judge stops before spend passes it."
    ),
]

JudgeBothOrdersOption = Annotated[
    float | None,
    typer.Option(
        metavar="FRACTION",
        help="With --local-stack: share of pairs also judged with A/B swapped.",
    ),
]

PairingOption = Annotated[
    PairingDesignName | None,
    typer.Option(
        case_sensitive=False,
        metavar="DESIGN",
        help="With --local-stack: how CJ chooses pairs and when it stops: "
        f"{choices(PairingDesignName)} (default platform).",
    ),
]

TargetPrecisionOption = Annotated[
    float | None,
    typer.Option(
        metavar="X",
        help="With --pairing adaptive: stop at this mean SE (execute) or τ-b interval "
        "width (anchor-align), or at the budget.",
    ),
]

JudgeBaseUrlOption = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="With --local-stack: base URL of an OpenAI-compatible judge server "
        "(else OPENAI_BASE_URL; ollama: http://127.0.0.1:11434/v1).",
    ),
]

JudgePriceOption = Annotated[
    str | None,
    typer.Option(
        metavar="IN,OUT",
        help="With --local-stack: USD per million input,output tokens of an "
        "OpenAI-compatible judge (unpriced without it).",
    ),
]

PanelOption = Annotated[
    str | None,
    typer.Option(
        metavar="MODE",
        help="With --local-stack and --judge A,B (a panel): split (each comparison by "
        "one judge, dealt evenly; default) or all (by every judge).",
    ),
]

JudgeModeOption = Annotated[
    str | None,
    typer.Option(
        metavar="MODE",
        help="With --local-stack and an anthropic:, openai: or google: judge: live "
        "(default) or "
        "batch (the provider's batch API at half price; a killed run re-run resumes "
        "polling).",
    ),
]

JudgeBatchPollOption = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS",
        help="With --judge-mode batch: first wait between polls (10; grows to 60).",
    ),
]

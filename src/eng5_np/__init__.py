"""eng5-runner: Comparative Judgement experiment runner for ENG5 NP essays.

The public Python API (docs/API.md), every name in :data:`__all__`:

- :class:`RunSettings` — every option of one run, validated (the CLI's flags);
- :func:`run_plan`, :func:`run_dry_run`, :func:`run_execute`, :func:`run_anchor_align` — the
  modes, async, one settings object in, a result object out (:mod:`eng5_np.api`);
- :class:`LocalStack` — ``async with LocalStack(settings) as on_stack:`` runs on the embedded
  stack, labelled as ``--local-stack`` runs are;
- :func:`load_artefact` → a checksum-verified, typed :class:`Artefact` (essays, comparisons,
  figures); :func:`to_tables` → its tidy tables as Arrow tables (``eng5-runner export``);
- the error tree (:mod:`eng5_np.errors`): every :class:`RunnerError` has its ``exit_code``.

Names are loaded on first use, so ``import eng5_np`` stays light and never loads the local
stack (:mod:`eng5_np.localstack`) — only entering a :class:`LocalStack` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - grouped by what they are for, as docs/API.md lists them
    "__version__",
    # settings and the runs
    "RunMode",
    "RunSettings",
    "run_plan",
    "run_dry_run",
    "run_execute",
    "run_anchor_align",
    "PlanResult",
    "DryRunResult",
    "ExecuteResult",
    "LocalStack",
    # reading what a run wrote
    "load_artefact",
    "Artefact",
    "to_tables",
    "Tables",
    # the error tree (eng5_np.errors)
    "RunnerError",
    "UsageError",
    "DatasetError",
    "ModelManifestError",
    "AssignmentNotReady",
    "ArtefactUnreadable",
    "IncomparableRuns",
    "CostLimitExceeded",
    "JudgeMisconfigured",
    "DependencyUnavailable",
    "BrokerUnavailable",
    "ContentServiceUnavailable",
    "CJServiceUnavailable",
    "AdminAccessRefused",
    "AdminWriteNotStored",
    "LLMProviderUnavailable",
    "UploadError",
    "CollectionTimeout",
    "CollectionInterrupted",
    "BatchFailed",
    "ArtefactInvalid",
]
_HOMES = {
    "eng5_np.settings": ("RunMode", "RunSettings"),
    "eng5_np.api": (
        "run_plan",
        "run_dry_run",
        "run_execute",
        "run_anchor_align",
        "PlanResult",
        "DryRunResult",
        "ExecuteResult",
        "LocalStack",
    ),
    "eng5_np.artefact.model": ("load_artefact", "Artefact"),
    "eng5_np.export.arrow": ("to_tables", "Tables"),
}
"""The module that defines each public name; the rest of ``__all__`` is the error tree."""
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'eng5_np' has no attribute {name!r}")
    home = _HOME_OF.get(name, "eng5_np.errors")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from eng5_np.api import (
        DryRunResult,
        ExecuteResult,
        LocalStack,
        PlanResult,
        run_anchor_align,
        run_dry_run,
        run_execute,
        run_plan,
    )
    from eng5_np.artefact.model import Artefact, load_artefact
    from eng5_np.errors import (
        AdminAccessRefused,
        AdminWriteNotStored,
        ArtefactInvalid,
        ArtefactUnreadable,
        AssignmentNotReady,
        BatchFailed,
        BrokerUnavailable,
        CJServiceUnavailable,
        CollectionInterrupted,
        CollectionTimeout,
        ContentServiceUnavailable,
        CostLimitExceeded,
        DatasetError,
        DependencyUnavailable,
        IncomparableRuns,
        JudgeMisconfigured,
        LLMProviderUnavailable,
        ModelManifestError,
        RunnerError,
        UploadError,
        UsageError,
    )
    from eng5_np.export.arrow import Tables, to_tables
    from eng5_np.settings import RunMode, RunSettings

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

_HOMES: dict[str, tuple[str, ...]] = {
    # settings and the runs
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
    # reading what a run wrote
    "eng5_np.artefact.model": ("load_artefact", "Artefact"),
    "eng5_np.export.arrow": ("to_tables", "Tables"),
    # the error tree
    "eng5_np.errors": (
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
    ),
}
"""Each public name under the module that defines it, grouped as docs/API.md lists them: the
one list of the API. ``__all__`` is made from it; the ``TYPE_CHECKING`` imports below repeat it
for type checkers, which cannot run code (a test keeps the two equal)."""
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}
__all__ = ["__version__", *_HOME_OF]


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'eng5_np' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# The names again for type checkers, one `from` per home in _HOMES's order; `X as X` marks
# each one re-exported.
if TYPE_CHECKING:
    # isort: off
    from eng5_np.settings import (
        RunMode as RunMode,
        RunSettings as RunSettings,
    )
    from eng5_np.api import (
        run_plan as run_plan,
        run_dry_run as run_dry_run,
        run_execute as run_execute,
        run_anchor_align as run_anchor_align,
        PlanResult as PlanResult,
        DryRunResult as DryRunResult,
        ExecuteResult as ExecuteResult,
        LocalStack as LocalStack,
    )
    from eng5_np.artefact.model import (
        load_artefact as load_artefact,
        Artefact as Artefact,
    )
    from eng5_np.export.arrow import (
        to_tables as to_tables,
        Tables as Tables,
    )
    from eng5_np.errors import (
        RunnerError as RunnerError,
        UsageError as UsageError,
        DatasetError as DatasetError,
        ModelManifestError as ModelManifestError,
        AssignmentNotReady as AssignmentNotReady,
        ArtefactUnreadable as ArtefactUnreadable,
        IncomparableRuns as IncomparableRuns,
        CostLimitExceeded as CostLimitExceeded,
        JudgeMisconfigured as JudgeMisconfigured,
        DependencyUnavailable as DependencyUnavailable,
        BrokerUnavailable as BrokerUnavailable,
        ContentServiceUnavailable as ContentServiceUnavailable,
        CJServiceUnavailable as CJServiceUnavailable,
        AdminAccessRefused as AdminAccessRefused,
        AdminWriteNotStored as AdminWriteNotStored,
        LLMProviderUnavailable as LLMProviderUnavailable,
        UploadError as UploadError,
        CollectionTimeout as CollectionTimeout,
        CollectionInterrupted as CollectionInterrupted,
        BatchFailed as BatchFailed,
        ArtefactInvalid as ArtefactInvalid,
    )
    # isort: on

"""Experiments on the judge (SPEC §12): repeats, compare and sweep.

They sit above :mod:`eng5_np.modes`: they call a mode's async function for each batch and read
the artefacts it wrote; a mode never knows it is part of an experiment. Each run's figures are
the ones its artefact stored; the statistics across runs are computed here, once, with
:func:`eng5_np.analysis.repeats.aggregate_repeats`, stored in ``experiment.json`` and handed to
:mod:`eng5_np.report`, which only renders them.

May import :mod:`eng5_np.modes` and every layer below it, and :mod:`eng5_np.report` to
render what it stored; never the CLI or the local stack.
"""

from eng5_np.experiments.compare import CompareResult, run_compare
from eng5_np.experiments.repeats import ExperimentResult, run_repeats
from eng5_np.experiments.sweep import SweepPlan, SweepResult, plan_sweep, run_sweep
from eng5_np.experiments.sweep_cells import build_cells

__all__ = [
    "CompareResult",
    "ExperimentResult",
    "SweepPlan",
    "SweepResult",
    "build_cells",
    "plan_sweep",
    "run_compare",
    "run_repeats",
    "run_sweep",
]

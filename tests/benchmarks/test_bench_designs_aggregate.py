"""``bench_designs``' figures over seeds when runs' waves end at different counts (the platform
design's matchings and resampling passes, a batch that stopped early): each run is read at
every count some run reached, and a stopped run keeps the figure it stopped with."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_designs import Curve, aggregate, needed, value_at


def test_a_run_is_read_between_its_waves_and_holds_its_last_figure() -> None:
    series = {4: 0.2, 8: 0.6, 12: 0.8}
    assert value_at(series, 3) is None  # before its first wave
    assert value_at(series, 6) == 0.4  # halfway between its waves
    assert value_at(series, 12) == 0.8
    assert value_at(series, 40) == 0.8  # it stopped: the figure it stopped with
    assert value_at({4: math.inf, 8: 0.5}, 6) == math.inf  # no interval until the wave with one


def test_runs_whose_waves_differ_are_averaged_at_every_count() -> None:
    early, late = Curve(), Curve()
    early.spearman = {4: 0.5, 8: 0.7}  # stopped after 8
    late.spearman = {4: 0.3, 10: 0.9}
    mean = aggregate([early, late], lambda c: c.spearman, "mean")
    assert mean == {4: 0.4, 8: (0.7 + 0.3 + 0.6 * 4 / 6) / 2, 10: 0.8}
    # Intersecting the runs' counts would have ended the curve at 4 and never reached 0.8.
    assert needed(mean, 0.8, below=False) == 10.0

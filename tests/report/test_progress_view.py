"""The callback progress shows a total only when one is known (issue 8: it promised 253
callbacks and ended at 138, because the service stops at its own budget)."""

from __future__ import annotations

from rich.console import Console

from eng5_np.report.progress_view import RichProgress
from eng5_np.request.budget import ComparisonBudget


def shown(expected: int | None, collected: int) -> str:
    console = Console(record=True, width=100, force_terminal=False, color_system=None)
    with RichProgress(console) as progress:
        progress.callbacks(collected, expected, 12.0, 0.25)
    return console.export_text()


def test_without_a_known_total_the_count_has_no_denominator() -> None:
    text = shown(None, 138)
    assert "callbacks" in text
    assert " 138 " in text
    assert "/" not in text.split("callbacks", 1)[1].split("s ·")[0]


def test_a_promised_total_is_shown() -> None:
    assert "138/253" in shown(253, 138)


def test_only_a_budget_sent_promises_a_total() -> None:
    assert ComparisonBudget(23, None).promised is None
    assert ComparisonBudget(23, 120).promised == 120
    # Never more than the platform makes: every pair, then one resampling pass (SPEC §11.6).
    assert ComparisonBudget(7, 500).promised == 42
    assert ComparisonBudget(3, 500).promised == 15  # a small net: four passes

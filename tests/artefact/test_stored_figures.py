"""The one accessor of a run's stored figures: where each lives, and None where none is."""

from __future__ import annotations

from typing import Any

from eng5_np.artefact.stored_figures import (
    EssayFigures,
    RunFigures,
    read_essay_figures,
    read_figures,
)

NOTHING = RunFigures(*[None] * 11)


def test_every_figure_is_read_from_where_the_artefact_stores_it() -> None:
    document: dict[str, Any] = {
        "alignment": {
            "kendall_tau_b": 0.5,
            "tau_ci95": [0.25, 0.75],
            "inversions": [{}, {}, {}],
            "never_won": ["essay-1"],
        },
        "costs": {"total_usd": 0.125, "token_counts": []},
        "validation": {
            "analysis": {
                "scale_separation_reliability": 0.8,
                "split_half_reliability": 0.7,
                "position_bias": {"essay_a_win_share": 0.55},
                "position_effect": {"estimate": 0.125, "interval": [-0.25, 0.5]},
                "tally": {"failed": 4},
                "essays": [
                    {"essay_id": "essay-1", "wins": 0, "infit": 1.25},
                    {"essay_id": "essay-2", "wins": 7, "infit": None},
                ],
            }
        },
    }
    assert read_figures(document) == RunFigures(
        tau_b=0.5,
        tau_b_interval=(0.25, 0.75),
        inversions=3,
        anchors_never_won=1,
        ssr=0.8,
        split_half=0.7,
        position_bias_share=0.55,
        position_effect=0.125,
        position_effect_interval=(-0.25, 0.5),
        cost_usd=0.125,
        comparisons_failed=4,
    )
    assert read_essay_figures(document) == {
        "essay-1": EssayFigures(wins=0, infit=1.25),
        "essay-2": EssayFigures(wins=7, infit=None),
    }


def test_a_figure_not_stored_is_none_never_a_default() -> None:
    assert read_figures({}) == NOTHING
    assert read_essay_figures({}) == {}
    older: dict[str, Any] = {
        "alignment": {"kendall_tau_b": None, "tau_ci95": None},
        "validation": {"analysis": {"scale_separation_reliability": None, "position_bias": None}},
    }
    assert read_figures(older) == NOTHING
    assert read_figures({"validation": {"analysis": {"tally": {"failed": True}}}}) == NOTHING

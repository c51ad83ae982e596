"""Judges as a sweep dimension (issue 18): a model sweep on the local stack runs only when the
simulated judge's profile gives the models different judges; judge cells' settings and prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eng5_np.errors import UsageError
from eng5_np.experiments.sweep_judges import check_llm_models_on_stack, judge_cell_updates
from eng5_np.settings import RunSettings


def _profile(tmp_path: Path, rules: list[dict[str, object]]) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"name": "p", "rules": rules}), encoding="utf-8")
    return path


def test_a_model_sweep_needs_a_profile_that_varies_with_the_model(tmp_path: Path) -> None:
    models = ["gpt-5", "gpt-4.1"]
    with pytest.raises(UsageError, match="same judge in every cell") as raised:
        check_llm_models_on_stack(RunSettings(local_stack=True), models)
    assert raised.value.exit_code == 2
    same = _profile(tmp_path, [{"match": {"reasoning_effort": "high"}, "discrimination": 2.0}])
    with pytest.raises(UsageError, match="gives these models the same judge"):
        check_llm_models_on_stack(RunSettings(local_stack=True, judge_profile=same), models)
    varies = _profile(tmp_path, [{"match": {"model": "gpt-5"}, "discrimination": 2.0}])
    check_llm_models_on_stack(RunSettings(local_stack=True, judge_profile=varies), models)
    # One model, or the platform (where --llm-model does change the judge): nothing refused.
    check_llm_models_on_stack(RunSettings(local_stack=True), ["gpt-5"])
    check_llm_models_on_stack(RunSettings(), models)


def test_a_judge_cell_drops_server_options_it_cannot_use() -> None:
    assert judge_cell_updates("anthropic:claude-haiku-4-5-20251001") == {
        "judge": "anthropic:claude-haiku-4-5-20251001",
        "judge_panel": "split",
        "judge_base_url": None,
        "judge_price": None,
    }
    assert judge_cell_updates("ollama:m,anthropic:claude-haiku-4-5-20251001") == {
        "judge": "ollama:m,anthropic:claude-haiku-4-5-20251001"
    }

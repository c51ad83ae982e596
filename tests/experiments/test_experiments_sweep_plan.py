"""Sweep cells, their names and the cost estimate before anything runs (experiments/sweep*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eng5_np.errors import CostLimitExceeded, ModelManifestError, UsageError
from eng5_np.experiments.sweep import check_cost_limit, plan_sweep
from eng5_np.experiments.sweep_cells import build_cells, split_list
from eng5_np.modes.common import load_inventory
from eng5_np.reference.llm_models import load_manifest
from eng5_np.request.budget import ComparisonBudget, estimate_cost
from eng5_np.settings import RunMode, RunSettings


@pytest.fixture
def prompts(tmp_path: Path) -> list[str]:
    paths = []
    for name, text in (("strict", "Judge argument first."), ("kind", "Judge language first.")):
        path = tmp_path / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def test_every_combination_is_a_cell_named_by_what_varies(prompts: list[str]) -> None:
    cells = build_cells(["gpt-5"], ["low", "high"], prompts, [])
    assert [c.name for c in cells] == [
        "effort-low_prompt-strict",
        "effort-low_prompt-kind",
        "effort-high_prompt-strict",
        "effort-high_prompt-kind",
    ]
    first = cells[0]
    assert first.updates["llm_model"] == "gpt-5"  # not varied, so not in the name
    assert first.updates["system_prompt_file"] == Path(prompts[0])
    assert first.values["prompt"].startswith("strict.md · ")
    assert len(first.values["prompt"].split(" · ")[1]) == 12


def test_same_stem_in_two_folders_gets_distinct_names(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "prompt.md").write_text(f"prompt {folder}", encoding="utf-8")
    cells = build_cells([], [], [str(tmp_path / "a/prompt.md"), str(tmp_path / "b/prompt.md")], [])
    names = [c.name for c in cells]
    assert len(set(names)) == 2
    assert all(name.startswith("prompt-prompt-") for name in names)


def test_bad_values_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--reasoning-effort: 'extreme'"):
        build_cells([], ["extreme"], [], [])
    with pytest.raises(UsageError, match=r"--rubric .*missing\.md: no such file"):
        build_cells([], [], [], [str(tmp_path / "missing.md")])
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    with pytest.raises(UsageError, match="empty"):
        build_cells([], [], [str(tmp_path / "empty.md")], [])
    with pytest.raises(UsageError, match="empty item"):
        split_list("--llm-model", "gpt-5,,gpt-4.1")


def test_the_estimate_is_plan_modes_estimate_times_repeats() -> None:
    settings = RunSettings(mode=RunMode.EXECUTE, max_comparisons=50)
    cells = build_cells(["gpt-5", "claude-haiku-4-5-20251001"], [], [], [])
    plan = plan_sweep(settings, cells, repeats=3)
    inventory = load_inventory(settings, "00000000-0000-4000-8000-000000000001")
    essays = inventory.essays
    mean_words = sum(e.word_count for e in essays) / len(essays)
    assert inventory.prompt is not None
    prompt_words = len(inventory.prompt.content.split())
    manifest = load_manifest()
    for cell in plan.cells:
        entry = manifest.find(cell.updates["llm_model"])
        assert entry is not None
        one = estimate_cost(
            ComparisonBudget(len(essays), 50),
            mean_words,
            prompt_words,
            entry.input_per_million,
            entry.output_per_million,
        )
        assert cell.estimate_usd == pytest.approx(3 * one.usd)
    assert plan.total_usd == pytest.approx(sum(c.estimate_usd or 0 for c in plan.cells))
    check_cost_limit(plan, plan.total_usd + 0.01)
    with pytest.raises(CostLimitExceeded, match="above --cost-limit") as caught:
        check_cost_limit(plan, plan.total_usd / 2)
    assert caught.value.exit_code == 2


def test_without_a_model_the_local_stack_is_priced_as_the_simulated_judge() -> None:
    local = plan_sweep(RunSettings(local_stack=True), build_cells([], [], [], []), repeats=1)
    assert [c.priced_as for c in local.cells] == ["simulated-judge-v1"]
    remote = plan_sweep(RunSettings(), build_cells([], [], [], []), repeats=1)
    assert remote.total_usd is None
    with pytest.raises(CostLimitExceeded, match="cannot be estimated"):
        check_cost_limit(remote, 10.0)
    with pytest.raises(ModelManifestError):
        plan_sweep(RunSettings(), build_cells(["no-such-model"], [], [], []), repeats=1)

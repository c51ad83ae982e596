"""`eng5-runner models` and --llm-* overrides through the CLI (SPEC §5.4, issue 5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

Invoke = Callable[..., Result]


def test_models_lists_the_manifest_with_prices(invoke: Invoke) -> None:
    result = invoke("models", "--provider", "openai")
    assert result.exit_code == 0, result.output
    assert "gpt-5-mini" in result.output
    assert "deprecated" in result.output
    assert "claude" not in result.output


def test_plan_estimates_cost_with_the_manifest_prices(invoke: Invoke) -> None:
    result = invoke("--mode", "plan", "--llm-model", "gpt-5-mini", "--max-comparisons", "100")
    assert result.exit_code == 0, result.output
    assert "Estimated cost with GPT-5 mini" in result.output
    assert "$0.25/$2 per" in result.output


def test_plan_warns_about_a_deprecated_model(invoke: Invoke) -> None:
    result = invoke("--mode", "plan", "--llm-model", "gpt-4o-mini")
    assert result.exit_code == 0, result.output
    assert "deprecated" in result.output


def test_an_unknown_model_exits_2_with_suggestions(invoke: Invoke) -> None:
    result = invoke("--mode", "plan", "--llm-model", "gpt-5-mimi")
    assert result.exit_code == 2
    assert "did you mean gpt-5-mini" in result.output
    assert "Traceback" not in result.output


def test_execute_refuses_an_unknown_model_before_touching_any_service(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke(
        "--mode", "execute", "--llm-model", "nope-1", "--output-dir", tmp_path / "run",
        "--kafka-bootstrap", "127.0.0.1:9", "--content-service-url", "http://127.0.0.1:9/v1",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "'nope-1' is not in the model manifest" in result.output
    assert not (tmp_path / "run" / "requests").exists()


def test_a_provider_mismatch_exits_2(invoke: Invoke) -> None:
    result = invoke(
        "--mode", "plan", "--llm-provider", "google", "--llm-model", "gpt-5"
    )  # fmt: skip
    assert result.exit_code == 2
    assert "belongs to openai, not google" in result.output


def test_models_reads_at_80_columns_with_nothing_split(invoke: Invoke) -> None:
    # Issue 14: `6400/0` and `curre/nt` were split across lines at 80 columns.
    from eng5_np.reference.llm_models import load_manifest

    result = invoke("models", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.output
    rows = {line.split()[0]: line.split() for line in lines if line.startswith(" ")}
    for entry in load_manifest().models:
        row = rows[entry.model_id]
        context = "unknown" if entry.context_window is None else str(entry.context_window)
        assert row[1:] == [
            f"{entry.input_per_million:g}",
            f"{entry.output_per_million:g}",
            str(entry.max_tokens),
            context,
            "deprecated" if entry.deprecated else "current",
        ]

"""--judge-profile: a bad file stops every command that takes it with exit 2, naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


@pytest.mark.parametrize(
    "command",
    [
        ("--mode", "execute", "--local-stack", "--output-dir", "run"),
        ("stack", "up"),
        ("sweep", "--local-stack", "--output-dir", "sweep"),
    ],
)
def test_a_bad_profile_is_refused_before_anything_starts(
    invoke: Invoke, tmp_path: Path, command: tuple[str, ...]
) -> None:
    bad = tmp_path / "profile.json"
    bad.write_text('{"name": "x", "rules": [{"match": {"model": ""}}]}', encoding="utf-8")
    result = invoke(*command, "--judge-profile", str(bad))
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output
    assert "rules.0.match.model" in result.output
    assert "local stack started" not in result.output
    assert "Local stack is running" not in result.output


def test_a_profile_needs_the_local_stack(invoke: Invoke, tmp_path: Path) -> None:
    good = tmp_path / "profile.json"
    good.write_text('{"name": "x"}', encoding="utf-8")
    result = invoke("--mode", "execute", "--judge-profile", str(good))
    assert result.exit_code == 2
    assert "--judge-profile only applies with --local-stack" in result.output


def test_plan_assumes_the_profiles_judge_for_the_runs_settings(
    invoke: Invoke, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(
        '{"name": "x", "default": {"discrimination": 1.5},'
        ' "rules": [{"match": {"reasoning_effort": "high"}, "discrimination": 3}]}',
        encoding="utf-8",
    )
    plain = invoke("--mode", "plan", "--local-stack", "--judge-profile", str(profile))
    assert plain.exit_code == 0, plain.output
    assert "simulated judge of 1.5 logits per grade" in plain.output
    high = invoke(
        "--mode",
        "plan",
        "--local-stack",
        "--judge-profile",
        str(profile),
        "--reasoning-effort",
        "high",
        "--detect-difference",
        "0.5",
    )
    assert high.exit_code == 0, high.output
    assert "simulated judge of 3 logits per grade" in high.output
    assert "To detect a τ-b difference of 0.5" in high.output

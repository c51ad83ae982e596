"""The real-judge flags through the CLI (issue 11): where they apply, and bad values → exit 2
with one line, before anything starts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
NO_KEYS = {"ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": "", "GEMINI_API_KEY": ""}


@pytest.mark.parametrize(
    "flags",
    [
        ("--judge", "anthropic:claude-haiku-4-5-20251001"),
        ("--judge-concurrency", "4"),
        ("--judge-rpm", "60"),
        ("--cost-limit", "1"),
        ("--judge-both-orders", "0.2"),
    ],
)
def test_judge_flags_only_apply_with_the_local_stack(
    invoke: Invoke, flags: tuple[str, str]
) -> None:
    result = invoke("--mode", "execute", "--no-kafka", *flags)
    assert result.exit_code == 2
    assert f"{flags[0]} only applies with --local-stack" in result.output


def test_two_stack_only_flags_only_apply_with_the_local_stack(invoke: Invoke) -> None:
    result = invoke("--mode", "execute", "--no-kafka", "--judge-rpm", "60", "--cost-limit", "1")
    assert result.exit_code == 2
    assert "--judge-rpm, --cost-limit only apply with --local-stack" in result.output


@pytest.mark.parametrize(
    ("judge", "expected"),
    [
        (
            "gpt-5-mini",
            "'gpt-5-mini' is neither 'simulated' nor of the form provider:model; "
            "did you mean openai:gpt-5-mini?",
        ),
        ("anthropic claude", "(e.g. openai:gpt-5-mini)"),
    ],
)
def test_a_malformed_judge_says_which_form_is_expected(
    invoke: Invoke, judge: str, expected: str
) -> None:
    # Issue 14: it printed the raw pattern ^(simulated|[A-Za-z]+:\S+)$.
    result = invoke("--mode", "execute", "--local-stack", "--judge", judge)
    assert result.exit_code == 2
    assert expected in result.output
    assert "pattern" not in result.output
    assert "local stack started" not in result.output


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--judge-concurrency", "0"), "--judge-concurrency"),
        (("--judge-rpm", "0"), "--judge-rpm"),
        (("--cost-limit", "-1"), "--cost-limit"),
        (("--judge-both-orders", "1.5"), "--judge-both-orders"),
        (("--judge", "anthropic claude"), "--judge"),
    ],
)
def test_out_of_range_values_are_usage_errors(
    invoke: Invoke, flags: tuple[str, str], words: str
) -> None:
    result = invoke("--mode", "execute", "--local-stack", *flags)
    assert result.exit_code == 2
    assert words in result.output
    assert "local stack started" not in result.output


@pytest.mark.parametrize(
    ("judge", "message"),
    [
        ("anthropic:claude-haiku-4-5-20251001", "ANTHROPIC_API_KEY is not set"),
        ("google:gemini-2.5-flash", "GEMINI_API_KEY is not set"),
        ("anthropic:no-such-model", "not in the model manifest"),
        ("cohere:command", "not one of anthropic, openai, openrouter, google"),
    ],
)
def test_a_judge_that_cannot_start_exits_2_before_the_stack(
    invoke: Invoke, judge: str, message: str
) -> None:
    result = invoke("--mode", "execute", "--local-stack", "--judge", judge, env=NO_KEYS)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "local stack started" not in result.output
    assert "Traceback" not in result.output


def test_stack_up_refuses_a_judge_without_its_key(invoke: Invoke) -> None:
    result = invoke("stack", "up", "--judge", "openai:gpt-5-mini", env=NO_KEYS)
    assert result.exit_code == 2
    assert "OPENAI_API_KEY is not set" in result.output
    assert "Local stack is running" not in result.output


@pytest.mark.parametrize("flags", [("--judge-rpm", "60"), ("--cost-limit", "1")])
def test_provider_limits_need_a_real_judge(invoke: Invoke, flags: tuple[str, str]) -> None:
    result = invoke("--mode", "execute", "--local-stack", *flags)
    assert result.exit_code == 2
    assert "limit a real judge" in result.output
    assert "local stack started" not in result.output

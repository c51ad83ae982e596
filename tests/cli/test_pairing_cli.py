"""``--pairing`` and ``--target-precision`` (issue 17): local-stack flags, bad uses → exit 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


@pytest.mark.parametrize(
    "flags", [("--pairing", "adaptive"), ("--target-precision", "0.5")], ids=str
)
def test_pairing_flags_only_apply_with_the_local_stack(
    invoke: Invoke, flags: tuple[str, str]
) -> None:
    result = invoke("--mode", "execute", "--no-kafka", *flags)
    assert result.exit_code == 2
    assert f"{flags[0]} only applies with --local-stack" in result.output


def test_a_target_needs_the_adaptive_design(invoke: Invoke) -> None:
    result = invoke("--mode", "execute", "--local-stack", "--target-precision", "0.5")
    assert result.exit_code == 2
    assert "--target-precision only applies with --pairing adaptive" in result.output


def test_an_unknown_design_is_refused(invoke: Invoke) -> None:
    result = invoke("--mode", "execute", "--local-stack", "--pairing", "greedy")
    assert result.exit_code == 2
    assert "greedy" in result.output


def test_stack_up_refuses_a_target_that_is_not_positive(invoke: Invoke) -> None:
    result = invoke("stack", "up", "--pairing", "adaptive", "--target-precision", "0")
    assert result.exit_code == 2
    assert "must be positive" in result.output

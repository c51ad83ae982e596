"""Judge override files and flags (SPEC §4.4, §12): read, checked, sent only when given."""

from __future__ import annotations

from pathlib import Path

import pytest

from eng5_np.contracts import LLMConfigOverrides, OutputVerbosity, ReasoningEffort
from eng5_np.errors import UsageError
from eng5_np.primitives.hashing import sha256_text
from eng5_np.request.overrides import (
    llm_overrides_payload,
    load_judge_overrides,
    read_override_file,
)
from eng5_np.settings import RunSettings


def test_a_prompt_file_is_read_as_utf8_with_its_checksum(tmp_path: Path) -> None:
    path = tmp_path / "prompt-03.md"
    path.write_text("\ufeffDu är en sträng bedömare.\n", encoding="utf-8")
    text = read_override_file(path, "--system-prompt")
    assert text.text == "Du är en sträng bedömare.\n"  # the BOM is not part of the prompt
    assert text.sha256 == sha256_text(text.text)
    assert text.as_dict() == {"path": str(path), "sha256": text.sha256, "text": text.text}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b"\xff\xfe caf\xe9", "not UTF-8"),
    ],
)
def test_a_bad_override_file_is_one_line_naming_flag_and_file(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "rubric.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        read_override_file(path, "--rubric")
    line = caught.value.one_line()
    assert caught.value.exit_code == 2
    assert line.startswith(f"--rubric {path}: {expected}")
    assert "\n" not in line


def test_a_folder_is_not_an_override_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        read_override_file(tmp_path, "--system-prompt")


def test_only_given_overrides_are_sent(tmp_path: Path) -> None:
    assert llm_overrides_payload(RunSettings()) is None
    rubric = tmp_path / "rubric.md"
    rubric.write_text("Reward a clear argument over length.", encoding="utf-8")
    settings = RunSettings(
        rubric_file=rubric,
        reasoning_effort=ReasoningEffort.LOW,
        output_verbosity=OutputVerbosity.HIGH,
        llm_model="gpt-5.1",
    )
    judge = load_judge_overrides(settings)
    assert judge.system_prompt is None
    payload = llm_overrides_payload(settings, judge)
    assert payload == {
        "model_override": "gpt-5.1",
        "judge_rubric_override": "Reward a clear argument over length.",
        "reasoning_effort": "low",
        "output_verbosity": "high",
    }
    # What is sent validates against the §4.4 model and round-trips unchanged.
    assert LLMConfigOverrides.model_validate(payload).model_dump(mode="json") == payload
    assert judge.rubric is not None
    assert judge.as_dict() == {"rubric": judge.rubric.as_dict()}

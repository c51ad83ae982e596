"""Judge overrides (SPEC §4.4, §11.4, §12): system prompt and rubric files, reasoning hints.

The files are read as UTF-8 text; a missing, unreadable, empty or non-UTF-8 file is a usage
error (exit 2) naming the flag and the file. What is sent is the text itself; the artefact
records the text, the file it came from and its SHA-256 so a prompt variant can be identified
across runs (``metadata.overrides``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eng5_np.errors import UsageError
from eng5_np.primitives.hashing import sha256_text
from eng5_np.settings import RunSettings

MAX_OVERRIDE_BYTES = 256 * 1024
"""Largest prompt/rubric file accepted: far above any real prompt, small enough for a message."""


@dataclass(frozen=True)
class OverrideText:
    """The text of one override file."""

    flag: str
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the UTF-8 text (the same checksum the inventory uses)."""
        return sha256_text(self.text)

    def as_dict(self) -> dict[str, Any]:
        """The artefact's record of this override."""
        return {"path": str(self.path), "sha256": self.sha256, "text": self.text}


@dataclass(frozen=True)
class JudgeOverrides:
    """Every judge override of one run (None where not given)."""

    system_prompt: OverrideText | None = None
    rubric: OverrideText | None = None

    def as_dict(self) -> dict[str, Any] | None:
        """``metadata.overrides``: the override files, or None when neither was given."""
        block = {
            name: value.as_dict()
            for name, value in (("system_prompt", self.system_prompt), ("rubric", self.rubric))
            if value is not None
        }
        return block or None


def read_override_file(path: Path, flag: str) -> OverrideText:
    """Read one override file as UTF-8; any problem is one line naming the flag and file."""
    fix = f"Pass {flag} a UTF-8 text file that holds the text to send."
    try:
        if path.stat().st_size > MAX_OVERRIDE_BYTES:
            raise UsageError(
                f"{flag} {path}: larger than {MAX_OVERRIDE_BYTES // 1024} KiB", advice=fix
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{flag} {path}: file not found", advice=fix) from None
    except IsADirectoryError:
        raise UsageError(f"{flag} {path}: is a folder, not a file", advice=fix) from None
    except OSError as error:
        raise UsageError(
            f"{flag} {path}: cannot be read ({error.strerror or error})", advice=fix
        ) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UsageError(f"{flag} {path}: not UTF-8 text", advice=fix) from None
    if not text.strip():
        raise UsageError(f"{flag} {path}: the file is empty", advice=fix)
    return OverrideText(flag, path, text)


def load_judge_overrides(settings: RunSettings) -> JudgeOverrides:
    """Read the run's override files (exit 2 on a bad one, before anything is sent)."""
    return JudgeOverrides(
        system_prompt=(
            read_override_file(settings.system_prompt_file, "--system-prompt")
            if settings.system_prompt_file is not None
            else None
        ),
        rubric=(
            read_override_file(settings.rubric_file, "--rubric")
            if settings.rubric_file is not None
            else None
        ),
    )


def llm_overrides_payload(
    settings: RunSettings, judge: JudgeOverrides | None = None
) -> dict[str, Any] | None:
    """The request's ``llm_config_overrides``: only the keys that have a value, or None."""
    judge = judge or JudgeOverrides()
    candidates: dict[str, Any] = {
        "model_override": settings.llm_model,
        "temperature_override": settings.llm_temperature,
        "max_tokens_override": settings.llm_max_tokens,
        "provider_override": settings.llm_provider.value if settings.llm_provider else None,
        "system_prompt_override": judge.system_prompt.text if judge.system_prompt else None,
        "judge_rubric_override": judge.rubric.text if judge.rubric else None,
        "reasoning_effort": settings.reasoning_effort.value if settings.reasoning_effort else None,
        "output_verbosity": settings.output_verbosity.value if settings.output_verbosity else None,
    }
    payload = {key: value for key, value in candidates.items() if value is not None}
    return payload or None

"""Judge profiles: how the local stack's simulated judge behaves under each setting (issue 16).

A *profile* gives the simulated judge four known effects, per model × reasoning effort ×
system prompt (× rubric), so a rehearsal sweep shows exactly the differences a profile put
there and compare's statistics can be tested against a known truth. For one comparison of
essays A (shown first) and B, with latent qualities q on the grade-position scale
(:mod:`eng5_np.localstack.judge`) and word counts w::

    η = discrimination · (q_A − q_B) + position_bias + length_bias · log2(w_A / w_B)
    P(A wins) = lapse_rate / 2 + (1 − lapse_rate) · σ(η)

- ``discrimination``: logits per grade step (the default, 0.75, is the judge before profiles);
- ``position_bias``: logits added for the essay shown first (> 0 favours "Essay A");
- ``length_bias``: logits per doubling of the word count (> 0 favours the longer essay);
- ``lapse_rate``: share of judgements that are coin flips (an inattentive judge).

File (``--judge-profile FILE``, JSON)::

    {"name": "effort-matters",
     "default": {"discrimination": 0.75},
     "rules": [
       {"match": {"reasoning_effort": "high"}, "discrimination": 1.5},
       {"match": {"model": "gpt-5-mini", "prompt_sha256": "3f2a9c1b"}, "position_bias": 0.4}
     ]}

Resolution: the built-in values (0.75, 0, 0, 0), overridden by ``default``, then by the
**first** rule whose ``match`` fits the batch's settings. A match key left out matches any
value; ``"default"`` matches a setting that was not sent; ``prompt_sha256`` /
``rubric_sha256`` match a prefix (8–64 hex digits) of the SHA-256 of the override text — the
prefix ``sweep`` prints beside each file. ``model`` is the requested ``--llm-model`` (the
simulated judge still names itself ``simulated-judge-v1`` in callbacks).

The built-in profile (no file) has no rules: every setting gets the same judge, so a sweep on
it is a *null sweep* whose cells differ only by chance. A profile is named in artefacts by its
``name`` and the SHA-256 of its canonical JSON (:attr:`JudgeProfile.sha256`: formatting and key
order do not change it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eng5_np.errors import UsageError
from eng5_np.primitives.hashing import sha256_text

__all__ = [
    "BUILTIN_PROFILE_NAME",
    "DEFAULT_DISCRIMINATION",
    "JudgeParameters",
    "JudgeProfile",
    "JudgeSettings",
    "ProfileRule",
    "ResolvedJudge",
    "builtin_profile",
    "load_judge_profile",
]

DEFAULT_DISCRIMINATION: Final = 0.75
"""Logits per grade step of the built-in profile (the simulated judge's calibration)."""
BUILTIN_PROFILE_NAME: Final = "builtin-uniform"
DEFAULT_VALUE: Final = "default"
"""A match value meaning "this setting was not sent"."""
_HEX_PREFIX = r"^([0-9a-f]{8,64}|default)$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JudgeParameters(_Strict):
    """The four effects of one judge."""

    discrimination: float = Field(DEFAULT_DISCRIMINATION, ge=0.0, le=10.0)
    position_bias: float = Field(0.0, ge=-5.0, le=5.0)
    length_bias: float = Field(0.0, ge=-5.0, le=5.0)
    lapse_rate: float = Field(0.0, ge=0.0, le=1.0)


class ParameterOverrides(_Strict):
    """Some of the four effects; the rest come from the level below."""

    discrimination: float | None = Field(None, ge=0.0, le=10.0)
    position_bias: float | None = Field(None, ge=-5.0, le=5.0)
    length_bias: float | None = Field(None, ge=-5.0, le=5.0)
    lapse_rate: float | None = Field(None, ge=0.0, le=1.0)

    def applied_to(self, base: JudgeParameters) -> JudgeParameters:
        """``base`` with the values this level sets."""
        given = {k: v for k, v in self.model_dump().items() if v is not None}
        return base.model_copy(update=given)


class ProfileMatch(_Strict):
    """Which settings a rule applies to (a key left out matches anything)."""

    model: str | None = Field(None, min_length=1)
    reasoning_effort: str | None = Field(None, pattern=r"^(none|low|medium|high|default)$")
    prompt_sha256: str | None = Field(None, pattern=_HEX_PREFIX)
    rubric_sha256: str | None = Field(None, pattern=_HEX_PREFIX)


class ProfileRule(ParameterOverrides):
    """A rule: the settings it matches and the effects it sets."""

    match: ProfileMatch = Field(default_factory=ProfileMatch)


@dataclass(frozen=True)
class JudgeSettings:
    """The settings of one batch that a profile can depend on (None = not sent)."""

    model: str | None = None
    reasoning_effort: str | None = None
    prompt_sha256: str | None = None
    """SHA-256 of the ``system_prompt_override`` text."""
    rubric_sha256: str | None = None
    """SHA-256 of the ``judge_rubric_override`` text."""


@dataclass(frozen=True)
class ResolvedJudge:
    """The effects a profile gives one batch, and which rule set them."""

    parameters: JudgeParameters
    rule: int | None
    """Index of the matching rule in ``rules``; None when only ``default`` applied."""


def _fits(expected: str | None, actual: str | None, *, prefix: bool = False) -> bool:
    if expected is None:
        return True
    if expected == DEFAULT_VALUE:
        return actual is None
    if actual is None:
        return False
    return actual.lower().startswith(expected) if prefix else actual == expected


class JudgeProfile(_Strict):
    """A named set of judge effects per setting (see the module docstring)."""

    name: str = Field(min_length=1, max_length=80)
    description: str | None = None
    default: ParameterOverrides = Field(default_factory=ParameterOverrides)
    rules: tuple[ProfileRule, ...] = ()

    @property
    def sha256(self) -> str:
        """SHA-256 of the profile's canonical JSON (sorted keys, no whitespace)."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return sha256_text(canonical)

    @property
    def label(self) -> str:
        """``name · sha256[:12]``, as reports show it."""
        return f"{self.name} · {self.sha256[:12]}"

    def resolve(self, settings: JudgeSettings) -> ResolvedJudge:
        """The effects for a batch with ``settings``: default, then the first matching rule."""
        base = self.default.applied_to(JudgeParameters())
        for index, rule in enumerate(self.rules):
            match = rule.match
            if (
                _fits(match.model, settings.model)
                and _fits(match.reasoning_effort, settings.reasoning_effort)
                and _fits(match.prompt_sha256, settings.prompt_sha256, prefix=True)
                and _fits(match.rubric_sha256, settings.rubric_sha256, prefix=True)
            ):
                return ResolvedJudge(rule.applied_to(base), index)
        return ResolvedJudge(base, None)


def builtin_profile() -> JudgeProfile:
    """The profile without a file: one judge for every setting, 0.75 logits per grade."""
    return JudgeProfile(
        name=BUILTIN_PROFILE_NAME,
        description="every setting gets the same judge: 0.75 logits per grade step, no biases",
    )


def load_judge_profile(path: Path, flag: str = "--judge-profile") -> JudgeProfile:
    """Read and validate a profile file; any problem → :class:`UsageError` naming the file."""
    advice = "See `eng5-runner stack up --help` and the RUNBOOK's judge profile section."
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{flag} {path}: no such file", advice=advice) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag} {path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{flag} {path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            advice=advice,
        ) from None
    try:
        return JudgeProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise UsageError(f"{flag} {path}: {where}: {first['msg']}", advice=advice) from None

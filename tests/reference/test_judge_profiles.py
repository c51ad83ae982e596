"""Judge profiles: validation, resolution order, content hash; the judge applies them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eng5_np.contracts.cj import LLMConfigOverrides
from eng5_np.errors import UsageError
from eng5_np.localstack.judge import JudgeConfig
from eng5_np.localstack.judge_types import JudgeEssay, judge_settings
from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.judge_profiles import (
    JudgeSettings,
    builtin_profile,
    load_judge_profile,
)

PROMPT = "Judge the essays strictly."
PROFILE = {
    "name": "effort-matters",
    "default": {"discrimination": 1.0},
    "rules": [
        {"match": {"reasoning_effort": "high"}, "discrimination": 2.0},
        {"match": {"model": "gpt-5", "prompt_sha256": sha256_text(PROMPT)[:12]}, "lapse_rate": 0.5},
        {"match": {"model": "default"}, "position_bias": 0.5},
    ],
}


def _write(tmp_path: Path, data: object, name: str = "profile.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_first_matching_rule_wins_over_the_default(tmp_path: Path) -> None:
    profile = load_judge_profile(_write(tmp_path, PROFILE))
    high = profile.resolve(JudgeSettings(model="gpt-5", reasoning_effort="high"))
    assert (high.rule, high.parameters.discrimination) == (0, 2.0)
    prompted = profile.resolve(JudgeSettings(model="gpt-5", prompt_sha256=sha256_text(PROMPT)))
    assert prompted.rule == 1
    assert (prompted.parameters.discrimination, prompted.parameters.lapse_rate) == (1.0, 0.5)
    unset = profile.resolve(JudgeSettings())
    assert (unset.rule, unset.parameters.position_bias) == (2, 0.5)
    other = profile.resolve(JudgeSettings(model="claude"))
    assert other.rule is None
    assert other.parameters.model_dump() == {
        "discrimination": 1.0,
        "position_bias": 0.0,
        "length_bias": 0.0,
        "lapse_rate": 0.0,
    }


def test_the_hash_ignores_formatting_and_names_the_content(tmp_path: Path) -> None:
    compact = load_judge_profile(_write(tmp_path, PROFILE, "a.json"))
    spaced = tmp_path / "b.json"
    spaced.write_text(json.dumps(PROFILE, indent=4, sort_keys=True), encoding="utf-8")
    assert load_judge_profile(spaced).sha256 == compact.sha256
    changed = load_judge_profile(_write(tmp_path, {**PROFILE, "name": "other"}, "c.json"))
    assert changed.sha256 != compact.sha256
    assert compact.label == f"effort-matters · {compact.sha256[:12]}"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"name": "x", "default": {"lapse_rate": 2}}), "default.lapse_rate"),
        (json.dumps({"name": "x", "rules": [{"match": {"colour": "red"}}]}), "colour"),
        (json.dumps({"default": {}}), "name"),
    ],
)
def test_a_bad_file_is_a_usage_error_naming_it(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=words) as caught:
        load_judge_profile(path)
    assert caught.value.exit_code == 2
    assert str(path) in caught.value.one_line()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_judge_profile(tmp_path / "absent.json")


def test_the_builtin_profile_keeps_the_judge_of_before() -> None:
    judge = JudgeConfig().build(9)
    assert judge.slope == 0.75
    strong = JudgeEssay("a", "text " * 300, anchor_position=6)
    weak = JudgeEssay("b", "text " * 100, anchor_position=2)
    assert judge.win_probability(strong, weak) == 1 / (1 + math.exp(-0.75 * 4))
    assert builtin_profile().rules == ()


def test_the_judge_applies_the_profile_of_the_requests_settings(tmp_path: Path) -> None:
    data = {
        "name": "biased",
        "rules": [
            {
                "match": {"reasoning_effort": "low"},
                "discrimination": 0.0,
                "position_bias": math.log(3),
                "length_bias": 1.0,
                "lapse_rate": 0.5,
            }
        ],
    }
    config = JudgeConfig(profile=load_judge_profile(_write(tmp_path, data)))
    settings = judge_settings(LLMConfigOverrides(reasoning_effort="low"))
    judge = config.build(9, settings)
    long_a = JudgeEssay("a", "word " * 200, anchor_position=1)
    short_b = JudgeEssay("b", "word " * 100, anchor_position=7)
    # logit = 0·Δq + log 3 + 1·log2(2) → σ = 6/7 ... lapse 0.5 halves the pull to 0.5
    chosen = 1 / (1 + math.exp(-(math.log(3) + 1.0)))
    assert judge.win_probability(long_a, short_b) == pytest.approx(0.25 + 0.5 * chosen)
    assert config.build(9).parameters.discrimination == 0.75  # other settings: the default

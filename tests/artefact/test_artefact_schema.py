"""The artefact schema (SPEC §6.1): the stub validates, broken documents do not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from eng5_np.artefact.schema import (
    load_schema,
    schema_version,
    validate_document,
    validation_errors,
)
from eng5_np.errors import ArtefactInvalid

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_repo_schema_path_is_the_packaged_schema() -> None:
    repo_copy = json.loads(
        (REPO_ROOT / "schemas" / "assessment_run.schema.json").read_text("utf-8")
    )
    assert repo_copy == load_schema()


def test_schema_version_is_1_x_y() -> None:
    version = schema_version()
    major, minor, patch = version.split(".")
    assert major == "1"
    assert minor.isdigit()
    assert patch.isdigit()


def test_stub_artefact_validates(stub_document: dict[str, Any]) -> None:
    assert validation_errors(stub_document) == []
    validate_document(stub_document)
    assert stub_document["schema_version"] == schema_version()
    assert stub_document["metadata"]["stack"] == {
        "kind": "none",
        "judge": "none",
        "description": "dry-run: no service was contacted",
    }
    assert len(stub_document["inputs"]["anchors"]) == 9
    assert len(stub_document["inputs"]["students"]) == 14


def broken(document: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    """A deep copy of ``document`` with the value at ``path`` replaced (or deleted if ...)."""
    result = copy.deepcopy(document)
    target: Any = result
    for key in path[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is Ellipsis:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("metadata", "git_sha"), "not-a-sha", "metadata/git_sha"),
        (("metadata", "git_sha"), "ABCDEF1", "metadata/git_sha"),
        (("metadata", "wire_batch_id"), "batch-1", "metadata/wire_batch_id"),
        (("metadata", "grade_scale"), "letters", "metadata/grade_scale"),
        (("metadata", "generated_at"), "yesterday", "metadata/generated_at"),
        (("inputs", "anchors"), [], "inputs/anchors"),
        (("inputs", "students"), ..., "students"),
        (("inputs", "instructions", "checksum"), "abc", "inputs/instructions/checksum"),
        (("inputs", "students", "0", "surprise"), 1, "inputs/students/0"),
        (("validation", "artefact_checksum"), "0" * 63, "validation/artefact_checksum"),
        (("metadata", "runner_mode"), "plan", "metadata/runner_mode"),
        (("costs",), ..., "costs"),
        (("extra",), {}, "(root)"),
    ],
)
def test_broken_documents_are_named(
    stub_document: dict[str, Any], path: tuple[str, ...], value: object, fragment: str
) -> None:
    document = broken(stub_document, path, value)
    errors = validation_errors(document)
    assert errors
    assert any(fragment in e for e in errors), errors
    with pytest.raises(ArtefactInvalid, match="does not match its schema") as info:
        validate_document(document)
    assert info.value.exit_code == 1


def test_manifest_paths_outside_the_data_folders_are_invalid(
    stub_document: dict[str, Any],
) -> None:
    entry = {"path": "events/../../etc/passwd", "sha256": "0" * 64, "bytes": 1}
    document = broken(stub_document, ("validation", "manifest"), [entry])
    assert validation_errors(document)
    entry = {"path": "runner.log.jsonl", "sha256": "0" * 64, "bytes": 1}
    document = broken(stub_document, ("validation", "manifest"), [entry])
    assert validation_errors(document)


def test_single_definitions_can_be_checked(stub_document: dict[str, Any]) -> None:
    anchor = stub_document["inputs"]["anchors"][0]
    assert validation_errors(anchor, "anchor") == []
    assert validation_errors({**anchor, "grade": ""}, "anchor")
    assert validation_errors(anchor, "student"), "an anchor record is not a student record"


def test_many_errors_are_summarised(stub_document: dict[str, Any]) -> None:
    document = copy.deepcopy(stub_document)
    for student in document["inputs"]["students"]:
        student["checksum"] = "bad"
    with pytest.raises(ArtefactInvalid, match=r"\(\+\d+ more\)$"):
        validate_document(document)


def _bt_entry(**overrides: object) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "essay_id": "essay_one",
        "theta": 1.5,
        "runner_theta": 1.2,
        "standard_error": 0.4,
        "rank": 1,
        "comparison_count": 6,
        "is_anchor": False,
    }
    entry.update(overrides)
    return entry


def test_schema_1_1_carries_runner_theta_and_the_analysis_block(
    stub_document: dict[str, Any],
) -> None:
    document = copy.deepcopy(stub_document)
    uncompared = _bt_entry(
        essay_id="essay_two", rank=2, comparison_count=0, runner_theta=None, standard_error=None
    )
    document["bt_summary"] = [_bt_entry(), uncompared]
    document["validation"]["analysis"] = {
        "scale_separation_reliability": -0.4,
        "split_half_reliability": None,
        "reasons": ["negative"],
        "errors": [],
        "separated": ["essay_one"],
        "fit_method": "map-newton",
        "prior_sd": 3.0,
        "components": 1,
    }
    assert validation_errors(document) == []
    assert schema_version() == "1.1.0"

    # A runner θ without comparisons, or a compared essay without one, is invalid.
    document["bt_summary"][1]["runner_theta"] = 0.3
    assert validation_errors(document) != []
    document["bt_summary"][1]["runner_theta"] = None
    document["bt_summary"][0]["runner_theta"] = None
    assert validation_errors(document) != []


def test_a_1_0_artefact_without_the_new_fields_still_validates(
    stub_document: dict[str, Any],
) -> None:
    document = copy.deepcopy(stub_document)
    entry = _bt_entry()
    del entry["runner_theta"]
    document["bt_summary"] = [entry]
    document["validation"].pop("analysis", None)
    assert validation_errors(document) == []

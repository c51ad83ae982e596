"""The artefact JSON Schema (SPEC §6.1): loading, whole-document and per-record validation.

The schema ships inside the package (``eng5_np/data/assessment_run.schema.json``; the repo's
``schemas/`` entry points at the same file). Whole documents are validated before every write;
comparison records can be validated one by one as they arrive, so checkpoints do not have to
re-validate every record already checked.

Validation runs in two stages: the compiled ``jsonschema-rs`` validator answers "valid?"
(about a hundred times faster than pure-Python ``jsonschema`` on a 20,000-comparison artefact,
which kept the final write from being the bottleneck, see benchmarks/); only an invalid
document is walked again with ``jsonschema`` to produce the familiar error messages.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from eng5_np.errors import ArtefactInvalid

SCHEMA_RESOURCE = "assessment_run.schema.json"
MAX_REPORTED_ERRORS = 5


@cache
def load_schema() -> dict[str, Any]:
    """The artefact schema as a dict (read once per process)."""
    text = resources.files("eng5_np.data").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_version() -> str:
    """The artefact schema version this runner writes (from the schema's ``$id``)."""
    return str(load_schema()["$id"]).rsplit(":", 1)[-1]


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    schema = load_schema()
    if definition is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _fast_validator(definition: str | None) -> jsonschema_rs.Draft202012Validator:
    schema = load_schema()
    if definition is not None:
        schema = {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema_rs.Draft202012Validator(schema)


def validation_errors(document: object, definition: str | None = None) -> list[str]:
    """Human-readable schema errors of ``document`` (empty when valid)."""
    if _fast_validator(definition).is_valid(document):
        return []
    errors = sorted(_validator(definition).iter_errors(document), key=lambda e: list(e.path))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:200]}"
        for error in errors
    ]


def validate_document(document: object, definition: str | None = None) -> None:
    """Raise :class:`ArtefactInvalid` naming the first errors when ``document`` is invalid."""
    errors = validation_errors(document, definition)
    if errors:
        shown = "; ".join(errors[:MAX_REPORTED_ERRORS])
        more = f" (+{len(errors) - MAX_REPORTED_ERRORS} more)" if len(errors) > 5 else ""
        raise ArtefactInvalid(f"artefact does not match its schema: {shown}{more}")

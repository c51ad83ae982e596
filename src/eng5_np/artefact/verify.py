"""Verify an artefact: schema, checksum, and every manifest entry re-hashed (SPEC §6.4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eng5_np.artefact.checksum import compute_checksum, file_sha256
from eng5_np.artefact.schema import load_schema, validation_errors
from eng5_np.errors import ArtefactUnreadable


@dataclass
class VerificationReport:
    """What ``verify_artefact`` found; ``ok`` only when nothing is wrong."""

    artefact: Path
    problems: list[str] = field(default_factory=list)
    checked_files: int = 0

    @property
    def ok(self) -> bool:
        """True when schema, checksum and manifest all match."""
        return not self.problems

    @property
    def verdict(self) -> str:
        """What the problems mean, in words: a change after writing, or a file that is not one.

        Only a checksum or manifest mismatch shows a change; schema problems alone mean the
        file is not (or no longer) a complete artefact.
        """
        if any(not p.startswith("schema: ") for p in self.problems):
            return "the artefact or a file it lists was changed after it was written"
        return (
            "it lacks fields an artefact has or holds values one cannot: not an artefact "
            "eng5-runner wrote, or one edited by hand"
        )


def read_artefact_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; :class:`ArtefactUnreadable` (exit 2) when there is none.

    A missing file or one that is not JSON is a wrong path, not a changed artefact, so it is
    a usage error rather than a failed verification.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArtefactUnreadable(f"{path}: not found") from None
    except IsADirectoryError:
        raise ArtefactUnreadable(f"{path}: is a folder, not an artefact file") from None
    except OSError as exc:
        raise ArtefactUnreadable(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        document = json.loads(raw)
    except ValueError:
        raise ArtefactUnreadable(f"{path}: not a JSON artefact (the file is not JSON)") from None
    if not isinstance(document, dict):
        raise ArtefactUnreadable(f"{path}: not a JSON artefact (the top level is not an object)")
    return document


def verify_artefact(path: Path, *, check_manifest: bool = True) -> VerificationReport:
    """Check an artefact file against its schema, its checksum and (unless told not to, for
    an artefact copied away from its run folder) its manifest.

    Raises :class:`ArtefactUnreadable` when the file is missing or not a JSON object.
    """
    report = VerificationReport(artefact=path)
    document = read_artefact_json(path)
    required = [str(name) for name in load_schema().get("required", [])]
    if required and not any(name in document for name in required):
        # `verify {}` blamed a changed artefact: a JSON object with none of an artefact's
        # fields is the wrong file, not a changed one.
        raise ArtefactUnreadable(
            f"{path}: not an artefact (it has none of the fields {', '.join(required)})"
        )
    report.problems.extend(f"schema: {e}" for e in validation_errors(document))
    validation = document.get("validation")
    if not isinstance(validation, dict):
        return report
    stored = validation.get("artefact_checksum")
    actual = compute_checksum(document)
    if stored != actual:
        report.problems.append(
            f"checksum: artefact_checksum is {stored}, but the content hashes to {actual}"
        )
    run_dir = path.parent.resolve()
    for entry in validation.get("manifest") or [] if check_manifest else []:
        if not isinstance(entry, dict):
            continue
        rel = str(entry.get("path", ""))
        target = (run_dir / rel).resolve()
        if not target.is_relative_to(run_dir):
            report.problems.append(f"manifest: {rel} points outside the run folder")
            continue
        if not target.is_file():
            report.problems.append(f"manifest: {rel} is missing")
            continue
        sha, size = file_sha256(target)
        report.checked_files += 1
        if sha != entry.get("sha256") or size != entry.get("bytes"):
            report.problems.append(
                f"manifest: {rel} changed (sha256 {sha}, {size} bytes; the artefact lists "
                f"{entry.get('sha256')}, {entry.get('bytes')} bytes)"
            )
    return report

"""Dataset inventory (SPEC §3): every file read, checked and described, every problem listed.

``build_inventory`` never stops at the first problem: it reads the whole dataset and returns an
:class:`Inventory` whose ``problems`` list each unusable file or grade in one line naming the
file and what to do. ``Inventory.require_usable`` turns a non-empty list into a
:class:`~eng5_np.errors.DatasetError` (exit 2).
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from eng5_np.dataset.anchor_grades import read_grade_table
from eng5_np.dataset.extract import (
    DEFAULT_MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    ExtractionError,
    extract_text,
)
from eng5_np.dataset.ids import EssayRole, derive_display_names, derive_wire_ids
from eng5_np.errors import DatasetError
from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.grades import GradeScale

LINK_REFUSED = (
    "a symbolic link; dataset files must be regular files inside the dataset folder, so copy "
    "the file in"
)
INSTRUCTIONS_FILE = "instructions.md"
PROMPT_FILE = "prompt.md"
ANCHOR_DIR = "anchor_essays"
STUDENT_DIR = "student_essays"


def is_editor_scratch(name: str) -> bool:
    """True for an editor's lock or temporary file, never an essay.

    Word writes ``~$essay.docx`` while a document is open, LibreOffice ``.~lock.essay.docx#``
    (hidden as well), and many editors ``*.tmp``; reading one as an essay fails (a lock file is
    not a .docx package) and would block the whole dataset (issue 14).
    """
    lowered = name.casefold()
    return (
        name.startswith("~$")
        or (name.startswith(".~lock.") and name.endswith("#"))
        or lowered.endswith(".tmp")
    )


@dataclass(frozen=True)
class SourceDocument:
    """A text document of the dataset (instructions, prompt) with its checksum."""

    source_path: str
    """Path relative to the dataset root, POSIX separators."""
    checksum: str
    """SHA-256 of the extracted UTF-8 text."""
    content: str


@dataclass(frozen=True)
class EssayFile:
    """One essay file, its extracted text and its two names (SPEC §3)."""

    role: EssayRole
    essay_id: str
    """The opaque wire id: what goes into the request and comes back in callbacks."""
    display_name: str
    """The readable name shown to people (reports, terminal); never sent."""
    file_name: str
    source_path: str
    """Path relative to the dataset root, POSIX separators."""
    absolute_path: Path
    text: str
    checksum: str
    """SHA-256 of the extracted UTF-8 text: the upload cache key."""
    file_sha256: str
    file_bytes: int
    grade: str | None = None
    """Anchor grade normalised onto the chosen scale (anchors only)."""
    notes: str = ""

    @property
    def word_count(self) -> int:
        """Whitespace-separated words in the extracted text."""
        return len(self.text.split())


@dataclass
class Inventory:
    """Everything read from one dataset folder."""

    dataset_dir: Path
    grade_scale: GradeScale
    instructions: SourceDocument | None = None
    prompt: SourceDocument | None = None
    anchors: list[EssayFile] = field(default_factory=list)
    students: list[EssayFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Hidden files and editor lock/temporary files left out, one line each (plan lists them)."""

    @property
    def essays(self) -> list[EssayFile]:
        """Anchors first, then students."""
        return [*self.anchors, *self.students]

    def essay_by_id(self) -> dict[str, EssayFile]:
        """Essays keyed by essay id."""
        return {essay.essay_id: essay for essay in self.essays}

    def inventory_hash(self) -> str:
        """A SHA-256 over the role, file, checksum and grade of every input, order-independent."""
        digest = hashlib.sha256()
        lines = sorted(
            f"{e.role.value}\t{e.source_path}\t{e.checksum}\t{e.grade or ''}" for e in self.essays
        )
        for doc in (self.instructions, self.prompt):
            if doc is not None:
                lines.append(f"document\t{doc.source_path}\t{doc.checksum}")
        for line in lines:
            digest.update(line.encode("utf-8") + b"\n")
        return digest.hexdigest()

    def require_usable(self) -> None:
        """Raise :class:`DatasetError` listing every problem, if there are any."""
        if self.problems:
            count = len(self.problems)
            raise DatasetError(
                f"dataset {self.dataset_dir} has {count} problem{'s' if count != 1 else ''}: "
                + self.problems[0]
                + (f" (and {count - 1} more, listed above)" if count > 1 else ""),
                problems=self.problems,
                advice=plan_advice(self.dataset_dir),
            )


def plan_advice(dataset_dir: Path) -> str:
    """What to do about dataset problems, with the plan command for *this* dataset.

    Advising a bare ``eng5-runner --mode plan`` checked the bundled sample dataset instead of
    the user's (issue 14).
    """
    command = f"eng5-runner --mode plan --dataset-dir {shlex.quote(str(dataset_dir))}"
    return f"Fix the dataset files named above and run `{command}` again."


def build_inventory(
    dataset_dir: Path,
    grade_scale: GradeScale,
    wire_batch_id: str,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Inventory:
    """Read and check a dataset folder; problems are collected, not raised.

    Only a missing dataset folder raises immediately, since nothing else can be checked.
    """
    if not dataset_dir.is_dir():
        raise DatasetError(
            f"dataset folder {dataset_dir} does not exist or is not a folder",
            advice="Pass --dataset-dir (or ENG5_DATASET_DIR) pointing at a dataset laid out as "
            "in docs/RUNBOOK.md, or omit it to use the bundled sample dataset.",
        )
    root = dataset_dir.resolve()
    inventory = Inventory(dataset_dir=root, grade_scale=grade_scale)
    inventory.instructions = _read_document(root, INSTRUCTIONS_FILE, inventory, max_file_bytes)
    inventory.prompt = _read_document(root, PROMPT_FILE, inventory, max_file_bytes)

    anchor_files = _essay_files(root, ANCHOR_DIR, inventory)
    student_files = _essay_files(root, STUDENT_DIR, inventory)
    table = read_grade_table(root)
    inventory.problems.extend(table.problems)

    wire_ids = derive_wire_ids(
        [(EssayRole.ANCHOR, p.stem) for p in anchor_files]
        + [(EssayRole.STUDENT, p.stem) for p in student_files],
        wire_batch_id,
    )
    names = {
        EssayRole.ANCHOR: derive_display_names([p.stem for p in anchor_files], EssayRole.ANCHOR),
        EssayRole.STUDENT: derive_display_names([p.stem for p in student_files], EssayRole.STUDENT),
    }

    matched_rows: set[str] = set()
    for path in anchor_files:
        grade: str | None = None
        notes = ""
        row = table.lookup(path.stem)
        if row is None:
            if table.source is not None:
                inventory.problems.append(
                    f"{_rel(root, path)}: anchor has no grade in {table.source.name}; add a row "
                    f"'{path.stem},<grade>'"
                )
        else:
            matched_rows.add(row.anchor_id.casefold())
            notes = row.notes
            if not row.grade:
                inventory.problems.append(
                    f"{table.source.name if table.source else 'anchors'}:{row.line}: anchor "
                    f"{row.anchor_id} has no grade; fill in its grade column"
                )
            elif not grade_scale.contains(row.grade):
                inventory.problems.append(
                    f"{table.source.name if table.source else 'anchors'}:{row.line}: grade "
                    f"{row.grade!r} of {row.anchor_id} is not on {grade_scale.name.value} "
                    f"({' '.join(grade_scale.grades)}); fix the grade or pass --grade-scale"
                )
            else:
                grade = grade_scale.normalise(row.grade)
        essay = _read_essay(
            root,
            path,
            EssayRole.ANCHOR,
            (wire_ids[(EssayRole.ANCHOR, path.stem)], names[EssayRole.ANCHOR][path.stem]),
            inventory,
            max_file_bytes,
            grade=grade,
            notes=notes,
        )
        if essay is not None:
            inventory.anchors.append(essay)
    for key, row in table.rows.items():
        if key not in matched_rows:
            inventory.warnings.append(
                f"{table.source.name if table.source else 'anchors'}:{row.line}: "
                f"no file in {ANCHOR_DIR}/ for anchor_id {row.anchor_id!r}; the row is ignored"
            )
    for path in student_files:
        essay = _read_essay(
            root,
            path,
            EssayRole.STUDENT,
            (wire_ids[(EssayRole.STUDENT, path.stem)], names[EssayRole.STUDENT][path.stem]),
            inventory,
            max_file_bytes,
        )
        if essay is not None:
            inventory.students.append(essay)
    _warn_duplicate_texts(inventory)
    return inventory


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _read_document(
    root: Path, name: str, inventory: Inventory, max_file_bytes: int
) -> SourceDocument | None:
    path = root / name
    if path.is_symlink():
        inventory.problems.append(f"{name}: {LINK_REFUSED}")
        return None
    if not path.is_file():
        inventory.problems.append(f"{name}: missing; add the file to the dataset folder")
        return None
    try:
        text = extract_text(path, max_bytes=max_file_bytes)
    except ExtractionError as exc:
        inventory.problems.append(f"{name}: {exc}")
        return None
    return SourceDocument(source_path=name, checksum=sha256_text(text), content=text)


def _essay_files(root: Path, folder: str, inventory: Inventory) -> list[Path]:
    directory = root / folder
    if directory.is_symlink():
        inventory.problems.append(f"{folder}/: {LINK_REFUSED}")
        return []
    if not directory.is_dir():
        inventory.problems.append(f"{folder}/: missing; create it and put the essays in it")
        return []
    files: list[Path] = []
    stems: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        # A link is never followed: one to /etc/passwd was uploaded as an essay (issue 8).
        if path.is_symlink():
            inventory.warnings.append(f"{_rel(root, path)}: skipped; {LINK_REFUSED}")
            continue
        if is_editor_scratch(path.name):
            inventory.skipped.append(f"{_rel(root, path)}: editor lock or temporary file, skipped")
            continue
        if path.name.startswith("."):
            inventory.skipped.append(f"{_rel(root, path)}: hidden, skipped")
            continue
        if path.is_dir():
            continue
        if not path.is_file():
            inventory.warnings.append(
                f"{_rel(root, path)}: skipped; not a regular file (a pipe, socket or device)"
            )
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            inventory.problems.append(
                f"{_rel(root, path)}: unsupported file type; convert it to .txt, .md, .docx "
                "or .pdf, or move it out of the folder"
            )
            continue
        clash = stems.get(path.stem.casefold())
        if clash is not None:
            inventory.problems.append(
                f"{_rel(root, path)}: same name as {clash.name}; rename one so each essay has "
                "its own file name"
            )
            continue
        stems[path.stem.casefold()] = path
        files.append(path)
    if not files and directory.is_dir():
        inventory.problems.append(f"{folder}/: contains no essays (.txt, .md, .docx, .pdf)")
    return files


def _read_essay(
    root: Path,
    path: Path,
    role: EssayRole,
    names: tuple[str, str],
    inventory: Inventory,
    max_file_bytes: int,
    *,
    grade: str | None = None,
    notes: str = "",
) -> EssayFile | None:
    try:
        text = extract_text(path, max_bytes=max_file_bytes)
        raw = path.read_bytes()
    except ExtractionError as exc:
        inventory.problems.append(f"{_rel(root, path)}: {exc}")
        return None
    except OSError as exc:
        inventory.problems.append(f"{_rel(root, path)}: cannot be read ({exc.strerror})")
        return None
    essay_id, display_name = names
    return EssayFile(
        role=role,
        essay_id=essay_id,
        display_name=display_name,
        file_name=path.name,
        source_path=_rel(root, path),
        absolute_path=path,
        text=text,
        checksum=sha256_text(text),
        file_sha256=hashlib.sha256(raw).hexdigest(),
        file_bytes=len(raw),
        grade=grade,
        notes=notes,
    )


def _warn_duplicate_texts(inventory: Inventory) -> None:
    seen: dict[str, EssayFile] = {}
    for essay in inventory.essays:
        first = seen.setdefault(essay.checksum, essay)
        if first is not essay:
            inventory.warnings.append(
                f"{essay.source_path}: same text as {first.source_path}; both are kept"
            )

"""Write ``report.md`` and ``report.html`` next to an artefact (SPEC §2, §8).

Both reports are derived from the artefact alone, so they can be re-rendered at any time
(``eng5-runner report ARTEFACT``). They are written atomically and are deliberately not in the
artefact's manifest: they may be re-rendered after the artefact was sealed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.schema import validation_errors
from eng5_np.artefact.verify import read_artefact_json
from eng5_np.errors import UsageError
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.report.alignment_section import alignment_section
from eng5_np.report.checks import compute_checks
from eng5_np.report.facts import read_facts
from eng5_np.report.gates import QualityThresholds
from eng5_np.report.html import render_html
from eng5_np.report.markdown import render_markdown

REPORT_MARKDOWN = "report.md"
REPORT_HTML = "report.html"


def load_artefact(path: Path) -> dict[str, Any]:
    """Read an artefact and check it against the schema; :class:`UsageError` names the file."""
    document = read_artefact_json(path)
    errors = validation_errors(document)
    if errors:
        raise UsageError(
            f"{path}: does not match the artefact schema ({errors[0]})",
            advice="Run `eng5-runner verify` on it for every problem.",
        )
    return document


def checksum_mismatch(artefact: dict[str, Any]) -> str | None:
    """How a schema-valid ``artefact`` no longer matches its checksum, or None when it does."""
    stored = artefact["validation"]["artefact_checksum"]
    actual = compute_checksum(artefact)
    if stored == actual:
        return None
    return f"its artefact_checksum is {stored[:12]}…, its content hashes to {actual[:12]}…"


def render_reports(
    artefact: Mapping[str, Any],
    thresholds: QualityThresholds | None = None,
    *,
    changed: str | None = None,
) -> tuple[str, str]:
    """The Markdown and HTML reports of a schema-valid artefact, as text.

    ``changed`` (what :func:`checksum_mismatch` found) puts a danger banner atop both.
    """
    facts = dataclasses.replace(read_facts(artefact), changed=changed)
    checks = compute_checks(artefact, thresholds)
    alignment = alignment_section(artefact)
    return render_markdown(facts, checks, alignment), render_html(facts, checks, alignment)


def write_reports(
    artefact_path: Path,
    artefact: Mapping[str, Any] | None = None,
    *,
    changed: str | None = None,
) -> tuple[Path, Path]:
    """Render both reports of the artefact and write them next to it; returns their paths.

    ``artefact`` is the document already loaded by :func:`load_artefact`, or as the run just
    sealed and wrote it (schema-checked then); read from the path when None. ``changed`` is
    passed on to :func:`render_reports`.
    """
    document = load_artefact(artefact_path) if artefact is None else artefact
    markdown, page = render_reports(document, changed=changed)
    folder = artefact_path.parent
    markdown_path, html_path = folder / REPORT_MARKDOWN, folder / REPORT_HTML
    atomic_write_bytes(markdown_path, markdown.encode("utf-8"))
    atomic_write_bytes(html_path, page.encode("utf-8"))
    return markdown_path, html_path

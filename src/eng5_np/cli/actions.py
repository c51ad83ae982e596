"""The actions beside the modes: ``verify``, ``report``, ``models``, ``schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eng5_np.artefact.schema import load_schema
from eng5_np.artefact.verify import verify_artefact
from eng5_np.cli.common import fail, stderr_console
from eng5_np.cli.help import choices
from eng5_np.contracts.enums import LLMProviderType
from eng5_np.errors import ArtefactChanged, RunnerError
from eng5_np.reference.llm_models import load_manifest


def verify_command(
    artefact: Annotated[Path, typer.Argument(help="Path to an assessment_run.*.json artefact.")],
) -> None:
    """Verify an artefact: JSON Schema, checksum, and every file in its manifest."""
    try:
        report = verify_artefact(artefact)
    except RunnerError as error:
        raise fail(error) from None
    console = Console(highlight=False, soft_wrap=True)
    if report.ok:
        console.print(
            f"OK {artefact}: schema valid, checksum matches, {report.checked_files} manifest "
            "file(s) match."
        )
        return
    stderr = stderr_console()
    for problem in report.problems:
        stderr.print(f"  ✗ {problem}", markup=False)
    stderr.print(
        f"error: {artefact} failed verification ({len(report.problems)} problem(s), listed "
        f"above) — {report.verdict}.",
        markup=False,
    )
    raise typer.Exit(1)


def report_command(
    artefact: Annotated[Path, typer.Argument(help="Path to an assessment_run.*.json artefact.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Render an artefact whose checksum no longer matches, under a warning banner.",
        ),
    ] = False,
) -> None:
    """Re-render report.md and report.html next to an existing artefact.

    The artefact's checksum is checked first: a changed artefact is refused (exit 1).
    """
    # Imported here: the checks pull in numpy and choix, which slow every other command.
    from eng5_np.report.render import checksum_mismatch, load_artefact, write_reports

    try:
        document = load_artefact(artefact)
        mismatch = checksum_mismatch(document)
        if mismatch is not None and not force:
            raise ArtefactChanged(
                f"{artefact}: not rendered: changed after it was written ({mismatch})"
            )
        changed = None if mismatch is None else f"changed after it was written ({mismatch})"
        paths = write_reports(artefact, document, changed=changed)
    except RunnerError as error:
        raise fail(error) from None
    if changed is not None:
        stderr_console().print(
            f"WARNING: {artefact}: {changed}; rendered under a warning banner (--force)",
            markup=False,
        )
    for path in paths:
        typer.echo(str(path))


def models_command(
    provider: Annotated[
        LLMProviderType | None,
        typer.Option(
            case_sensitive=False,
            metavar="NAME",
            help=f"Only this provider: {choices(LLMProviderType)}.",
        ),
    ] = None,
) -> None:
    """List the LLM models of the shipped manifest with prices (USD per million tokens)."""
    manifest = load_manifest()
    console = Console(highlight=False)
    wide = console.width >= 110  # display names only where they fit beside the ids
    # Models under a row per provider, no cell ever wrapped: a model id is copied into
    # --llm-model and a number read whole, so at 80 columns nothing may be split (issue 14).
    table = Table(
        title=f"LLM models (prices as of {manifest.prices_as_of}, USD per M tokens)",
        box=None,
        pad_edge=False,
        header_style="bold underline",
    )
    table.add_column("model", no_wrap=True)
    for column in ("in", "out", "max out", "context"):
        table.add_column(column, no_wrap=True, justify="right")
    table.add_column("status", no_wrap=True)
    if wide:
        table.add_column("name", overflow="fold")
    shown = None
    for entry in manifest.models:
        if provider is not None and entry.provider != provider:
            continue
        if entry.provider != shown:
            shown = entry.provider
            table.add_row(f"[bold]{entry.provider.value}[/bold]")
        table.add_row(
            f" {escape(entry.model_id)}",
            f"{entry.input_per_million:g}",
            f"{entry.output_per_million:g}",
            str(entry.max_tokens),
            "unknown" if entry.context_window is None else str(entry.context_window),
            "deprecated" if entry.deprecated else "current",
            *((escape(entry.display_name),) if wide else ()),
        )
    console.print(table)
    console.print(
        "max out: answer tokens per call · context: tokens one request may hold (prompt and "
        "answer), unknown where the manifest has none",
        soft_wrap=False,
    )


def schema_command() -> None:
    """Print the artefact JSON Schema this runner writes."""
    typer.echo(json.dumps(load_schema(), indent=2))

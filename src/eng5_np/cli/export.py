"""``eng5-runner export PATH... --format csv|parquet --output-dir DIR``: the tidy tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eng5_np.cli.common import fail, stderr_console
from eng5_np.cli.help import enum_parser
from eng5_np.errors import RunnerError
from eng5_np.export.columns import ExportFormat


def export_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Artefacts, run folders, experiment folders or sweep folders."),
    ],
    output_dir: Annotated[
        Path,
        typer.Option(metavar="DIR", help="Folder for comparisons, essays and runs files."),
    ],
    export_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            parser=enum_parser(ExportFormat),
            metavar="FORMAT",
            help="csv or parquet.",
        ),
    ] = ExportFormat.CSV,
) -> None:
    """Write tidy tables: one row per comparison, per essay and per run.

    Essay ids come with display name, role and grade; figures as stored (empty: not recorded).

    Columns and types: docs/RUNBOOK.md, "Tidy exports".
    """
    # Imported here: reading artefacts pulls in numpy, and Parquet pyarrow.
    from eng5_np.export.write import export_runs

    try:
        sources, written = export_runs(paths, output_dir, export_format)
    except RunnerError as error:
        raise fail(error) from None
    for folder in sources.empty:
        stderr_console().print(f"warning: {folder}: no complete run, left out", markup=False)
    typer.echo(f"exported {len(sources.runs)} run(s):")
    for path in written:
        typer.echo(str(path))

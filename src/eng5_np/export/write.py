"""Write the tidy tables as ``comparisons``/``essays``/``runs`` ``.csv`` or ``.parquet`` files.

CSV (stdlib :mod:`csv`, UTF-8, a header row, RFC 4180 quoting): an empty cell is null, a bool
is ``true``/``false``, a float is written with :func:`repr` so it reads back to the same
number. Parquet (``pyarrow``): the column types of :mod:`eng5_np.export.columns`. Files are
written atomically, so a failed export never leaves half a table behind.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from eng5_np.artefact.model import load_artefact
from eng5_np.errors import UsageError
from eng5_np.export.columns import TABLES, ExportFormat
from eng5_np.export.rows import Row, TableRows, artefact_rows
from eng5_np.export.sources import Sources, find_runs
from eng5_np.primitives.atomic import atomic_write_bytes


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_bytes(name: str, rows: Sequence[Row]) -> bytes:
    """Table ``name`` as CSV text, header first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    columns = [c.name for c in TABLES[name]]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(name: str, rows: Sequence[Row]) -> bytes:
    """Table ``name`` as a Parquet file's bytes."""
    import pyarrow.parquet as pq

    from eng5_np.export.arrow import arrow_table

    sink = io.BytesIO()
    pq.write_table(arrow_table(name, rows), sink)
    return sink.getvalue()


def write_tables(rows: TableRows, output_dir: Path, fmt: ExportFormat) -> list[Path]:
    """Write the three tables into ``output_dir`` (created if needed); returns their paths."""
    encode = csv_bytes if fmt is ExportFormat.CSV else parquet_bytes
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir} is a file, not a folder")
    paths = []
    for name in TABLES:
        path = output_dir / f"{name}.{fmt.value}"
        atomic_write_bytes(path, encode(name, rows.table(name)))
        paths.append(path)
    return paths


def collect_rows(sources: Sources) -> TableRows:
    """Every run's rows, each artefact verified first (a changed one is refused, exit 1)."""
    rows = TableRows()
    for source in sources.runs:
        rows.extend(artefact_rows(load_artefact(source.artefact), source.run))
    return rows


def export_runs(
    paths: list[Path], output_dir: Path, fmt: ExportFormat
) -> tuple[Sources, list[Path]]:
    """Find the runs under ``paths`` and write their tables; returns what was found, written."""
    sources = find_runs(paths)
    if not sources.runs:
        raise UsageError(
            "no complete run to export in " + ", ".join(str(p) for p in paths),
            advice="Pass run folders, artefact files, experiment or sweep folders with a "
            "finished run.",
        )
    return sources, write_tables(collect_rows(sources), output_dir, fmt)

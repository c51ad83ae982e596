"""Rows of the tidy tables as typed Arrow tables: :func:`to_tables` and the Parquet files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from eng5_np.artefact.model import Artefact
from eng5_np.export.columns import TABLES, Column, ColumnType
from eng5_np.export.rows import Row, TableRows, artefact_rows

ARROW_TYPES: dict[ColumnType, Any] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


@dataclass(frozen=True)
class Tables:
    """The three tidy tables as :class:`pyarrow.Table` (``.to_pandas()``, polars, DuckDB)."""

    comparisons: Any
    """One row per comparison: both essays named, the winner and its position, cost, status."""
    essays: Any
    """One row per essay per run: role, expert grade, θ (service and runner), SE, projection."""
    runs: Any
    """One row per run: its settings and its stored figures."""


def schema(columns: Sequence[Column]) -> Any:
    """The Arrow schema of a table's columns."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=True) for c in columns])


def arrow_table(name: str, rows: Sequence[Row]) -> Any:
    """The rows of table ``name`` as a typed Arrow table (its columns even with no rows)."""
    columns = TABLES[name]
    return pa.Table.from_pylist(list(rows), schema=schema(columns))


def rows_to_tables(rows: TableRows) -> Tables:
    """All three tables from their rows."""
    return Tables(*(arrow_table(name, rows.table(name)) for name in TABLES))


def to_tables(*artefacts: Artefact) -> Tables:
    """The tidy tables of one or more loaded artefacts, as Arrow tables.

    Each run is named by its artefact's folder (the ``run`` column); ``eng5-runner export``
    writes the same tables to files.
    """
    rows = TableRows()
    for artefact in artefacts:
        rows.extend(artefact_rows(artefact, artefact.path.parent.name or str(artefact.path)))
    return rows_to_tables(rows)

"""Tidy exports of runs (issue 15): comparisons, essays and runs tables for R, pandas, DuckDB.

- ``columns``: the three tables' columns (name, type, meaning), defined once;
- ``rows``: one artefact as rows, display names, roles and grades joined onto every id;
- ``sources``: which artefacts a run folder, artefact file, experiment or sweep folder holds;
- ``arrow``: rows as typed Arrow tables (:func:`to_tables`, the Parquet writer);
- ``write``: ``comparisons``/``essays``/``runs`` as CSV (stdlib ``csv``) or Parquet files.

Reads verified artefacts (:mod:`eng5_np.artefact.model`) and their stored figures only —
nothing here computes a statistic. This ``__init__`` imports nothing: the CLI imports
:mod:`.columns` for every command, which must stay light. May import ``artefact``,
``experiments`` (to find the runs of an experiment folder), ``primitives``, ``errors``;
imported by the CLI and the public API.
"""

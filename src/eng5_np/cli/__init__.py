"""The ``eng5-runner`` command line (SPEC §1): flags → one settings object → the API → exit code.

- ``main``: the Typer app, ``--mode plan|dry-run|execute|anchor-align`` and the subcommand tree;
- ``common``: one-line failures, running a coroutine with errors mapped to exit codes, settings;
- ``help``: how ``--help`` reads (no value placeholders, choices as typed, 80 columns);
- ``execute``: an execute or anchor-align run with progress, summary and exit code;
- ``actions``: ``verify``, ``report``, ``models``, ``schema``;
- ``analyse``: the runner's statistics for any comparisons table;
- ``admin``: ``assignment setup``, ``anchors register|list``;
- ``experiments``: ``--repeats``, ``sweep``, ``compare``;
- ``export``: ``export``, the tidy tables;
- ``stack``, ``stack_run``, ``service_options``: ``stack up|cj-service`` and ``--local-stack``
  — the only modules that may import :mod:`eng5_np.localstack`, and only lazily.

May import every layer below it. Nothing imports the CLI but the public API's
:class:`eng5_np.LocalStack`, which starts the stack through ``stack_run`` (shared with
``--local-stack``) when its block is entered.
"""

from __future__ import annotations

from eng5_np.cli.main import app, main

__all__ = ["app", "main"]

"""The run modes: plan, dry-run, execute, anchor-align. Orchestration only; each reads top to
bottom. They compute no statistic: the final write hands the collected data to
:mod:`eng5_np.artefact.analysis`, which computes every figure once and stores it.

May import every layer below it (admin, analysis, artefact, contracts, dataset, kafka,
report, request, reference, primitives, upload, errors, settings, logs); never the CLI,
the experiments or the local stack.
"""

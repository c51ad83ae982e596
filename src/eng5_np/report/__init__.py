"""Human-facing output: terminal views, markdown and HTML reports (SPEC §8).

Renders stored figures only: every number comes from the artefact (``validation.analysis``,
``alignment``, ``bt_summary``) or from an experiment's stored aggregate, computed once by
:mod:`eng5_np.analysis`; nothing here fits a model or computes a statistic, and a figure an
older artefact lacks is shown as "not recorded". ``headline`` holds the rows every view opens
with (τ-b [interval], inversions, anchors that never won, SSR, comparisons per essay, gates).

May import :mod:`eng5_np.artefact` (reading), :mod:`eng5_np.reference`, :mod:`eng5_np.request`
(the plan view's data), data types of :mod:`eng5_np.analysis`, and the top-level modules;
never :mod:`eng5_np.modes` or :mod:`eng5_np.localstack` (``tests/test_architecture.py``).
"""

"""Composing the CJ request (SPEC §4.4, §5.2, §11.4): the envelope, the budget, judge overrides.

- ``envelope``: the ``els.cj_assessment.requested`` envelope from uploaded inputs;
- ``budget``: what a comparison budget implies for a batch;
- ``overrides``: system prompt and rubric files, reasoning and verbosity hints.

May import :mod:`eng5_np.contracts`, :mod:`eng5_np.dataset`, :mod:`eng5_np.reference`,
:mod:`eng5_np.primitives` and the top-level errors/settings; never the modes, the report or
the local stack.
"""

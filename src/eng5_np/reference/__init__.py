"""Reference data the runner ships: the grade scales (SPEC §6.3) and the LLM model manifest (§5.4).

- ``grades``: ordered grades of each scale and the grade below the lowest anchor;
- ``llm_models``: providers, models and prices from ``eng5_np/data/llm_models.json``, and the
  validation of ``--llm-provider``/``--llm-model`` against it (or a live manifest);
- ``token_model``: tokens per comparison, shared by cost estimates and the simulated judge.

Pure data and lookups: imports only :mod:`eng5_np.contracts`, :mod:`eng5_np.primitives` and
:mod:`eng5_np.errors`.
"""

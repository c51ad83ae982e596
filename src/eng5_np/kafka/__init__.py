"""Kafka side of the runner: client settings, request publisher, callback collector, state.

May import :mod:`eng5_np.primitives` and the top-level errors/settings; never the modes,
the report or the local stack.
"""

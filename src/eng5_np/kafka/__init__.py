"""Kafka side of the runner: client settings, request publisher, callback collector, state."""

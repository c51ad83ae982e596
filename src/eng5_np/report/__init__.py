"""Human-facing output: terminal views, markdown and HTML reports (SPEC §8)."""

"""eng5-runner: Comparative Judgement experiment runner for ENG5 NP essays.

The public API is small: the three modes as async functions over one settings
object, and the error tree that maps every failure to an exit code.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

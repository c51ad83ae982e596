"""Every artefact written by this folder's tests must carry a recomputable SSR (issue 8)."""

from artefact_ssr import every_new_artefact_has_a_consistent_ssr

__all__ = ["every_new_artefact_has_a_consistent_ssr"]

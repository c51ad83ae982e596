"""The CJ service's HTTP API as the runner uses it (SPEC §11.2): health, instructions, anchors.

May import :mod:`eng5_np.dataset`, :mod:`eng5_np.reference` and the top-level errors;
never the modes, the report or the local stack.
"""

from eng5_np.admin.assignment import (
    AssignmentContext,
    assignment_preflight,
    register_anchors,
    setup_assignment,
)
from eng5_np.admin.client import CJAdminClient
from eng5_np.admin.models import ContextOrigin

__all__ = [
    "AssignmentContext",
    "CJAdminClient",
    "ContextOrigin",
    "assignment_preflight",
    "register_anchors",
    "setup_assignment",
]

"""Content Service uploads with a durable checksum cache (SPEC §4.8, §5.3).

May import :mod:`eng5_np.primitives` and the top-level errors/settings; never the modes,
the report or the local stack.
"""

from eng5_np.upload.cache import UploadCache
from eng5_np.upload.client import DEFAULT_MAX_UPLOAD_BYTES, upload_texts
from eng5_np.upload.models import (
    UploadFailure,
    UploadItem,
    UploadOutcome,
    UploadProgress,
    text_checksum,
)
from eng5_np.upload.retry import RetryPolicy
from eng5_np.upload.transport import check_reachable

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "RetryPolicy",
    "UploadCache",
    "UploadFailure",
    "UploadItem",
    "UploadOutcome",
    "UploadProgress",
    "check_reachable",
    "text_checksum",
    "upload_texts",
]

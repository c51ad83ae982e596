"""Credentials inside URLs (``http://user:pass@host/…``) never leave the process.

A URL given on the command line or in the environment may carry a user name and password in
its authority part; the runner needs them for its requests, but the artefact, the log, the
upload cache and every message a person reads show the URL with that part replaced by
``***``. :func:`redact_text` does the same for any text that may quote such a URL (an error
message, a traceback).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED_USERINFO = "***"
# scheme "://" then a userinfo ending in "@" before the host; "/", "?", "#" and blanks end
# the authority, so a "@" later in a path is never taken for credentials.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s@]+@")


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``; other URLs unchanged."""
    return redact_text(url)


def redact_text(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``."""
    if "@" not in text:  # the common case costs one scan
        return text
    return _URL_USERINFO.sub(rf"\g<scheme>{REDACTED_USERINFO}@", text)


def redact_value(value: Any) -> Any:
    """A string, or strings inside lists, tuples and mappings, with URL credentials redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value

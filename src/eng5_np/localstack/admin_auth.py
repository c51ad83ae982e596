"""Bearer tokens of the local stack's CJ admin API (SPEC §11.2): HS256 JWTs, stdlib only.

The platform guards its admin routes with ``Authorization: Bearer <JWT>`` whose payload
lists ``"admin"`` in ``roles``. The local stack does the same with a secret that exists only
in the running stack (:class:`TokenAuthority`, 32 random bytes per instance): it mints an
admin token for the runner (:meth:`TokenAuthority.mint`) and checks every request
(:meth:`TokenAuthority.verify`):

- no header, another scheme, a malformed token, an algorithm other than HS256 (``none``
  included), a bad signature, a payload that is not a JSON object, or a missing or past
  ``exp`` → :class:`TokenRejected` with status **401**;
- a valid token whose ``roles`` do not include ``admin`` → status **403**.

Three base64url parts and one HMAC-SHA256 are all a JWT of this kind needs, so no JWT
library is added. Tokens are :class:`~pydantic.SecretStr` wherever they leave this module;
:func:`write_token_file` puts one in a file only its owner can read (0600), so that
``stack up`` can hand it over without printing it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_TOKEN_TTL_S",
    "TOKEN_FILE_NAME",
    "TokenAuthority",
    "TokenRejected",
    "write_token_file",
]

ADMIN_ROLE: Final = "admin"
DEFAULT_TOKEN_TTL_S: Final = 7 * 24 * 3600
"""A week: longer than any stack stays up, so a minted token never expires mid-session."""
ISSUER: Final = "eng5-local-stack"
TOKEN_FILE_NAME: Final = "cj_admin_token"
SECRET_BYTES: Final = 32
_HEADER: Final = {"alg": "HS256", "typ": "JWT"}


class TokenRejected(Exception):
    """The request's bearer token is refused: ``status`` 401 (not valid) or 403 (no role)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(part: str) -> bytes:
    """base64url without padding → bytes; ``ValueError`` when it is not base64url."""
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(str(error)) from error


def _json_part(part: str) -> dict[str, Any]:
    try:
        value = json.loads(_decode(part))
    except (ValueError, UnicodeDecodeError) as error:
        raise TokenRejected(401, "malformed bearer token") from error
    if not isinstance(value, dict):
        raise TokenRejected(401, "malformed bearer token")
    return value


@dataclass(frozen=True)
class TokenAuthority:
    """Mints and verifies HS256 tokens with a secret of its own."""

    secret: bytes = field(default_factory=lambda: secrets.token_bytes(SECRET_BYTES), repr=False)
    """The signing key; random per instance, never written anywhere."""
    clock: Callable[[], float] = field(default=time.time, repr=False)
    """Seconds since the epoch (tests pass a fixed clock)."""

    def _sign(self, signing_input: str) -> str:
        digest = hmac.new(self.secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        return _encode(digest)

    def mint(
        self,
        *,
        roles: Sequence[str] = (ADMIN_ROLE,),
        subject: str = "eng5-runner",
        ttl_s: float = DEFAULT_TOKEN_TTL_S,
    ) -> SecretStr:
        """A signed token for ``subject`` with ``roles``, valid for ``ttl_s`` seconds."""
        now = int(self.clock())
        payload = {
            "sub": subject,
            "roles": list(roles),
            "iss": ISSUER,
            "iat": now,
            "exp": now + int(ttl_s),
        }
        head = _encode(json.dumps(_HEADER, separators=(",", ":")).encode())
        body = _encode(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = f"{head}.{body}"
        return SecretStr(f"{signing_input}.{self._sign(signing_input)}")

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The payload of the admin token in an ``Authorization`` header value.

        Raises :class:`TokenRejected` (401 or 403, see the module docstring).
        """
        if not authorization:
            raise TokenRejected(401, "missing bearer token (Authorization: Bearer <token>)")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejected(401, "the Authorization header is not 'Bearer <token>'")
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise TokenRejected(401, "malformed bearer token")
        header, payload = _json_part(parts[0]), _json_part(parts[1])
        if header.get("alg") != _HEADER["alg"]:
            raise TokenRejected(401, "bearer token is not signed with HS256")
        if not hmac.compare_digest(self._sign(f"{parts[0]}.{parts[1]}"), parts[2]):
            raise TokenRejected(401, "bearer token signature is not valid")
        expires = payload.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise TokenRejected(401, "bearer token has no expiry")
        if expires <= self.clock():
            raise TokenRejected(401, "bearer token has expired")
        roles = payload.get("roles")
        if not isinstance(roles, list) or ADMIN_ROLE not in roles:
            raise TokenRejected(403, "bearer token lacks the admin role")
        return payload


def write_token_file(token: SecretStr, directory: Path) -> Path:
    """Write ``token`` to ``directory/cj_admin_token``, readable by its owner only (0600).

    The file must not exist yet: it is created with its final mode, never widened later.
    """
    path = directory / TOKEN_FILE_NAME
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token.get_secret_value())
    return path

"""Admin bearer tokens: what the local stack mints it accepts, and nothing else."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from eng5_np.localstack.admin_auth import TokenAuthority, TokenRejected, write_token_file

NOW = 1_800_000_000.0


def authority(secret: bytes = b"k" * 32) -> TokenAuthority:
    return TokenAuthority(secret=secret, clock=lambda: NOW)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def refusal(header: str | None, verifier: TokenAuthority | None = None) -> tuple[int, str]:
    with pytest.raises(TokenRejected) as caught:
        (verifier or authority()).verify(header)
    return caught.value.status, caught.value.reason


def test_a_minted_admin_token_verifies_and_carries_its_claims() -> None:
    token = authority().mint(subject="researcher")
    claims = authority().verify(bearer(token.get_secret_value()))
    assert claims["roles"] == ["admin"]
    assert claims["sub"] == "researcher"
    assert claims["exp"] > NOW
    assert token.get_secret_value() not in repr(token)
    assert token.get_secret_value() not in str(token)


def test_missing_or_malformed_headers_are_401() -> None:
    assert refusal(None)[0] == 401
    assert refusal("")[0] == 401
    token = authority().mint().get_secret_value()
    assert refusal(f"Basic {token}") == (401, "the Authorization header is not 'Bearer <token>'")
    assert refusal("Bearer ")[0] == 401
    assert refusal("Bearer not-a-jwt") == (401, "malformed bearer token")
    assert refusal("Bearer a.b.c") == (401, "malformed bearer token")


def test_another_secret_an_edited_payload_or_alg_none_are_401() -> None:
    foreign = TokenAuthority(secret=b"x" * 32, clock=lambda: NOW).mint().get_secret_value()
    assert refusal(bearer(foreign)) == (401, "bearer token signature is not valid")

    head, body, signature = authority().mint(roles=("teacher",)).get_secret_value().split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["roles"] = ["admin"]  # privilege escalation by editing the payload
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refusal(bearer(f"{head}.{edited}.{signature}"))[1] == (
        "bearer token signature is not valid"
    )

    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert refusal(bearer(f"{none_head}.{edited}.")) == (
        401,
        "bearer token is not signed with HS256",
    )


def test_an_expired_token_is_401() -> None:
    token = authority().mint(ttl_s=-1).get_secret_value()
    assert refusal(bearer(token)) == (401, "bearer token has expired")


def test_a_valid_token_without_the_admin_role_is_403() -> None:
    token = authority().mint(roles=("teacher",)).get_secret_value()
    assert refusal(bearer(token)) == (403, "bearer token lacks the admin role")


def test_every_authority_has_its_own_secret() -> None:
    first, second = TokenAuthority(), TokenAuthority()
    assert first.secret != second.secret
    assert len(first.secret) == 32
    token = first.mint().get_secret_value()
    assert refusal(bearer(token), second)[0] == 401


def test_token_file_is_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    token = authority().mint()
    path = write_token_file(token, tmp_path)
    assert path.read_text() == token.get_secret_value()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_token_file(token, tmp_path)

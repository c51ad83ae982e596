"""A small client of the CJ service's HTTP API (SPEC §11.2): health, instructions, anchors.

Every call is one HTTP request with a bounded timeout. A connection that cannot be made is
:class:`CJServiceUnavailable`; 401/403 is :class:`AdminAccessRefused`; any other unexpected
answer is reported with its status and the start of its body. The bearer token is a
``SecretStr`` revealed only in the ``Authorization`` header, never in a message or log.

A 500 to an assignment's GET is explained: on the measured platform it is how a missing
assignment answers (SPEC §11.6), so the message names the setup command to check.

Writes are never assumed to have stuck (SPEC §11.2 names a platform version whose POST routes
answered success without committing): callers read back with the matching GET — see
:mod:`eng5_np.admin.setup`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, SecretStr, ValidationError

from eng5_np.admin.models import (
    AnchorList,
    AnchorRegistration,
    AssessmentInstructions,
    InstructionsUpsert,
    RegistrationReceipt,
)
from eng5_np.errors import (
    AdminAccessRefused,
    AssignmentAnswered500,
    CJServiceUnavailable,
    UsageError,
)

ADMIN_TIMEOUT_S = 10.0
"""Seconds one admin API request may take before the service counts as not answering."""
BODY_EXCERPT_CHARS = 200
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class AdminResponse:
    """Status and decoded JSON body of one answer."""

    status: int
    body: Any


class CJAdminClient:
    """``async with CJAdminClient(url, token) as admin: ...`` — one session per use."""

    def __init__(
        self, base_url: str, token: SecretStr | None, *, timeout_s: float = ADMIN_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> CJAdminClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def health(self) -> None:
        """``GET /healthz``; raises :class:`CJServiceUnavailable` unless it answers 200."""
        answer = await self._request("GET", "/healthz", admin=False)
        if answer.status != 200:
            raise CJServiceUnavailable(
                f"CJ service at {self.base_url} is not healthy: /healthz answered {answer.status}"
            )

    async def get_instructions(self, assignment_id: str) -> AssessmentInstructions | None:
        """The assignment's assessment instructions, or None when it has none (404)."""
        path = f"/admin/v1/assessment-instructions/assignment/{quote(assignment_id, safe='')}"
        answer = await self._request("GET", path)
        if answer.status == 404:
            return None
        self._explain_500(answer, path, assignment_id)
        return self._parse(answer, 200, AssessmentInstructions, path)

    async def upsert_instructions(self, body: InstructionsUpsert) -> None:
        """Create or replace an assignment's instructions (read them back to be sure)."""
        path = "/admin/v1/assessment-instructions"
        answer = await self._request("POST", path, json_body=body.model_dump(mode="json"))
        self._expect(answer, (200, 201), path)

    async def list_anchors(self, assignment_id: str) -> AnchorList | None:
        """The assignment's registered anchors, or None when it has no instructions (404)."""
        path = f"/admin/v1/anchors/assignment/{quote(assignment_id, safe='')}"
        answer = await self._request("GET", path)
        if answer.status == 404:
            return None
        self._explain_500(answer, path, assignment_id)
        return self._parse(answer, 200, AnchorList, path)

    async def register_anchor(self, body: AnchorRegistration) -> RegistrationReceipt:
        """Register (or, same assignment + label, update) one anchor essay."""
        path = "/api/v1/anchors/register"
        answer = await self._request("POST", path, json_body=body.model_dump(mode="json"))
        if answer.status == 400:
            reason = answer.body.get("error") if isinstance(answer.body, dict) else None
            raise UsageError(
                f"CJ refused anchor {body.anchor_label or body.grade!r}: {reason or answer.body}",
                advice="Check the grade is on the assignment's grade scale and that "
                "`eng5-runner assignment setup` was run for it.",
            )
        return self._parse(answer, 201, RegistrationReceipt, path)

    async def _request(
        self, method: str, path: str, *, json_body: Any = None, admin: bool = True
    ) -> AdminResponse:
        if self._session is None:
            raise RuntimeError("CJAdminClient must be used with 'async with'")
        headers = {"Accept": "application/json"}
        if admin and self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        url = f"{self.base_url}{path}"
        try:
            async with self._session.request(
                method, url, json=json_body, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            raise CJServiceUnavailable(
                f"CJ service at {self.base_url} did not answer {method} {path} within "
                f"{self._timeout.total:g} s"
            ) from None
        except aiohttp.ClientError as error:
            raise CJServiceUnavailable(
                f"CJ service at {self.base_url} cannot be reached: {type(error).__name__}"
            ) from None
        if status in (401, 403):
            why = "no CJ_ADMIN_TOKEN was set" if self._token is None else "token refused"
            raise AdminAccessRefused(f"CJ admin API refused {method} {path} ({status}: {why})")
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw[:BODY_EXCERPT_CHARS].decode("utf-8", "replace")
        return AdminResponse(status, body)

    def _explain_500(self, answer: AdminResponse, path: str, assignment_id: str) -> None:
        """A 500 to an assignment's GET most likely means the assignment has no instructions:
        the measured platform answers 500, not 404, for a missing one (SPEC §11.6)."""
        if answer.status != 500:
            return
        raise AssignmentAnswered500(
            f"CJ service answered 500 to GET {path}: most likely assignment {assignment_id!r} "
            "has no assessment instructions (the platform answers 500 instead of 404 for a "
            "missing assignment), else the service failed",
            advice="Check the assignment is set up: run `eng5-runner assignment setup "
            f"--assignment-id {assignment_id}` (and `eng5-runner anchors register "
            f"--assignment-id {assignment_id}`), or leave out --assignment-id for a guest run; "
            "if it is set up, the CJ service's log says what failed.",
        )

    def _expect(self, answer: AdminResponse, statuses: tuple[int, ...], path: str) -> None:
        if answer.status not in statuses:
            excerpt = str(answer.body)[:BODY_EXCERPT_CHARS]
            raise CJServiceUnavailable(
                f"CJ service answered {answer.status} to {path}: {excerpt}",
                advice="Check the CJ service's logs; the request was well-formed.",
            )

    def _parse(self, answer: AdminResponse, status: int, model: type[ModelT], path: str) -> ModelT:
        self._expect(answer, (status,), path)
        try:
            return model.model_validate(answer.body)
        except ValidationError as error:
            raise CJServiceUnavailable(
                f"CJ service's answer to {path} is not the documented shape: "
                f"{error.errors()[0]['msg']}",
                advice="The platform version may differ from SPEC §11.2; check its API.",
            ) from None

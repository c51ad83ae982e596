"""The CJ admin HTTP API of the local stack (SPEC §11.2), served next to ``/healthz``.

Routes (bodies and status codes as the platform's):

- ``GET  /admin/v1/assessment-instructions/assignment/<assignment_id>`` → 200 the
  instructions, 404 ``{"error"}`` when the assignment has none (500 with the admin fault
  ``missing-500``, as the measured platform answers, SPEC §11.6);
- ``POST /admin/v1/assessment-instructions`` → 200 the stored instructions; 400 ``{"error"}``
  when the body is invalid (exactly one of ``assignment_id``/``course_id``,
  ``instructions_text`` ≥ 10 characters, a known ``grade_scale``, ``context_origin``
  ``research_experiment`` (default) or ``canonical_national``). The local stack also takes an
  optional ``judge_rubric_text`` (the assignment's rubric, SPEC §11.4) and returns it;
- ``GET  /admin/v1/anchors/assignment/<assignment_id>`` → 200 {``assignment_id``,
  ``grade_scale``, ``anchor_count``, ``anchors``, ``anchor_count_total``,
  ``anchor_count_by_scale``} — ``anchors`` and ``anchor_count`` cover the assignment's
  current scale, the totals every scale; 404 without instructions;
- ``POST /api/v1/anchors/register`` → 201 {``anchor_id``, ``storage_id``, ``status``
  (``created`` | ``updated``)}; 400 ``{"error"}`` for a bad body (``essay_text`` ≥ 100
  characters), an unknown assignment or a grade not on its scale. The text is stored in the
  Content Service first (502 when that fails), as the platform does.

Authorisation: every ``/admin/v1`` route needs an admin bearer token
(:mod:`~eng5_np.localstack.admin_auth`; 401 invalid, 403 no admin role). So does the
register route, although SPEC §11.2 only requires the token under ``/admin/v1``: the
runner holds just the one admin token and sends it on every call, and a stand-in that
accepted anonymous writes would hide a client that forgot the header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eng5_np.localstack.admin_auth import TokenAuthority, TokenRejected
from eng5_np.localstack.admin_store import AdminRejected, AdminStore, ContextOrigin
from eng5_np.localstack.content_client import ContentUnavailable

__all__ = [
    "ADMIN_PREFIX",
    "REGISTER_PATH",
    "TextStore",
    "add_admin_routes",
]

ADMIN_PREFIX: Final = "/admin/v1"
INSTRUCTIONS_PATH: Final = f"{ADMIN_PREFIX}/assessment-instructions"
ANCHORS_PATH: Final = f"{ADMIN_PREFIX}/anchors/assignment"
REGISTER_PATH: Final = "/api/v1/anchors/register"

logger = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TextStore(Protocol):
    """Where registered anchor texts go: the Content Service."""

    async def store(self, text: str) -> str:
        """Store ``text``; its storage id (:class:`ContentUnavailable` when it fails)."""
        ...


class _InstructionsBody(BaseModel):
    """Body of ``POST /admin/v1/assessment-instructions`` (shape only; rules in the store)."""

    model_config = ConfigDict(extra="ignore")

    assignment_id: str | None = Field(default=None, min_length=1, max_length=100)
    course_id: str | None = Field(default=None, min_length=1)
    instructions_text: str = Field(min_length=10)
    grade_scale: str
    context_origin: ContextOrigin = "research_experiment"
    student_prompt_storage_id: str | None = None
    judge_rubric_text: str | None = Field(default=None, min_length=1)


class _RegisterBody(BaseModel):
    """Body of ``POST /api/v1/anchors/register``."""

    model_config = ConfigDict(extra="ignore")

    assignment_id: str = Field(min_length=1, max_length=100)
    grade: str = Field(min_length=1)
    anchor_label: str | None = Field(default=None, min_length=1)
    essay_text: str = Field(min_length=100)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _first_problem(error: ValidationError) -> str:
    """One line naming the first invalid field and what is wrong with it."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise AdminRejected("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AdminRejected("the body must be a JSON object")
    return body


class _AdminRoutes:
    def __init__(self, store: AdminStore, tokens: TokenAuthority, texts: TextStore) -> None:
        self._store = store
        self._tokens = tokens
        self._texts = texts

    @web.middleware
    async def authorise(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse guarded routes without a valid admin token (401/403)."""
        path = request.path
        if path.startswith(ADMIN_PREFIX + "/") or path == REGISTER_PATH:
            try:
                self._tokens.verify(request.headers.get("Authorization"))
            except TokenRejected as rejected:
                logger.info("admin_api.refused", path=path, status=rejected.status)
                response = _error(rejected.status, rejected.reason)
                if rejected.status == 401:
                    response.headers["WWW-Authenticate"] = "Bearer"
                return response
        return await handler(request)

    def _missing(self, assignment_id: str) -> web.Response:
        """The answer for an assignment without instructions: 404, or 500 with the fault
        ``missing-500`` (the measured platform's unregistered error handlers, SPEC §11.6)."""
        if self._store.missing_answers_500:
            return web.Response(status=500, text="500 Internal Server Error")
        return _error(404, f"no assessment instructions for assignment {assignment_id!r}")

    async def get_instructions(self, request: web.Request) -> web.Response:
        assignment_id = request.match_info["assignment_id"]
        record = self._store.instructions_for(assignment_id)
        if record is None:
            return self._missing(assignment_id)
        return web.json_response(record.to_json())

    async def post_instructions(self, request: web.Request) -> web.Response:
        try:
            body = _InstructionsBody.model_validate(await _json_body(request))
            record = self._store.upsert_instructions(**body.model_dump())
        except ValidationError as error:
            return _error(400, _first_problem(error))
        except AdminRejected as error:
            return _error(400, str(error))
        logger.info("admin_api.instructions_written", id=record.id, dropped=self._store.drop_writes)
        return web.json_response(record.to_json())

    async def get_anchors(self, request: web.Request) -> web.Response:
        assignment_id = request.match_info["assignment_id"]
        instructions = self._store.instructions_for(assignment_id)
        if instructions is None:
            return self._missing(assignment_id)
        every_anchor = self._store.anchors_for(assignment_id)
        on_scale = [a for a in every_anchor if a.grade_scale == instructions.grade_scale]
        return web.json_response(
            {
                "assignment_id": assignment_id,
                "grade_scale": instructions.grade_scale,
                "anchor_count": len(on_scale),
                "anchors": [anchor.to_json() for anchor in on_scale],
                "anchor_count_total": len(every_anchor),
                "anchor_count_by_scale": dict(Counter(a.grade_scale for a in every_anchor)),
            }
        )

    async def register_anchor(self, request: web.Request) -> web.Response:
        try:
            body = _RegisterBody.model_validate(await _json_body(request))
            # Checked before the text is stored, so a refused anchor leaves nothing behind.
            self._store.check_grade(body.assignment_id, body.grade)
            storage_id = await self._texts.store(body.essay_text)
            anchor, created = self._store.register_anchor(
                assignment_id=body.assignment_id,
                grade=body.grade,
                anchor_label=body.anchor_label,
                text_storage_id=storage_id,
            )
        except ValidationError as error:
            return _error(400, _first_problem(error))
        except AdminRejected as error:
            return _error(400, str(error))
        except ContentUnavailable as error:
            return _error(502, f"Content Service: {error}")
        status = "created" if created else "updated"
        logger.info(
            "admin_api.anchor_registered",
            anchor_id=anchor.id,
            status=status,
            dropped=self._store.drop_writes,
        )
        return web.json_response(
            {"anchor_id": anchor.id, "storage_id": storage_id, "status": status}, status=201
        )


def add_admin_routes(
    app: web.Application, store: AdminStore, tokens: TokenAuthority, texts: TextStore
) -> None:
    """Add the admin routes and their token check to ``app`` (before it is started)."""
    routes = _AdminRoutes(store, tokens, texts)
    app.middlewares.append(routes.authorise)
    app.router.add_get(f"{INSTRUCTIONS_PATH}/assignment/{{assignment_id}}", routes.get_instructions)
    app.router.add_post(INSTRUCTIONS_PATH, routes.post_instructions)
    app.router.add_get(f"{ANCHORS_PATH}/{{assignment_id}}", routes.get_anchors)
    app.router.add_post(REGISTER_PATH, routes.register_anchor)

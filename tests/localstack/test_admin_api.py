"""The local stack's CJ admin API (SPEC §11.2) over real HTTP on loopback, with the texts
of registered anchors stored in a real local Content Service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from eng5_np.localstack.admin_api import add_admin_routes
from eng5_np.localstack.admin_auth import TokenAuthority
from eng5_np.localstack.admin_store import AdminStore
from eng5_np.localstack.content_client import ContentClient
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.localstack.lifecycle import serve_app

pytestmark = pytest.mark.integration

ASSIGNMENT = "eng5-demo"
INSTRUCTIONS = {
    "assignment_id": ASSIGNMENT,
    "instructions_text": "Judge the essays on content, structure and language.",
    "grade_scale": "eng5_np_legacy_9_step",
    "student_prompt_storage_id": "f" * 32,
}
ESSAY = "A grade-B anchor essay about whether schools should ban phones. " * 3


@dataclass
class Api:
    """A running admin API, its store and a session that sends the admin token."""

    origin: str
    store: AdminStore
    tokens: TokenAuthority
    session: aiohttp.ClientSession
    content: ContentServiceServer

    def headers(self, token: str | None = None) -> dict[str, str]:
        """The Authorization header with ``token`` (default: a valid admin token)."""
        value = token if token is not None else self.tokens.mint().get_secret_value()
        return {"Authorization": f"Bearer {value}"}

    async def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> tuple[int, Any]:
        """Status and JSON body of one request with an admin token."""
        async with self.session.request(
            method, self.origin + path, json=body, headers=self.headers(token)
        ) as response:
            return response.status, await response.json()


@pytest.fixture
async def api(content_service: ContentServiceServer) -> AsyncIterator[Api]:
    store, tokens = AdminStore(), TokenAuthority()
    async with aiohttp.ClientSession() as session:
        app = web.Application()
        add_admin_routes(app, store, tokens, ContentClient(session, content_service.url))
        runner, origin = await serve_app(app, "127.0.0.1", 0)
        try:
            yield Api(origin, store, tokens, session, content_service)
        finally:
            await runner.cleanup()


def instructions_path(assignment_id: str = ASSIGNMENT) -> str:
    return f"/admin/v1/assessment-instructions/assignment/{assignment_id}"


def anchors_path(assignment_id: str = ASSIGNMENT) -> str:
    return f"/admin/v1/anchors/assignment/{assignment_id}"


REGISTER = "/api/v1/anchors/register"


async def test_instructions_are_created_read_back_and_updated_in_place(api: Api) -> None:
    status, body = await api.call("GET", instructions_path())
    assert status == 404
    assert ASSIGNMENT in body["error"]

    status, created = await api.call("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS)
    assert status == 200
    assert isinstance(created["id"], int)
    assert created["context_origin"] == "research_experiment"  # the default
    assert created["course_id"] is None
    status, read = await api.call("GET", instructions_path())
    assert status == 200
    assert read == created
    assert set(read) >= {
        "id",
        "assignment_id",
        "course_id",
        "instructions_text",
        "grade_scale",
        "context_origin",
        "student_prompt_storage_id",
        "created_at",
    }

    update = {
        **INSTRUCTIONS,
        "grade_scale": "swedish_8_anchor",
        "context_origin": "canonical_national",
    }
    status, updated = await api.call("POST", "/admin/v1/assessment-instructions", update)
    assert status == 200
    assert (updated["id"], updated["created_at"]) == (created["id"], created["created_at"])
    status, read = await api.call("GET", instructions_path())
    assert (read["grade_scale"], read["context_origin"]) == (
        "swedish_8_anchor",
        "canonical_national",
    )

    # Course-level instructions are not an assignment's.
    course = {key: value for key, value in INSTRUCTIONS.items() if key != "assignment_id"}
    status, _ = await api.call(
        "POST", "/admin/v1/assessment-instructions", {**course, "course_id": "ENG5"}
    )
    assert status == 200
    assert (await api.call("GET", instructions_path("ENG5")))[0] == 404


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"instructions_text": "too short"}, "instructions_text"),
        ({"course_id": "ENG5"}, "exactly one of assignment_id and course_id"),
        ({"assignment_id": None}, "exactly one of assignment_id and course_id"),
        ({"grade_scale": "us_letter_grades"}, "unknown grade_scale 'us_letter_grades'"),
        ({"context_origin": "homework"}, "context_origin"),
    ],
)
async def test_invalid_instructions_are_400_naming_the_problem(
    api: Api, change: dict[str, Any], named: str
) -> None:
    status, body = await api.call(
        "POST", "/admin/v1/assessment-instructions", {**INSTRUCTIONS, **change}
    )
    assert status == 400
    assert named in body["error"]
    assert api.store.instructions_for(ASSIGNMENT) is None


async def test_a_body_that_is_not_a_json_object_is_400(api: Api) -> None:
    for data in (b"{not json", b"[1, 2]"):
        async with api.session.post(
            api.origin + REGISTER, data=data, headers=api.headers()
        ) as response:
            assert response.status == 400
            assert "body" in (await response.json())["error"]


async def test_anchors_register_list_and_update_by_label(api: Api) -> None:
    assert (await api.call("GET", anchors_path()))[0] == 404
    await api.call("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS)
    status, listing = await api.call("GET", anchors_path())
    assert status == 200
    assert (listing["anchor_count"], listing["anchors"]) == (0, [])

    status, first = await api.call(
        "POST",
        REGISTER,
        {"assignment_id": ASSIGNMENT, "grade": "B", "anchor_label": "river", "essay_text": ESSAY},
    )
    assert status == 201
    assert first["status"] == "created"
    assert isinstance(first["anchor_id"], int)
    assert api.content.store.get(first["storage_id"]) == ESSAY.encode()  # the text is stored
    status, second = await api.call(
        "POST", REGISTER, {"assignment_id": ASSIGNMENT, "grade": "E-", "essay_text": ESSAY + "x"}
    )
    assert (status, second["status"]) == (201, "created")
    assert second["anchor_id"] != first["anchor_id"]

    # Same assignment and label: the anchor is updated, not added.
    status, again = await api.call(
        "POST",
        REGISTER,
        {
            "assignment_id": ASSIGNMENT,
            "grade": "A",
            "anchor_label": "river",
            "essay_text": ESSAY + "!",
        },
    )
    assert (status, again["status"], again["anchor_id"]) == (201, "updated", first["anchor_id"])
    status, listing = await api.call("GET", anchors_path())
    assert status == 200
    assert listing["assignment_id"] == ASSIGNMENT
    assert listing["grade_scale"] == "eng5_np_legacy_9_step"
    assert listing["anchor_count"] == listing["anchor_count_total"] == 2
    assert listing["anchor_count_by_scale"] == {"eng5_np_legacy_9_step": 2}
    by_id = {anchor["id"]: anchor for anchor in listing["anchors"]}
    river = by_id[first["anchor_id"]]
    assert (river["grade"], river["anchor_label"]) == ("A", "river")
    assert river["text_storage_id"] == again["storage_id"]
    assert api.content.store.get(river["text_storage_id"]) == (ESSAY + "!").encode()
    assert river["grade_scale"] == "eng5_np_legacy_9_step"
    assert {"assignment_id", "created_at"} <= set(river)

    # Another scale for the assignment: its anchors stay, but none is on the new scale.
    await api.call(
        "POST",
        "/admin/v1/assessment-instructions",
        {**INSTRUCTIONS, "grade_scale": "eng5_np_national_9_step"},
    )
    status, listing = await api.call("GET", anchors_path())
    assert (listing["anchor_count"], listing["anchor_count_total"]) == (0, 2)
    assert listing["anchor_count_by_scale"] == {"eng5_np_legacy_9_step": 2}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (
            {"assignment_id": "nobody", "grade": "B", "essay_text": ESSAY},
            "unknown assignment_id 'nobody'",
        ),
        ({"assignment_id": ASSIGNMENT, "grade": "7", "essay_text": ESSAY}, "grade '7' is not on"),
        ({"assignment_id": ASSIGNMENT, "grade": "B", "essay_text": "Too short."}, "essay_text"),
        ({"assignment_id": ASSIGNMENT, "essay_text": ESSAY}, "grade"),
    ],
)
async def test_refused_registrations_are_400_and_store_nothing(
    api: Api, body: dict[str, Any], named: str
) -> None:
    await api.call("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS)
    status, answer = await api.call("POST", REGISTER, body)
    assert status == 400
    assert named in answer["error"]
    assert api.store.anchors_for(ASSIGNMENT) == []
    assert len(api.content.store) == 0  # checked before the text was stored


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", instructions_path(), None),
        ("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS),
        ("GET", anchors_path(), None),
        ("POST", REGISTER, {"assignment_id": ASSIGNMENT, "grade": "B", "essay_text": ESSAY}),
    ],
)
async def test_every_route_refuses_a_bad_token(api: Api, method: str, path: str, body: Any) -> None:
    async with api.session.request(method, api.origin + path, json=body) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "missing bearer token" in (await response.json())["error"]
    foreign = TokenAuthority().mint().get_secret_value()
    status, answer = await api.call(method, path, body, token=foreign)
    assert (status, answer["error"]) == (401, "bearer token signature is not valid")
    expired = api.tokens.mint(ttl_s=-1).get_secret_value()
    assert (await api.call(method, path, body, token=expired))[0] == 401
    teacher = api.tokens.mint(roles=("teacher",)).get_secret_value()
    status, answer = await api.call(method, path, body, token=teacher)
    assert (status, answer["error"]) == (403, "bearer token lacks the admin role")
    assert api.store.instructions_for(ASSIGNMENT) is None
    assert len(api.content.store) == 0


async def test_drop_writes_answers_success_but_stores_nothing(api: Api) -> None:
    api.store.drop_writes = True
    status, answered = await api.call("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS)
    assert status == 200
    assert answered["instructions_text"] == INSTRUCTIONS["instructions_text"]
    assert (await api.call("GET", instructions_path()))[0] == 404  # the read-back tells

    api.store.drop_writes = False
    await api.call("POST", "/admin/v1/assessment-instructions", INSTRUCTIONS)
    api.store.drop_writes = True
    changed = {**INSTRUCTIONS, "instructions_text": "Something else entirely, not stored."}
    assert (await api.call("POST", "/admin/v1/assessment-instructions", changed))[0] == 200
    status, read = await api.call("GET", instructions_path())
    assert read["instructions_text"] == INSTRUCTIONS["instructions_text"]

    status, registered = await api.call(
        "POST",
        REGISTER,
        {"assignment_id": ASSIGNMENT, "grade": "B", "anchor_label": "b", "essay_text": ESSAY},
    )
    assert (status, registered["status"]) == (201, "created")
    assert isinstance(registered["anchor_id"], int)
    status, listing = await api.call("GET", anchors_path())
    assert (listing["anchor_count"], listing["anchors"]) == (0, [])

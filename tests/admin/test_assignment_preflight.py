"""Assignment runs against the local stack's real CJ admin API on loopback (SPEC §11.1–§11.3):
every preflight refusal stops before the first upload, the admin writes are read back, and an
acknowledged write that was not stored is reported, never assumed."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from eng5_np.admin import CJAdminClient
from eng5_np.admin.models import InstructionsUpsert
from eng5_np.errors import (
    AdminAccessRefused,
    AdminWriteNotStored,
    AssignmentNotReady,
    CJServiceUnavailable,
    RunnerError,
    UsageError,
)
from eng5_np.localstack.admin_api import add_admin_routes
from eng5_np.localstack.admin_auth import TokenAuthority
from eng5_np.localstack.admin_store import AdminStore
from eng5_np.localstack.content_client import ContentClient
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.localstack.lifecycle import serve_app
from eng5_np.logs import detach_run_log
from eng5_np.modes.admin_actions import (
    prepare_assignment,
    run_anchor_listing,
    run_assignment_setup,
)
from eng5_np.modes.execute import run_execute
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import AdminCredentials, RunMode, RunSettings, bundled_sample_dataset

pytestmark = pytest.mark.integration

ASSIGNMENT = "eng5-demo"


@dataclass
class CJ:
    """A CJ HTTP API (health + admin routes) on loopback, its store and token authority."""

    url: str
    store: AdminStore
    tokens: TokenAuthority
    content: ContentServiceServer

    def settings(
        self, tmp_path: Path, token: SecretStr | None = None, **extra: object
    ) -> RunSettings:
        """Execute settings for an assignment run against this CJ API (no broker needed: the
        preflight refuses before anything would be published)."""
        values: dict[str, object] = {
            "mode": RunMode.EXECUTE,
            "output_dir": tmp_path / "run",
            "batch_id": "assignment-test",
            "assignment_id": ASSIGNMENT,
            "cj_service_url": self.url,
            "content_service_url": self.content.url,
            "upload_cache_dir": tmp_path / "cache",
            "kafka_bootstrap": f"127.0.0.1:{dead_port()}",
            "admin_credentials": AdminCredentials(
                admin_token=token if token is not None else self.tokens.mint()
            ),
            **extra,
        }
        return RunSettings.model_validate(values)


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _detach() -> Iterator[None]:
    yield
    detach_run_log()


async def _serve(content: ContentServiceServer, store: AdminStore) -> AsyncIterator[CJ]:
    tokens = TokenAuthority()

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async with aiohttp.ClientSession() as session:
        app = web.Application()
        app.router.add_get("/healthz", healthz)
        add_admin_routes(app, store, tokens, ContentClient(session, content.url))
        runner, origin = await serve_app(app, "127.0.0.1", 0)
        try:
            yield CJ(origin, store, tokens, content)
        finally:
            await runner.cleanup()


@pytest.fixture
async def cj(content_service: ContentServiceServer) -> AsyncIterator[CJ]:
    async for served in _serve(content_service, AdminStore()):
        yield served


@pytest.fixture
async def forgetful_cj(content_service: ContentServiceServer) -> AsyncIterator[CJ]:
    """The measured platform defect: writes are acknowledged and not stored."""
    async for served in _serve(content_service, AdminStore(drop_writes=True)):
        yield served


async def refused(settings: RunSettings) -> RunnerError:
    with pytest.raises(RunnerError) as caught:
        await run_execute(settings)
    return caught.value


async def test_an_assignment_without_instructions_stops_before_any_upload(
    cj: CJ, tmp_path: Path
) -> None:
    error = await refused(cj.settings(tmp_path))
    assert isinstance(error, AssignmentNotReady)
    assert error.exit_code == 2
    assert "has no assessment instructions" in error.message
    assert f"eng5-runner assignment setup --assignment-id {ASSIGNMENT}" in error.advice
    assert len(cj.content.store) == 0


async def test_setup_and_registration_are_read_back_then_the_preflight_passes(
    cj: CJ, tmp_path: Path
) -> None:
    settings = cj.settings(tmp_path)
    setup = await run_assignment_setup(settings)
    assert setup.instructions.grade_scale == "eng5_np_legacy_9_step"
    assert setup.instructions.student_prompt_storage_id == setup.prompt_storage_id
    stored = cj.store.instructions_for(ASSIGNMENT)
    assert stored is not None
    assert stored.student_prompt_storage_id == setup.prompt_storage_id

    # Instructions but no anchors: the preflight names the registration command.
    error = await refused(settings)
    assert isinstance(error, AssignmentNotReady)
    assert f"eng5-runner anchors register --assignment-id {ASSIGNMENT}" in error.advice

    registered = await prepare_assignment(settings)  # setup again (idempotent) + anchors
    assert len(registered) == 9
    assert {a.anchor_label for a in registered} >= {"anchor_c_plus", "anchor_c_minus"}
    listing = await run_anchor_listing(settings)
    assert listing is not None
    assert sorted(a.grade for a in listing.anchors) == sorted(
        ["F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"]
    )
    # Registering again updates by label: still nine anchors.
    assert len(await prepare_assignment(settings)) == 9
    assert len(cj.store.anchors_for(ASSIGNMENT)) == 9


async def test_a_scale_that_differs_from_the_assignments_is_refused(cj: CJ, tmp_path: Path) -> None:
    async with CJAdminClient(cj.url, cj.tokens.mint()) as client:
        await client.upsert_instructions(
            InstructionsUpsert(
                assignment_id=ASSIGNMENT,
                instructions_text="Judge the essays on content, structure and language.",
                grade_scale="eng5_np_national_9_step",
            )
        )
    error = await refused(cj.settings(tmp_path))  # the run's scale: the legacy default
    assert isinstance(error, AssignmentNotReady)
    assert "uses grade scale eng5_np_national_9_step" in error.message
    assert "--grade-scale eng5_np_national_9_step" in error.advice
    assert len(cj.content.store) == 0


async def test_a_rubric_override_meets_a_canonical_national_assignment(
    cj: CJ, tmp_path: Path
) -> None:
    settings = cj.settings(tmp_path)
    await prepare_assignment(settings)
    async with CJAdminClient(cj.url, cj.tokens.mint()) as client:
        current = await client.get_instructions(ASSIGNMENT)
        assert current is not None
        await client.upsert_instructions(
            InstructionsUpsert(
                assignment_id=ASSIGNMENT,
                instructions_text=current.instructions_text,
                grade_scale=current.grade_scale,
                context_origin="canonical_national",
                student_prompt_storage_id=current.student_prompt_storage_id,
            )
        )
    rubric = tmp_path / "rubric.md"
    rubric.write_text("Reward argument over length.", encoding="utf-8")
    stored_before = len(cj.content.store)
    error = await refused(cj.settings(tmp_path, rubric_file=rubric))
    assert isinstance(error, AssignmentNotReady)
    assert "canonical_national" in error.message
    assert "--rubric" in error.advice
    assert len(cj.content.store) == stored_before  # nothing uploaded by the refused run


async def test_the_national_scale_warns_that_the_runner_projects(cj: CJ, tmp_path: Path) -> None:
    from eng5_np.admin import assignment_preflight

    national = cj.settings(tmp_path, grade_scale=GradeScaleName.NATIONAL_9_STEP)
    async with CJAdminClient(cj.url, cj.tokens.mint()) as client:
        await client.upsert_instructions(
            InstructionsUpsert(
                assignment_id=ASSIGNMENT,
                instructions_text="Judge the essays on content, structure and language.",
                grade_scale="eng5_np_national_9_step",
            )
        )
    # The sample's anchors carry legacy letter grades; register two numeric ones by hand.
    from eng5_np.admin.models import AnchorRegistration

    async with CJAdminClient(cj.url, cj.tokens.mint()) as client:
        for grade in ("3", "7"):
            await client.register_anchor(
                AnchorRegistration(
                    assignment_id=ASSIGNMENT,
                    grade=grade,
                    anchor_label=f"anchor_{grade}",
                    essay_text="A numeric-scale anchor essay about school phones. " * 3,
                )
            )
        context = await assignment_preflight(
            client, ASSIGNMENT, national.grade_scale, rubric_override=False
        )
    assert len(context.anchors) == 2
    assert any("cannot carry the numeric grades" in w for w in context.warnings)


async def test_a_refused_token_is_exit_3_and_never_shown(cj: CJ, tmp_path: Path) -> None:
    forged = TokenAuthority().mint()  # signed with another secret
    error = await refused(cj.settings(tmp_path, token=forged))
    assert isinstance(error, AdminAccessRefused)
    assert error.exit_code == 3
    assert "401" in error.message
    assert forged.get_secret_value() not in error.one_line()
    no_admin = cj.tokens.mint(roles=("teacher",))
    error = await refused(cj.settings(tmp_path, token=no_admin))
    assert isinstance(error, AdminAccessRefused)
    assert "403" in error.message
    log = tmp_path / "run" / "runner.log.jsonl"
    if log.exists():
        assert no_admin.get_secret_value() not in log.read_text()
    assert len(cj.content.store) == 0


async def test_without_a_token_or_cj_url_the_run_is_refused_before_anything(
    cj: CJ, tmp_path: Path
) -> None:
    settings = cj.settings(tmp_path).model_copy(update={"admin_credentials": AdminCredentials()})
    error = await refused(settings)
    assert type(error) is UsageError
    assert "CJ_ADMIN_TOKEN" in error.message
    settings = cj.settings(tmp_path).model_copy(update={"cj_service_url": None})
    error = await refused(settings)
    assert type(error) is UsageError
    assert "--cj-service-url" in error.advice


async def test_an_unreachable_cj_service_is_exit_3(cj: CJ, tmp_path: Path) -> None:
    settings = cj.settings(tmp_path).model_copy(
        update={"cj_service_url": f"http://127.0.0.1:{dead_port()}"}
    )
    error = await refused(settings)
    assert isinstance(error, CJServiceUnavailable)
    assert error.exit_code == 3


async def test_an_acknowledged_write_that_was_not_stored_is_reported(
    forgetful_cj: CJ, tmp_path: Path
) -> None:
    settings = forgetful_cj.settings(tmp_path)
    with pytest.raises(AdminWriteNotStored) as caught:
        await run_assignment_setup(settings)
    assert caught.value.exit_code == 3
    assert "acknowledged the instructions" in caught.value.message
    assert "no instructions at all" in caught.value.message


async def test_setup_succeeds_against_a_platform_that_strips_surrounding_whitespace(
    cj: CJ, tmp_path: Path
) -> None:
    """The platform stores ``instructions_text`` stripped (SPEC §11.6); the sample's text ends
    with a newline, so a byte-for-byte read-back would call the write a failure (issue 14)."""
    dataset = tmp_path / "dataset"
    shutil.copytree(bundled_sample_dataset(), dataset)
    instructions = dataset / "instructions.md"
    instructions.write_text("\n  " + instructions.read_text(encoding="utf-8") + "\n\n  ")
    setup = await run_assignment_setup(cj.settings(tmp_path, dataset_dir=dataset))
    stored = cj.store.instructions_for(ASSIGNMENT)
    assert stored is not None
    assert stored.instructions_text == instructions.read_text(encoding="utf-8").strip()
    assert setup.instructions.instructions_text == stored.instructions_text


async def test_a_read_back_that_really_differs_names_the_fields_and_never_the_text(
    cj: CJ, tmp_path: Path
) -> None:
    old_text = "An older instruction text, kept by the platform."
    cj.store.upsert_instructions(
        assignment_id=ASSIGNMENT,
        course_id=None,
        instructions_text=old_text,
        grade_scale="eng5_np_legacy_9_step",
    )
    cj.store.drop_writes = True  # the write is acknowledged; the old record stays
    with pytest.raises(AdminWriteNotStored) as caught:
        await run_assignment_setup(cj.settings(tmp_path))
    message = caught.value.one_line()
    assert "other values for instructions_text, student_prompt_storage_id" in message
    assert "grade_scale" not in message
    assert "context_origin" not in message
    assert old_text not in message
    assert "Good luck" not in message  # the sent text is not shown either


@pytest.fixture
async def cj_500(content_service: ContentServiceServer) -> AsyncIterator[CJ]:
    """The measured platform: a missing assignment answers 500, not 404 (SPEC §11.6)."""
    async for served in _serve(content_service, AdminStore(missing_answers_500=True)):
        yield served


async def test_a_500_for_a_missing_assignment_says_what_it_likely_means(
    cj_500: CJ, tmp_path: Path
) -> None:
    error = await refused(cj_500.settings(tmp_path))
    assert isinstance(error, CJServiceUnavailable)
    assert error.exit_code == 3
    assert "answered 500" in error.message
    assert f"most likely assignment {ASSIGNMENT!r} has no assessment instructions" in (
        error.message
    )
    assert f"eng5-runner assignment setup --assignment-id {ASSIGNMENT}" in error.advice
    assert len(cj_500.content.store) == 0
    # Once set up, the same service serves the preflight (the 500 was only "missing").
    await prepare_assignment(cj_500.settings(tmp_path))
    listing = await run_anchor_listing(cj_500.settings(tmp_path))
    assert listing is not None
    assert listing.anchor_count == 9


async def test_a_500_on_the_read_back_of_a_write_says_the_write_did_not_stick(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    """The measured platform has both defects at once (SPEC §11.6): writes not committed and a
    missing assignment answering 500. The read-back's 500 then means "not stored"."""
    store = AdminStore(drop_writes=True, missing_answers_500=True)
    async for served in _serve(content_service, store):
        with pytest.raises(AdminWriteNotStored) as caught:
            await run_assignment_setup(served.settings(tmp_path))
        assert caught.value.exit_code == 3
        assert "reading them back answers 500" in caught.value.message
        assert "the write did not stick" in caught.value.message

"""``eng5-runner assignment setup`` and ``eng5-runner anchors register|list``: the CJ admin
actions of an assignment run (SPEC §11.2), each write read back before it counts as done.

The admin token comes from ``CJ_ADMIN_TOKEN`` only (never a flag: flags end up in shell
history and process lists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from eng5_np.admin import ContextOrigin
from eng5_np.cli.common import build_settings, fail, run_async
from eng5_np.cli.help import HelpCommand, HelpGroup
from eng5_np.errors import UsageError
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import AdminCredentials, RunSettings

assignment_app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Set up an assignment on the CJ service (instructions, grade scale, prompt).",
)
anchors_app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Register the dataset's anchors for an assignment, or list its anchors.",
)

AssignmentOption = Annotated[str, typer.Option(help="The assignment id on the CJ service.")]
DatasetOption = Annotated[
    Path | None,
    typer.Option(envvar="ENG5_DATASET_DIR", help="Dataset root (default: the bundled sample)."),
]
CJUrlOption = Annotated[
    str | None,
    typer.Option(envvar="CJ_SERVICE_URL", help="Base URL of the CJ service's HTTP API."),
]
ScaleOption = Annotated[
    GradeScaleName, typer.Option(case_sensitive=False, help="Grade scale of the anchors.")
]


def _admin_settings(**values: Any) -> RunSettings:
    """The action's settings; the admin token comes from ``CJ_ADMIN_TOKEN`` only."""
    return build_settings({**values, "admin_credentials": AdminCredentials()})


@assignment_app.command("setup", cls=HelpCommand)
def assignment_setup(
    assignment_id: AssignmentOption,
    dataset_dir: DatasetOption = None,
    grade_scale: ScaleOption = GradeScaleName.LEGACY_9_STEP,
    context_origin: Annotated[
        ContextOrigin,
        typer.Option(case_sensitive=False, help="research_experiment or canonical_national."),
    ] = ContextOrigin.RESEARCH_EXPERIMENT,
    cj_service_url: CJUrlOption = None,
    content_service_url: Annotated[
        str | None,
        typer.Option(envvar="CONTENT_SERVICE_URL", help="Content Service upload URL."),
    ] = None,
) -> None:
    """Upload the dataset's prompt and store the assignment's instructions (read back)."""
    from eng5_np.modes.admin_actions import run_assignment_setup

    settings = _admin_settings(
        assignment_id=assignment_id,
        dataset_dir=dataset_dir,
        grade_scale=grade_scale,
        cj_service_url=cj_service_url,
        content_service_url=content_service_url,
    )
    result = run_async(lambda: run_assignment_setup(settings, context_origin))
    Console(highlight=False, soft_wrap=True).print(
        f"Assignment {assignment_id} set up and read back: grade scale "
        f"{result.instructions.grade_scale}, {result.instructions.context_origin}, prompt "
        f"storage id {result.prompt_storage_id}.",
        markup=False,
    )


@anchors_app.command("register", cls=HelpCommand)
def anchors_register(
    assignment_id: AssignmentOption,
    dataset_dir: DatasetOption = None,
    grade_scale: ScaleOption = GradeScaleName.LEGACY_9_STEP,
    cj_service_url: CJUrlOption = None,
) -> None:
    """Register every dataset anchor (grade, label = display name, text) and read them back."""
    from eng5_np.modes.admin_actions import run_anchor_registration

    settings = _admin_settings(
        assignment_id=assignment_id,
        dataset_dir=dataset_dir,
        grade_scale=grade_scale,
        cj_service_url=cj_service_url,
    )
    registered = run_async(lambda: run_anchor_registration(settings))
    Console(highlight=False, soft_wrap=True).print(
        f"{len(registered)} anchor(s) registered for {assignment_id} and read back.",
        markup=False,
    )


@anchors_app.command("list", cls=HelpCommand)
def anchors_list(assignment_id: AssignmentOption, cj_service_url: CJUrlOption = None) -> None:
    """List the anchors registered for an assignment."""
    from eng5_np.modes.admin_actions import run_anchor_listing

    settings = _admin_settings(assignment_id=assignment_id, cj_service_url=cj_service_url)
    listing = run_async(lambda: run_anchor_listing(settings))
    if listing is None:
        raise fail(
            UsageError(
                f"assignment {assignment_id!r} has no assessment instructions on the CJ service",
                advice=f"Run `eng5-runner assignment setup --assignment-id {assignment_id}`.",
            )
        )
    table = Table(title=f"Anchors of {assignment_id} ({listing.grade_scale or 'no scale'})")
    for column in ("id", "grade", "label", "storage id"):
        table.add_column(column, overflow="fold")
    for anchor in listing.anchors:
        table.add_row(
            str(anchor.id), anchor.grade, anchor.anchor_label or "", anchor.text_storage_id or ""
        )
    Console(highlight=False).print(table)

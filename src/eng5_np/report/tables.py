"""The tables both reports show, as plain text: headline, cost, scale, projections, essays.

Each builder returns a :class:`Table` (headers, text rows, which columns are numeric); the
markdown and HTML renderers only mark it up, so the two reports show the same cells. The
sentences around the tables are :mod:`eng5_np.report.wording`.
"""

from __future__ import annotations

from dataclasses import dataclass

from eng5_np.report.checks import RunChecks
from eng5_np.report.facts import RunFacts, ScaleRow
from eng5_np.report.gates import NotComputable
from eng5_np.report.headline import HEADLINE_HEADERS, headline_rows
from eng5_np.report.wording import number


@dataclass(frozen=True)
class Table:
    """A table both reports show: headers, text rows, and which columns are numeric."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()
    whole: frozenset[int] = frozenset()
    """Columns of names and ids, which the HTML never breaks across lines."""


def pairs_table(
    rows: list[tuple[str, str]], headers: tuple[str, str] = ("field", "value")
) -> Table:
    """A two-column (label, value) table."""
    return Table(headers, tuple(rows))


def headline_table(checks: RunChecks, facts: RunFacts) -> Table:
    """The headline figures with their gates (essays by display name): the report opens with
    them (:mod:`eng5_np.report.headline`)."""
    return Table(
        HEADLINE_HEADERS,
        tuple(
            (row.figure, facts.named(row.value), row.target, row.status.value)
            for row in headline_rows(checks, facts.name)
        ),
    )


def cost_table(facts: RunFacts) -> Table:
    """Tokens and cost per provider/model, and the total."""
    rows = [
        (
            c.provider,
            c.model,
            "—" if c.comparisons is None else str(c.comparisons),
            f"{c.prompt_tokens:,}",
            f"{c.completion_tokens:,}",
            f"${c.usd:.4f}" if c.priced else "unknown",
        )
        for c in facts.costs
    ]
    priced = all(c.priced for c in facts.costs)
    rows.append(("total", "", "", "", "", f"${facts.total_usd:.4f}" if priced else "unknown"))
    return Table(
        ("provider", "model", "comparisons", "prompt tokens", "completion tokens", "est. USD"),
        tuple(rows),
        frozenset({2, 3, 4, 5}),
    )


def error_code_table(checks: RunChecks) -> Table | None:
    """Failed comparisons per error code; None when none failed (or it is not recorded)."""
    tally = checks.tally
    if isinstance(tally, NotComputable) or not tally.error_codes:
        return None
    return Table(
        ("error code", "failed comparisons"),
        tuple((code, str(count)) for code, count in tally.error_codes),
        frozenset({1}),
    )


def scale_table(scale: tuple[ScaleRow, ...], facts: RunFacts) -> Table:
    """The BT scale in rank order, essays by display name."""
    return Table(
        ("rank", "essay", "role", "service θ", "runner θ", "SE", "comparisons", "projected grade"),
        tuple(
            (
                str(r.rank),
                facts.name(r.essay_id),
                f"anchor {r.anchor_grade or '?'}" if r.is_anchor else "student",
                "—" if r.theta is None else f"{r.theta:+.3f}",
                "—" if r.runner_theta is None else f"{r.runner_theta:+.3f}",
                number(r.standard_error),
                str(r.comparison_count),
                r.grade_projection or "",
            )
            for r in sorted(scale, key=lambda row: (row.rank, row.essay_id))
        ),
        frozenset({0, 3, 4, 5, 6}),
    )


def projection_table(facts: RunFacts) -> Table:
    """Each student's projected grade and most probable grades."""
    return Table(
        ("student", "grade", "most probable grades", "source", "primary anchor"),
        tuple(
            (
                facts.name(p.essay_id),
                p.grade,
                ", ".join(f"{grade} {prob:.2f}" for grade, prob in p.top_probabilities),
                p.source,
                facts.name(p.primary_anchor_id) if p.primary_anchor_id else "",
            )
            for p in facts.projections
        ),
    )


def essay_table(facts: RunFacts, checks: RunChecks) -> Table:
    """Per essay: file, successful/failed comparisons, wins, infit and misfit flag."""
    files = {e.essay_id: e.file_name for e in facts.essays}
    return Table(
        ("essay", "role", "file", "comparisons", "wins", "failed", "infit", "flag"),
        tuple(
            (
                facts.name(e.essay_id),
                "anchor" if e.is_anchor else "student",
                files.get(e.essay_id, "(registered on the platform)" if e.is_anchor else "—"),
                str(e.successful),
                str(e.wins),
                str(e.failed),
                number(e.infit),
                "MISFIT" if e.misfit else "",
            )
            for e in checks.essays
        ),
        frozenset({3, 4, 5, 6}),
    )

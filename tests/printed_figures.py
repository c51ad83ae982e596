"""Every figure a report prints equals the one its artefact stores (issue 14 item 2).

The rendered texts are parsed back — ``report.md`` and ``report.html`` tables, the terminal
summary's headline table — and each τ-b (with its interval), inversion count, anchors-that-
never-won list, SSR and comparisons-per-essay spread found is compared with the artefact's
stored value. A report that computed a figure a second way (one once printed τ 0.589 with 6
inversions in one section and 0.551 with 7 in another) fails here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from eng5_np.artefact.essays import EssayDirectory

Row = tuple[str, ...]
_NUMBER = re.compile(r"-?\d+\.\d+")


def markdown_rows(text: str) -> list[Row]:
    """Every table row of a Markdown report, cells stripped (separator rows left out)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = [
                html.unescape(c.strip().replace("\\|", "|")) for c in line.strip("|").split(" | ")
            ]
            rows.append(tuple(cells))
    return rows


def html_rows(page: str) -> list[Row]:
    """Every ``<tr>`` of an HTML report as its cells' text."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        rows.append(tuple(html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells))
    return rows


def terminal_rows(text: str) -> list[Row]:
    """The rows of the terminal's box-drawn tables (one line per row at 80 columns)."""
    return [
        tuple(cell.strip() for cell in line.strip().strip("│").split("│"))
        for line in text.splitlines()
        if line.strip().startswith("│")
    ]


def _values(rows: Sequence[Row], label: re.Pattern[str]) -> list[str]:
    return [row[1] for row in rows if len(row) > 1 and label.search(row[0])]


def assert_printed_equal_stored(document: Mapping[str, Any], **texts: list[Row]) -> int:
    """Check every headline figure in each rendering against ``document``; return the number
    of printed values checked (so a caller can tell an empty parse from a match)."""
    block = document["alignment"]
    stored = document["validation"]["analysis"]
    name = EssayDirectory.from_artefact(document).display_name
    tau, interval = block["kendall_tau_b"], block["tau_ci95"]
    expected_tau = [f"{tau:.3f}", f"{interval[0]:.3f}", f"{interval[1]:.3f}"]
    inversions = len(block["inversions"])
    never = sorted(name(e) for e in block["never_won"])
    ssr = f"{stored['scale_separation_reliability']:.3f}"
    spread = stored["comparisons_per_essay"]
    counts = [str(spread["minimum"]), f"{spread['median']:g}", str(spread["maximum"])]
    checked = 0
    for source, rows in texts.items():
        taus = _values(rows, re.compile(r"^(Kendall's τ-b|anchor alignment \(Kendall's τ-b)"))
        assert taus, f"{source}: no τ-b printed"
        for value in taus:
            assert _NUMBER.findall(value)[:3] == expected_tau, (source, value)
        counted = _values(rows, re.compile(r"^inversions$"))
        assert counted, f"{source}: no inversion count printed"
        assert all(value == str(inversions) for value in counted), (source, counted)
        for row in rows:
            found = re.match(r"anchor inversions \((\d+)\)$", row[0])
            if found:
                assert int(found.group(1)) == inversions, (source, row)
                checked += 1
        for value in _values(rows, re.compile(r"^anchors that never won$")):
            names = sorted(re.sub(r" \([^)]*\)$", "", n) for n in value.split(", "))
            assert names == (never or ["none"]), (source, value)
            checked += 1
        ssrs = _values(rows, re.compile(r"^scale separation"))
        assert ssrs, f"{source}: no SSR printed"
        assert all(_NUMBER.findall(value)[0] == ssr for value in ssrs), (source, ssrs)
        spreads = _values(rows, re.compile(r"comparisons per essay$"))
        assert spreads, f"{source}: no comparisons per essay printed"
        for value in spreads:
            assert re.findall(r"\d+(?:\.\d+)?", value) == counts, (source, value)
        checked += len(taus) + len(counted) + len(ssrs) + len(spreads)
    return checked


def assert_anchor_table_equals_stored(document: Mapping[str, Any], rows: Sequence[Row]) -> None:
    """The alignment section's anchor table prints the block's θ and SE of each anchor."""
    name = EssayDirectory.from_artefact(document).display_name
    grades = {a["grade"] for a in document["alignment"]["anchors"]}
    by_name = {r[1]: r for r in rows if len(r) == 6 and r[0] in grades}
    for anchor in document["alignment"]["anchors"]:
        row = by_name[name(anchor["essay_id"])]
        bound = {">=": "≥ ", "<=": "≤ "}.get(anchor.get("theta_bound") or "", "")
        assert row[2] == ("—" if anchor["theta"] is None else f"{bound}{anchor['theta']:.3f}")
        assert row[3] == (
            "—" if anchor["standard_error"] is None else f"{anchor['standard_error']:.3f}"
        )

"""docs/API.md runs: its Python blocks, in order, in one namespace, on the local stack.

Top-level ``await`` is compiled as a notebook does (``PyCF_ALLOW_TOP_LEVEL_AWAIT``); the local
stack is the real one (Tansu broker, Content Service, reference CJ service on 127.0.0.1).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

import eng5_np

pytestmark = pytest.mark.e2e

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


async def run_blocks(blocks: list[str]) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"docs/API.md block {number}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        outcome = eval(code, namespace)
        if inspect.iscoroutine(outcome):
            await outcome
    return namespace


async def test_the_api_doc_runs_and_its_figures_are_the_artefacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENG5_UPLOAD_CACHE_DIR", str(tmp_path / "cache"))
    blocks = BLOCK.findall(API_DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 5
    namespace = await run_blocks(blocks)
    printed = capsys.readouterr().out

    path = tmp_path / "eng5_runs" / "notebook-01" / "assessment_run.execute.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    run = namespace["run"]
    assert isinstance(run, eng5_np.Artefact)
    assert run.figures.tau_b == document["alignment"]["kendall_tau_b"]
    assert list(run.figures.tau_b_interval) == document["alignment"]["tau_ci95"]
    assert run.figures.ssr == document["validation"]["analysis"]["scale_separation_reliability"]
    assert len(run.comparisons) == len(document["llm_comparisons"]) == 60
    assert document["metadata"]["stack"]["kind"] == "local"
    assert document["metadata"]["stack"]["judge"] == "simulated"
    assert f"τ-b {document['alignment']['kendall_tau_b']} " in printed
    essays = namespace["essays"]
    assert len(essays) == len(document["bt_summary"]) == 23
    assert set(essays[essays.role == "anchor"]["display_name"]) == {
        a["display_name"] for a in document["inputs"]["anchors"]
    }
    assert printed.rstrip().splitlines()[-1].startswith("2 eng5_runs/notebook-01/no-such")

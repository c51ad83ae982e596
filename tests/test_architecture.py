"""The runner core never imports the local stack (SPEC §7, STYLE layout)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import eng5_np

PACKAGE = Path(eng5_np.__file__).parent
STACK_GLUE = {"cli/stack.py", "cli/stack_run.py"}
"""The CLI modules allowed to import the stack, lazily, for `stack` and --local-stack."""


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_the_local_stack() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "localstack" not in path.parts
        and path.relative_to(PACKAGE).as_posix() not in STACK_GLUE
        and any(name.startswith("eng5_np.localstack") for name in _imported_modules(path))
    ]
    assert offenders == []


def test_running_the_cli_and_modes_loads_no_stack_module() -> None:
    code = (
        "import sys, eng5_np.cli, eng5_np.modes.execute, eng5_np.modes.plan, "
        "eng5_np.modes.dry_run; "
        "print(sorted(m for m in sys.modules if m.startswith('eng5_np.localstack')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"

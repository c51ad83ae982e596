"""The runner core never imports the local stack (SPEC §7, STYLE layout)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import eng5_np

PACKAGE = Path(eng5_np.__file__).parent
STACK_GLUE = {"cli/stack.py", "cli/stack_run.py", "cli/service_options.py"}
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


def _modules_of(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(PACKAGE)): _imported_modules(path)
        for path in (PACKAGE / folder).rglob("*.py")
    }


def test_the_report_never_imports_a_mode() -> None:
    offenders = {
        module: sorted(name for name in names if name.startswith("eng5_np.modes"))
        for module, names in _modules_of("report").items()
        if any(name.startswith("eng5_np.modes") for name in names)
    }
    assert offenders == {}


def test_the_report_never_fits_a_model() -> None:
    # Issue 15's check, as anyone can run it: grep finds no fit in report/.
    result = subprocess.run(
        ["grep", "-rn", r"fit_bradley_terry\|ilsr\|choix", str(PACKAGE / "report")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""


def test_only_analysis_computes_statistics() -> None:
    # The report and the experiments read stored figures: they call no statistic of a run;
    # the experiments compute the statistics across repeats, the report only renders them.
    across_repeats = {"aggregate_repeats", "spread", "rank_descending", "compare_differences"}
    computing = {
        "fit_bradley_terry",
        "reliability_figures",
        "scale_separation_reliability",
        "split_half_reliability",
        "infit",
        "position_bias",
        "analyse_alignment",
        "kendall_tau_b",
        "comparison_figures",
        "tau_b_interval",
        "fit_net_of_position",
    }
    offenders = []
    for folder, forbidden in (
        ("report", computing | across_repeats),
        ("experiments", computing),
    ):
        for path in (PACKAGE / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "eng5_np.analysis"
                ):
                    offenders += [
                        f"{path.relative_to(PACKAGE)}: {alias.name}"
                        for alias in node.names
                        if alias.name in forbidden
                    ]
    assert offenders == []


def test_the_public_api_loads_no_stack_module_until_a_stack_starts() -> None:
    """``import eng5_np`` and every public name resolve without the local stack."""
    code = (
        "import sys, eng5_np; "
        "missing = [n for n in eng5_np.__all__ if n != '__version__' "
        "and not getattr(eng5_np, n).__doc__]; "
        "print(missing, sorted(m for m in sys.modules if m.startswith('eng5_np.localstack')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[] []"


def test_import_eng5_np_alone_loads_only_the_package() -> None:
    code = "import sys, eng5_np; print(sorted(m for m in sys.modules if m.startswith('eng5_np')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "['eng5_np']"


def test_the_type_checkers_see_the_public_names_lazy_loading_serves() -> None:
    """``_HOMES`` is the one list of the public API; the ``TYPE_CHECKING`` imports repeat it
    (type checkers cannot run the code that makes ``__all__``) and must say the same."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if node.test.id == "TYPE_CHECKING"
    )
    seen = {
        node.module: tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
    }
    not_reexported = [
        alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname != alias.name
    ]
    assert seen == eng5_np._HOMES
    assert list(seen) == list(eng5_np._HOMES)
    assert not_reexported == []
    assert eng5_np.__all__ == ["__version__", *(n for names in seen.values() for n in names)]

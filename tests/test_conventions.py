"""Project conventions that keep the command line fast and thin (see STYLE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mmdata"
HEAVY = {"pandas", "pandera", "frictionless", "numpy"}
#: The export extra: only `mmdata export`, `mmdata site` and `mmdata release` may need them (#11).
EXTRA = {"pyarrow", "jinja2", "markupsafe", "matplotlib"}


def imported_modules(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_cli_imports_click() -> None:
    users = sorted(p.name for p in SRC.glob("*.py") if "click" in imported_modules(p))
    assert users == ["cli.py"]


def test_cli_imports_nothing_from_the_data_stack() -> None:
    assert imported_modules(SRC / "cli.py") & (HEAVY | EXTRA) == set()


def test_help_imports_no_heavy_library() -> None:
    code = f"import sys; from mmdata.cli import cli; print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY | EXTRA!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_validate_and_load_work_without_the_export_extra_issue_11() -> None:
    """`mmdata validate` and `mmdata.load` never need the export extra: block it and run them."""
    code = ("import sys\n"
            f"for name in {sorted(EXTRA)!r}: sys.modules[name] = None\n"
            "import mmdata\n"
            f"print(mmdata.validate({str(SRC.parents[1])!r}), len(mmdata.load('outcomes', path={str(SRC.parents[1])!r})) > 0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[] True\n"


@pytest.mark.parametrize("module", ["__init__.py", "errors.py", "cli.py", "__main__.py"])
def test_start_up_modules_stay_light(module: str) -> None:
    assert imported_modules(SRC / module, top_level_only=True) & HEAVY == set()


def test_every_module_stays_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in SRC.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


@pytest.mark.parametrize("args", [["fmt", "--check"], ["docs", "--check"], ["diff", ".", "."]])
def test_fmt_docs_and_diff_import_no_data_stack_issue_10(args: list[str]) -> None:
    """They read packages through the stdlib reader (snapshot, package, csvfile): no pandas, pandera, numpy or frictionless."""
    code = ("import sys\nfrom mmdata.cli import cli\n"
            f"try:\n    cli({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY | EXTRA!r}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=SRC.parents[1])
    assert done.stderr.splitlines()[-1] == "[]"


def test_import_mmdata_reads_no_distribution_metadata_issue_10() -> None:
    code = "import sys, mmdata; print(mmdata.__version__ != '0+unknown', 'importlib.metadata' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "True False\n"


def test_the_readme_module_map_names_every_module() -> None:
    """A new module is written into the README's module map (Development) in the same change."""
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    modules = sorted(p.name for p in SRC.glob("*.py") if not p.name.startswith("__"))
    assert [name for name in modules if f"`{name}`" not in readme and f"  {name} " not in readme] == []

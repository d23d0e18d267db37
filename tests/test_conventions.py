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
EXTRA = {"pyarrow", "jinja2", "markupsafe"}


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
    users = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "click" in imported_modules(p))
    assert users == ["cli.py"]


def test_cli_imports_nothing_from_the_data_stack() -> None:
    assert imported_modules(SRC / "cli.py") & (HEAVY | EXTRA) == set()


def test_help_imports_no_heavy_library() -> None:
    code = f"import sys; from mmdata.cli import cli; print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY | EXTRA!r}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_help_and_version_import_only_the_command_line_issue_22() -> None:
    """`mmdata --help` and `--version` load no module of mmdata but the command line, its package, about and terminal,
    nor pathlib, dataclasses (mmdata.errors needs it) or traceback: a fifth less start-up, whose floor is click's import."""
    code = ("import sys\nfrom mmdata.cli import cli\n"
            "try:\n    cli([sys.argv[1]])\nexcept SystemExit as exit:\n"
            "    print(exit.code, sorted(m for m in sys.modules if m.split('.')[0] in {'mmdata', 'pathlib', 'dataclasses', 'traceback'}), file=sys.stderr)")
    for option in ("--help", "--version"):
        done = subprocess.run([sys.executable, "-c", code, option], capture_output=True, text=True, check=True)
        assert done.stderr == "0 ['mmdata', 'mmdata.about', 'mmdata.cli', 'mmdata.terminal']\n", option


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


#: The layers of src/mmdata/, lowest first: a module may import its own layer's modules and those of
#: lower layers, never a higher one. The base modules (errors, terminal, about) import only each other.
LAYERS = {"base": 0, "io": 1, "model": 2, "rules": 3, "edit": 4, "publish": 5, "face": 6}
BASE = {"mmdata.errors", "mmdata.terminal", "mmdata.about"}
FACE = {"mmdata", "mmdata.cli", "mmdata.__main__"}
#: The longest chain of imports between the modules of src/mmdata/, lazy imports included. 11 since the Arrow reader
#: (io/arrowcsv.py) left io/frames.py, so that fmt, docs and diff read large tables without pandas (#22): the chain
#: through model/package.py -> io/frames.py -> io/arrowcsv.py -> io/csvfile.py grew by that one module.
MAX_LEVELS = 11


def module_name(path: Path) -> str:
    parts = ["mmdata", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    if module in BASE:
        return "base"
    if module in FACE:
        return "face"
    return module.split(".")[1]


def mmdata_imports(path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) of every import of an mmdata module in a source file, at any depth."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "mmdata"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "mmdata":
                target = str(node.module)
            else:
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if (SRC / Path(*submodule.split(".")[1:])).with_suffix(".py").is_file() or (SRC / Path(*submodule.split(".")[1:])).is_dir():
                    found.append((submodule, "", node.lineno))
                else:
                    found.append((target, alias.name, node.lineno))
    return found


SOURCES = sorted(SRC.rglob("*.py"))


def import_graph() -> dict[str, set[str]]:
    return {module_name(p): {target for target, _, _ in mmdata_imports(p) if target != module_name(p)} for p in SOURCES}


def test_modules_import_only_their_own_layer_and_lower_ones() -> None:
    """io < model < rules < edit < publish < the face (cli.py, the package root): nothing imports upward,
    and a base module (errors, terminal, about) imports no layer (see STYLE.md and the README's module map)."""
    upward = []
    for path in SOURCES:
        here = module_name(path)
        for target, _, line in mmdata_imports(path):
            if LAYERS[layer(target)] > LAYERS[layer(here)] and here != "mmdata.__main__":
                upward.append(f"{path.relative_to(SRC)}:{line}: {here} ({layer(here)}) imports {target} ({layer(target)})")
    assert upward == []


def test_nothing_imports_the_package_root_or_another_modules_private_names() -> None:
    wrong = []
    for path in SOURCES:
        for target, name, line in mmdata_imports(path):
            if target == "mmdata" and path.name != "__main__.py":
                wrong.append(f"{path.relative_to(SRC)}:{line}: imports the package root (mmdata.{name})")
            elif name.startswith("_") and name != "__version__":
                wrong.append(f"{path.relative_to(SRC)}:{line}: imports the private name {target}.{name}")
    assert wrong == []


def test_imports_have_no_cycle_and_a_bounded_depth() -> None:
    """The module graph (lazy imports included) is acyclic, and its longest chain of imports is at most MAX_LEVELS modules."""
    graph = import_graph()
    depth: dict[str, int] = {}

    def level(module: str, stack: tuple[str, ...] = ()) -> int:
        assert module not in stack, " -> ".join((*stack, module))  # an import cycle
        if module not in depth:
            depth[module] = 1 + max((level(t, (*stack, module)) for t in graph.get(module, ()) if t in graph), default=0)
        return depth[module]

    assert max(level(m) for m in graph) <= MAX_LEVELS


@pytest.mark.parametrize("args", [["fmt", "--check"], ["docs", "--check"], ["diff", ".", "."]])
def test_fmt_docs_and_diff_import_no_data_stack_issue_10(args: list[str]) -> None:
    """They read packages through the stdlib reader (snapshot, package, csvfile): no pandas, pandera, numpy or frictionless."""
    code = ("import sys\nfrom mmdata.cli import cli\n"
            f"try:\n    cli({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY | EXTRA!r}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=SRC.parents[1])
    assert done.stderr.splitlines()[-1] == "[]"


@pytest.mark.parametrize("args", [["fmt", "--check"], ["docs", "--check"], ["diff", ".", "."]])
def test_fmt_docs_and_diff_read_large_tables_without_pandas_issue_22(args: list[str]) -> None:
    """Every table read by their Arrow paths (as if each had ARROW_FROM bytes): pyarrow and numpy, never pandas, which
    pyarrow imports whenever it converts a Python value (0.15 s per command, io/arrow.py's scalar)."""
    pytest.importorskip("pyarrow")
    code = ("import sys\nimport mmdata.io.canonical\nmmdata.io.canonical.ARROW_FROM = 0\nfrom mmdata.cli import cli\n"
            f"try:\n    cli({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyarrow', 'pandas'}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=SRC.parents[1])
    assert done.stderr.splitlines()[-1] == "['pyarrow']"


def test_import_mmdata_reads_no_distribution_metadata_issue_10() -> None:
    code = "import sys, mmdata; print(mmdata.__version__ != '0+unknown', 'importlib.metadata' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "True False\n"


def test_the_module_map_names_every_module() -> None:
    """A new module is written into the module map (docs/maintaining.md, "Architecture and development") in the same change."""
    readme = (SRC.parents[1] / "docs/maintaining.md").read_text(encoding="utf-8")
    modules = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if not p.name.startswith("__"))
    unnamed = [rel for rel in modules if f"`{rel}`" not in readme and f"`{Path(rel).name}`" not in readme]
    folders = {str(Path(rel).parent) for rel in modules} - {"."}
    assert (unnamed, sorted(f for f in folders if f"`{f}/`" not in readme)) == ([], [])

"""Shared helpers: copies of the shipped package and of the tiny fixture packages, and facts of the
shipped data derived from its files (tests outside test_data.py never type them)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: docs/references.md: the reference facts that the schemas name and the curation rules read (#21).
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "seeds", "docs/references.md")


def shipped_descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


#: The shipped data's version, tables (in descriptor order) and number of seed documents.
VERSION = shipped_descriptor()["version"]
TABLE_NAMES = [r["name"] for r in shipped_descriptor()["resources"]]
SEED_COUNT = len(shipped_descriptor()["sources"])


def row_count(table: str, root: Path = ROOT) -> int:
    """Rows of a table of the package at root, counted from its CSV file."""
    return len(read_rows(root / f"data/{table}.csv")[1])


def summary(rows: int | None = None) -> str:
    """What `mmdata validate` counts for the shipped package: '5 tables, 61 rows, 5 seeds'."""
    rows = sum(row_count(t) for t in TABLE_NAMES) if rows is None else rows
    return f"{len(TABLE_NAMES)} tables, {rows} rows, {SEED_COUNT} seed{'' if SEED_COUNT == 1 else 's'}"


def copy_package(source: Path, target: Path) -> Path:
    """Copy the parts of a package (descriptor, data, schemas, seeds, reference facts) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        elif src.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
    return target


#: Files of a fixture case that describe it rather than overlay the package.
CASE_FILES = ("expected.txt", "patch.json")


def build_fixture(case: str, target: Path) -> Path:
    """The tiny base package with the repository's schemas, changed by one case.

    A case changes the base with the small patches of its patch.json (see apply_patch), and
    holds whole files only where the bytes matter (an encoding, a blank row, a header, broken
    JSON, a seed): those overlay the package as they are.
    """
    copy_package(FIXTURES / "_base", target)
    shutil.copytree(ROOT / "schemas", target / "schemas", dirs_exist_ok=True)
    patch = FIXTURES / case / "patch.json"
    if patch.is_file():
        apply_patch(target, json.loads(patch.read_text(encoding="utf-8")))
    for path in sorted((FIXTURES / case).rglob("*")):
        if path.is_file() and path.name not in CASE_FILES:
            dest = target / path.relative_to(FIXTURES / case)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    return target


def apply_patch(root: Path, patch: list[dict]) -> None:
    """Apply the changes of a fixture's patch.json to the package at root, in order. Each is one of

    - ``{"table": T, "key": K, "column": C, "value": V}``: set one cell of the row whose primary key is K;
    - ``{"table": T, "key": K, "copy": K0}``: append a copy of row K0 with primary key K;
    - ``{"file": F, "pointer": P, "value": V}`` or ``{"file": F, "pointer": P, "remove": true}``: set or
      remove one value of a JSON file (datapackage.json, a schema), where P is a JSON pointer whose
      segment may name a list item by its "name" (``/resources/arms/path``, ``/fields/note/type``).

    Tables are written back in canonical form, so one schema change never means editing copies.
    """
    from mmdata.io.csvfile import canonical_csv

    for change in patch:
        if "table" in change:
            descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
            resource = next(r for r in descriptor["resources"] if r["name"] == change["table"])
            schema = json.loads((root / resource["schema"]).read_text(encoding="utf-8"))
            path = root / resource["path"]
            header, rows = read_rows(path)
            key = header.index(schema["primaryKey"] if isinstance(schema["primaryKey"], str) else schema["primaryKey"][0])
            if "copy" in change:
                row = list(next(r for r in rows if r[key] == change["copy"]))
                row[key] = change["key"]
                rows.append(row)
            else:
                next(r for r in rows if r[key] == change["key"])[header.index(change["column"])] = change["value"]
            path.write_bytes(canonical_csv(header, rows))
        else:
            path = root / change["file"]
            document = json.loads(path.read_text(encoding="utf-8"))
            *parents, last = change["pointer"].split("/")[1:]
            node = document
            for segment in parents:
                node = _child(node, segment)
            where = _index(node, last) if isinstance(node, list) else last
            if change.get("remove"):
                del node[where]
            else:
                node[where] = change["value"]
            path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _index(node: list, segment: str) -> int:
    return int(segment) if segment.isdigit() else next(i for i, item in enumerate(node) if item.get("name") == segment)


def _child(node: dict | list, segment: str):
    return node[_index(node, segment)] if isinstance(node, list) else node[segment]


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def drop_column(pkg: Path, table: str, column: str, schema: bool = True) -> None:
    """Remove a column from data/TABLE.csv (header and rows) and, when schema, from its Table Schema."""
    if schema:
        schema_path = pkg / f"schemas/{table}.schema.json"
        declared = json.loads(schema_path.read_text(encoding="utf-8"))
        declared["fields"] = [f for f in declared["fields"] if f["name"] != column]
        schema_path.write_text(json.dumps(declared, indent=2) + "\n", encoding="utf-8")
    path = pkg / f"data/{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[c for i, c in enumerate(r) if i != index] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path: Path, key: str, column: str, value: str) -> int:
    """Rewrite one cell of a CSV (row found by its first column); return that row's file line."""
    header, rows = read_rows(path)
    col = header.index(column)
    for i, row in enumerate(rows):
        if row[0] == key:
            row[col] = value
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
            path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
            return i + 2
    raise KeyError(key)


def without_checksums(root: Path) -> Path:
    """Drop the sizes and sha256 a release recorded in root's datapackage.json, as `mmdata fmt` does
    once a table changes after a release: the package as it is between releases, safe to edit."""
    path = root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    if any("hash" in r or "bytes" in r for r in descriptor["resources"]):
        descriptor["resources"] = [{k: v for k, v in r.items() if k not in ("hash", "bytes")} for r in descriptor["resources"]]
        path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A private copy of the shipped package, safe to break: as between releases, with no recorded checksums."""
    return without_checksums(copy_package(ROOT, tmp_path / "pkg"))


@pytest.fixture
def program_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """pyarrow, in a program that names no pool (ARROW_DEFAULT_MEMORY_POOL unset) and has made the system pool its own
    default; the test's pool is put back after. Skipped where pyarrow has no jemalloc, the pool mmdata asks for (#22)."""
    pa = pytest.importorskip("pyarrow")
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    original = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield pa
    finally:
        pa.set_memory_pool(original)


def shared(scope: str) -> Callable[[str, pytest.Config], str]:
    """The scope of a fixture built once for many tests (scope: "session" or "module"), except under mutation
    testing: mutmut runs against a mutant only the tests its first run saw calling the mutated function, and
    a fixture built once is seen calling it from the first test that asks for it only (#23)."""

    def decide(fixture_name: str, config: pytest.Config) -> str:
        return "function" if os.environ.get("MUTANT_UNDER_TEST") else scope

    return decide


@pytest.fixture(scope=shared("session"))
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the shipped package (`mmdata site`), built once per test run for the site and browser tests: never change it."""
    from mmdata.publish.site import build_site

    out = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT, out)
    return out


@pytest.fixture(scope=shared("session"))
def released_template(tmp_path_factory: pytest.TempPathFactory):
    """The repository released as FIRST and committed, made once per test run (tests/releases.py, Released).
    Never change it: read its archive, or take a copy with released_copy."""
    from .releases import make_release

    return make_release(tmp_path_factory.mktemp("released") / "repo")


@pytest.fixture
def released_copy(released_template, tmp_path: Path) -> Callable[..., Path]:
    """Makes a private copy of the released repository (default: tmp_path/pkg), as released_template is:
    committed (committed=False: as the release left it, before the commit), tagged vFIRST if tag=True."""
    from .releases import copy_release

    def copy(target: Path | None = None, *, committed: bool = True, tag: bool = False) -> Path:
        return copy_release(released_template, target or tmp_path / "pkg", committed=committed, tag=tag)

    return copy


#: Under mutation testing (`mutmut run`, which stops at a mutant's first failing test), the test
#: modules in this order: fast ones that pin behaviour precisely first, releases last.
MUTATION_ORDER = ("test_diff", "test_crossfield", "test_fixtures", "test_package", "test_load", "test_cli", "test_locations",
                  "test_fmt", "test_dictionary", "test_metadata", "test_suggest", "test_readme", "test_release", "test_versioning")
#: Tests that cut releases: a mutant of the rules or of validation is left to the others (the fast
#: subset per mutant), since a release test only sees such a mutant when the shipped package stops
#: validating, which test_cli checks directly, at a twentieth of the cost.
RELEASE_TESTS = ("test_readme", "test_release", "test_versioning")


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("/")[-1].split(".py")[0]


#: Modules whose tests take seconds each, run first: the two workers then end on short tests, not one of them
#: on a long test while the other waits.
LONG_FIRST = ("test_contract", "test_compare", "test_browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if not mutant:
        items.sort(key=lambda item: _module(item) not in LONG_FIRST)  # stable: the order within each part is kept
        return
    items.sort(key=lambda item: MUTATION_ORDER.index(_module(item)) if _module(item) in MUTATION_ORDER else len(MUTATION_ORDER))
    if mutant.startswith("mmdata.rules."):
        dropped = [item for item in items if _module(item) in RELEASE_TESTS]
        if dropped and len(dropped) < len(items):
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if _module(item) not in RELEASE_TESTS]

"""One package model, opened once (#21): every command parses datapackage.json once per package it opens and
validates at most once, handing the validated package on; `load("findings")` validates nothing."""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import mmdata
import mmdata.io.jsonfile
import mmdata.rules.validate
from mmdata.cli import cli

from ..conftest import ROOT, TABLE_NAMES, VERSION, build_fixture, copy_package, set_cell, without_checksums
from ..releases import FIRST, after, commit, repo_copy

#: Every module a command may run, imported before counting so that each one's own name of a counted function is counted.
MODULES = ("mmdata.cli", "mmdata.edit.add", "mmdata.edit.diff", "mmdata.edit.fmt", "mmdata.edit.generated", "mmdata.edit.quote",
           "mmdata.model.load", "mmdata.publish.export", "mmdata.publish.rebuild", "mmdata.publish.release", "mmdata.publish.site")


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often, while the test runs, datapackage.json is parsed (jsonfile.read_json of it) and a package validated
    (rules.validate.validate_package), wherever mmdata calls them from."""
    for name in MODULES:
        importlib.import_module(name)
    counted: Counter[str] = Counter()

    def parse(original: Callable[..., Any]) -> Callable[..., Any]:
        def read_json(rel: str, raw: bytes, code: str) -> Any:
            counted["parses"] += rel == "datapackage.json"
            return original(rel, raw, code)
        return read_json

    def validation(original: Callable[..., Any]) -> Callable[..., Any]:
        def validate_package(*args: Any, **kwargs: Any) -> Any:
            counted["validations"] += 1
            return original(*args, **kwargs)
        return validate_package

    for original, wrap in ((mmdata.io.jsonfile.read_json, parse), (mmdata.rules.validate.validate_package, validation)):
        replacement = wrap(original)
        for module in [m for n, m in sys.modules.items() if n.startswith("mmdata") and m is not None]:
            for attribute, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attribute, replacement)
    yield counted


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_open_package_reads_the_descriptor_and_schemas_into_the_model_issue_21(counts: Counter[str]) -> None:
    package = mmdata.open_package(ROOT)
    assert (package.version, list(package.resources), package.problems, counts["parses"]) == (VERSION, TABLE_NAMES, [], 1)
    for name, resource in package.resources.items():
        schema = json.loads((ROOT / f"schemas/{name}.schema.json").read_text(encoding="utf-8"))
        keys = [schema["primaryKey"]] if isinstance(schema["primaryKey"], str) else schema["primaryKey"]
        assert resource.field_names == [f["name"] for f in schema["fields"]]
        assert list(resource.primary_key) == keys
        assert [f.name for f in resource.fields if f.required] == [
            f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required") or f["name"] in keys]
        assert {f.name: list(f.enum) for f in resource.fields if f.enum is not None} == {
            f["name"]: f["constraints"]["enum"] for f in schema["fields"] if "enum" in f.get("constraints", {})}
        assert {f.name: f.dtype for f in resource.fields} == {
            f["name"]: {"string": "string", "integer": "Int64", "number": "Float64"}[f.get("type", "string")] for f in schema["fields"]}
    report = mmdata.validate_report(package)
    assert (report.valid, package.report is report, counts["parses"], counts["validations"]) == (True, True, 1, 1)


def test_a_problem_reading_finds_waits_for_validation_issue_21(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    (pkg / "data/arms.csv").unlink()
    package = mmdata.open_package(pkg)
    assert [p.to_line() for p in package.problems] == [
        "datapackage.json:resources/2/path: 'data/arms.csv' does not exist; add the file or fix the path [file-missing]"]
    assert "arms" not in package.resources
    assert [p.to_line() for p in mmdata.validate(package)] == [p.to_line() for p in package.problems]


def test_each_command_parses_the_descriptor_once_and_validates_at_most_once_issue_21(counts: Counter[str], tmp_path: Path) -> None:
    """(validations, descriptor parses) of each command; a command that reads two packages (diff; add-row, whose
    second is the copy with the new row) parses each once. Before #21: validate (1, 2), fmt (0, 2), docs (0, 3),
    diff (0, 4), export (1, 4), site (2, 8), quote (0, 1), add-row (2, 8), load("findings") (1, 4), release (2, 15)."""
    seen = {}

    def measure(label: str, action: Callable[[], object]) -> None:
        counts.clear()
        action()
        seen[label] = (counts["validations"], counts["parses"])

    other = without_checksums(copy_package(ROOT, tmp_path / "other"))
    fixture = build_fixture("_base", tmp_path / "fixture")
    arm = ["--set", "study_id=trial-a", "--set", "name=Other", "--set", "intervention=Lenalidomide", "--set", "role=experimental",
           "--set", "source_id=test-doc", "--set", "quote=60 received the drug and 60 received placebo"]
    measure("validate", lambda: run("validate", str(ROOT)))
    measure("fmt --check", lambda: run("fmt", "--check", str(ROOT)))
    measure("docs --check", lambda: run("docs", "--check", str(ROOT)))
    measure("diff", lambda: run("diff", str(ROOT), str(other)))
    measure("export", lambda: run("export", str(ROOT), "--to", str(tmp_path / "build"), "--format", "csv"))
    measure("site", lambda: run("site", str(ROOT), "--out", str(tmp_path / "site")))
    measure("quote", lambda: run("quote", "test-doc", "received", "placebo", "--package-dir", str(fixture)))
    measure("add-row", lambda: run("add-row", "arms", *arm, str(fixture)))
    measure("load()", lambda: mmdata.load(path=ROOT))
    measure("load(table)", lambda: mmdata.load("outcomes", path=ROOT))
    measure("load(findings)", lambda: mmdata.load("findings", path=ROOT))
    repo = repo_copy(tmp_path / "repo")
    measure("release", lambda: run("release", FIRST, str(repo)))
    commit(repo, "Release", tag=f"v{FIRST}")
    measure("release --rebuild", lambda: run("release", FIRST, "--rebuild", str(repo)))
    assert seen == {
        "validate": (1, 1), "fmt --check": (0, 1), "docs --check": (0, 1), "diff": (0, 2), "export": (1, 1), "site": (1, 1),
        "quote": (0, 1), "add-row": (2, 2), "load()": (0, 1), "load(table)": (0, 1), "load(findings)": (0, 1),
        "release": (1, 1), "release --rebuild": (0, 1),
    }


def test_a_release_compares_with_the_last_release_read_once_issue_21(counts: Counter[str], tmp_path: Path) -> None:
    """The second release reads two packages, itself and the tagged last release: one parse each, one validation."""
    repo = repo_copy(tmp_path / "repo")
    run("release", FIRST, str(repo))
    commit(repo, "Release", tag=f"v{FIRST}")
    set_cell(repo / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", "A corrected caveat.")
    run("fmt", str(repo))
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## Unreleased\n", "## Unreleased\n\n- A corrected caveat.\n", 1))
    counts.clear()
    run("release", after(FIRST, "patch"), str(repo))
    assert (counts["validations"], counts["parses"]) == (1, 2)


def test_load_findings_validates_nothing_and_raises_what_load_raises_issue_21(counts: Counter[str], package: Path) -> None:
    set_cell(package / "data/outcomes.csv", "myeloma-xi-pfs-median-lenalidomide", "value", "39 months")
    with pytest.raises(mmdata.LoadError) as table:
        mmdata.load("outcomes", path=package)
    with pytest.raises(mmdata.LoadError) as findings:
        mmdata.load("findings", path=package)
    assert (str(findings.value), findings.value.problems) == (str(table.value), table.value.problems)
    assert [p.code for p in findings.value.problems] == ["type-error"]
    assert counts["validations"] == 0

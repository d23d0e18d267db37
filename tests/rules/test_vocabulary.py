"""Standard warnings (#20): the vocabulary in datapackage.json and every warnings cell against it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli

from ..conftest import ROOT, apply_patch, build_fixture, set_cell

OUTCOMES, STUDIES = "data/outcomes.csv", "data/studies.csv"
WARNING_TABLES = ("studies", "arms", "outcomes", "adverse_events")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def found(pkg: Path) -> list[tuple[str, int | None, str | None, str, str]]:
    return [(p.path, p.row, p.column, p.code, p.message) for p in mmdata.validate(pkg) if p.code in ("warning-error", "package-error")]


@pytest.mark.parametrize("cell", ["lay-wording", "lay-wording subgroup-result", ""])
def test_declared_codes_once_in_order_are_valid(cell: str, pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "warnings", cell)
    assert found(pkg) == []


@pytest.mark.parametrize(("cell", "message"), [
    ("lay-wording  subgroup-result", "'lay-wording  subgroup-result': separate the warning codes by one space, with none before or after"),
    (" lay-wording", "' lay-wording': separate the warning codes by one space, with none before or after"),
    ("lay-wording,subgroup-result", "warning 'lay-wording,subgroup-result' is not an allowed value (did you mean 'subgroup-result'?); "
                                    "use one of: lay-wording, subgroup-result "
                                    "(the vocabulary is mmdata:warnings in datapackage.json)"),
    ("Lay-Wording", "warning 'Lay-Wording' is not an allowed value (did you mean 'lay-wording'?); use one of: lay-wording, subgroup-result "
                    "(the vocabulary is mmdata:warnings in datapackage.json)"),
    ("lay-wording lay-wording", "'lay-wording lay-wording': write each warning once, in alphabetical order: 'lay-wording'"),
])
def test_a_cell_outside_the_vocabulary_or_its_form_is_reported(cell: str, message: str, pkg: Path) -> None:
    line = set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "warnings", cell)
    assert found(pkg) == [(OUTCOMES, line, "warnings", "warning-error", message)]


def test_the_cli_prints_the_problem_at_its_line(pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "trial-a", "warnings", "subgroup-result lay-wording")
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    assert result.stderr == (f"{STUDIES}:{line}:warnings: 'subgroup-result lay-wording': write each warning once, in alphabetical order: "
                             "'lay-wording subgroup-result' [warning-error]\n")


def test_without_a_vocabulary_every_code_is_unknown(pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:warnings", "remove": True}])
    line = set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "warnings", "lay-wording")
    assert found(pkg) == [(OUTCOMES, line, "warnings", "warning-error",
                           "warning 'lay-wording' is not declared: datapackage.json declares no mmdata:warnings vocabulary; "
                           "declare it there or empty the cell")]


@pytest.mark.parametrize(("vocabulary", "where", "message"), [
    ({"name": "lay-wording"}, "mmdata:warnings/0",
     "the warning 'lay-wording' needs a description: say what a user must know about the rows it marks"),
    ({"name": "Lay wording", "description": "x"}, "mmdata:warnings/0",
     "a warning needs a name of lowercase words joined by hyphens (for example subgroup-result)"),
    ("lay-wording", "mmdata:warnings/0", "a warning needs a name of lowercase words joined by hyphens (for example subgroup-result)"),
])
def test_a_malformed_vocabulary_is_a_package_error(vocabulary: object, where: str, message: str, pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:warnings", "value": [vocabulary]}])
    assert found(pkg) == [("datapackage.json", None, where, "package-error", message)]


def test_a_code_declared_twice_is_a_package_error(pkg: Path) -> None:
    twice = [{"name": "lay-wording", "description": "a"}, {"name": "lay-wording", "description": "b"}]
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:warnings", "value": twice}])
    assert found(pkg) == [("datapackage.json", None, "mmdata:warnings/1", "package-error", "the warning 'lay-wording' is declared twice; declare it once")]


def test_a_vocabulary_that_is_no_list_is_a_package_error(pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:warnings", "value": {"lay-wording": "x"}}])
    assert found(pkg)[0] == ("datapackage.json", None, "mmdata:warnings", "package-error",
                             "the warning vocabulary is a list of objects, each with a name and a description")


# ---------------------------------------------------------------- the shipped data
def shipped(table: str) -> list[dict[str, str]]:
    with (ROOT / f"data/{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("table", WARNING_TABLES)
def test_every_shipped_warning_sits_beside_a_caveat_issue_20(table: str) -> None:
    """A warning restates what the caveat says in words: a row without a caveat carries none."""
    assert [r for r in shipped(table) if r["warnings"] and not r["caveat"]] == []


def test_every_declared_warning_is_used_and_the_mapping_holds_issue_20() -> None:
    """Every code marks at least one row, and a few rows that the reference facts single out carry theirs."""
    vocabulary = [w["name"] for w in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["mmdata:warnings"]]
    used = {code for t in WARNING_TABLES for r in shipped(t) for code in r["warnings"].split()}
    assert sorted(vocabulary) == sorted(used)
    outcomes = {r["outcome_id"]: r["warnings"].split() for r in shipped("outcomes")}
    assert outcomes["myeloma-xi-os-3y-transplanted-observation"] == ["arm-inferred", "figure-unconfirmed", "subgroup-result", "time-origin"]
    assert outcomes["myeloma-xi-pfs-median-lenalidomide"] == ["lay-wording"]
    assert outcomes["cmrg-retrospective-os-group-2"] == ["differs-from-publication", "time-origin"]
    assert outcomes["mccarthy-2017-meta-analysis-os-median-lenalidomide"] == []  # no caveat, no warning
    assert {r["study_id"]: r["warnings"] for r in shipped("studies")}["cmrg-retrospective"] == (
        "publication-unconfirmed retrospective-confounding time-origin")


def test_adding_the_warnings_column_is_a_minor_version_issue_20(tmp_path: Path) -> None:
    """`mmdata diff` of the package without the column against the package with it says minor."""
    old = build_fixture("_base", tmp_path / "old")
    new = build_fixture("_base", tmp_path / "new")
    for table in WARNING_TABLES:
        apply_patch(old, [{"file": f"schemas/{table}.schema.json", "pointer": "/fields/warnings", "remove": True}])
        path = old / f"data/{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [row[:-1] for row in csv.reader(fh)]
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-5:] == ["smallest version bump: minor"] + [f"  minor: {t}.warnings: added" for t in WARNING_TABLES]

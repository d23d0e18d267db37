"""The scope record (#20): mmdata:scope in datapackage.json, checked by validate and rendered in the README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.model.scope import TEXTS

from ..conftest import ROOT, apply_patch, build_fixture, read_rows


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def found(pkg: Path) -> list[tuple[str | None, str]]:
    return [(p.column, p.message) for p in mmdata.validate(pkg) if p.code == "scope-error"]


def test_a_package_without_a_scope_record_is_refused(pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:scope", "remove": True}])
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    assert result.stderr == ("datapackage.json:mmdata:scope: datapackage.json has no scope record; add \"mmdata:scope\" with question, "
                             "population, intervention, comparators, outcomes, documents, search, selection and retrieved (see the README) "
                             "[scope-error]\n")
    assert found(pkg) == [("mmdata:scope", "datapackage.json has no scope record; add \"mmdata:scope\" with "
                           + ", ".join(TEXTS) + " and retrieved (see the README)")]


@pytest.mark.parametrize("key", list(TEXTS))
def test_every_text_is_required(key: str, pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": f"/mmdata:scope/{key}", "remove": True}])
    assert found(pkg) == [(f"mmdata:scope/{key}", f"the scope record needs '{key}' ({TEXTS[key].lower()}) as a text")]


def test_a_misspelt_key_is_reported(pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:scope/comparator", "value": "Placebo."}])
    assert found(pkg) == [("mmdata:scope/comparator", "the scope record has no 'comparator'; use " + ", ".join(TEXTS) + " and retrieved")]


@pytest.mark.parametrize("retrieved", [{}, {"test-doc": "2024-02-29"}])
def test_retrieval_dates_are_optional_and_only_real_days(retrieved: dict, pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:scope/retrieved", "value": retrieved}])
    assert found(pkg) == []


@pytest.mark.parametrize("date", ["2023-02-29", "2026-01", "15/01/2026", 20260115])
def test_a_retrieval_date_that_is_no_day_is_reported(date: object, pkg: Path) -> None:
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/mmdata:scope/retrieved", "value": {"test-doc": date}}])
    assert found(pkg) == [("mmdata:scope/retrieved/test-doc", f"{date!r} is not a date YYYY-MM-DD; record a retrieval date only where it is known")]


def test_the_shipped_record_invents_no_retrieval_date_issue_20() -> None:
    """No source's retrieval date is known: the record holds none, and the README says so."""
    scope = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["mmdata:scope"]
    assert scope["retrieved"] == {}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sources = len(read_rows(ROOT / "data/sources.csv")[1])
    assert f"- **Retrieval dates**: Not recorded for any of the {sources} sources.\n" in readme
    assert readme.index("<!-- generated: scope -->") < readme.index("## Quick start")
    assert f"- **Question**: {scope['question']}\n" in readme

"""Breaking any one cell of the shipped data makes `mmdata validate` name that file, line and column."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmdata.cli import cli

from ..conftest import ROOT, copy_package, read_rows, set_cell

SCHEMAS = {p.name.removesuffix(".schema.json"): json.loads(p.read_text()) for p in (ROOT / "schemas").glob("*.json")}


def columns(table: str, test) -> list[str]:
    return [f["name"] for f in SCHEMAS[table]["fields"] if test(f)]


def fk_columns(table: str) -> list[str]:
    return [fk["fields"] for fk in SCHEMAS[table].get("foreignKeys", [])]


# (kind of damage, what it writes, code expected, which columns it applies to)
DAMAGE = {
    "type": ("12,5", "type-error", lambda t: columns(t, lambda f: f["type"] in ("integer", "number"))),
    "range": ("-7", "minimum-error", lambda t: columns(t, lambda f: "minimum" in f.get("constraints", {}))),
    "enum": ("sometimes", "enum-error", lambda t: columns(t, lambda f: "enum" in f.get("constraints", {}))),
    "key": ("no-such-key", "foreign-key", fk_columns),
    "quote": (None, "quote-not-in-seed", lambda t: columns(t, lambda f: f["name"] == "quote")),
}
TARGETS = [(kind, table, column) for kind, (_, _, cols) in DAMAGE.items() for table in SCHEMAS for column in cols(table)]


@st.composite
def damage(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    kind, table, column = draw(st.sampled_from(TARGETS))
    header, rows = read_rows(ROOT / f"data/{table}.csv")
    col = header.index(column)
    candidates = [r for r in rows if kind != "quote" or r[col]]
    row = draw(st.sampled_from(candidates))
    value = DAMAGE[kind][0] or row[col].replace(" ", "  ").replace("the", "teh", 1) + " (edited)"
    return kind, table, row[0], column, value


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=damage())
def test_any_broken_cell_is_reported_at_its_place(change: tuple[str, str, str, str, str], tmp_path: Path) -> None:
    kind, table, key, column, value = change
    pkg = tmp_path / "pkg"
    shutil.rmtree(pkg, ignore_errors=True)
    copy_package(ROOT, pkg)
    line = set_cell(pkg / f"data/{table}.csv", key, column, value)
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    code = DAMAGE[kind][1]
    prefix = f"data/{table}.csv:{line}:{column}: "
    assert [x for x in result.stderr.splitlines() if x.startswith(prefix) and x.endswith(f"[{code}]")], result.stderr


@pytest.mark.parametrize(("table", "key", "column", "value", "expected"), [
    ("outcomes", "myeloma-xi-pfs-median-lenalidomide", "value", "39 months",
     "'39 months' is not a number (digits, '.' for decimals, no thousands separator) [type-error]"),
    ("adverse_events", "myeloma-xi-second-cancer-lenalidomide", "value", "105",
     "105 is not a percentage between 0 and 100 [percentage-range]"),
    ("arms", "myeloma-xi-observation", "study_id", "myeloma-11",
     "'myeloma-11' is not a key of studies.study_id (did you mean 'myeloma-xi'?) [foreign-key]"),
    ("outcomes", "myeloma-xi-follow-up-maximum", "quote",
     "The researchers kept track of both groups of patients for up to seven years.",
     "quote not found in the seed of hughes-myeloma-xi-summary; closest passage: "
     "\"The researchers kept track of both groups of patients for up to six years.\" "
     "(the quote has 'seven' where the seed has 'six') [quote-not-in-seed]"),
    ("arms", "myeloma-xi-observation", "role", "contrl",
     "'contrl' is not an allowed value (did you mean 'control'?); use one of: experimental, control, cohort-group [enum-error]"),
    ("outcomes", "myeloma-xi-os-over-65", "comparator_arm_id", "myeloma-xi-observaton",
     "'myeloma-xi-observaton' is not a key of arms.arm_id (did you mean 'myeloma-xi-observation'?) [foreign-key]"),
])
def test_named_breakages(table: str, key: str, column: str, value: str, expected: str, package: Path) -> None:
    line = set_cell(package / f"data/{table}.csv", key, column, value)
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert f"data/{table}.csv:{line}:{column}: {expected}" in result.stderr.splitlines()

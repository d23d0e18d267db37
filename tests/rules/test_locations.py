"""Breaking any one cell of the shipped data makes `mmdata validate` name that file, line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

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


def test_any_broken_cell_is_reported_at_its_place(tmp_path: Path) -> None:
    """Every kind of damage in every column it applies to, in one copy of the shipped package, each in a row of
    its own while the table has rows to spare, never two in one cell: one run of `mmdata validate` names each at
    its file, line and column, with its code. (One random cell at a time took a run per cell; this covers every
    target in one run, the same every run.)"""
    pkg = tmp_path / "pkg"
    copy_package(ROOT, pkg)
    expected, rows_used, cells_used, quoted = [], set(), set(), set()
    for kind, table, column in sorted(TARGETS, key=lambda t: t[0] != "quote"):  # a quote first, in a row no other damage shares
        header, rows = read_rows(pkg / f"data/{table}.csv")
        col = header.index(column)
        fit = [r for r in rows if (table, r[0], column) not in cells_used and (kind != "quote" or r[col])
               and (table, r[0]) not in quoted]  # a broken key would leave the quote with no seed to be checked against
        row = next((r for r in fit if (table, r[0]) not in rows_used), fit[0])
        rows_used.add((table, row[0]))
        quoted |= {(table, row[0])} if kind == "quote" else set()
        cells_used.add((table, row[0], column))
        value = DAMAGE[kind][0] or row[col].replace(" ", "  ").replace("the", "teh", 1) + " (edited)"
        line = set_cell(pkg / f"data/{table}.csv", row[0], column, value)
        expected.append((f"data/{table}.csv:{line}:{column}: ", f"[{DAMAGE[kind][1]}]"))
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    missing = [(at, code) for at, code in expected if not any(x.startswith(at) and x.endswith(code) for x in lines)]
    assert (len(expected), missing) == (len(TARGETS), []), result.stderr


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

"""Cross-field rules at their boundaries: exactly 100 %, a bound equal to the value, hedged sizes,
and the guard that refuses to run the rules on a table without the fields they read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import mmdata

from .conftest import build_fixture, set_cell

EVENTS, OUTCOMES, ARMS, STUDIES = "data/adverse_events.csv", "data/outcomes.csv", "data/arms.csv", "data/studies.csv"


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def found(pkg: Path, code: str) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.path, p.row, p.column, p.message) for p in mmdata.validate(pkg) if p.code == code]


# ---------------------------------------------------------------- percentages
@pytest.mark.parametrize("value", ["0", "100", "100.0", "99.99", "0.01"])
def test_a_percentage_from_0_to_100_inclusive_is_accepted(value: str, pkg: Path) -> None:
    set_cell(pkg / EVENTS, "trial-a-spm-drug", "value", value)
    assert found(pkg, "percentage-range") == []


@pytest.mark.parametrize("value", ["100.01", "101", "-0.01"])
def test_a_percentage_outside_0_to_100_is_reported(value: str, pkg: Path) -> None:
    line = set_cell(pkg / EVENTS, "trial-a-spm-drug", "value", value)
    assert found(pkg, "percentage-range") == [(EVENTS, line, "value", f"{value} is not a percentage between 0 and 100")]


def test_only_percent_values_are_held_to_0_to_100(pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "value", "125")  # 125 months is fine
    assert found(pkg, "percentage-range") == []


# ---------------------------------------------------------------- confidence intervals
@pytest.mark.parametrize(("low", "high"), [("0.48", "0.56"), ("0.41", "0.48"), ("0.48", "0.48"), ("0.41", "0.56")])
def test_bounds_equal_to_the_value_enclose_it(low: str, high: str, pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-hr", "ci_lower", low)
    set_cell(pkg / OUTCOMES, "trial-a-pfs-hr", "ci_upper", high)
    assert found(pkg, "ci-order") == []


@pytest.mark.parametrize(("low", "high", "expected"), [
    ("0.49", "0.56", [("ci_lower", "0.49 is above value 0.48")]),
    ("0.41", "0.47", [("ci_upper", "0.47 is below value 0.48")]),
    ("0.5", "0.5", [("ci_lower", "0.5 is above value 0.48")]),
    ("0.47", "0.47", [("ci_upper", "0.47 is below value 0.48")]),
    ("0.56", "0.41", [("ci_upper", "0.41 is below ci_lower 0.56")]),
    ("0.41", "", [("ci_upper", "missing while ci_lower is given; give both bounds or neither")]),
    ("", "0.56", [("ci_lower", "missing while ci_upper is given; give both bounds or neither")]),
])
def test_bounds_that_do_not_enclose_the_value_are_reported(low: str, high: str, expected: list[tuple[str, str]], pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-hr", "ci_lower", low)
    line = set_cell(pkg / OUTCOMES, "trial-a-pfs-hr", "ci_upper", high)
    assert found(pkg, "ci-order") == [(OUTCOMES, line, column, message) for column, message in expected]


# ---------------------------------------------------------------- sizes, exact and hedged
def test_arms_adding_up_to_exactly_the_study_size_are_accepted(pkg: Path) -> None:
    assert found(pkg, "arms-exceed-study") == [] and found(pkg, "arm-larger-than-study") == []  # 60 + 60 = 120


def test_an_arm_as_large_as_its_study_is_accepted(pkg: Path) -> None:
    set_cell(pkg / ARMS, "trial-a-drug", "size", "120")
    set_cell(pkg / ARMS, "trial-a-drug", "size_qualifier", "about")  # hedged: not summed
    assert found(pkg, "arm-larger-than-study") == [] and found(pkg, "arms-exceed-study") == []


@pytest.mark.parametrize(("study_qualifier", "reported"), [("", True), ("almost", True), ("about", False), ("more-than", False)])
def test_an_arm_larger_than_its_study_counts_only_against_an_upper_bound(study_qualifier: str, reported: bool, pkg: Path) -> None:
    """An exact or "almost" study size is an upper bound; "about" and "more-than" are not."""
    set_cell(pkg / STUDIES, "trial-a", "size_qualifier", study_qualifier)
    line = set_cell(pkg / ARMS, "trial-a-drug", "size", "121")
    set_cell(pkg / ARMS, "trial-a-drug", "size_qualifier", "about")
    expected = [(ARMS, line, "size", "121 patients, more than the 120 of study trial-a")] if reported else []
    assert found(pkg, "arm-larger-than-study") == expected


@pytest.mark.parametrize(("study_qualifier", "reported"), [("", True), ("almost", True), ("about", False), ("more-than", False)])
def test_exact_arm_sizes_adding_up_to_more_than_the_study(study_qualifier: str, reported: bool, pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "trial-a", "size_qualifier", study_qualifier)
    set_cell(pkg / ARMS, "trial-a-drug", "size", "61")
    expected = [(STUDIES, line, "size", "its arms add up to 121 patients, more than the study's 120")] if reported else []
    assert found(pkg, "arms-exceed-study") == expected


@pytest.mark.parametrize("arm_qualifier", ["about", "almost", "more-than"])
def test_hedged_arm_sizes_are_not_summed(arm_qualifier: str, pkg: Path) -> None:
    set_cell(pkg / ARMS, "trial-a-drug", "size", "61")
    set_cell(pkg / ARMS, "trial-a-drug", "size_qualifier", arm_qualifier)
    assert found(pkg, "arms-exceed-study") == []


def test_a_study_without_a_size_bounds_nothing(pkg: Path) -> None:
    set_cell(pkg / STUDIES, "trial-a", "size", "")
    set_cell(pkg / STUDIES, "trial-a", "quote", "")
    assert found(pkg, "arms-exceed-study") == [] and found(pkg, "arm-larger-than-study") == []


# ---------------------------------------------------------------- the rule-fields guard
def drop_column(pkg: Path, table: str, column: str) -> None:
    schema_path = pkg / f"schemas/{table}.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != column]
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    path = pkg / f"data/{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[c for i, c in enumerate(r) if i != index] for r in rows])
    path.write_text(out.getvalue())


@pytest.mark.parametrize(("table", "column"), [
    ("sources", "sha256"), ("studies", "design"), ("arms", "size_qualifier"), ("outcomes", "ci_upper"), ("adverse_events", "at_risk"),
])
def test_a_table_without_a_field_the_rules_read_is_a_schema_error(table: str, column: str, pkg: Path) -> None:
    drop_column(pkg, table, column)
    assert [(p.path, p.row, p.column, p.code, p.message) for p in mmdata.validate(pkg)] == [
        (f"data/{table}.csv", None, None, "schema-error", f"table {table} lacks the fields {column} that mmdata's rules need")]


def test_the_other_tables_are_still_checked_when_one_lacks_a_rule_field(pkg: Path) -> None:
    drop_column(pkg, "arms", "size_qualifier")
    line = set_cell(pkg / EVENTS, "trial-a-spm-drug", "value", "101")
    assert [(p.path, p.row, p.code) for p in mmdata.validate(pkg) if p.code != "number-not-in-quote"] == [
        (ARMS, None, "schema-error"), (EVENTS, line, "percentage-range")]


# ---------------------------------------------------------------- the loader's dtypes
def test_only_text_fields_with_allowed_values_load_as_categories(pkg: Path) -> None:
    path = pkg / "schemas/arms.schema.json"
    schema = json.loads(path.read_text())
    size = next(f for f in schema["fields"] if f["name"] == "size")
    size["constraints"]["enum"] = [60, 120]
    path.write_text(json.dumps(schema, indent=2) + "\n")
    arms = mmdata.load("arms", path=pkg)
    assert (str(arms["size"].dtype), str(arms["role"].dtype), str(arms["name"].dtype)) == ("Int64", "category", "string")
    assert arms["size"].tolist() == [60, 60]


def test_one_exact_arm_is_the_sum_of_the_exact_arms(pkg: Path) -> None:
    study_line = set_cell(pkg / STUDIES, "trial-a", "size", "100")
    set_cell(pkg / STUDIES, "trial-a", "quote", "")
    set_cell(pkg / STUDIES, "trial-a", "size_qualifier", "")
    set_cell(pkg / ARMS, "trial-a-placebo", "size_qualifier", "about")
    arm_line = set_cell(pkg / ARMS, "trial-a-drug", "size", "101")
    assert found(pkg, "arms-exceed-study") == [(STUDIES, study_line, "size", "its arms add up to 101 patients, more than the study's 100")]
    assert found(pkg, "arm-larger-than-study") == [(ARMS, arm_line, "size", "101 patients, more than the 100 of study trial-a")]

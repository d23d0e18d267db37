"""Cross-field rules at their boundaries: exactly 100 %, a bound equal to the value, hedged sizes,
and the guard that refuses to run the rules on a table without the fields they read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mmdata

from ..conftest import build_fixture, drop_column, set_cell

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
@pytest.mark.parametrize(("table", "column"), [
    ("sources", "sha256"), ("studies", "design"), ("arms", "size_qualifier"), ("outcomes", "ci_upper"), ("adverse_events", "at_risk"),
])
def test_a_table_without_a_field_the_rules_read_is_a_schema_error(table: str, column: str, pkg: Path) -> None:
    # studies.design is a column of the findings view too, which says so of its own (model/view.py, #22).
    drop_column(pkg, table, column)
    viewed = [(f"schemas/{table}.schema.json", None, column, "field-error",
               f"missing: the findings view takes {table}.{column} into each finding's row; declare it")] if column == "design" else []
    assert [(p.path, p.row, p.column, p.code, p.message) for p in mmdata.validate(pkg)] == [
        (f"data/{table}.csv", None, None, "schema-error", f"table {table} lacks the fields {column} that mmdata's rules need"), *viewed]


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


# ---------------------------------------------------------------- each rule's own words, at its own cell
# (table file, row key, {column: new text}, code, column reported, message)
VARIANTS = [
    (OUTCOMES, "trial-a-pooled", {"qualifier": "about"}, "value-conflict", "qualifier", "qualifier about has no value to qualify"),
    (OUTCOMES, "trial-a-pooled", {"value": "5", "unit": "ratio"}, "value-conflict", "value",
     "5 given in a qualitative row; use a numeric statistic or leave value empty"),
    (OUTCOMES, "trial-a-pfs-drug", {"qualifier": "not-reached"}, "value-conflict", "value",
     "12.5 given, but the qualifier says not-reached; leave value empty"),
    (OUTCOMES, "trial-a-pooled", {"unit": "months"}, "unit-missing", "unit", "unit months given without a value"),
    (OUTCOMES, "trial-a-pfs-drug", {"unit": ""}, "unit-missing", "unit", "value 12.5 has no unit"),
    (EVENTS, "trial-a-spm-drug", {"unit": ""}, "unit-missing", "unit", "value 5 has no unit"),
    (OUTCOMES, "trial-a-pfs-drug", {"unit": "percent"}, "unit-mismatch", "unit", "unit percent does not fit statistic median; use months or years"),
    (OUTCOMES, "trial-a-pfs-drug", {"time_value": "2"}, "time-unit-missing", "time_unit", "time_value 2 has no time_unit"),
    (OUTCOMES, "trial-a-pfs-drug", {"time_unit": "years"}, "time-unit-missing", "time_value", "time_unit years given without a time_value"),
    (OUTCOMES, "trial-a-pfs-hr", {"arm_id": ""}, "comparison-error", "arm_id",
     "comparator_arm_id trial-a-placebo is set, so arm_id must name the arm compared with it"),
    (OUTCOMES, "trial-a-pfs-hr", {"comparator_arm_id": "trial-a-drug"}, "comparison-error", "comparator_arm_id", "trial-a-drug is compared with itself"),
    (OUTCOMES, "trial-a-pfs-hr", {"comparator_arm_id": ""}, "comparison-error", "comparator_arm_id",
     "direction lower-in-arm needs the comparator_arm_id it compares against"),
    (OUTCOMES, "trial-a-pooled", {"finding": ""}, "finding-missing", "finding", "a qualitative row must state its finding in plain words"),
    (OUTCOMES, "trial-a-pfs-drug", {"value": "", "unit": ""}, "missing-result", "value",
     "no result: give a value, qualifier not-reached, a direction, or statistic qualitative with a finding"),
    (ARMS, "trial-a-drug", {"quote": ""}, "size-error", "quote", "size 60 needs the quote that states it"),
    (ARMS, "trial-a-drug", {"size": "", "size_qualifier": "about"}, "size-error", "size_qualifier", "size_qualifier about has no size to qualify"),
]


@pytest.mark.parametrize(("path", "key", "edits", "code", "column", "message"), VARIANTS)
def test_each_rule_reports_its_cell_and_says_why(path: str, key: str, edits: dict[str, str], code: str, column: str, message: str,
                                                 pkg: Path) -> None:
    line = 0
    for name, text in edits.items():
        line = set_cell(pkg / path, key, name, text)
    assert found(pkg, code) == [(path, line, column, message)]


def test_an_arm_without_an_arm_id_is_not_the_arm_of_findings_without_one_issue_22(pkg: Path) -> None:
    # The arm's empty arm_id is its own required-error; the findings whose arm_id or comparator_arm_id is empty name no
    # arm, so none of them belongs to the study of that arm (each was told "arm <NA> belongs to study ...").
    line = set_cell(pkg / ARMS, "trial-a-placebo", "study_id", "meta-m")  # another study than the findings'
    set_cell(pkg / ARMS, "trial-a-placebo", "arm_id", "")
    problems = [(p.path, p.row, p.column, p.code) for p in mmdata.validate(pkg)]
    assert (ARMS, line, "arm_id", "required-error") in problems
    assert found(pkg, "arm-study-mismatch") == []
    set_cell(pkg / ARMS, "trial-a-drug", "study_id", "trial-b")  # the rule still holds for the arms that have ids
    message = "arm trial-a-drug belongs to study trial-b, not trial-a"
    assert found(pkg, "arm-study-mismatch") == [(EVENTS, 2, "arm_id", message), (OUTCOMES, 2, "arm_id", message),
                                                (OUTCOMES, 3, "arm_id", message)]


def test_a_trial_pooled_in_itself(pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "trial-a", "pooled_in", "trial-a")
    assert found(pkg, "pooled-in-error") == [(STUDIES, line, "pooled_in", "a study cannot be pooled in itself"),
                                             (STUDIES, line, "pooled_in", "trial-a is a randomised-trial, not a meta-analysis")]


def test_a_study_pooled_in_a_study_that_is_not_a_meta_analysis(pkg: Path) -> None:
    set_cell(pkg / STUDIES, "trial-a", "pooled_in", "")
    line = set_cell(pkg / STUDIES, "meta-m", "pooled_in", "trial-a")
    assert found(pkg, "pooled-in-error") == [(STUDIES, line, "pooled_in", "trial-a is a randomised-trial, not a meta-analysis")]


# ---------------------------------------------------------------- a row after a multi-line cell (#21)
#: A caveat over several lines (a line feed, a carriage return and line feed), holding too every other
#: character str.splitlines breaks at: only the line breaks count towards file lines.
MULTILINE = "First line of a caveat,\nsecond line\u2028third\u2029fourth\x85fifth\x0csixth\x0bseventh\x1c\x1d\x1e\r\nlast line."
#: Every cross-field rule at its own cell: each of VARIANTS, and the rules that compare rows.
ACROSS = [
    *VARIANTS,
    (OUTCOMES, "trial-a-pfs-hr", {"ci_lower": "0.49"}, "ci-order", "ci_lower", "0.49 is above value 0.48"),
    (EVENTS, "trial-a-spm-drug", {"value": "101"}, "percentage-range", "value", "101 is not a percentage between 0 and 100"),
    (ARMS, "trial-a-drug", {"size": "121", "size_qualifier": "about"}, "arm-larger-than-study", "size",
     "121 patients, more than the 120 of study trial-a"),
    (STUDIES, "trial-a", {"size": "119", "quote": "In trial A, 119 patients took part"}, "arms-exceed-study", "size",
     "its arms add up to 120 patients, more than the study's 119"),
    (STUDIES, "meta-m", {"pooled_in": "trial-a"}, "pooled-in-error", "pooled_in", "trial-a is a randomised-trial, not a meta-analysis"),
]


def after_a_multiline_cell(path: Path, key: str) -> None:
    """Move row key to the end of path, after a row whose caveat is MULTILINE (a copy of row key, with
    another key, when it is the only row)."""
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    row = next(r for r in rows if r[0] == key)
    before = [r for r in rows if r[0] != key] or [[f"{key}-copy", *row[1:]]]
    before[-1][header.index("caveat")] = MULTILINE
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *before, row])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def file_line(path: Path, key: str) -> int:
    """The file line row key starts on, counted by line feeds (as an editor numbers lines)."""
    text = path.read_bytes()
    return text.count(b"\n", 0, text.index(f"\n{key},".encode())) + 2


@pytest.mark.parametrize(("path", "key", "edits", "code", "column", "message"), ACROSS)
def test_each_rule_locates_a_row_after_a_multiline_cell_at_its_own_line_issue_21(path: str, key: str, edits: dict[str, str], code: str,
                                                                                column: str, message: str, pkg: Path) -> None:
    after_a_multiline_cell(pkg / path, key)
    for name, text in edits.items():
        set_cell(pkg / path, key, name, text)
    line = file_line(pkg / path, key)
    assert line == len((pkg / path).read_bytes().split(b"\n")) - 1  # the last row, after the two line feeds of the caveat
    assert found(pkg, code) == [(path, line, column, message)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a1", "a2", "a3", "zz", None]), max_size=30), st.sampled_from(["string", "object"]))
def test_an_arm_is_looked_up_once_per_distinct_id_as_map_would_issue_22(ids: list[str | None], dtype: str) -> None:
    # A finding's arm is looked up in the arms by its id, once per distinct id: what map gives, value for value, missing
    # where the id is missing or names no arm, on the frame's own index.
    from mmdata.rules.crossfield import looked_up

    by = pd.Series(["s1", "s1", "s2"], index=pd.Index(["a1", "a2", "a3"], dtype="string"), dtype="string")
    values = pd.Series(pd.array(ids, dtype=dtype), index=pd.RangeIndex(7, 7 + len(ids)), name="arm_id")
    expected, got = values.map(by), looked_up(values, by)
    assert got.index.equals(values.index) and got.name == values.name
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.fillna("-").tolist() == expected.fillna("-").tolist()


def add_notes(pkg: Path, types: dict[str, str], rows: str) -> None:
    """A sixth table, notes, of role finding: its fields (name: type, the first its key) and rows (CSV lines)."""
    schema = {"fields": [{"name": f, "type": t} for f, t in types.items()], "primaryKey": [next(iter(types))], "mmdata:role": "finding"}
    (pkg / "schemas/notes.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    (pkg / "data/notes.csv").write_text(",".join(types) + "\n" + rows)
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "notes", "path": "data/notes.csv", "schema": "schemas/notes.schema.json", "encoding": "utf-8",
                                    "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv"})
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")


def test_a_finding_table_of_another_name_without_the_fields_the_result_rules_read_is_a_schema_error_issue_22(pkg: Path) -> None:
    # The result rules run on every finding table; the fields they read were asked only of outcomes and adverse_events,
    # so a third finding table without them stopped validation with an internal error (a second review found it).
    from mmdata.rules.validate import FINDING_FIELDS

    fields = ["note_id", "study_id", "arm_id", "comparator_arm_id", "source_id"]
    add_notes(pkg, dict.fromkeys(fields, "string"), "n1,trial-a,trial-a-drug,,src-a\n")
    lacking = [f for f in FINDING_FIELDS if f not in fields]
    assert lacking == ["direction", "finding", "qualifier", "quote", "statistic", "time_unit", "time_value", "unit", "value"]
    assert [(p.path, p.code, p.message) for p in mmdata.validate(pkg) if p.path == "data/notes.csv"] == [
        ("data/notes.csv", "schema-error", f"table notes lacks the fields {', '.join(lacking)} that mmdata's rules need")]


@pytest.mark.parametrize("value_type", ["number", "string"])
def test_a_finding_table_of_another_name_has_the_kinds_the_result_rules_read(pkg: Path, value_type: str) -> None:
    """Its fields are read as the result tables' are: value and time_value as numbers, the others as text."""
    from mmdata.rules.validate import FINDING_FIELDS, FINDING_NUMBERS

    kinds = {f: ("number" if f in FINDING_NUMBERS else "string") for f in FINDING_FIELDS}
    kinds["value"] = value_type
    add_notes(pkg, {"note_id": "string", **kinds}, "")
    wrong = [(p.path, p.column, p.message) for p in mmdata.validate(pkg) if p.code == "schema-error" and p.path == "schemas/notes.schema.json"]
    assert wrong == ([] if value_type == "number" else [
        ("schemas/notes.schema.json", "value", "mmdata's rules read value of notes as a number, and its schema types it string; "
                                               "declare it number or integer")])

"""Foreign keys (rules/keys.py): did-you-mean worked out once per distinct key and bounded (#23)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mmdata
import mmdata.errors as errors
import mmdata.rules.keys as keys
from mmdata.errors import SUGGESTIONS

from ..conftest import apply_patch, read_rows, set_cell


def test_foreign_key_suggestions_are_once_per_distinct_key_and_bounded_issue_23(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each failing row ran a did-you-mean over every parent key (35 ms a row with 13,510 keys): a re-keyed table of a
    million rows took hours. Now each distinct key gets one, and only the first SUGGESTIONS distinct keys."""
    distinct, rows = SUGGESTIONS + 50, 3 * (SUGGESTIONS + 50)
    outcomes = package / "data/outcomes.csv"
    header, first, rest = outcomes.read_text(encoding="utf-8").split("\n", 2)
    column = header.split(",").index("study_id")
    cells = first.split(",")
    assert cells[column] == "cmrg-retrospective"
    made = []
    for i in range(rows):
        copy = list(cells)
        copy[0], copy[column] = f"zz-copy-{i:04d}", f"myeloma-xi-{i % distinct}"
        made.append(",".join(copy))
    outcomes.write_text("\n".join([header, first, rest.rstrip("\n"), *made]) + "\n", encoding="utf-8")
    calls: list[str] = []
    original = errors.Suggester._closest  # each did-you-mean a Suggester works out
    monkeypatch.setattr(errors.Suggester, "_closest", lambda self, value: calls.append(value) or original(self, value))
    found = [p for p in mmdata.validate(package) if p.code == "foreign-key" and p.column == "study_id" and p.path == "data/outcomes.csv"]
    assert len(found) == rows
    assert len([c for c in calls if c.startswith("myeloma-xi-")]) == SUGGESTIONS
    by_key = {p.value: p.message for p in found}
    assert by_key["myeloma-xi-0"] == "'myeloma-xi-0' is not a key of studies.study_id (did you mean 'myeloma-xi'?)"
    assert by_key[f"myeloma-xi-{SUGGESTIONS}"] == f"'myeloma-xi-{SUGGESTIONS}' is not a key of studies.study_id"
    assert len({p.message for p in found}) == distinct


def test_one_column_keys_are_matched_alike_by_isin_and_by_multiindexes_issue_21(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small tables match a one-column key with Series.isin, large ones with MultiIndexes (keys.ISIN_ROWS): the same
    problems, suggestions included, for keys that are close to a parent's, far from any, and of another study."""
    arms, outcomes = read_rows(package / "data/arms.csv"), read_rows(package / "data/outcomes.csv")
    study = arms[1][0][arms[0].index("study_id")]
    set_cell(package / "data/arms.csv", arms[1][0][0], "study_id", study[:-1] + "x")  # close to a study: a suggestion
    set_cell(package / "data/outcomes.csv", outcomes[1][0][0], "arm_id", "no-such-arm")
    set_cell(package / "data/outcomes.csv", outcomes[1][1][0], "source_id", outcomes[1][1][outcomes[0].index("source_id")] + "-2")
    by_isin = [p.to_line() for p in mmdata.validate(package) if p.code == "foreign-key"]
    monkeypatch.setattr(keys, "ISIN_ROWS", 0)
    by_multiindex = [p.to_line() for p in mmdata.validate(package) if p.code == "foreign-key"]
    assert by_isin == by_multiindex and len(by_isin) >= 3
    assert any("did you mean" in p.lower() for p in by_isin), by_isin


# ---------------------------------------------------------------- what a foreign key may reference
@pytest.mark.parametrize(("names", "keyed"), [
    (("a", "b"), True), (("b", "a"), True),  # the primary key, in any order
    (("a",), False), (("a", "b", "c"), False), ((), False),  # part of it, more than it, nothing
    (("u",), True), (("c",), False), (("u", "c"), False), (("nope",), False),  # one unique field; not unique; not one; no field
    (("a", "a", "b"), False), (("a", "b", "b"), False), (("u", "u"), False),  # a name twice: SQLite refuses such a key
])
def test_a_key_names_one_row_by_the_primary_key_or_one_unique_field(names: tuple[str, ...], keyed: bool) -> None:
    from mmdata.model.schema import resource_of

    schema = {"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "u", "constraints": {"unique": True}}],
              "primaryKey": ["a", "b"]}
    assert resource_of(schema, "t").keyed_by(names) is keyed
    assert resource_of({"fields": schema["fields"]}, "t").keyed_by(names) is (names == ("u",))  # no primary key: () names no row


def test_a_unique_field_may_be_referenced_and_its_keys_are_checked(package: Path) -> None:
    """outcomes.source_id referencing sources.title once title is unique: no schema problem, and each source_id that is
    no title is a foreign-key problem (a key that names no row is skipped, the schema's problem said instead)."""
    apply_patch(package, [{"file": "schemas/sources.schema.json", "pointer": "/fields/title/constraints", "value": {"unique": True}},
                          {"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/3/reference/fields", "value": "title"}])
    problems = mmdata.validate(package)
    assert [p.code for p in problems if p.code != "foreign-key"] == []
    broken = [p for p in problems if p.code == "foreign-key"]
    assert broken and all(p.message.endswith("is not a key of sources.title") for p in broken)
    assert len(broken) == len(read_rows(package / "data/outcomes.csv")[1])


def test_a_key_referencing_a_field_that_names_no_row_is_a_schema_error_not_a_problem_per_row(package: Path) -> None:
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/3/reference/fields", "value": "title"}])
    assert [p.to_line() for p in mmdata.validate(package)] == [
        "schemas/outcomes.schema.json:foreignKeys: the foreign key source_id of outcomes references sources.title, which is neither the primary "
        "key of sources (source_id) nor a unique field: a key must name one row; reference its primary key (the exports' SQLite "
        "database refuses any other) [schema-error]"]


def test_a_key_of_a_table_to_itself_must_name_its_own_key(package: Path) -> None:
    """"resource": "" is the table itself: outcomes.study_id -> outcomes.study_id passed validate, and the export's SQLite
    database refused it (an internal error)."""
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/0/reference/resource", "value": ""}])
    assert [p.message for p in mmdata.validate(package)] == [
        "the foreign key study_id of outcomes references outcomes.study_id, which is neither the primary key of outcomes (outcome_id) nor a "
        "unique field: a key must name one row; reference its primary key (the exports' SQLite database refuses any other)"]
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/0/reference/fields", "value": "outcome_id"}])
    assert [p.code for p in mmdata.validate(package)] == ["foreign-key"] * len(read_rows(package / "data/outcomes.csv")[1])


def test_a_key_to_an_undeclared_resource_or_field_is_a_schema_error_and_the_table_is_still_checked(package: Path) -> None:
    """The first passed validate (frictionless failed the package on reading its data); the second stopped validate with an
    internal error. Both are said, and every other check of the table still runs."""
    outcomes = read_rows(package / "data/outcomes.csv")
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/0/reference/resource", "value": "study"},
                          {"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/1/reference/fields", "value": "arm"},
                          {"table": "outcomes", "key": outcomes[1][0][0], "column": "source_id", "value": "no-such-source"}])
    lines = [p.to_line() for p in mmdata.validate(package)]
    assert lines[:2] == [
        "schemas/outcomes.schema.json:foreignKeys: the foreign key arm_id of outcomes references the field 'arm' of arms, which has no "
        "such field; name a field of arms [schema-error]",
        "schemas/outcomes.schema.json:foreignKeys: the foreign key study_id of outcomes references the resource 'study', which "
        "datapackage.json does not declare; name one of adverse_events, arms, outcomes, sources, studies [schema-error]"]
    assert len(lines) == 3 and lines[2].startswith("data/outcomes.csv:2:source_id: 'no-such-source' is not a key of sources.source_id")


def test_a_key_to_a_table_whose_schema_cannot_be_used_is_not_judged_again(package: Path) -> None:
    """studies' primaryKey names no field: its schema's problem is said, and the keys to it are not also called keys to no
    key (studies.study_id is no longer its primary key, as its schema is read)."""
    apply_patch(package, [{"file": "schemas/studies.schema.json", "pointer": "/primaryKey", "value": "no_such_field"},
                          {"file": "schemas/studies.schema.json", "pointer": "/fields/study_id/constraints/unique", "remove": True}])
    problems = mmdata.validate(package)
    assert [p.path for p in problems if p.code == "schema-error"] == ["schemas/studies.schema.json"]
    assert [p for p in problems if p.column == "foreignKeys"] == []


def test_two_keys_that_fail_alike_are_two_problems_and_a_name_twice_is_no_key(package: Path) -> None:
    """arm_id and comparator_arm_id both to a non-key field were one merged problem; a reference naming source_id twice passed
    validate and the export's SQLite refused it (an internal error)."""
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/1/reference/fields", "value": "name"},
                          {"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/2/reference/fields", "value": "name"},
                          {"file": "schemas/outcomes.schema.json", "pointer": "/foreignKeys/3",
                           "value": {"fields": ["source_id", "source_id"], "reference": {"resource": "sources", "fields": ["source_id", "source_id"]}}}])
    assert [p.message.split(", which")[0] for p in mmdata.validate(package) if p.column == "foreignKeys"] == [
        "the foreign key arm_id of outcomes references arms.name", "the foreign key comparator_arm_id of outcomes references arms.name",
        "the foreign key source_id+source_id of outcomes references sources.source_id+source_id"]

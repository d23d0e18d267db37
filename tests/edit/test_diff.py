"""Schema changes: which ones break users' code (and so need a new major version)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.diff import SchemaChange, TableDiff, bump_kind, next_version, required_bump, schema_changes
from mmdata.model.schema import resource_of

from ..conftest import ROOT

BASE = {"fields": [
    {"name": "id", "type": "string", "constraints": {"required": True}},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 10}},
], "primaryKey": ["id"]}


def changes(old: dict, new: dict) -> list[SchemaChange]:
    """schema_changes of two Table Schemas, read into the model as the package reader reads them."""
    return schema_changes("t", resource_of(old, "t"), resource_of(new, "t"))


def changed(**edits: dict) -> dict:
    fields = [dict(f, constraints=dict(f.get("constraints", {}))) for f in BASE["fields"]]
    for name, patch in edits.items():
        field = next(f for f in fields if f["name"] == name)
        field["constraints"].update(patch.pop("constraints", {}))
        field.update(patch)
    return {"fields": fields, "primaryKey": ["id"]}


@pytest.mark.parametrize(("new", "expected"), [
    (changed(n={"type": "number"}), [("n", "type integer -> number", True)]),
    (changed(kind={"constraints": {"enum": ["a"]}}), [("kind", "allowed values removed: b", True)]),
    (changed(kind={"constraints": {"enum": ["a", "b", "c"]}}), [("kind", "allowed values added: c", False)]),
    (changed(n={"constraints": {"minimum": 1}}), [("n", "minimum 0 -> 1", True)]),
    (changed(n={"constraints": {"maximum": 20}}), [("n", "maximum 10 -> 20", False)]),
    (changed(kind={"constraints": {"required": True}}), [("kind", "required added", True)]),
    ({"fields": BASE["fields"][:2], "primaryKey": ["id"]}, [("n", "removed (or renamed)", True)]),
    ({"fields": [*BASE["fields"], {"name": "note", "type": "string"}], "primaryKey": ["id"]}, [("note", "added", False)]),
])
def test_schema_changes(new: dict, expected: list[tuple[str, str, bool]]) -> None:
    assert [(c.field, c.change, c.breaking) for c in changes(BASE, new)] == expected


def test_a_key_written_as_a_string_or_a_list_is_the_same_key_issue_9() -> None:
    assert changes(BASE, dict(BASE, primaryKey="id")) == []
    assert changes(dict(BASE, primaryKey="id"), BASE) == []
    assert [(c.change, c.breaking) for c in changes(BASE, dict(BASE, primaryKey=["id", "n"]))] == [
        ("primary key id -> id, n", True)]


def test_allowed_values_dropped_from_a_field_are_breaking_issue_9() -> None:
    """Without an enum, mmdata.load gives the column as text instead of categories."""
    new = changed()
    del next(f for f in new["fields"] if f["name"] == "kind")["constraints"]["enum"]
    assert [(c.field, c.change, c.breaking) for c in changes(BASE, new)] == [
        ("kind", "allowed values dropped: any value is allowed, and mmdata.load gives text, not categories", True)]


FK = {"fields": "kind", "reference": {"resource": "kinds", "fields": "id"}}


@pytest.mark.parametrize(("old", "new", "expected"), [
    (BASE, dict(BASE, foreignKeys=[FK]), [("foreign key added: kind -> kinds.id", True)]),
    (dict(BASE, foreignKeys=[FK]), BASE, [("foreign key removed: kind -> kinds.id", False)]),
    (dict(BASE, foreignKeys=[FK]), dict(BASE, foreignKeys=[{"fields": ["kind"], "reference": {"resource": "kinds", "fields": ["id"]}}]), []),
    (BASE, dict(BASE, missingValues=["", "NA"]), [("missing values [''] -> ['', 'NA']", True)]),
    (BASE, dict(BASE, fields=[BASE["fields"][1], BASE["fields"][0], BASE["fields"][2]]), [("columns reordered: kind, id, n", False)]),
    (BASE, changed(id={"format": "email"}), [("format default -> email", True)]),
    (changed(n={"constraints": {"required": True}}), BASE, [("required dropped", False)]),
    (BASE, changed(kind={"constraints": {"unique": True}}), [("unique added", True)]),
    (BASE, changed(n={"constraints": {"maximum": 9}}), [("maximum 10 -> 9", True)]),
    (BASE, changed(n={"constraints": {"minimum": -1}}), [("minimum 0 -> -1", False)]),
    (BASE, changed(id={"constraints": {"minLength": 2}}), [("minLength none -> 2", True)]),
    (changed(id={"constraints": {"maxLength": 9}}), changed(id={"constraints": {"maxLength": 8}}), [("maxLength 9 -> 8", True)]),
    (changed(id={"constraints": {"maxLength": 9}}), BASE, [("maxLength 9 -> none", False)]),
    (BASE, changed(id={"constraints": {"pattern": "[a-z]+"}}), [("pattern none -> [a-z]+", True)]),
    (changed(id={"constraints": {"pattern": "[a-z]+"}}), BASE, [("pattern [a-z]+ -> none", False)]),
    (BASE, changed(n={"constraints": {"enum": [1, 2]}}), [("allowed values added where any value was allowed", True)]),
])
def test_table_level_and_constraint_changes(old: dict, new: dict, expected: list[tuple[str, bool]]) -> None:
    assert [(c.change, c.breaking) for c in changes(old, new)] == expected


def diff(table: str = "t", **kwargs: object) -> TableDiff:
    return TableDiff(table, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("diffs", "level", "reasons"), [
    ([], "patch", []),
    ([diff()], "patch", []),
    ([diff(changed={"k": {"c": ("a", "b")}})], "patch", [("patch", "t: 1 row changed")]),
    ([diff(added=["k", "l"])], "minor", [("minor", "t: 2 rows added")]),
    ([diff(removed=["k"]), diff("u", changed={"k": {}, "l": {}})], "minor", [("minor", "t: 1 row removed"), ("patch", "u: 2 rows changed")]),
    ([diff(schema=[SchemaChange("t", "c", "added", False)])], "minor", [("minor", "t.c: added")]),
    ([diff(added=["k"], schema=[SchemaChange("t", None, "table removed", True)])], "major",
     [("major", "t: table removed"), ("minor", "t: 1 row added")]),
])
def test_required_bump_is_the_largest_any_change_needs(diffs: list[TableDiff], level: str, reasons: list[tuple[str, str]]) -> None:
    bump = required_bump(diffs)
    assert (bump.level, [(r.level, r.change) for r in bump.reasons]) == (level, reasons)


@pytest.mark.parametrize(("current", "new", "kind"), [
    ((1, 2, 3), (1, 2, 4), "patch"), ((1, 2, 3), (1, 3, 0), "minor"), ((1, 2, 3), (1, 3, 5), "minor"),
    ((1, 2, 3), (2, 0, 0), "major"), ((0, 9, 9), (1, 0, 0), "major"),
])
def test_bump_kind(current: tuple[int, int, int], new: tuple[int, int, int], kind: str) -> None:
    assert bump_kind(current, new) == kind


@pytest.mark.parametrize(("level", "expected"), [("patch", "1.2.4"), ("minor", "1.3.0"), ("major", "2.0.0")])
def test_next_version(level: str, expected: str) -> None:
    assert next_version((1, 2, 3), level) == expected


def _duplicate_first_row(path: Path, change: str | None = None) -> None:
    """Append a copy of the first row of a table (its last cell changed to change), so that its key is there twice."""
    header, first, *rest = path.read_bytes().decode("utf-8").split("\n")
    copy = first if change is None else first.rsplit(",", 1)[0] + f",{change}"
    path.write_bytes("\n".join([header, first, *rest[:-1], copy, ""]).encode("utf-8"))


@pytest.mark.parametrize("side", ["new", "old"])
def test_diff_refuses_a_duplicated_key_rather_than_hide_a_row_issue_13(package: Path, side: str) -> None:
    _duplicate_first_row(package / "data/arms.csv", change="a second caveat")
    key = (package / "data/arms.csv").read_text(encoding="utf-8").split("\n")[1].split(",")[0]
    lines = len((package / "data/arms.csv").read_text(encoding="utf-8").splitlines())
    args = [str(ROOT), str(package)] if side == "new" else [str(package), str(ROOT)]
    result = CliRunner().invoke(cli, ["diff", *args])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {package}: data/arms.csv: lines 2 and {lines} both have the key '{key}'; diff matches rows by key, "
                             "so a row would be hidden: make each key unique (`mmdata validate` lists them)\n")


def test_diff_refuses_a_column_written_twice_issue_13(package: Path) -> None:
    path = package / "data/arms.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("caveat", "name") + "\n" + rest, encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {package}: data/arms.csv: column 'name' appears more than once; diff compares cells by column: run `mmdata validate`\n")


def test_diff_of_distinct_keys_still_lists_each_row(package: Path) -> None:
    path = package / "data/arms.csv"
    header, first, *rest = path.read_text(encoding="utf-8").split("\n")
    key = first.split(",")[0]
    path.write_text("\n".join([header, first, *rest[:-1], first.replace(key, key + "-copy", 1), ""]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert result.exit_code == 0
    assert f"arms: 1 added, 0 removed, 0 changed\n  + {key}-copy\n" in result.stdout


def test_an_enum_of_100000_values_is_compared_in_linear_time_issue_13() -> None:
    values = [f"v{i}" for i in range(100_000)]
    old = {"fields": [{"name": "k", "constraints": {"enum": values}}]}
    new = {"fields": [{"name": "k", "constraints": {"enum": [*values[:5], *values[6:], "w"]}}]}
    assert [(c.change, c.breaking) for c in changes(old, new)] == [
        ("allowed values removed: v5", True), ("allowed values added: w", False)]


def test_allowed_values_of_another_json_type_are_other_values_issue_13() -> None:
    old = {"fields": [{"name": "k", "constraints": {"enum": [1, "a"]}}]}
    new = {"fields": [{"name": "k", "constraints": {"enum": [True, "a"]}}]}
    assert [c.change for c in changes(old, new)] == ["allowed values removed: 1", "allowed values added: True"]


def test_diff_refuses_a_schema_field_that_is_not_an_object_issue_13(package: Path) -> None:
    path = package / "schemas/sources.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][4] = "x"
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {package}: schemas/sources.schema.json: every field of a Table Schema is a JSON object with a name "
                             "[schema-error]; diff compares well-formed packages: run `mmdata validate`\n")


def test_diff_refuses_a_header_without_its_key_column_issue_13(package: Path) -> None:
    path = package / "data/arms.csv"
    path.write_bytes(b"\n" + path.read_bytes())  # an empty first line: the header holds no column
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {package}: data/arms.csv: the header lacks the key column 'arm_id'; diff matches rows by key: run `mmdata validate`\n")


def test_diff_refuses_a_row_with_a_cell_too_many_issue_13(package: Path) -> None:
    path = package / "data/arms.csv"
    header, first, rest = path.read_text(encoding="utf-8").split("\n", 2)
    path.write_text("\n".join([header, first + ",extra", rest]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {package}: data/arms.csv:2: the row's cells do not match the header's columns; diff compares cells by column: "
           "run `mmdata validate`\n")

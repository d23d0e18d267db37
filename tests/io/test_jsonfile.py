"""Strict JSON: NaN, infinities, duplicate keys, numbers a float would round, deep nesting and
UTF-16/32 files are located problems, and mmdata writes only standard JSON (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.diff import diff_packages
from mmdata.errors import DiffRefused, Problem
from mmdata.io.jsonfile import MAX_DEPTH, dumps, read_json
from mmdata.model.package import open_package


def where(problems: list[Problem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in problems]


def in_full(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str, str]]:
    return [(p.path, p.row, p.column, p.code, p.message) for p in problems]


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": NaN}', [(None, "a", "NaN is not JSON; write a finite number, a string or null")]),
    ('{"a": [Infinity, -Infinity]}', [(None, "a/0", "Infinity is not JSON; write a finite number, a string or null"),
                                       (None, "a/1", "-Infinity is not JSON; write a finite number, a string or null")]),
    ('{"a": {"b": 1e400}}', [(None, "a/b", "1e400 cannot be kept exactly: a float would change its value; write it as a string, or with fewer digits")]),
    ('{"a": 1.00000000000000001}', [(None, "a", "1.00000000000000001 cannot be kept exactly: a float would change its value; "
                                                "write it as a string, or with fewer digits")]),
    ('{"a": 1.0, "b": 1e2, "c": 0.1, "d": 123456789012345678901234567890, "e": -0.0}', []),
    ('{"fields": [{"constraints": {"required": true, "required": false}}]}',
     [(None, "fields/0/constraints", "key 'required' appears more than once in this object; keep one")]),
    ('{"a": "x\\ud800", "\\udc00": 1, "ok": "\\ud83d\\ude00"}',
     [(None, None, "'\\udc00' holds a lone surrogate (a \\u escape of half a character), which UTF-8 cannot write; fix the escape"),
      (None, "a", "'x\\ud800' holds a lone surrogate (a \\u escape of half a character), which UTF-8 cannot write; fix the escape")]),
    ('{"a": 1, "a": 2}', [(None, None, "key 'a' appears more than once in this object; keep one")]),
    ('{"a": {"b": 1, "b": 2}, "a": 3}', [(None, None, "key 'a' appears more than once in this object; keep one"),
                                         (None, None, "1 more keys appear more than once in an object that a duplicate key replaced; keep one of each")]),
])
def test_json_that_python_accepts_but_json_does_not_is_located_issue_13(text: str, expected: list[tuple[int | None, str | None, str]]) -> None:
    value, problems = read_json("x.json", text.encode(), "schema-error")
    assert value is not None
    assert where(problems) == expected


def test_numbers_keep_their_value_through_a_round_trip_issue_13() -> None:
    text = '{"one": 1, "one-point-zero": 1.0, "hundred": 1e2, "tenth": 0.1, "big": 123456789012345678901234567890, "minus-zero": -0.0}'
    value, problems = read_json("x.json", text.encode(), "package-error")
    assert problems == []
    again, _ = read_json("x.json", dumps(value).encode(), "package-error")
    assert again == value
    assert [type(v) for v in again.values()] == [int, float, float, float, int, float]
    assert dumps(value) == ('{\n  "one": 1,\n  "one-point-zero": 1.0,\n  "hundred": 100.0,\n  "tenth": 0.1,\n'
                            '  "big": 123456789012345678901234567890,\n  "minus-zero": -0.0\n}\n')


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_mmdata_never_writes_non_standard_json_issue_13(number: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps({"x": number})


@pytest.mark.parametrize(("depth", "problem"), [
    (MAX_DEPTH, []),
    (MAX_DEPTH + 1, [(1, None, f"objects and arrays nested more than {MAX_DEPTH} deep at column {MAX_DEPTH + 1}; mmdata reads no deeper")]),
    (100_000, [(1, None, f"objects and arrays nested more than {MAX_DEPTH} deep at column {MAX_DEPTH + 1}; mmdata reads no deeper")]),
])
def test_nesting_is_bounded_issue_13(depth: int, problem: list) -> None:
    value, problems = read_json("x.json", b"[" * depth + b"]" * depth, "schema-error")
    assert where(problems) == problem
    assert (value is None) == bool(problem)


def test_brackets_inside_strings_do_not_count_as_nesting_issue_13() -> None:
    text = '{"a": "' + "[" * (MAX_DEPTH + 5) + '\\"{{"}'
    assert read_json("x.json", text.encode(), "schema-error") == ({"a": "[" * (MAX_DEPTH + 5) + '"{{'}, [])


@pytest.mark.parametrize(("bom", "encoding"), [
    (b"\xff\xfe", "UTF-16 LE"), (b"\xfe\xff", "UTF-16 BE"), (b"\xff\xfe\x00\x00", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "UTF-32 BE")])
def test_utf16_and_utf32_json_is_named_issue_13(bom: bytes, encoding: str) -> None:
    codec = {"UTF-16 LE": "utf-16-le", "UTF-16 BE": "utf-16-be", "UTF-32 LE": "utf-32-le", "UTF-32 BE": "utf-32-be"}[encoding]
    value, problems = read_json("x.json", bom + '{"a": 1}'.encode(codec), "schema-error")
    assert value is None
    assert in_full(problems) == [
        ("x.json", 1, None, "encoding-error", f"the file is {encoding} (it starts with a {encoding} byte-order mark); save it as UTF-8")]


def test_utf8_bom_in_json_is_refused_as_before_with_a_clear_message_issue_13() -> None:
    assert in_full(read_json("x.json", b'\xef\xbb\xbf{"a": 1}', "schema-error")[1]) == [
        ("x.json", 1, None, "encoding-error", "the file starts with a UTF-8 byte-order mark, which JSON forbids; save it as UTF-8 without BOM")]


def edit_schema(package: Path, table: str, text: str) -> None:
    (package / f"schemas/{table}.schema.json").write_text(text, encoding="utf-8")


def test_a_duplicate_key_in_a_schema_is_a_problem_of_that_table_issue_13(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    text = path.read_text(encoding="utf-8")
    edit_schema(package, "arms", text.replace('"required": true', '"required": true, "required": false', 1))
    (package / "data/outcomes.csv").write_bytes((package / "data/outcomes.csv").read_bytes() + b"x\n")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert lines[0] == "schemas/arms.schema.json:fields/0/constraints: key 'required' appears more than once in this object; keep one [schema-error]"
    assert any(line.startswith("data/outcomes.csv:") for line in lines)  # the other tables are still checked


def test_a_deeply_nested_schema_is_a_problem_of_that_table_issue_13(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    edit_schema(package, "arms", path.read_text(encoding="utf-8").replace('{\n', '{\n  "x": ' + "[" * 50_000 + "]" * 50_000 + ",\n", 1))
    (package / "data/outcomes.csv").write_bytes((package / "data/outcomes.csv").read_bytes() + b"x\n")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert lines[0] == (f"schemas/arms.schema.json:2: objects and arrays nested more than {MAX_DEPTH} deep at column {MAX_DEPTH + 7}; "
                        "mmdata reads no deeper [schema-error]")
    assert any(line.startswith("data/outcomes.csv:") for line in lines)


def test_a_number_fmt_cannot_keep_is_refused_and_nothing_is_written_issue_13(package: Path) -> None:
    descriptor = (package / "datapackage.json").read_text(encoding="utf-8")
    changed = descriptor.replace('{\n', '{\n  "x-size": 1e400,\n', 1)
    (package / "datapackage.json").write_text(changed, encoding="utf-8")
    (package / "data/arms.csv").write_bytes((package / "data/arms.csv").read_bytes().replace(b"\n", b"\r\n"))
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: datapackage.json:x-size: 1e400 cannot be kept exactly: a float would change its value; "
                             "write it as a string, or with fewer digits\n")
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before


def test_validate_reports_a_duplicate_key_and_nan_in_the_descriptor_issue_13(package: Path) -> None:
    descriptor = (package / "datapackage.json").read_text(encoding="utf-8")
    (package / "datapackage.json").write_text(descriptor.replace('{\n', '{\n  "x-score": NaN,\n  "x-other": 1,\n  "x-other": 2,\n', 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "datapackage.json: key 'x-other' appears more than once in this object; keep one [package-error]",
        "datapackage.json:x-score: NaN is not JSON; write a finite number, a string or null [package-error]"]


def test_diff_refuses_a_schema_with_a_duplicate_key_issue_13(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    edit_schema(package, "arms", path.read_text(encoding="utf-8").replace('"required": true', '"required": true, "required": false', 1))
    with pytest.raises(DiffRefused, match="key 'required' appears more than once.*diff compares well-formed packages"):
        diff_packages(open_package(package), open_package(package))


def test_the_shipped_json_files_are_strict_json() -> None:
    from ..conftest import ROOT

    for path in [ROOT / "datapackage.json", *sorted((ROOT / "schemas").glob("*.json"))]:
        value, problems = read_json(path.name, path.read_bytes(), "schema-error")
        assert (problems, value) == ([], json.loads(path.read_bytes()))


def test_a_lone_surrogate_in_the_descriptor_is_refused_not_an_internal_error_issue_13(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["bytes"] = 1  # stale: fmt would drop it and rewrite datapackage.json
    text = json.dumps(descriptor, indent=2).replace('{\n', '{\n  "x-note": "half \\ud800 a character",\n', 1)
    (package / "datapackage.json").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("Error: datapackage.json:x-note: 'half \\ud800 a character' holds a lone surrogate (a \\u escape of half a "
                             "character), which UTF-8 cannot write; fix the escape\n")
    assert (package / "datapackage.json").read_text(encoding="utf-8") == text


def test_invalid_utf8_json_is_located_at_its_line_issue_13() -> None:
    # lines before the bad byte are counted, the first (empty) one included, and none after it
    value, problems = read_json("x.json", b'\n{\n  "b": "caf\xe9",\n  "a": 1,\n  "c": 2\n}\n', "schema-error")
    assert value is None
    assert in_full(problems) == [
        ("x.json", 3, None, "encoding-error", "not valid UTF-8: invalid continuation byte; save the file as UTF-8")]


def test_invalid_json_is_located_at_its_line_and_column_issue_13() -> None:
    value, problems = read_json("x.json", b'{\n  "a": 1,\n  "b": }\n', "schema-error")
    assert value is None
    assert in_full(problems) == [
        ("x.json", 3, None, "schema-error", "invalid JSON at column 8: Expecting value")]


@pytest.mark.parametrize(("text", "line", "column"), [
    ("\n" + "[" * (MAX_DEPTH + 1) + "\n]\n", 2, MAX_DEPTH + 1),  # a first line that is empty still counts, lines after do not
    ('{\n  "a": 1,\n  "b": ' + "[" * (MAX_DEPTH + 1) + "\n\n", 3, MAX_DEPTH + 7),  # the column counts from the line's own start
    ("[[], [], " + "[" * MAX_DEPTH, 1, MAX_DEPTH + 9),  # a closed array lowers the depth by one, no more
])
def test_nesting_too_deep_is_located_at_its_line_and_column_issue_13(text: str, line: int, column: int) -> None:
    assert in_full(read_json("x.json", text.encode(), "schema-error")[1]) == [
        ("x.json", line, None, "schema-error", f"objects and arrays nested more than {MAX_DEPTH} deep at column {column}; mmdata reads no deeper")]


def test_an_integer_with_more_digits_than_python_converts_is_a_problem_issue_13() -> None:
    value, problems = read_json("x.json", ('{"a": [1, 1' + "0" * 5000 + "]}").encode(), "schema-error")
    assert value["a"][0] == 1
    assert in_full(problems) == [("x.json", None, "a/1", "schema-error", "an integer of 5001 digits cannot be kept exactly: "
                                  "a float would change its value; write it as a string, or with fewer digits")]


def test_a_duplicate_key_is_reported_in_its_own_object_only_issue_13() -> None:
    # the object that a duplicate key replaced is gone; a later object must not be taken for it
    text = '[{"a": {"b": 1, "b": 2}, "a": 3}' + ', {"c": {"d": 1}}' * 50 + "]"
    value, problems = read_json("x.json", text.encode(), "schema-error")
    assert value[0] == {"a": 3}
    assert in_full(problems) == [
        ("x.json", None, "0", "schema-error", "key 'a' appears more than once in this object; keep one"),
        ("x.json", None, None, "schema-error", "1 more keys appear more than once in an object that a duplicate key replaced; keep one of each")]


def test_mmdata_writes_json_as_utf8_text_not_escapes_issue_13() -> None:
    assert dumps({"arm": "café – ≥ 3 μg", "n": [1]}) == '{\n  "arm": "café – ≥ 3 μg",\n  "n": [\n    1\n  ]\n}\n'

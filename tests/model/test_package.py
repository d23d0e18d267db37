"""Reading a package: line numbers that match the file whatever its shape, and a descriptor or schema
of the wrong JSON type located by every command that reads it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli

from ..conftest import ROOT, apply_patch, build_fixture


def where(problems: list[mmdata.Problem]) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.path, p.row, p.column, p.code) for p in problems]


def test_crlf_endings_keep_line_numbers(tmp_path: Path) -> None:
    pkg = build_fixture("type-error", tmp_path)
    arms = pkg / "data/arms.csv"
    arms.write_bytes(arms.read_bytes().replace(b"\n", b"\r\n"))
    assert where(mmdata.validate(pkg))[:2] == [
        ("data/arms.csv", 2, "size", "type-error"),
        ("data/arms.csv", 3, "size", "minimum-error"),
    ]


def test_byte_order_mark_is_read_as_utf8(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    arms.write_bytes(b"\xef\xbb\xbf" + arms.read_bytes())
    assert mmdata.validate(pkg) == []


def test_cell_spanning_lines_shifts_later_rows(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    text = arms.read_text().replace("60 received the drug,", '60 received the drug,"first line\nsecond line"', 1)
    arms.write_text(text.replace("control,60,", "control,six,"))
    assert where(mmdata.validate(pkg)) == [("data/arms.csv", 4, "size", "type-error")]


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    lines = arms.read_text().splitlines(keepends=True)
    arms.write_text(lines[0] + "\n\n" + lines[1] + lines[2].replace("control,60,", "control,six,"))
    assert where(mmdata.validate(pkg)) == [
        ("data/arms.csv", 2, None, "blank-row"),
        ("data/arms.csv", 3, None, "blank-row"),
        ("data/arms.csv", 5, "size", "type-error"),
    ]


def test_empty_file_is_reported_not_crashed(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    (pkg / "data/adverse_events.csv").write_text("")
    assert where(mmdata.validate(pkg)) == [("data/adverse_events.csv", 1, None, "header-error")]


def test_folder_in_place_of_a_file(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    (pkg / "data/arms.csv").unlink()
    (pkg / "data/arms.csv").mkdir()
    problems = mmdata.validate(pkg)
    assert [p.to_line() for p in problems][0] == (
        "datapackage.json:resources/2/path: 'data/arms.csv' is a folder, not a file [file-error]"
    )


def test_type_error_hides_no_other_check(tmp_path: Path) -> None:
    """One unreadable cell leaves the column's other cells and the other rows' rules checked."""
    pkg = build_fixture("_base", tmp_path)
    outcomes = pkg / "data/outcomes.csv"
    text = outcomes.read_text().replace("median,12.5,months", "median,12.5 months,months")
    outcomes.write_text(text.replace("median,8,months", "median,8,percent"))
    assert where(mmdata.validate(pkg)) == [
        ("data/outcomes.csv", 2, "value", "type-error"),
        ("data/outcomes.csv", 4, "unit", "unit-mismatch"),
    ]


def test_problems_come_in_layer_order(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    outcomes = pkg / "data/outcomes.csv"
    text = outcomes.read_text().replace("0.41,0.56,0.001", "0.56,0.41,0.001")  # layer 4
    text = text.replace("trial-a-placebo,,all,", "trial-a-placebo,,everyone,")  # layer 2
    outcomes.write_text(text.replace("12.5 months with the drug", "12.5 months with a drug"))  # layer 5
    assert [p.code for p in mmdata.validate(pkg)] == ["enum-error", "ci-order", "quote-not-in-seed"]


# ---------------------------------------------------------------- descriptors and schemas of the wrong JSON type
# Cases the exit-code property test (tests/test_contract.py) found (#13): each was an internal error
# (exit 3), each is now a located message.
def edit_json(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stderr


def test_a_resource_path_that_is_an_object_is_a_path_error_issue_13(package: Path) -> None:
    edit_json(package / "datapackage.json", lambda d: d["resources"][1].update(path={}))
    code, stderr = run("validate", str(package))
    assert code == 1
    assert "datapackage.json:resources/1/path: must be a relative path written as a string [path-error]" in stderr.splitlines()


def test_constraints_that_are_not_an_object_are_a_schema_error_for_every_reader_issue_13(package: Path) -> None:
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"][6].update(constraints="t"))
    name = json.loads((package / "schemas/arms.schema.json").read_text(encoding="utf-8"))["fields"][6]["name"]
    problem = f"schemas/arms.schema.json: field '{name}': 'constraints' has the wrong JSON type; see the Table Schema specification [schema-error]"
    assert run("docs", "--check", str(package)) == (2, f"Error: {problem}; run `mmdata validate` to see why\n")
    assert run("diff", str(ROOT), str(package)) == (
        1, f"Error: {package}: {problem}; diff compares well-formed packages: run `mmdata validate`\n")
    assert run("fmt", "--check", str(package)) == (1, f"{problem} (left untouched)\n")


def test_an_enum_that_is_not_a_list_is_a_schema_error_issue_13(package: Path) -> None:
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"][6]["constraints"].update(enum={}))
    code, stderr = run("diff", str(ROOT), str(package))
    assert code == 1 and "'constraints/enum' has the wrong JSON type" in stderr


def test_a_foreign_key_whose_fields_are_not_names_is_a_schema_error_issue_13(package: Path) -> None:
    edit_json(package / "schemas/adverse_events.schema.json", lambda s: s["foreignKeys"][0]["reference"].update(fields=True))
    problem = ("schemas/adverse_events.schema.json: each foreign key names its 'fields' and its 'reference' 'fields' (a name or a list "
               "of names) and a 'resource' as a string [schema-error]")
    assert run("docs", "--check", str(package)) == (2, f"Error: {problem}; run `mmdata validate` to see why\n")
    assert run("diff", str(ROOT), str(package)) == (
        1, f"Error: {package}: {problem}; diff compares well-formed packages: run `mmdata validate`\n")


def test_validate_reports_a_schema_field_that_is_a_number_and_checks_the_other_tables_issue_13(package: Path) -> None:
    edit_json(package / "schemas/outcomes.schema.json", lambda s: s["fields"].__setitem__(3, 0))
    code, stderr = run("validate", str(package))
    assert code == 1
    assert "schemas/outcomes.schema.json: every field of a Table Schema is a JSON object with a name [schema-error]" in stderr.splitlines()
    assert "internal error" not in stderr


# ---------------------------------------------------------------- what frictionless assumes of a descriptor's shape
# Each of these stopped `mmdata validate` with an internal error (exit 3): frictionless reads these properties as a list or
# an object without checking that they are. Found by mutating the shipped package's files at random.
ARMS = "/resources/arms"
SHAPES = {
    "foreign keys that are a number": (
        [{"file": "schemas/arms.schema.json", "pointer": "/foreignKeys", "value": 5}],
        "schemas/arms.schema.json: 'foreignKeys' is a list of objects, each with a 'reference' object [schema-error]"),
    "a reference that is a text": (
        [{"file": "schemas/arms.schema.json", "pointer": "/foreignKeys/0/reference", "value": "studies"}],
        "schemas/arms.schema.json: 'foreignKeys' is a list of objects, each with a 'reference' object [schema-error]"),
    "an inline schema whose foreign keys are a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/schema", "value": {"fields": [{"name": "arm_id"}], "foreignKeys": True}}],
        "datapackage.json: 'foreignKeys' is a list of objects, each with a 'reference' object [schema-error]"),
    "an inline schema with a field that is a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/schema", "value": {"fields": [5]}}],
        "datapackage.json: every field of a Table Schema is a JSON object with a name [schema-error]"),
    "stats that are a text, beside bytes": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/bytes", "value": 5}, {"file": "datapackage.json", "pointer": f"{ARMS}/stats", "value": "x"}],
        "datapackage.json:resources/2/stats: 'stats' is an object in the standard; correct it or remove it [resource-error]"),
    "a hashing that is a list": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/hashing", "value": ["md5"]}, {"file": "datapackage.json", "pointer": f"{ARMS}/stats", "value": {}}],
        "datapackage.json:resources/2/hashing: 'hashing' is a string in the standard; correct it or remove it [resource-error]"),
    "a hash that is a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/hash", "value": 5}],
        "datapackage.json:resources/2/hash: 'hash' is a string in the standard; correct it or remove it [resource-error]"),
    "a $schema that is a number": (
        [{"file": "datapackage.json", "pointer": "/$schema", "value": 5}],
        "datapackage.json:$schema: '$schema' is the URL of the standard's profile, written as a string; correct it or remove it [package-error]"),
    "a layout that is a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/layout", "value": 5}],
        "datapackage.json:resources/2/layout: 'layout' is 5: mmdata reads every table as comma-separated CSV with one header row, and "
        "other tools follow what is declared; remove it [resource-error]"),
    "a dialect whose csv is a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/dialect", "value": {"csv": 5, "delimiter": ","}}],
        "datapackage.json:resources/2/dialect/csv: 'dialect/csv' is 5, not an object: mmdata reads every table as comma-separated CSV "
        "with one header row, and other tools follow what is declared; remove it [resource-error]"),
    "a resource name that is a list": (
        [{"file": "datapackage.json", "pointer": "/resources/2/name", "value": ["arms"]}],
        "datapackage.json: ['arms'] is not of type 'string' at property 'name' [resource-error]"),
    "a path that is a list holding a number": (
        [{"file": "datapackage.json", "pointer": f"{ARMS}/path", "value": ["data/arms.csv", 5]}],
        "datapackage.json:resources/2/path: must be a relative path written as a string [path-error]"),
}


@pytest.mark.parametrize("patch, line", SHAPES.values(), ids=SHAPES)
def test_a_shape_frictionless_does_not_check_is_a_problem_not_a_crash(patch: list, line: str, package: Path) -> None:
    apply_patch(package, patch)
    code, stderr = run("validate", str(package))
    assert code == 1
    assert line in stderr.splitlines()
    assert "internal error" not in stderr
    assert "frictionless stopped" not in stderr  # frictionless was handed what it can read: the last resort was not needed


@pytest.mark.parametrize("command", [["fmt"], ["fmt", "--check"], ["export", "--to", "{out}"], ["validate"]])
@pytest.mark.parametrize("key", ["resources", "sources"])
def test_resources_or_sources_that_are_not_a_list_stop_no_command(command: list[str], key: str, package: Path, tmp_path: Path) -> None:
    """`fmt` (resources: 5) and `export` (sources: 5) stopped with an internal error where they listed the declared files."""
    apply_patch(package, [{"file": "datapackage.json", "pointer": f"/{key}", "value": 5}])
    result = CliRunner().invoke(cli, [command[0], str(package), *(c.format(out=tmp_path / "out") for c in command[1:])])
    assert "internal error" not in result.output
    if command[0] == "fmt":
        assert result.exit_code == 0
        assert result.stdout.startswith("0 files ")
    else:
        assert result.exit_code == 1
        assert f"datapackage.json: 5 is not of type 'array' at property '{key}' [package-error]" in run("validate", str(package))[1].splitlines()


@pytest.fixture
def schema_errors_forgotten() -> Iterator[None]:
    """frictionless' errors of each schema are kept per process: a test that makes it fail must not leave them behind."""
    from mmdata.model import package as model

    model._schema_errors.cache_clear()
    yield
    model._schema_errors.cache_clear()


@pytest.mark.parametrize("kind, label, code", [("Package", "datapackage.json", "package-error"),
                                               ("Schema", "schemas/arms.schema.json", "schema-error")])
def test_whatever_else_stops_frictionless_is_one_problem_of_its_file(kind: str, label: str, code: str, package: Path,
                                                                    monkeypatch: pytest.MonkeyPatch, schema_errors_forgotten: None) -> None:
    """A shape no check above knows of: one problem naming the file, what stopped frictionless and what to do; no crash."""
    import frictionless

    def stops(cls, descriptor, **options):  # type: ignore[no-untyped-def]
        if kind == "Schema" and [f.get("name") for f in descriptor["fields"]][:1] != ["arm_id"]:
            return original(descriptor, **options)
        raise TypeError("'int' object is not iterable")

    original = getattr(frictionless, kind).validate_descriptor
    monkeypatch.setattr(getattr(frictionless, kind), "validate_descriptor", classmethod(stops))
    code_, stderr = run("validate", str(package))
    assert code_ == 1
    assert (f"{label}: frictionless stopped while checking it against the standard (TypeError: 'int' object is not iterable): a "
            f"property holds a value of a JSON type the standard does not allow there; correct it [{code}]") in stderr.splitlines()
    assert "internal error" not in stderr


# ---------------------------------------------------------------- what the standards allow but no export can hold (#23)
# Each of these validated, then `export` or `site` wrote outside its folder or stopped with an internal error (exit 3).
def add_resource(package: Path, name: str) -> None:
    """A sixth resource, a copy of the arms entry under another name."""
    edit_json(package / "datapackage.json", lambda d: d["resources"].append(dict(d["resources"][2], name=name)))


def test_a_resource_name_that_is_no_file_name_is_refused_issue_23(package: Path, tmp_path: Path) -> None:
    """'../../../escaped' passed validate, and export and site then wrote parquet/../../../escaped.parquet outside their folders."""
    add_resource(package, "../../../escaped")
    assert run("validate", str(package)) == (1, (
        "datapackage.json:resources/5/name: '../../../escaped' is not a resource name mmdata can use: write lower-case letters, "
        "digits, '.', '_' and '-' only, starting with a letter or a digit (it names files and an SQLite table) [resource-error]\n"))
    code, stderr = run("export", "--to", str(tmp_path / "build"), str(package))
    assert (code, stderr) == (1, f"Error: {package}: the package is not valid (1 problem); nothing was written. Run `mmdata validate` to see them\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]  # nothing written, inside the folder or out of it


def test_a_resource_named_like_sqlites_own_tables_is_refused_issue_23(package: Path) -> None:
    add_resource(package, "sqlite_stat1")
    assert run("validate", str(package)) == (1, (
        "datapackage.json:resources/5/name: 'sqlite_stat1' starts with 'sqlite_', which SQLite reserves for its own tables; "
        "rename the resource [resource-error]\n"))


@pytest.mark.parametrize(("enum", "shown"), [(["about", None], "null"), (["about", 3], "3"), (["about", ["x"]], '["x"]')])
def test_allowed_values_not_of_the_fields_type_are_a_field_error_issue_23(enum: list, shown: str, package: Path) -> None:
    """null and numbers in a string field's allowed values stopped export (exit 3); a nested list stopped validate itself."""
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"][6]["constraints"].update(enum=enum))
    assert run("validate", str(package)) == (1, (
        f"schemas/arms.schema.json:size_qualifier: allowed value {shown} is not a string; write every allowed value of a string "
        "field as a JSON string [field-error]\n"))


def test_numbers_are_the_allowed_values_of_a_number_field_issue_23(package: Path) -> None:
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"][5]["constraints"].update(enum=[10, 2.5]))
    assert run("validate", str(package)) == (1, (
        "schemas/arms.schema.json:size: allowed value 2.5 is not an integer; write every allowed value of an integer field as "
        "a JSON number [field-error]\n"))


def test_two_columns_differing_only_in_case_are_a_field_error_issue_23(package: Path) -> None:
    """SQLite's column names are case-insensitive: 'caveat' and 'Caveat' stopped the SQLite export (exit 3)."""
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"].append(dict(s["fields"][9], name="Caveat")))
    assert run("validate", str(package)) == (1, (
        "schemas/arms.schema.json:Caveat: 'Caveat' and 'caveat' differ only in case, which SQLite and most tools do not tell "
        "apart; rename one [field-error]\n"))


def test_more_columns_than_sqlite_holds_is_a_schema_error_issue_23(package: Path) -> None:
    from mmdata.model.package import MAX_COLUMNS

    extra = MAX_COLUMNS - len(json.loads((package / "schemas/arms.schema.json").read_text())["fields"]) + 1  # one more than it holds
    edit_json(package / "schemas/arms.schema.json",
              lambda s: s["fields"].extend({"name": f"c{i}", "type": "string", "description": "x"} for i in range(extra)))
    assert run("validate", str(package)) == (1, (
        f"schemas/arms.schema.json: {MAX_COLUMNS + 1:,} fields, more than the {MAX_COLUMNS:,} an SQLite table holds; split the "
        "table [schema-error]\n"))
    edit_json(package / "schemas/arms.schema.json", lambda s: s["fields"].pop())
    code, stderr = run("validate", str(package))
    assert (code, "schema-error" in stderr) == (1, False)  # at the limit: only the header's missing columns are reported


@pytest.mark.parametrize("where", ["field", "schema"])
def test_a_control_character_in_a_description_is_a_schema_error_issue_23(where: str, package: Path) -> None:
    """A NUL in a description stopped the SQLite export (exit 3): the description is an SQL comment and a _columns cell."""
    edit_json(package / "schemas/arms.schema.json",
              lambda s: (s["fields"][9] if where == "field" else s).update(description="Notes\x00 on the arm."))
    column = "caveat" if where == "field" else ""
    assert run("validate", str(package)) == (1, (
        f"schemas/arms.schema.json:{column + ':' if column else ''} the description holds the control character U+0000; "
        "remove it [schema-error]\n"))


def test_checksum_mismatches_hash_only_a_recorded_hash_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from mmdata.model.package import checksum_mismatches

    digest = "sha256:" + hashlib.sha256(b"abc").hexdigest()
    assert checksum_mismatches({"bytes": 3, "hash": digest}, b"abc") == []
    assert checksum_mismatches({"bytes": 4, "hash": "sha256:0"}, b"abc") == [("bytes", 4, 3), ("hash", "sha256:0", digest)]
    monkeypatch.setattr("mmdata.model.package.hashlib.sha256", lambda content: pytest.fail("hashed with no hash recorded"))
    assert checksum_mismatches({}, b"abc") == []
    assert checksum_mismatches({"bytes": 3}, b"abc") == []
    assert checksum_mismatches({"bytes": 2}, b"abc") == [("bytes", 2, 3)]


@pytest.mark.parametrize(("pattern", "why"), [("a{4294967296}", "the repetition number is too large"),
                                              ("(" * 5000 + ")" * 5000, "its groups are nested too deeply")], ids=["repeat", "nested"])
def test_a_pattern_python_cannot_compile_is_a_field_error_too_issue_22(package: Path, pattern: str, why: str) -> None:
    """A pattern re.compile raises on without a re.error is reported as the others are (tests/fixtures/pattern-invalid);
    before, as they were, a pattern-error of no row ("'None' does not match the pattern")."""
    apply_patch(package, [{"file": "schemas/arms.schema.json", "pointer": "/fields/source_id/constraints/pattern", "value": pattern}])
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stderr == (f"schemas/arms.schema.json:source_id: the pattern {pattern} is not a regular expression ({why}); "
                             "correct it, as its cells are matched against it [field-error]\n")

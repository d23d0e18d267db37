"""Cases the exit-code property test (tests/test_contract.py) found, pinned one by one (#13).

Each broke the contract with an internal error (exit 3); each now gets a located message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli

from .conftest import ROOT
from .releases import FIRST, all_bytes, repo_copy


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


def test_docs_reports_a_header_that_lacks_columns_issue_13(package: Path) -> None:
    path = package / "data/sources.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")  # the header line dropped
    code, stderr = run("docs", "--check", str(package))
    assert code == 2
    assert stderr.startswith("Error: data/sources.csv:1:source_id: column 'source_id' is missing from the header [header-error]; ")
    assert "internal error" not in stderr


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


@pytest.mark.parametrize("name", ["CITATION.cff", "README.md", "LICENSE-DATA.md", "CHANGELOG.md"])
def test_a_document_that_is_not_utf8_is_an_encoding_error_issue_23(name: str, tmp_path: Path) -> None:
    """The texts docs, site and release read besides the tables (CITATION.cff, the README...) are UTF-8 or refused, located."""
    root = repo_copy(tmp_path / "pkg")
    path = root / name
    line = path.read_bytes().count(b"\n") + 2
    path.write_bytes(path.read_bytes() + b"\nna\xefve\n")
    error = f"Error: {name}: is not valid UTF-8 (invalid continuation byte, line {line}); save the file as UTF-8\n"
    before = all_bytes(root)
    docs = run("docs", "--check", str(root))
    assert docs == ((2, error) if name != "CHANGELOG.md" else (0, ""))  # docs reads no changelog
    assert run("release", FIRST, "--package-dir", str(root)) == (1 if name == "CHANGELOG.md" else 2, error)
    site = run("site", "--out", str(tmp_path / "site"), str(root))
    assert site == ((2, error) if name == "CITATION.cff" else (0, ""))  # the site reads the citation only
    assert all_bytes(root) == before

"""`mmdata docs`: the data dictionary is generated from the schemas and checked for staleness."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.dictionary import DICTIONARY
from mmdata.edit.generated import generated_files

from ..conftest import ROOT


def dictionary(package: Path) -> str:
    """The data dictionary `mmdata docs` would write for package."""
    return generated_files(package)[DICTIONARY].decode("utf-8")


def test_committed_dictionary_is_current() -> None:
    result = CliRunner().invoke(cli, ["docs", "--check", str(ROOT)])
    current = "".join(f"{name} is current\n" for name in ("docs/data-dictionary.md", "README.md", "LICENSE-DATA.md", ".zenodo.json", "datapackage.json"))
    assert (result.exit_code, result.stdout, result.stderr) == (0, current, "")


def test_every_field_is_documented_with_its_description() -> None:
    text = dictionary(ROOT)
    for path in sorted((ROOT / "schemas").glob("*.json")):
        schema = json.loads(path.read_text())
        for field in schema["fields"]:
            assert f"| `{field['name']}` | {field['type']} " in text
            assert " ".join(field["description"].split()) in text


def test_dictionary_shows_keys_enums_units_and_examples() -> None:
    text = dictionary(ROOT)
    assert "- Foreign key: `pooled_in` → `studies.study_id`" in text
    assert "- Primary key: `outcome_id`" in text
    assert "one of: `placebo`, `observation`, `placebo-or-observation`" in text
    assert "| `size` | integer | patients | minimum 1 |" in text
    first = min(row.split(",", 1)[0] for row in (ROOT / "data/sources.csv").read_text(encoding="utf-8").splitlines()[1:])
    assert f"| `{first}` |" in text  # example taken from the data: the first key, whatever sources a contributor adds (#21)


def test_schema_change_makes_the_dictionary_stale(package: Path) -> None:
    schema_path = package / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"][2]["description"] = "Short label of the arm."
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    (package / "docs").mkdir(exist_ok=True)  # the package holds docs/references.md
    (package / "docs/data-dictionary.md").write_bytes((ROOT / "docs/data-dictionary.md").read_bytes())
    check = CliRunner().invoke(cli, ["docs", "--check", str(package)])
    assert (check.exit_code, check.stdout) == (1, "datapackage.json is current\n")
    assert check.stderr == "docs/data-dictionary.md is stale; run `mmdata docs` and commit the result\n"
    write = CliRunner().invoke(cli, ["docs", str(package)])
    assert (write.exit_code, write.stdout) == (0, "datapackage.json is current\nwrote docs/data-dictionary.md\n")
    assert "Short label of the arm." in (package / "docs/data-dictionary.md").read_text()
    assert CliRunner().invoke(cli, ["docs", "--check", str(package)]).exit_code == 0


def test_a_resource_that_is_not_an_object_is_left_out_not_a_crash_issue_13(package: Path) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][2] = "arms"  # validate reports it (package-error); docs documents the tables it can
    path.write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    text = dictionary(package)
    assert "\n## sources\n" in text and "\n## arms\n" not in text
    result = CliRunner().invoke(cli, ["docs", "--check", str(package)])
    assert result.exit_code == 1 and "internal error" not in result.stderr

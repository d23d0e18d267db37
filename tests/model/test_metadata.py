"""The package's metadata: descriptor, schemas and files agree one to one, and the tables are
plain CSV that analysts can load with no options."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ..conftest import ROOT, read_rows

DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
TABLES = ["sources", "studies", "arms", "outcomes", "adverse_events"]


def schema_of(table: str) -> dict:
    return json.loads((ROOT / RESOURCES[table]["schema"]).read_text(encoding="utf-8"))


def test_descriptor_schemas_and_data_match_one_to_one() -> None:
    assert sorted(RESOURCES) == sorted(TABLES)
    assert sorted(r["path"] for r in RESOURCES.values()) == sorted(f"data/{p.name}" for p in (ROOT / "data").glob("*"))
    assert sorted(r["schema"] for r in RESOURCES.values()) == sorted(f"schemas/{p.name}" for p in (ROOT / "schemas").glob("*"))
    assert all(RESOURCES[t]["path"] == f"data/{t}.csv" and RESOURCES[t]["schema"] == f"schemas/{t}.schema.json" for t in TABLES)


def test_descriptor_declares_version_licence_and_third_party_seeds() -> None:
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.fullmatch(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", DESCRIPTOR["version"])
    assert f'\nversion: "{DESCRIPTOR["version"]}"\n' in citation  # release writes both
    assert [lic["name"] for lic in DESCRIPTOR["licenses"]] == ["CC-BY-4.0"]
    assert sorted(s["path"] for s in DESCRIPTOR["sources"]) == sorted(f"seeds/{p.name}" for p in (ROOT / "seeds").glob("*"))
    assert all("not covered by the dataset's licence" in s["title"] for s in DESCRIPTOR["sources"])


@pytest.mark.parametrize("table", TABLES)
def test_every_field_has_a_description(table: str) -> None:
    assert [f["name"] for f in schema_of(table)["fields"] if len(f.get("description", "")) < 20] == []


@pytest.mark.parametrize("table", TABLES)
def test_csv_header_equals_schema_order(table: str) -> None:
    header, _ = read_rows(ROOT / RESOURCES[table]["path"])
    assert header == [f["name"] for f in schema_of(table)["fields"]]


@pytest.mark.parametrize("table", TABLES)
def test_resource_declares_utf8_csv(table: str) -> None:
    resource = RESOURCES[table]
    assert (resource["encoding"], resource["format"], resource["profile"]) == ("utf-8", "csv", "tabular-data-resource")


@pytest.mark.parametrize("table", TABLES)
def test_file_is_utf8_with_lf_endings_and_no_bom(table: str) -> None:
    raw = (ROOT / RESOURCES[table]["path"]).read_bytes()
    raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")


@pytest.mark.parametrize("table", TABLES)
def test_plain_read_csv_loads_every_row(table: str) -> None:
    path = ROOT / RESOURCES[table]["path"]
    frame = pd.read_csv(path)
    _, rows = read_rows(path)
    assert list(frame.columns) == [f["name"] for f in schema_of(table)["fields"]]
    assert len(frame) == len(rows) > 0


@pytest.mark.parametrize("table", TABLES)
def test_rows_are_sorted_by_primary_key(table: str) -> None:
    pk = schema_of(table)["primaryKey"]
    frame = pd.read_csv(ROOT / RESOURCES[table]["path"], dtype=str)
    keys = [tuple(row) for row in frame[pk].itertuples(index=False)]
    assert keys == sorted(keys)


def test_reference_validator_accepts_the_package() -> None:
    from frictionless import validate

    report = validate(str(ROOT / "datapackage.json"))
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid


@pytest.mark.parametrize(("table", "field"), [
    ("outcomes", "endpoint"), ("outcomes", "statistic"), ("outcomes", "population"),
    ("adverse_events", "event"), ("adverse_events", "statistic"),
])
def test_curation_guide_explains_every_term(table: str, field: str) -> None:
    guide = (ROOT / "docs/curation.md").read_text(encoding="utf-8")
    enum = next(f for f in schema_of(table)["fields"] if f["name"] == field)["constraints"]["enum"]
    assert [term for term in enum if f"`{term}`" not in guide] == []

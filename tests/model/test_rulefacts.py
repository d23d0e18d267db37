"""The facts the rules rest on live in the Table Schemas (#12): renaming an allowed value, or
dropping a fact, shows in validation instead of silently switching a rule off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mmdata
from mmdata.model import rulefacts, schema
from mmdata.rules.validate import RULE_FIELDS, RULE_VALUES

from ..conftest import ROOT, apply_patch, build_fixture

SCHEMAS = {p.name.removesuffix(".schema.json"): json.loads(p.read_text()) for p in (ROOT / "schemas").glob("*.json")}
KNOWN = set(rulefacts.PROPERTIES)
RESOURCES = mmdata.open_package(ROOT).resources


def codes(pkg: Path) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.path, p.row, p.column, p.code) for p in mmdata.validate(pkg)]


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_every_mmdata_property_is_one_the_rules_read(table: str) -> None:
    """A misspelt property would be ignored: only the known ones may appear."""
    used = {key for f in SCHEMAS[table]["fields"] for key in f if key.startswith("mmdata:")}
    used |= {key for key in SCHEMAS[table] if key.startswith("mmdata:")}
    assert used <= KNOWN


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_rule_fields_and_named_values_are_in_the_schemas(table: str) -> None:
    fields = {f["name"]: f for f in SCHEMAS[table]["fields"]}
    assert set(RULE_FIELDS[table]) <= set(fields)
    for field, values in rulefacts.named_values(table, RESOURCES[table], RULE_VALUES).items():
        assert values <= set(fields[field]["constraints"]["enum"]), (table, field)


def test_the_shipped_schemas_declare_the_facts() -> None:
    assert schema.seed_folder(RESOURCES["sources"]) == "seeds"
    assert SCHEMAS["sources"]["fields"][1]["constraints"]["pattern"].startswith("^seeds/")
    for table in ("studies", "arms", "outcomes", "adverse_events"):
        assert rulefacts.in_quote_columns(RESOURCES[table])  # every table with a quote has numbers to find in it
    assert rulefacts.upper_bound_qualifiers(RESOURCES["studies"])
    assert rulefacts.units_of_statistic(RESOURCES["outcomes"]) and rulefacts.units_of_statistic(RESOURCES["adverse_events"])
    assert {name: r.role for name, r in RESOURCES.items()} == {
        "sources": "source", "studies": "study", "arms": "arm", "outcomes": "finding", "adverse_events": "finding"}
    assert all(set(r.key_parts) <= set(r.field_names) for r in RESOURCES.values())  # add-row makes keys of them


def test_renaming_an_allowed_value_the_rules_name_is_a_schema_error(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    schema = json.loads((pkg / "schemas/outcomes.schema.json").read_text())
    unit = next(f for f in schema["fields"] if f["name"] == "unit")
    unit["constraints"]["enum"] = [("pct" if u == "percent" else u) for u in unit["constraints"]["enum"]]
    (pkg / "schemas/outcomes.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    assert [p.to_line() for p in mmdata.validate(pkg)] == [
        "data/outcomes.csv:unit: mmdata's rules name 'percent', which is not an allowed value of outcomes.unit; "
        "rename it in the schema's mmdata: properties too, or restore the value [schema-error]"]


def test_renaming_a_statistic_without_its_units_is_a_schema_error(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    apply_patch(pkg, [{"file": "schemas/adverse_events.schema.json", "pointer": "/fields/statistic/constraints/enum",
                       "value": ["percentage", "number", "qualitative"]}])
    assert [(p.column, p.code) for p in mmdata.validate(pkg)] == [("statistic", "schema-error")]


def test_the_number_rule_follows_the_in_quote_fact(tmp_path: Path) -> None:
    pkg = build_fixture("number-not-in-quote", tmp_path)
    assert codes(pkg) == [("data/outcomes.csv", 2, "value", "number-not-in-quote")]
    apply_patch(pkg, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/value/mmdata:inQuote", "remove": True}])
    assert codes(pkg) == []


def test_the_unit_rule_follows_the_units_fact(tmp_path: Path) -> None:
    pkg = build_fixture("unit-mismatch", tmp_path)
    assert [c[3] for c in codes(pkg)] == ["unit-mismatch"]
    apply_patch(pkg, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/unit/mmdata:unitsOfStatistic/median",
                       "value": ["months", "years", "percent"]}])
    assert codes(pkg) == []


def test_the_size_rule_follows_the_upper_bound_fact(tmp_path: Path) -> None:
    pkg = build_fixture("arm-larger-than-study", tmp_path)
    apply_patch(pkg, [{"table": "studies", "key": "trial-a", "column": "size_qualifier", "value": "about"}])
    assert [c[3] for c in codes(pkg)] == []  # "about 8" bounds nothing
    apply_patch(pkg, [{"file": "schemas/studies.schema.json", "pointer": "/fields/size_qualifier/mmdata:upperBound", "value": ["about"]}])
    assert [c[3] for c in codes(pkg)] == ["arm-larger-than-study", "arm-larger-than-study", "arms-exceed-study"]


def test_the_seed_folder_follows_its_fact(tmp_path: Path) -> None:
    pkg = build_fixture("seed-unlisted", tmp_path)
    assert [p.to_line() for p in mmdata.validate(pkg)][0].startswith("seeds/901_00000000000000bb.txt: not listed")
    apply_patch(pkg, [{"file": "schemas/sources.schema.json", "pointer": "/fields/seed_file/mmdata:folder", "value": "documents"}])
    # seeds/ is no longer the seeds' folder: nothing there is unlisted, but a seed must be in the folder (#13)
    assert [p.to_line() for p in mmdata.validate(pkg)] == [
        "data/sources.csv:2:seed_file: seeds/900_00000000000000aa.txt is not a file of documents/; "
        "a seed is a document kept in documents/ itself [path-error]"]


def test_renaming_an_allowed_value_the_plot_names_is_a_schema_error_issue_21(tmp_path: Path) -> None:
    """The plot's panels, arm roles and hedges name allowed values (rulefacts.OUTPUT_VALUES): a schema that
    renames one is told so, instead of a plot that silently loses a panel or a hedge."""
    pkg = build_fixture("_base", tmp_path)
    schema = json.loads((pkg / "schemas/outcomes.schema.json").read_text())
    qualifier = next(f for f in schema["fields"] if f["name"] == "qualifier")
    qualifier["constraints"]["enum"] = [("nearly" if q == "almost" else q) for q in qualifier["constraints"]["enum"]]
    (pkg / "schemas/outcomes.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    assert [p.to_line() for p in mmdata.validate(pkg)] == [
        "data/outcomes.csv:qualifier: mmdata's plot and site name 'almost', which is not an allowed value of outcomes.qualifier; "
        "rename it in OUTPUT_VALUES (src/mmdata/model/rulefacts.py) too, or restore the value [schema-error]"]


@pytest.mark.parametrize("table", sorted(rulefacts.OUTPUT_VALUES))
def test_the_values_the_outputs_name_are_allowed_in_the_shipped_schemas_issue_21(table: str) -> None:
    fields = {f["name"]: f for f in SCHEMAS[table]["fields"]}
    for field, values in rulefacts.OUTPUT_VALUES[table].items():
        assert set(values) <= set(fields[field]["constraints"]["enum"]), (table, field)


@pytest.mark.parametrize(("schema", "field", "old", "new", "who"), [
    ("outcomes", "statistic", "qualitative", "narrative", "rules"),  # named by the rules alone, not by a fact
    ("arms", "role", "control", "comparator", "plot and site"),  # a field only the outputs name
])
def test_renaming_a_value_named_by_one_side_only_is_a_schema_error_issue_21(tmp_path: Path, schema: str, field: str, old: str, new: str,
                                                                            who: str) -> None:
    pkg = build_fixture("_base", tmp_path)
    path = pkg / f"schemas/{schema}.schema.json"
    value = json.loads(path.read_text())
    spec = next(f for f in value["fields"] if f["name"] == field)
    spec["constraints"]["enum"] = [(new if v == old else v) for v in spec["constraints"]["enum"]]
    path.write_text(json.dumps(value, indent=2) + "\n")
    assert [p.message.split(",")[0] for p in mmdata.validate(pkg) if p.code == "schema-error"] == [f"mmdata's {who} name '{old}'"]


def test_named_values_add_the_units_facts_to_no_rule_values_issue_21() -> None:
    """The statistics and units of the mmdata:unitsOfStatistic fact are named even where no rule names a value."""
    named = rulefacts.named_values("outcomes", RESOURCES["outcomes"], {})
    units = rulefacts.units_of_statistic(RESOURCES["outcomes"])
    assert named["statistic"] == set(units) and named["unit"] == {u for us in units.values() for u in us}


@pytest.mark.parametrize(("written", "problem"), [
    ({}, None),  # no role: the table takes part in no rule or output of one, as declared
    ({"mmdata:role": "arm"}, None),
    ({"mmdata:role": "finding", "primaryKey": "x"}, None),  # a key written as one name
    ({"mmdata:role": "finding", "primaryKey": ["x"]}, None),
    ({"mmdata:role": "finding", "primaryKey": ["x", "y"]}, "a table of findings is keyed by one column, not 2"),
    ({"mmdata:role": "finding"}, "a table of findings is keyed by one column, not 0"),
    ({"mmdata:role": "findings"}, 'mmdata:role "findings" is not one of source, study, arm, finding'),
    ({"mmdata:role": ["finding"]}, 'mmdata:role ["finding"] is not one of source, study, arm, finding'),
    ({"mmdata:role": None}, 'mmdata:role null is not one of source, study, arm, finding'),
])
def test_a_role_mmdata_would_ignore_is_named_issue_22(written: dict, problem: str | None) -> None:
    # A misspelt role switched the table's rules and outputs off in silence; a finding table keyed by two columns was left
    # out of the findings view in silence.
    found = schema.role_problem(written)
    assert (None if found is None else found[:len(problem or "")]) == problem


def test_no_table_of_findings_is_reported_only_when_every_schema_was_read_issue_22(tmp_path: Path) -> None:
    # A schema that cannot be read may be the one that marks its table as findings: then only its own problem is named.
    pkg = build_fixture("_base", tmp_path / "pkg")
    apply_patch(pkg, [{"file": "schemas/adverse_events.schema.json", "pointer": "/mmdata:role", "remove": True}])
    assert codes(pkg) == []
    (pkg / "schemas/outcomes.schema.json").write_text("{", encoding="utf-8")
    assert [c for c in codes(pkg) if c[0] == "datapackage.json"] == []
    apply_patch(pkg, [{"file": "schemas/arms.schema.json", "pointer": "/mmdata:role", "remove": True}])
    (pkg / "schemas/outcomes.schema.json").write_text(json.dumps(SCHEMAS["outcomes"] | {"mmdata:role": "study"}), encoding="utf-8")
    assert ("datapackage.json", None, None, "schema-error") in codes(pkg)


def test_a_package_of_no_tables_is_not_also_told_it_has_no_table_of_findings_issue_22(tmp_path: Path) -> None:
    # Each of the five tables is reported missing; that none is marked as findings would say nothing more.
    pkg = build_fixture("_base", tmp_path / "pkg")
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/resources", "value": []}])
    found = mmdata.validate(pkg)
    assert [p.code for p in found if p.path == "datapackage.json"] == ["resource-missing"] * 5


@pytest.mark.parametrize(("name", "refused"), [
    ("outcomes_fts", True), ("outcomes_fts_data", True), ("outcomes_fts_config", True), ("x_fts_idx", True),
    ("a_fts", True), ("fts", False), ("outcomes_fts2", False), ("fts_data", False), ("outcomes_ftsx", False),
])
def test_a_table_named_like_a_full_text_index_is_a_resource_error_issue_22(name: str, refused: bool, tmp_path: Path) -> None:
    # The exports index a table's quotes in <table>_fts, beside the tables FTS5 keeps for it: a table of such a name
    # stopped the export with an internal error (a second review found it).
    pkg = build_fixture("_base", tmp_path / "pkg")
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/resources/arms/name", "value": name}])
    errors = [p.message for p in mmdata.validate(pkg) if p.code == "resource-error"]
    assert bool(errors) is refused
    if refused:
        assert errors == [f"'{name}' ends like the full-text index the exports make of a table (<table>_fts, and SQLite's own tables "
                          "of it: <table>_fts_data, <table>_fts_idx, <table>_fts_content, <table>_fts_docsize, <table>_fts_config); "
                          "rename the resource"]

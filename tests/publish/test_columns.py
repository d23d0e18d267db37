"""The export's columns made from the typed tables are those the database gives back (#22)."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import mmdata
from mmdata.model.load import typed_tables
from mmdata.model.schema import resource_of
from mmdata.publish import export as export_module
from mmdata.publish import findings
from mmdata.publish.columns import _column, encoded, table_columns, view_columns
from mmdata.publish.sqlite import database, described, records, table_sql

from ..conftest import ROOT, read_rows


def read_back(conn: sqlite3.Connection, name: str, resource: Any) -> list[Any]:
    """The columns of a table or the view as the export read them back before #22: from the database, a batch at a time."""
    batches = [export_module.arrow_arrays(list(zip(*batch, strict=True)), resource) for batch in export_module._batches(conn, name, resource)]
    return [pa.concat_arrays([batch[i] for batch in batches]) for i in range(len(resource.fields))]


def test_the_tables_and_the_findings_view_made_from_the_typed_tables_are_the_databases_issue_22() -> None:
    pkg = mmdata.open_package(ROOT)
    tables, resources = typed_tables(pkg), pkg.resources
    made = {name: table_columns(tables[name], resource) for name, resource in resources.items()}
    made[findings.NAME] = view_columns(made, resources)
    conn = database(tables, resources)
    try:
        for name, resource in described(resources).items():
            back = read_back(conn, name, resource)
            assert made[name] is not None and len(made[name][0]) > 0
            assert [(f.name, column.type) for f, column in zip(resource.fields, made[name], strict=True)] == \
                   [(f.name, column.type) for f, column in zip(resource.fields, back, strict=True)]
            assert all(a.equals(b) for a, b in zip(made[name], back, strict=True)), name
    finally:
        conn.close()


@pytest.mark.parametrize(("formats", "keep"), [(export_module.DEFAULT_FORMATS, True), (("csv",), False), (("parquet",), False),
                                               (("sqlite", "csv"), True)])
def test_every_export_file_is_the_same_made_or_read_back_issue_22(formats: tuple[str, ...], keep: bool,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    made, made_view = export_module._files(mmdata.open_package(ROOT), formats, keep)
    monkeypatch.setattr(export_module, "_made", lambda *args: {})
    back, back_view = export_module._files(mmdata.open_package(ROOT), formats, keep)
    assert made.keys() == back.keys() and all(made[k] == back[k] for k in made)
    assert (made_view is None) == (back_view is None) == (not keep)
    assert not keep or made_view.equals(back_view, check_metadata=True)


def _stored(values: list[Any], field: dict[str, Any]) -> tuple[Any, Any]:
    """_column of values (a typed column) and what SQLite gives back of them, both as Arrow arrays."""
    resource = resource_of({"fields": [field]}, "t")
    frame = pd.DataFrame({field["name"]: values[0] if isinstance(values, tuple) else values})
    conn = sqlite3.connect(":memory:")
    conn.execute(table_sql(resource))
    conn.executemany("INSERT INTO t VALUES (?)", records(frame, resource))
    back = [row[0] for row in conn.execute("SELECT * FROM t ORDER BY rowid")]
    conn.close()
    f = resource.fields[0]
    return _column(frame[f.name], f, "t"), encoded(pa.array(back, getattr(pa, f.arrow_type)()), f, "t")


@pytest.mark.parametrize(("values", "field"), [
    (pd.array([-0.0, None, 0.0, 2.5, -1e300], dtype="Float64"), {"name": "v", "type": "number"}),
    (pd.Series([math.nan, -0.0, math.inf, -math.inf, 1.5, 0.0]), {"name": "v", "type": "number"}),  # numpy floats, NaN among them
    (pd.array([None, -3, 2 ** 62, 0], dtype="Int64"), {"name": "v", "type": "integer"}),
    (pd.array(["é", None, "", "a,b", "\n"], dtype="string"), {"name": "v", "type": "string"}),
    (pd.Series(["b", None, "a", "b"], dtype=pd.CategoricalDtype(["a", "b"])), {"name": "v", "type": "string", "constraints": {"enum": ["a", "b"]}}),
    (pd.Series(["b", None, "a"], dtype=pd.CategoricalDtype(["b", "a"])), {"name": "v", "type": "string", "constraints": {"enum": ["a", "b"]}}),
    (pd.Series(["b", None, "a"], dtype=object), {"name": "v", "type": "string", "constraints": {"enum": ["a", "b"]}}),
    (pd.Series([1, None, 3], dtype=object), {"name": "v", "type": "integer"}),
])
def test_a_column_made_holds_what_sqlite_gives_back_of_it_issue_22(values: Any, field: dict[str, Any]) -> None:
    # SQLite gives -0.0 back as 0.0, and NaN as NULL: the made column does too.
    made, back = _stored(values, field)
    assert made.type == back.type and made.equals(back)
    if field["type"] == "number":
        assert [math.copysign(1, v) for v in made.to_pylist() if v == 0] == [1.0] * sum(1 for v in made.to_pylist() if v == 0)


@pytest.mark.parametrize(("kinds", "rows"), [
    (["string"], [["b"], ["B"], ["é"], ["a"], ["z"], ["ä"], ["10"], ["9"], [""], ["a b"]]),
    (["integer"], [[10], [9], [-1], [100], [0], [2 ** 40]]),
    (["string", "integer"], [["b", 2], ["a", 10], ["b", 1], ["a", 9], ["é", -5], ["a", -9]]),
])
def test_rows_made_are_in_the_order_sqlite_gives_them_issue_22(kinds: list[str], rows: list[list[Any]]) -> None:
    schema = {"fields": [{"name": f"k{i}", "type": kind} for i, kind in enumerate(kinds)] + [{"name": "n", "type": "integer"}],
              "primaryKey": [f"k{i}" for i in range(len(kinds))]}
    resource = resource_of(schema, "t")
    rows = [[*row, i] for i, row in enumerate(rows)]
    frame = pd.DataFrame({f.name: pd.array([row[i] for row in rows], dtype=f.dtype) for i, f in enumerate(resource.fields)})
    conn = sqlite3.connect(":memory:")
    conn.execute(table_sql(resource))
    conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(resource.fields))})", rows)
    expected = [row[-1] for row in conn.execute(f"SELECT * FROM t ORDER BY {', '.join(schema['primaryKey'])}")]
    conn.close()
    made = table_columns(frame, resource)
    assert made is not None and made[-1].to_pylist() == expected and expected != list(range(len(rows)))


def test_a_table_whose_key_sqlite_may_order_otherwise_is_read_back_issue_22() -> None:
    frame = pd.DataFrame({"k": pd.array([2.0, 1.0], dtype="Float64"), "s": pd.array(["a", "b"], dtype="string")})
    for schema in ({"fields": [{"name": "k", "type": "number"}, {"name": "s", "type": "string"}], "primaryKey": ["k"]},
                   {"fields": [{"name": "k", "type": "number"}, {"name": "s", "type": "string"}], "primaryKey": ["s", "k"]},
                   {"fields": [{"name": "k", "type": "number"}, {"name": "s", "type": "string"}]}):
        assert table_columns(frame, resource_of(schema, "t")) is None
    ordered = {"fields": [{"name": "k", "type": "number"}, {"name": "s", "type": "string"}], "primaryKey": ["s"]}
    assert table_columns(frame, resource_of(ordered, "t")) is not None


def _replaced(resource: Any, name: str, **changes: Any) -> Any:
    fields = tuple(dataclasses.replace(f, **changes) if f.name == name else f for f in resource.fields)
    return dataclasses.replace(resource, fields=fields)


def test_a_findings_view_sqlite_may_join_or_order_otherwise_is_read_back_issue_22() -> None:
    pkg = mmdata.open_package(ROOT)
    tables, resources = typed_tables(pkg), pkg.resources
    made = {name: table_columns(tables[name], resource) for name, resource in resources.items()}
    assert view_columns(made, resources) is not None
    arms = resources["arms"]
    arm_id = arms.field("arm_id")
    not_unique = _replaced(arms, "arm_id", constraints=dataclasses.replace(arm_id.constraints, unique=False))
    not_on_a_key = dataclasses.replace(not_unique, primary_key=("name",))  # arm_id neither its key nor unique: a join may match two rows
    assert not findings.one_row_each(dict(resources, arms=not_on_a_key))
    assert view_columns(made, dict(resources, arms=not_on_a_key)) is None
    integer_arms = _replaced(arms, "arm_id", type="integer")  # the findings' text arm_id joined to an integer arm_id
    made_integer_arms = dict(made, arms=[pa.array(np.arange(len(c)), pa.int64()) if f.name == "arm_id" else c
                                         for f, c in zip(arms.fields, made["arms"], strict=True)])
    assert view_columns(made_integer_arms, dict(resources, arms=integer_arms)) is None
    ids = ("arm_id", "comparator_arm_id")  # equal types, but numbers: SQLite's = and Arrow's lookup might part on -0.0 or NaN
    number_ids = {t: _replaced(_replaced(resources[t], ids[0], type="number"), ids[1], type="number") for t in ("arms", "outcomes", "adverse_events")}
    made_numbers = {t: [pa.array(np.arange(len(c)), pa.float64()) if f.name in ids else c
                        for f, c in zip(resources[t].fields, made[t], strict=True)] for t in number_ids}
    assert view_columns(dict(made, **made_numbers), dict(resources, **number_ids)) is None
    assert view_columns({k: v for k, v in made.items() if k != "arms"}, resources) is None  # a joined table not made
    integer_key = _replaced(resources["outcomes"], "outcome_id", type="integer")  # the view's finding_id is text
    made_integer = dict(made, outcomes=[pa.array(np.arange(len(c)), pa.int64()) if f.name == "outcome_id" else c
                                       for f, c in zip(resources["outcomes"].fields, made["outcomes"], strict=True)])
    assert view_columns(made_integer, dict(resources, outcomes=integer_key)) is None


@pytest.mark.parametrize("reordered", ["outcomes", "adverse_events", "both"])
def test_the_view_is_in_key_order_when_a_finding_table_is_not_issue_22(reordered: str) -> None:
    # The finding tables stacked by name, each in its key's order, are the view's order; a table whose rows are not in
    # its key's order (a key missing, or out of order) is sorted with the rest, to the same view.
    pkg = mmdata.open_package(ROOT)
    tables, resources = typed_tables(pkg), pkg.resources
    made = {name: table_columns(tables[name], resource) for name, resource in resources.items()}
    expected = view_columns(made, resources)
    assert expected is not None
    backwards = dict(made)
    for table in ("outcomes", "adverse_events") if reordered == "both" else (reordered,):
        backwards[table] = [column.take(pa.array(np.arange(len(column))[::-1])) for column in made[table]]
    found = view_columns(backwards, resources)
    assert found is not None and all(a.equals(b) for a, b in zip(found, expected, strict=True))
    names = findings.findings_resource(resources).field_names
    kinds = expected[names.index(findings.KIND)].to_pylist()
    assert kinds == sorted(kinds) and set(kinds) == {"outcomes", "adverse_events"}  # adverse_events first: by name
    sorted_view = view_columns(_missing_first_key(made, resources), resources)
    with pytest.MonkeyPatch.context() as patch:  # the same tables, sorted whatever their order
        patch.setattr("mmdata.publish.columns._ascending", lambda keys: False)
        assert view_columns(backwards, resources) is not None and all(a.equals(b) for a, b in zip(view_columns(backwards, resources), expected, strict=True))
        always_sorted = view_columns(_missing_first_key(made, resources), resources)
    assert sorted_view is not None and always_sorted is not None
    assert all(a.equals(b) for a, b in zip(sorted_view, always_sorted, strict=True))  # a missing key: sorted, to the end of its table
    one_outcome = view_columns(dict(made, outcomes=[column.slice(0, 1) for column in made["outcomes"]]), resources)
    assert one_outcome is not None  # fewer outcomes than adverse events: each row still named by its own table
    assert one_outcome[names.index(findings.KIND)].to_pylist() == ["adverse_events"] * len(made["adverse_events"][0]) + ["outcomes"]


def _missing_first_key(made: dict[str, list[Any]], resources: dict[str, Any]) -> dict[str, list[Any]]:
    """made with the first outcome's key missing (as no valid package has it: the view is made without validation too)."""
    position = resources["outcomes"].field_names.index("outcome_id")
    key = made["outcomes"][position]
    missing = pa.concat_arrays([pa.nulls(1, key.type), key.slice(1)])
    return dict(made, outcomes=[missing if i == position else column for i, column in enumerate(made["outcomes"])])


@pytest.mark.parametrize(("keys", "ascending"), [([], True), (["a"], True), (["a", "a", "b"], True), (["b", "a"], False),
                                                 (["a", None], False), ([None], False), (["B", "a", "é"], True), (["é", "z"], False)])
def test_a_key_column_is_ascending_as_the_sort_orders_it_issue_22(keys: list[Any], ascending: bool) -> None:
    from mmdata.publish.columns import _ascending

    assert _ascending(pa.array(keys, pa.string())) is ascending


def _write(path: Any, rows: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_missing_join_value_joins_no_row_whose_unique_key_is_missing_too_issue_22(package: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQL's = never holds for NULL: a finding with no comparator arm joins no arm, even when an arm has no arm_id (a
    # unique field, not its key, may be missing in many rows). A second reviewer found the made view joining them (#22).
    import json

    schema = json.loads((package / "schemas/arms.schema.json").read_text())
    schema["primaryKey"] = ["study_id", "name"]
    next(f for f in schema["fields"] if f["name"] == "arm_id")["constraints"]["required"] = False
    (package / "schemas/arms.schema.json").write_text(json.dumps(schema))
    header, rows = read_rows(package / "data/arms.csv")
    _write(package / "data/arms.csv", [header, *rows, ["", *rows[0][1:2], "An arm with no arm_id", *rows[0][3:]]])
    made, made_view = export_module._files(mmdata.open_package(package), ("parquet", "csv"), True)  # unvalidated, as a release's rebuild
    monkeypatch.setattr(export_module, "_made", lambda *args: {})
    back, back_view = export_module._files(mmdata.open_package(package), ("parquet", "csv"), True)
    assert made_view.equals(back_view) and [k for k in made if made[k] != back[k]] == []
    assert "An arm with no arm_id" not in made_view.column("comparator_arm_name").to_pylist()


def test_a_qualifier_that_is_not_text_is_read_back_issue_22() -> None:
    # value_hedge is SQL's IN of the qualifier among the hedges' texts: of numbers, SQLite's comparison decides.
    pkg = mmdata.open_package(ROOT)
    tables, resources = typed_tables(pkg), pkg.resources
    numbers = {t: _replaced(resources[t], "qualifier", type="integer", constraints=dataclasses.replace(resources[t].field("qualifier").constraints, enum=None))
               for t in ("outcomes", "adverse_events")}
    made = {name: table_columns(tables[name], resource) for name, resource in resources.items()}
    made.update({t: [pa.array(np.zeros(len(c), np.int64)) if f.name == "qualifier" else c
                     for f, c in zip(resources[t].fields, made[t], strict=True)] for t in numbers})
    assert view_columns(made, dict(resources, **numbers)) is None


def test_a_value_outside_the_allowed_values_stops_the_made_column_as_the_read_back_one_issue_22() -> None:
    # Validation and the database's CHECK refuse such a value first; were one to reach the columns, both ways name it.
    from mmdata.publish.export import ExportError

    field = {"name": "v", "type": "string", "constraints": {"enum": ["a", "b"]}}
    resource = resource_of({"fields": [field]}, "t")
    message = "t.v holds a value outside its allowed values; run `mmdata validate`"
    with pytest.raises(ExportError) as made:
        _column(pd.Series(["a", "c"], dtype=object), resource.fields[0], "t")
    with pytest.raises(ExportError) as back:
        export_module.arrow_arrays([("a", "c")], resource)
    assert str(made.value) == str(back.value) == message


@pytest.mark.parametrize(("order", "identity"), [([], True), ([0], True), ([0, 1, 2], True), ([1, 0, 2], False), ([0, 2, 1], False)])
def test_a_table_already_in_key_order_is_taken_as_it_is_issue_22(order: list[int], identity: bool) -> None:
    from mmdata.publish.columns import _identity

    assert _identity(pa.array(order, pa.uint64())) is identity


@pytest.mark.parametrize("change", ["reversed", "one more", "one more first"])
def test_a_column_whose_finding_tables_allow_other_values_is_the_databases_issue_22(change: str) -> None:
    # A view column of allowed values stacks each finding table's indices only where they index the view's own
    # values; where one table allows other values, or the same in another order, its values are encoded again.
    pkg = mmdata.open_package(ROOT)
    tables, resources = typed_tables(pkg), pkg.resources
    tables_of = [t for t, _ in findings.parts(resources)]
    name = next(f.name for f in resources[tables_of[0]].fields if f.enum and all(
        (g := resources[t].field(f.name)) is not None and g.enum == f.enum for t in tables_of))
    field = resources[tables_of[-1]].field(name)
    enum = {"reversed": list(field.enum)[::-1], "one more": [*field.enum, "another value"], "one more first": ["another value", *field.enum]}[change]
    other = _replaced(resources[tables_of[-1]], name, constraints=dataclasses.replace(field.constraints, enum=tuple(enum)))
    changed = dict(resources, **{tables_of[-1]: other})
    made = {t: table_columns(tables[t], resource) for t, resource in changed.items()}
    view = view_columns(made, changed)
    conn = database(tables, changed)
    try:
        back = read_back(conn, findings.NAME, described(changed)[findings.NAME])
    finally:
        conn.close()
    names = findings.findings_resource(changed).field_names
    assert view is not None and view[names.index(name)].type == back[names.index(name)].type
    assert view[names.index(name)].equals(back[names.index(name)])
    assert all(a.equals(b) for a, b in zip(view, back, strict=True))


def test_values_encoded_already_are_encoded_again_only_against_other_allowed_values_issue_22() -> None:
    field = resource_of({"fields": [{"name": "v", "type": "string", "constraints": {"enum": ["a", "b"]}}]}, "t").fields[0]
    mine = pa.DictionaryArray.from_arrays(pa.array([1, None, 0], pa.int32()), pa.array(["a", "b"]))
    assert encoded(mine, field, "t") is mine
    for other in (pa.DictionaryArray.from_arrays(pa.array([0, None, 1], pa.int32()), pa.array(["b", "a"])),
                  pa.DictionaryArray.from_arrays(pa.array([1, None, 0], pa.int8()), pa.array(["a", "b"]))):
        again = encoded(other, field, "t")
        assert again.type == mine.type and again.equals(mine)

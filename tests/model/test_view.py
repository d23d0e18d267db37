"""What validation checks of the tables so that the findings view can be made (model/view.py, #22): a package that
validates is one the exports and the site can make their view of."""

from __future__ import annotations

import dataclasses

import pytest

import mmdata
from mmdata.model.schema import MAX_COLUMNS, Field, Resource
from mmdata.model.view import view_problems
from mmdata.publish.findings import findings_resource

from ..conftest import ROOT

RESOURCES = mmdata.open_package(ROOT).resources


def without(resource: Resource, name: str) -> Resource:
    return dataclasses.replace(resource, fields=tuple(f for f in resource.fields if f.name != name))


def renamed(resource: Resource, name: str, to: str) -> Resource:
    return dataclasses.replace(resource, fields=tuple(dataclasses.replace(f, name=to) if f.name == name else f for f in resource.fields))


def test_the_shipped_tables_make_the_view() -> None:
    assert view_problems(RESOURCES) == []


@pytest.mark.parametrize(("name", "what"), [
    ("finding_table", "the table each finding comes from"),
    ("finding_id", "each finding's key"),
    ("value_hedge", "the hedge on value, from qualifier"),
    ("study_name", "studies.name of the row study_id names"),
    ("comparator_arm_role", "arms.role of the row comparator_arm_id names"),
    ("source_title", "sources.title of the row source_id names"),
    ("study_warnings", "studies.warnings of the row study_id names"),  # optional, and the studies have it
])
def test_a_finding_column_named_like_one_the_view_makes_is_named(name: str, what: str) -> None:
    resources = dict(RESOURCES, adverse_events=renamed(RESOURCES["adverse_events"], "population", name))
    assert view_problems(resources) == [("adverse_events", name, f"the findings view makes a column of this name ({what}); rename the column")]


def test_an_optional_joined_column_the_joined_table_lacks_is_neither_missing_nor_made() -> None:
    # studies.warnings came with #20: a package from before it has none, and the view then has no study_warnings.
    studies = without(RESOURCES["studies"], "warnings")
    resources = dict(RESOURCES, studies=studies, adverse_events=renamed(RESOURCES["adverse_events"], "population", "study_warnings"))
    assert view_problems(resources) == []


def test_a_column_of_two_finding_tables_with_two_types_is_named_at_the_later_table() -> None:
    events = dataclasses.replace(RESOURCES["adverse_events"], fields=tuple(
        dataclasses.replace(f, type="string") if f.name == "time_value" else f for f in RESOURCES["adverse_events"].fields))
    assert view_problems(dict(RESOURCES, adverse_events=events)) == [
        ("adverse_events", "time_value", "a string here and a number in outcomes: the findings view stacks the finding tables' "
                                         "columns, one type each; give both one type, or rename one")]


def with_unit(resource: Resource, name: str, unit: str | None) -> Resource:
    return dataclasses.replace(resource, fields=tuple(dataclasses.replace(f, unit=unit) if f.name == name else f for f in resource.fields))


@pytest.mark.parametrize(("outcomes", "events", "said"), [
    (None, "years", 'the unit "years" here and no unit in outcomes'),
    ("months", None, 'no unit here and the unit "months" in outcomes'),
    ("months", "years", 'the unit "years" here and the unit "months" in outcomes'),
    ("months", "months", None),  # one unit: the view's column has it
])
def test_a_column_of_two_finding_tables_with_two_units_is_named_at_the_later_table(outcomes: str | None, events: str | None,
                                                                                  said: str | None) -> None:
    # The view's column has one unit (in its schema, its Parquet file's metadata and the data dictionary): the first
    # table's, which would be the wrong one for the other table's rows.
    resources = dict(RESOURCES, outcomes=with_unit(RESOURCES["outcomes"], "time_value", outcomes),
                     adverse_events=with_unit(RESOURCES["adverse_events"], "time_value", events))
    expected = [] if said is None else [("adverse_events", "time_value", f"{said}: the findings view stacks the finding tables' "
                                                                          "columns, one unit each; give both one unit, or rename one")]
    assert view_problems(resources) == expected
    if said is None:
        assert next(f for f in findings_resource(resources).fields if f.name == "time_value").unit == "months"


def test_a_column_the_view_takes_is_missing_once_where_it_is_declared() -> None:
    resources = dict(RESOURCES, arms=without(RESOURCES["arms"], "role"), sources=without(RESOURCES["sources"], "source_id"))
    assert view_problems(resources) == [
        ("arms", "role", "missing: the findings view takes arms.role into each finding's row; declare it"),  # joined twice, said once
        ("sources", "source_id", "missing: the findings view takes sources.source_id into each finding's row; declare it")]


def test_a_finding_table_without_a_column_that_names_its_joined_row_is_named() -> None:
    # A third finding table: the rules name outcomes' and adverse events' fields, the view every finding table's.
    quality = dataclasses.replace(without(RESOURCES["outcomes"], "comparator_arm_id"), name="quality")
    assert view_problems(dict(RESOURCES, quality=quality)) == [
        ("quality", "comparator_arm_id", "missing: the findings view joins each finding to arms by it; declare it")]


def test_a_joined_table_that_is_not_there_is_left_to_its_own_problem() -> None:
    resources = {name: r for name, r in RESOURCES.items() if name != "sources"}
    assert view_problems(resources) == []
    assert view_problems({"outcomes": Resource("outcomes", "", (Field("outcome_id"),), ("outcome_id",), role="finding")}) == [
        ("outcomes", column, f"missing: the findings view joins each finding to {table} by it; declare it")
        for column, table in (("study_id", "studies"), ("arm_id", "arms"), ("comparator_arm_id", "arms"), ("source_id", "sources"))]


def test_a_finding_tables_key_is_not_one_of_its_columns_in_the_view() -> None:
    # The view holds each finding's key in finding_id, not in a column of its own name: a key called finding_id, or
    # two keys of one name and two types, make nothing clash.
    events = RESOURCES["adverse_events"]
    keyed = dataclasses.replace(renamed(events, "adverse_event_id", "finding_id"), primary_key=("finding_id",))
    assert view_problems(dict(RESOURCES, adverse_events=keyed)) == []
    typed = dataclasses.replace(renamed(events, "adverse_event_id", "outcome_id"), primary_key=("outcome_id",))
    typed = dataclasses.replace(typed, fields=tuple(dataclasses.replace(f, type="integer") if f.name == "outcome_id" else f for f in typed.fields))
    assert view_problems(dict(RESOURCES, adverse_events=typed)) == []


def test_a_finding_tables_key_named_like_another_finding_tables_column_is_named() -> None:
    # The view stacks columns by name: the other table's column would hold this table's keys (a second review found an
    # internal error of the export when the two types differed).
    events = RESOURCES["adverse_events"]
    keyed = dataclasses.replace(renamed(events, "adverse_event_id", "p_value"), primary_key=("p_value",))
    assert ("adverse_events", "p_value", "the key of this table, and a column of outcomes: the findings view would stack the keys "
            "into that column; rename one") in view_problems(dict(RESOURCES, adverse_events=keyed))


@pytest.mark.parametrize(("name", "where", "words"), [
    ("Study_Name", ("outcomes", "Study_Name"),
     "the findings view makes a column of the name study_name (studies.name of the row study_id names); rename the column"),
    ("Finding_ID", ("outcomes", "Finding_ID"), "the findings view makes a column of the name finding_id (each finding's key); rename the column"),
    ("EVENT", ("adverse_events", "event"),  # said at the later table, as a type that differs is
     "differs only in case from EVENT of another finding table, and the findings view stacks both, in SQLite, which does not tell "
     "them apart; rename one"),
])
def test_a_finding_column_named_like_another_but_for_case_is_named(name: str, where: tuple[str, str], words: str) -> None:
    # SQLite names a view's columns without regard to case: "Study_Name" became "Study_Name:1" (a second review found it).
    outcomes = dataclasses.replace(RESOURCES["outcomes"], fields=(*RESOURCES["outcomes"].fields, Field(name)))
    assert view_problems(dict(RESOURCES, outcomes=outcomes)) == [(*where, words)]


@pytest.mark.parametrize(("extra", "wide"), [(0, False), (1, True)])
def test_a_findings_view_wider_than_sqlite_holds_is_named(extra: int, wide: bool) -> None:
    # Each table may hold 2,000 columns; the view holds the finding tables' columns together, the joined ones and its own.
    shipped = len(findings_resource(RESOURCES).fields)
    outcomes = RESOURCES["outcomes"]
    padded = dataclasses.replace(outcomes, fields=(*outcomes.fields, *(Field(f"x{n}") for n in range(MAX_COLUMNS - shipped + extra))))
    resources = dict(RESOURCES, outcomes=padded)
    assert len(findings_resource(resources).fields) == MAX_COLUMNS + extra
    assert view_problems(resources) == ([("outcomes", None, f"the findings view of the finding tables would hold {MAX_COLUMNS + 1:,} "
                                                            f"columns, more than the {MAX_COLUMNS:,} SQLite holds; give the finding "
                                                            "tables fewer columns between them")] if wide else [])

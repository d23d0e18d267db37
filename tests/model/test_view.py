"""What validation checks of the tables so that the findings view can be made (model/view.py, #22): a package that
validates is one the exports and the site can make their view of."""

from __future__ import annotations

import dataclasses

import pytest

import mmdata
from mmdata.model.schema import Field, Resource
from mmdata.model.view import view_problems

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

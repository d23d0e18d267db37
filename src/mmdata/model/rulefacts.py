"""The facts mmdata's rules rest on, read from the Table Schemas (one source of truth, #12).

Custom field properties (the Table Schema standard allows them; frictionless accepts them):

- ``"mmdata:inQuote": true`` on a number field: its value must occur in the row's quote;
- ``"mmdata:unitsOfStatistic"`` on a ``unit`` field: the units each statistic may carry (a
  statistic not listed carries any unit or none);
- ``"mmdata:upperBound"`` on a ``size_qualifier`` field: the qualifiers under which a size is an
  upper bound on the true number (exact sizes are too);
- ``"mmdata:folder"`` on ``seed_file``: the folder that holds the seed documents;
- ``"mmdata:date": true`` on a text field: a calendar date written YYYY, YYYY-MM or YYYY-MM-DD,
  whose month and day must exist (2021-02-30 and 2023-02-29 do not), checked with the cells' types.

The few allowed values that the rules' code names itself are declared with the codes of those
rules (errors.Code values), and rules.validate.RULE_VALUES collects them. Every value a fact or
a rule names must be one of its field's allowed values, else validation reports a schema-error:
renaming an allowed value can never silently switch a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Problem
from ..io.frames import Table
from ..io.snapshot import SCHEMA_ERROR

IN_QUOTE = "mmdata:inQuote"
UNITS = "mmdata:unitsOfStatistic"
UPPER_BOUND = "mmdata:upperBound"
FOLDER = "mmdata:folder"
DATE = "mmdata:date"
#: Where seeds are when the sources schema does not say.
DEFAULT_FOLDER = "seeds"
#: Allowed values named per table and field (rules.validate.RULE_VALUES).
RuleValues = Mapping[str, Mapping[str, tuple[str, ...]]]


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next((f for f in schema.get("fields", []) if isinstance(f, dict) and f.get("name") == name), {})


def in_quote_columns(schema: dict[str, Any]) -> tuple[str, ...]:
    """The number fields whose values must occur in the row's quote."""
    return tuple(f["name"] for f in schema.get("fields", []) if isinstance(f, dict) and f.get(IN_QUOTE) is True)


def date_columns(schema: dict[str, Any]) -> tuple[str, ...]:
    """The text fields that hold calendar dates."""
    return tuple(f["name"] for f in schema.get("fields", []) if isinstance(f, dict) and f.get(DATE) is True)


def units_of_statistic(schema: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """The units each statistic may carry."""
    return {stat: tuple(units) for stat, units in _field(schema, "unit").get(UNITS, {}).items()}


def upper_bound_qualifiers(schema: dict[str, Any]) -> tuple[str, ...]:
    """The size qualifiers under which a size bounds the true number from above."""
    return tuple(_field(schema, "size_qualifier").get(UPPER_BOUND, ()))


def seed_folder(schema: dict[str, Any]) -> str:
    """The folder of the seed documents, relative to the package."""
    return str(_field(schema, "seed_file").get(FOLDER, DEFAULT_FOLDER))


def named_values(table: str, schema: dict[str, Any], rule_values: RuleValues) -> dict[str, set[str]]:
    """Every allowed value the rules name for a table, per field: the rules' own (rule_values) and the schema's facts."""
    named: dict[str, set[str]] = {field: set(values) for field, values in rule_values.get(table, {}).items()}
    units = units_of_statistic(schema)
    if units:
        named.setdefault("statistic", set()).update(units)
        named.setdefault("unit", set()).update(u for us in units.values() for u in us)
    if upper_bound_qualifiers(schema):
        named.setdefault("size_qualifier", set()).update(upper_bound_qualifiers(schema))
    return named


def fact_problems(tables: dict[str, Table], rule_values: RuleValues) -> list[Problem]:
    """A schema-error for every value a rule names (rule_values, or a fact of the schema) that its field does not allow."""
    problems = []
    for name, table in tables.items():
        for field, values in named_values(name, table.schema, rule_values).items():
            enum = _field(table.schema, field).get("constraints", {}).get("enum")
            if enum is None:
                continue  # a field without allowed values takes any value the rules name
            for value in sorted(values - set(map(str, enum))):
                problems.append(Problem(table.path, None, field, SCHEMA_ERROR,
                                        f"mmdata's rules name '{value}', which is not an allowed value of {name}.{field}; "
                                        "rename it in the schema's mmdata: properties too, or restore the value"))
    return problems

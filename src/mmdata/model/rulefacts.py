"""The facts mmdata's rules rest on, read from the Table Schemas (one source of truth, #12).

Custom field properties (the Table Schema standard allows them; frictionless accepts them):

- ``"mmdata:inQuote": true`` on a number field: its value must occur in the row's quote;
- ``"mmdata:unitsOfStatistic"`` on a ``unit`` field: the units each statistic may carry (a
  statistic not listed carries any unit or none);
- ``"mmdata:upperBound"`` on a ``size_qualifier`` field: the qualifiers under which a size is an
  upper bound on the true number (exact sizes are too);
- ``"mmdata:folder"`` on ``seed_file``: the folder that holds the seed documents;
- ``"mmdata:date": true`` on a text field: a calendar date written YYYY, YYYY-MM or YYYY-MM-DD,
  whose month and day must exist (2021-02-30 and 2023-02-29 do not), checked with the cells' types;
- ``"mmdata:role"`` on a schema: what its table's rows are, one of source, study, arm and finding
  (the cross-field rules of results and the findings view take the finding tables);
- ``"mmdata:keyParts"`` on a schema: the columns of which `mmdata add-row` makes a new row's key.

schema.py reads them into each Field and Resource (field.in_quote, resource.role...); this module
says what the rules make of them.

The few allowed values that the rules' code names itself are listed in RULE_VALUES. Every value a
fact or RULE_VALUES names must be one of its field's allowed values, else validation reports a
schema-error: renaming an allowed value can never silently switch a rule off.
"""

from __future__ import annotations

from ..errors import Problem
from .schema import DATE, DEFAULT_FOLDER, FOLDER, IN_QUOTE, KEY_PARTS, ROLE, UNITS, UPPER_BOUND, Resource, Table

#: Every mmdata: property a schema may hold (a misspelt one would be ignored: a test checks the schemas hold no other).
PROPERTIES = (IN_QUOTE, UNITS, UPPER_BOUND, FOLDER, DATE, ROLE, KEY_PARTS)
#: Allowed values the rules' code names literally, per table and field.
RULE_VALUES = {
    "outcomes": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
    "adverse_events": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
    "studies": {"design": ("meta-analysis",)},
}


def in_quote_columns(resource: Resource) -> tuple[str, ...]:
    """The number fields whose values must occur in the row's quote."""
    return tuple(f.name for f in resource.fields if f.in_quote)


def date_columns(resource: Resource) -> tuple[str, ...]:
    """The text fields that hold calendar dates."""
    return tuple(f.name for f in resource.fields if f.date)


def units_of_statistic(resource: Resource) -> dict[str, tuple[str, ...]]:
    """The units each statistic may carry."""
    return dict(resource.fact("unit").units_of_statistic)


def upper_bound_qualifiers(resource: Resource) -> tuple[str, ...]:
    """The size qualifiers under which a size bounds the true number from above."""
    return resource.fact("size_qualifier").upper_bound


def seed_folder(sources: Resource | None) -> str:
    """The folder of the seed documents, relative to the package (the default when the sources table cannot be read)."""
    folder = sources.fact("seed_file").folder if sources is not None else None
    return DEFAULT_FOLDER if folder is None else folder


def named_values(table: str, resource: Resource) -> dict[str, set[str]]:
    """Every allowed value the rules name for a table, per field: RULE_VALUES and the schema's facts."""
    named: dict[str, set[str]] = {field: set(values) for field, values in RULE_VALUES.get(table, {}).items()}
    units = units_of_statistic(resource)
    if units:
        named.setdefault("statistic", set()).update(units)
        named.setdefault("unit", set()).update(u for us in units.values() for u in us)
    if upper_bound_qualifiers(resource):
        named.setdefault("size_qualifier", set()).update(upper_bound_qualifiers(resource))
    return named


def fact_problems(tables: dict[str, Table]) -> list[Problem]:
    """A schema-error for every value a rule names that its field does not allow."""
    problems = []
    for name, table in tables.items():
        for field, values in named_values(name, table.resource).items():
            enum = table.resource.fact(field).enum
            if enum is None:
                continue  # a field without allowed values takes any value the rules name
            for value in sorted(values - set(map(str, enum))):
                problems.append(Problem(table.path, None, field, "schema-error",
                                        f"mmdata's rules name '{value}', which is not an allowed value of {name}.{field}; "
                                        "rename it in the schema's mmdata: properties too, or restore the value"))
    return problems

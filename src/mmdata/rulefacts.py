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

The curation rules (mmdata.curation, #21) rest on these:

- ``"mmdata:retired"`` on a table's key field: the keys retired from it, each
  ``{"key": ..., "replacedBy": [...], "why": ...}``; no row may have one (retired-key);
- ``"mmdata:directionWords"`` on a ``direction`` field: for each direction, the words one of which a
  comparison row's quote must hold (direction-not-in-quote); ``"mmdata:directionOfValue"`` on the
  same field: the statistics whose value itself states the direction (a hazard ratio), so that such
  a row with a value needs no word;
- ``"mmdata:comparingWords"`` on a ``comparator_arm_id`` field: the words with which the quote of a
  row about one arm sets it against another, so that the comparison needs its own row
  (comparison-missing);
- ``"mmdata:confirmedIn"`` and ``"mmdata:confirmedAs"`` on an identifier field (``pmid``, ``doi``...):
  the file of reference facts, and how it marks a value confirmed (``"PMID {} **confirmed**"``, the
  value in place of ``{}``); a value must be so marked there or stated in the row's seed
  (identifier-unconfirmed);
- ``"mmdata:figuresConfirmedIn"`` on a ``caveat`` field: the file of reference facts; a number the
  caveat holds that its seed's findings do not must occur there (figure-unconfirmed), and the caveat
  must name the publication (figure-uncited).

Files named by these properties are read through the package's snapshot, like every package file.

The few allowed values that the rules' code names itself are listed in RULE_VALUES. Every value a
fact or RULE_VALUES names must be one of its field's allowed values, else validation reports a
schema-error: renaming an allowed value can never silently switch a rule off.
"""

from __future__ import annotations

from typing import Any

from .errors import Problem
from .frames import Table

IN_QUOTE = "mmdata:inQuote"
UNITS = "mmdata:unitsOfStatistic"
UPPER_BOUND = "mmdata:upperBound"
FOLDER = "mmdata:folder"
DATE = "mmdata:date"
RETIRED = "mmdata:retired"
DIRECTION_WORDS = "mmdata:directionWords"
DIRECTION_OF_VALUE = "mmdata:directionOfValue"
COMPARING_WORDS = "mmdata:comparingWords"
CONFIRMED_IN = "mmdata:confirmedIn"
CONFIRMED_AS = "mmdata:confirmedAs"
FIGURES_CONFIRMED_IN = "mmdata:figuresConfirmedIn"
#: Where seeds are when the sources schema does not say.
DEFAULT_FOLDER = "seeds"
#: Allowed values the rules' code names literally, per table and field.
RULE_VALUES = {
    "outcomes": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
    "adverse_events": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
    "studies": {"design": ("meta-analysis",)},
}


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


def retired_keys(schema: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The keys retired from a table, as declared on its key field (entries that are not objects are left out)."""
    return [entry for entry in _field(schema, key).get(RETIRED, []) if isinstance(entry, dict)]


def direction_words(schema: dict[str, Any]) -> dict[str, tuple[str, ...]] | None:
    """The words that state each direction; None when the table declares none (the rule is then off)."""
    words = _field(schema, "direction").get(DIRECTION_WORDS)
    return None if not isinstance(words, dict) else {str(d): tuple(map(str, w)) for d, w in words.items()}


def direction_of_value(schema: dict[str, Any]) -> tuple[str, ...]:
    """The statistics whose value states the direction of a comparison by itself."""
    return tuple(map(str, _field(schema, "direction").get(DIRECTION_OF_VALUE, ())))


def comparing_words(schema: dict[str, Any]) -> tuple[str, ...]:
    """The words with which a quote about one arm sets it against another."""
    return tuple(map(str, _field(schema, "comparator_arm_id").get(COMPARING_WORDS, ())))


def confirmed_identifiers(schema: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Per identifier field: the file of reference facts and how it marks a value confirmed."""
    return {f["name"]: (str(f[CONFIRMED_IN]), str(f.get(CONFIRMED_AS, "{} **confirmed**"))) for f in schema.get("fields", [])
            if isinstance(f, dict) and CONFIRMED_IN in f}


def figures_confirmed_in(schema: dict[str, Any]) -> dict[str, str]:
    """Per free-text field whose figures need confirming (caveat): the file of reference facts."""
    return {f["name"]: str(f[FIGURES_CONFIRMED_IN]) for f in schema.get("fields", []) if isinstance(f, dict) and FIGURES_CONFIRMED_IN in f}


def named_values(table: str, schema: dict[str, Any]) -> dict[str, set[str]]:
    """Every allowed value the rules name for a table, per field: RULE_VALUES and the schema's facts."""
    named: dict[str, set[str]] = {field: set(values) for field, values in RULE_VALUES.get(table, {}).items()}
    units = units_of_statistic(schema)
    if units:
        named.setdefault("statistic", set()).update(units)
        named.setdefault("unit", set()).update(u for us in units.values() for u in us)
    if upper_bound_qualifiers(schema):
        named.setdefault("size_qualifier", set()).update(upper_bound_qualifiers(schema))
    if direction_words(schema):
        named.setdefault("direction", set()).update(direction_words(schema) or {})
    if direction_of_value(schema):
        named.setdefault("statistic", set()).update(direction_of_value(schema))
    return named


def fact_problems(tables: dict[str, Table]) -> list[Problem]:
    """A schema-error for every value a rule names that its field does not allow."""
    problems = []
    for name, table in tables.items():
        for field, values in named_values(name, table.schema).items():
            enum = _field(table.schema, field).get("constraints", {}).get("enum")
            if enum is None:
                continue  # a field without allowed values takes any value the rules name
            for value in sorted(values - set(map(str, enum))):
                problems.append(Problem(table.path, None, field, "schema-error",
                                        f"mmdata's rules name '{value}', which is not an allowed value of {name}.{field}; "
                                        "rename it in the schema's mmdata: properties too, or restore the value"))
    return problems

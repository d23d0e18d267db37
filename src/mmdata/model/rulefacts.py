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
  (the cross-field rules of results and the findings view take the finding tables, each keyed by one
  column); a role that is none of these, a finding table keyed otherwise, and a package with no
  finding table are schema-errors (schema.role_problem, #22);
- ``"mmdata:keyParts"`` on a schema: the columns of which `mmdata add-row` makes a new row's key;
- ``"mmdata:warnings": true`` on a text field: its cells hold standard warnings, codes of the
  vocabulary that datapackage.json declares under the same name (a list of objects with a
  ``name`` and a ``description``), separated by one space, each once, in alphabetical order (#20).

The curation rules (rules/curation.py, #21) rest on these:

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

schema.py reads them into each Field and Resource (field.in_quote, resource.role...); this module
says what the rules make of them.

The few allowed values that the rules' code names itself are declared with the codes of those
rules (errors.Code values), and rules.validate.RULE_VALUES collects them. Every value a fact or
a rule names must be one of its field's allowed values, else validation reports a schema-error:
renaming an allowed value can never silently switch a rule off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .schema import (
    COMPARING_WORDS,
    CONFIRMED_AS,
    CONFIRMED_IN,
    DATE,
    DIRECTION_OF_VALUE,
    DIRECTION_WORDS,
    FIGURES_CONFIRMED_IN,
    FOLDER,
    IN_QUOTE,
    KEY_PARTS,
    RETIRED,
    ROLE,
    UNITS,
    UPPER_BOUND,
    WARNINGS,
    Resource,
)

#: Every mmdata: property a schema may hold (a misspelt one would be ignored: a test checks the schemas hold no other).
PROPERTIES = (IN_QUOTE, UNITS, UPPER_BOUND, FOLDER, DATE, ROLE, KEY_PARTS, RETIRED, DIRECTION_WORDS, DIRECTION_OF_VALUE,
              COMPARING_WORDS, CONFIRMED_IN, CONFIRMED_AS, FIGURES_CONFIRMED_IN, WARNINGS)
#: Allowed values named per table and field (rules.validate.RULE_VALUES).
RuleValues = Mapping[str, Mapping[str, tuple[str, ...]]]

#: The allowed values mmdata's code names literally: the rules (whose codes declare the ones each names,
#: errors.Code values) and the published outputs (OUTPUT_VALUES) take them from here, never as strings of their own.
NOT_REACHED, QUALITATIVE, META_ANALYSIS = "not-reached", "qualitative", "meta-analysis"
MEDIAN, PERCENTAGE = "median", "percentage"
MONTHS, YEARS, PERCENT, RATIO = "months", "years", "percent", "ratio"
EXPERIMENTAL, CONTROL = "experimental", "control"
#: The qualifiers that hedge a number ("about 1,200"), as the plot and the site word them.
HEDGES = {"about": "about", "almost": "almost", "more-than": "more than"}
#: The allowed values the plot (its panels, arm roles and hedges) and the site's result texts name, per
#: table and field. rules.validate.RULE_VALUES includes them, so that a schema renaming one is a
#: schema-error, not a plot that silently loses a panel (#21).
OUTPUT_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "outcomes": {"statistic": (MEDIAN, PERCENTAGE), "unit": (MONTHS, YEARS, PERCENT, RATIO), "qualifier": (NOT_REACHED, *HEDGES)},
    "adverse_events": {"statistic": (PERCENTAGE,), "unit": (PERCENT,), "qualifier": (NOT_REACHED, *HEDGES)},
    "arms": {"role": (EXPERIMENTAL, CONTROL)},
}


def in_quote_columns(resource: Resource) -> tuple[str, ...]:
    """The number fields whose values must occur in the row's quote."""
    return tuple(f.name for f in resource.fields if f.in_quote)


def warning_columns(resource: Resource) -> tuple[str, ...]:
    """The text fields that hold standard warnings."""
    return tuple(f.name for f in resource.fields if f.warnings)


def date_columns(resource: Resource) -> tuple[str, ...]:
    """The text fields that hold calendar dates."""
    return tuple(f.name for f in resource.fields if f.date)


def units_of_statistic(resource: Resource) -> dict[str, tuple[str, ...]]:
    """The units each statistic may carry."""
    return dict(resource.fact("unit").units_of_statistic)


def upper_bound_qualifiers(resource: Resource) -> tuple[str, ...]:
    """The size qualifiers under which a size bounds the true number from above."""
    return resource.fact("size_qualifier").upper_bound


def retired_keys(resource: Resource, key: str) -> tuple[Mapping[str, Any], ...]:
    """The keys retired from a table, as declared on its key field."""
    return resource.fact(key).retired


def direction_words(resource: Resource) -> Mapping[str, tuple[str, ...]] | None:
    """The words that state each direction; None when the table declares none (the rule is then off)."""
    return resource.fact("direction").direction_words


def direction_of_value(resource: Resource) -> tuple[str, ...]:
    """The statistics whose value states the direction of a comparison by itself."""
    return resource.fact("direction").direction_of_value


def comparing_words(resource: Resource) -> tuple[str, ...]:
    """The words with which a quote about one arm sets it against another."""
    return resource.fact("comparator_arm_id").comparing_words


def confirmed_identifiers(resource: Resource) -> dict[str, tuple[str, str]]:
    """Per identifier field: the file of reference facts and how it marks a value confirmed."""
    return {f.name: (f.confirmed_in, f.confirmed_as) for f in resource.fields if f.confirmed_in is not None}


def figures_confirmed_in(resource: Resource) -> dict[str, str]:
    """Per free-text field whose figures need confirming (caveat): the file of reference facts."""
    return {f.name: f.figures_confirmed_in for f in resource.fields if f.figures_confirmed_in is not None}


def reference_files(resources: Iterable[Resource]) -> list[str]:
    """The files besides the tables and seeds that the rules read: the reference facts the schemas name."""
    named: set[str] = set()
    for resource in resources:
        named |= {rel for rel, _ in confirmed_identifiers(resource).values()} | set(figures_confirmed_in(resource).values())
    return sorted(named)


def named_values(table: str, resource: Resource, rule_values: RuleValues) -> dict[str, set[str]]:
    """Every allowed value the rules name for a table, per field: the rules' own (rule_values) and the schema's facts."""
    named: dict[str, set[str]] = {field: set(values) for field, values in rule_values.get(table, {}).items()}
    units = units_of_statistic(resource)
    if units:
        named.setdefault("statistic", set()).update(units)
        named.setdefault("unit", set()).update(u for us in units.values() for u in us)
    if upper_bound_qualifiers(resource):
        named.setdefault("size_qualifier", set()).update(upper_bound_qualifiers(resource))
    if direction_words(resource):
        named.setdefault("direction", set()).update(direction_words(resource) or {})
    if direction_of_value(resource):
        named.setdefault("statistic", set()).update(direction_of_value(resource))
    return named

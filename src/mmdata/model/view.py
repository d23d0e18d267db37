"""The shape of the findings view (publish/findings.py makes its schema and SQL from it): the finding tables it stacks,
the tables it joins to each and the columns it takes from them, and its derived columns; and what validation checks of
the tables so that the view can be made (view_problems, #22): validation must not pass a package whose export then
fails. Standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .schema import FINDING, MAX_COLUMNS, Field, Resource, a_type


@dataclass(frozen=True)
class Join:
    alias: str  # prefix of the joined columns, and the SQL alias of the joined table
    table: str  # the table joined
    local: str  # the finding's column that holds the key
    key: str  # the joined table's key


#: The role of the tables the view stacks (schema.ROLES).
ROLE = FINDING
JOINS = (
    Join("study", "studies", "study_id", "study_id"),
    Join("arm", "arms", "arm_id", "arm_id"),
    Join("comparator_arm", "arms", "comparator_arm_id", "arm_id"),
    Join("source", "sources", "source_id", "source_id"),
)
#: (alias, field) of each joined column; each lands right after its join's local column.
JOINED = (
    ("study", "name"), ("study", "design"), ("study", "pooled_in"), ("study", "size"), ("study", "size_qualifier"), ("study", "caveat"),
    ("study", "warnings"),
    ("arm", "name"), ("arm", "role"),
    ("comparator_arm", "name"), ("comparator_arm", "role"),
    ("source", "title"),
)
#: Joined columns taken only when the joined table has them: a package from before the column (#20) has none.
OPTIONAL = {("study", "warnings")}
#: The derived column: the hedge on value, right after the qualifier it is read from (#19).
HEDGE, QUALIFIER = "value_hedge", "qualifier"
KIND = "finding_table"
KEY = "finding_id"
PRIMARY_KEY = [KIND, KEY]


def joined(resources: dict[str, Resource]) -> list[tuple[str, str]]:
    """JOINED, less the optional columns that the joined table lacks."""
    tables = {j.alias: j.table for j in JOINS}
    return [(alias, field) for alias, field in JOINED
            if (alias, field) not in OPTIONAL or (tables[alias] in resources and resources[tables[alias]].field(field) is not None)]


def parts(resources: dict[str, Resource]) -> list[tuple[str, str]]:
    """The finding tables (role "finding"), in the order of the descriptor, with the column that holds each one's key."""
    return [(r.name, r.primary_key[0]) for r in resources.values() if r.role == ROLE and len(r.primary_key) == 1]


def one_row_each(resources: dict[str, Resource]) -> bool:
    """Whether the view has exactly one row per row of its finding tables: every join (JOINS) is on a key of the joined
    table (its primary key alone, or a unique field), so that a LEFT JOIN matches at most one row."""
    for j in JOINS:
        table = resources.get(j.table)
        field = table.field(j.key) if table is not None else None
        if table is not None and tuple(table.primary_key) != (j.key,) and not (field is not None and field.constraints.unique):
            return False
    return True


def own_columns(resources: dict[str, Resource]) -> list[str]:
    """The finding tables' columns but their keys, merged in order: a column of a later table
    goes right after the column that precedes it there (``event`` after ``population``)."""
    merged: list[str] = []
    for table, key in parts(resources):
        previous: str | None = None
        for name in resources[table].field_names:
            if name == key:
                continue
            if name not in merged:
                merged.insert(merged.index(previous) + 1 if previous is not None and previous in merged else len(merged), name)
            previous = name
    return merged


def view_problems(resources: dict[str, Resource]) -> list[tuple[str, str | None, str]]:
    """What keeps the findings view from being made of these tables (the usable ones), as (table, column, words): a column
    the view takes that a table lacks (a finding table's column that names a joined row; the joined table's key, or a
    column taken from it), a column of two finding tables with two types or two units (the view stacks them into one,
    of one type and one unit), a finding
    table's column named like one the view makes (its key columns, a joined column, the hedge) or like another finding
    table's but for case (SQLite tells no names apart by case), a finding table's key named like another finding table's
    column (the view would stack the keys into it), and a view of more columns than SQLite holds (column None). A joined
    table that is not there is reported as missing, not here."""
    problems: list[tuple[str, str | None, str]] = []
    stacked = parts(resources)
    for join in JOINS:
        taken = [join.key] + [f for alias, f in JOINED if alias == join.alias and (alias, f) not in OPTIONAL]
        if join.table in resources:  # (arms is joined twice: its columns are named once)
            problems += [(join.table, name, f"missing: the findings view takes {join.table}.{name} into each finding's row; declare it")
                         for name in taken if resources[join.table].field(name) is None and (join.table, name) not in {p[:2] for p in problems}]
        problems += [(table, join.local, f"missing: the findings view joins each finding to {join.table} by it; declare it")
                     for table, _ in stacked if resources[table].field(join.local) is None]
    firsts: dict[str, tuple[str, Field]] = {}  # column: the first finding table that has it, and its field there
    made = {KIND, KEY, HEDGE} | {f"{alias}_{field}" for alias, field in joined(resources)}
    named = {name.casefold(): name for name in made}  # SQLite tells no two names apart by case
    for table, key in stacked:
        for f in resources[table].fields:
            if f.name == key:
                continue
            there, first = firsts.setdefault(f.name, (table, f))
            if first.type != f.type:
                problems.append((table, f.name, f"{a_type(f.type)} here and {a_type(first.type)} in {there}: the findings view stacks the "
                                                "finding tables' columns, one type each; give both one type, or rename one"))
            if first.unit != f.unit:  # the view's column has one unit, told in its schema, Parquet file and dictionary
                problems.append((table, f.name, f"{_unit(f.unit)} here and {_unit(first.unit)} in {there}: the findings view stacks the "
                                                "finding tables' columns, one unit each; give both one unit, or rename one"))
            other = named.setdefault(f.name.casefold(), f.name)
            if other in made:
                problems.append((table, f.name, f"the findings view makes a column of {'this name' if other == f.name else 'the name ' + other} "
                                                f"({_made(other)}); rename the column"))
            elif other != f.name:
                problems.append((table, f.name, f"differs only in case from {other} of another finding table, and the findings view "
                                                "stacks both, in SQLite, which does not tell them apart; rename one"))
    for table, key in stacked:  # the view holds each key in finding_id: a column of another table by its name would hold them too
        for other_table, other_key in stacked:
            if other_table != table and key != other_key and resources[other_table].field(key) is not None:
                problems.append((table, key, f"the key of this table, and a column of {other_table}: the findings view would stack "
                                             "the keys into that column; rename one"))
                break
    width = 2 + len({name.casefold() for name in firsts}) + len(made) - 3 + (QUALIFIER in firsts)  # the keys, own and joined, the hedge
    if stacked and width > MAX_COLUMNS:
        problems.append((stacked[0][0], None, f"the findings view of the finding tables would hold {width:,} columns, more than the "
                                            f"{MAX_COLUMNS:,} SQLite holds; give the finding tables fewer columns between them"))
    return problems


def _unit(unit: str | None) -> str:
    """A field's unit, in words."""
    return "no unit" if unit is None else f"the unit {json.dumps(unit)}"


def _made(name: str) -> str:
    """What the view's column called name holds, in words."""
    if name == KIND:
        return "the table each finding comes from"
    if name == KEY:
        return "each finding's key"
    if name == HEDGE:
        return f"the hedge on value, from {QUALIFIER}"
    alias, field = next((a, f) for a, f in JOINED if f"{a}_{f}" == name)
    join = next(j for j in JOINS if j.alias == alias)
    return f"{join.table}.{field} of the row {join.local} names"


__all__ = ["HEDGE", "JOINED", "JOINS", "KEY", "KIND", "OPTIONAL", "PRIMARY_KEY", "QUALIFIER", "ROLE", "Join", "joined", "one_row_each",
           "own_columns", "parts", "view_problems"]

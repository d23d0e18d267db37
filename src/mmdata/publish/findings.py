"""The findings view: one row per outcome and adverse event, with its study, arms and source.

Its definition lives in model/view.py and only there: the tables they join (JOINS) and the columns taken from
each (JOINED); the finding tables are those whose schema gives them the role "finding"
(``mmdata:role``, `parts`); what validation checks of them (view_problems). Everything else is generated from that and from the Table Schemas in
schemas/: the view's own Table Schema (`findings_schema`, read into a Resource like any table's by
`findings_resource`) and its SQL (`view_sql`). The SQLite VIEW is that SQL; `mmdata.load("findings")` is that same VIEW
queried. The Parquet file and the CSV file hold its rows made by columns.view_columns from the same definition (JOINS,
JOINED, KIND, KEY, HEDGE), where they are the VIEW's (tests compare the two), and the VIEW queried elsewhere; so no
second definition of any column exists.

Joined columns are named ``<alias>_<field>`` (``study_name``, ``comparator_arm_role``); validation reports a finding's
own column of such a name (view_problems). One column is derived (HEDGE): ``value_hedge``, the
qualifier when it hedges the number (about, almost, more-than), apart from the status not-reached (#19).

This module imports nothing heavy: it only writes dictionaries and SQL text.
"""

from __future__ import annotations

from typing import Any

from ..model.rulefacts import HEDGES
from ..model.schema import FINDINGS_VIEW, Field, Resource, quote_name, resource_of
from ..model.view import HEDGE, JOINED, JOINS, KEY, KIND, OPTIONAL, PRIMARY_KEY, QUALIFIER, ROLE, Join, joined, one_row_each, own_columns, parts

NAME = FINDINGS_VIEW
TITLE = "Findings"
DESCRIPTION = ("One row per efficacy finding (outcomes) and safety finding (adverse_events), with the study's name, design, "
               "pooled_in, size, size_qualifier, caveat and warnings, the arm's and the comparator arm's name and role, and the source's "
               "title beside the finding's own columns and value_hedge, whether the value is hedged. Derived from the five tables; "
               "never edited by hand.")


def findings_resource(resources: dict[str, Resource]) -> Resource:
    """The findings view as a Resource, like the tables it reads (no file: its path is "")."""
    return resource_of(findings_schema(resources), NAME, entry={"title": TITLE, "description": DESCRIPTION})


def findings_schema(resources: dict[str, Resource]) -> dict[str, Any]:
    """The Table Schema of the findings view, built from the tables it reads."""
    stacked = parts(resources)
    fields = [
        {"name": KIND, "type": "string",
         "description": "Table the finding comes from: " + ", ".join(t for t, _ in stacked) + ".",
         "constraints": {"required": True, "enum": [t for t, _ in stacked]}},
        {"name": KEY, "type": "string",
         "description": "Key of the finding in its table: " + ", ".join(f"{k} of {t}" for t, k in stacked) + ".",
         "constraints": {"required": True}},
    ]
    for name in own_columns(resources):
        fields.append(_own_field(name, resources))
        if name == QUALIFIER:
            fields.append(_hedge_field(fields[-1]))
        for join in JOINS:
            if join.local == name:
                fields += [_joined_field(join, field, resources) for alias, field in joined(resources) if alias == join.alias]
    foreign = [{"fields": j.local, "reference": {"resource": j.table, "fields": j.key}} for j in JOINS]
    return {"description": DESCRIPTION, "fields": fields, "primaryKey": list(PRIMARY_KEY), "foreignKeys": foreign,
            "missingValues": [""]}


def _own_field(name: str, resources: dict[str, Resource]) -> dict[str, Any]:
    stacked = parts(resources)
    having: list[tuple[str, Field]] = [(t, f) for t, _ in stacked if (f := resources[t].field(name)) is not None]
    first = having[0][1]
    kinds = {f.type for _, f in having}
    if len(kinds) > 1:
        raise ValueError(f"{name} has the types {sorted(kinds)} in {[t for t, _ in having]}; the findings view needs one")
    field: dict[str, Any] = {"name": name, "type": first.type}
    description = first.description or ""
    if len(having) < len(stacked):
        description += f" ({', '.join(t for t, _ in having)} only; empty for the other findings.)"
    field["description"] = description
    if first.unit is not None:
        field["unit"] = first.unit
    constraints: dict[str, Any] = {}
    if len(having) == len(stacked) and all(f.constraints.required for _, f in having):
        constraints["required"] = True
    enums = [f.enum for _, f in having]
    if all(e is not None for e in enums):
        constraints["enum"] = list(dict.fromkeys(v for e in enums for v in e or ()))
    if constraints:
        field["constraints"] = constraints
    return field


def _hedge_field(qualifier: dict[str, Any]) -> dict[str, Any]:
    hedges = [v for v in qualifier.get("constraints", {}).get("enum", []) if v in HEDGES]
    return {"name": HEDGE, "type": "string",
            "description": f"Derived from qualifier: the hedge on value ({', '.join(hedges)}) when the source words the number with one; "
                           "empty when it states the number as exact, and when the median was not reached (a status, not a hedge). "
                           "Select the hedged values with value_hedge, not with qualifier.",
            "constraints": {"enum": hedges}}


def hedge_sql(qualifier: str) -> str:
    """The SQL of value_hedge from a qualifier column: the hedges kept, anything else NULL."""
    return f"CASE WHEN {qualifier} IN ({', '.join(chr(39) + h + chr(39) for h in HEDGES)}) THEN {qualifier} END"


def _joined_field(join: Join, name: str, resources: dict[str, Resource]) -> dict[str, Any]:
    remote = _field(resources[join.table], name)
    local_required = all(_field(resources[t], join.local).constraints.required for t, _ in parts(resources))
    field: dict[str, Any] = {"name": f"{join.alias}_{name}", "type": remote.type,
                             "description": f"{join.table}.{name} of the row that {join.local} names: {remote.description or ''}"}
    if remote.unit is not None:
        field["unit"] = remote.unit
    constraints: dict[str, Any] = {} if remote.enum is None else {"enum": list(remote.enum)}
    if local_required and remote.constraints.required:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def _field(resource: Resource, name: str) -> Field:
    found = resource.field(name)
    if found is None:
        raise KeyError(f"the findings view takes {resource.name}.{name}, which its schema does not declare")
    return found


def view_sql(resources: dict[str, Resource]) -> str:
    """CREATE VIEW findings: each finding table joined to its study, arms and source, then stacked."""
    columns = findings_resource(resources).field_names
    stacked = parts(resources)
    selects = []
    for table, key in stacked:
        own = set(resources[table].field_names)
        taken = {f"{j.alias}_{field}": (j.alias, field) for j in JOINS for alias, field in joined(resources) if alias == j.alias}
        exprs = []
        for column in columns:
            if column == KIND:
                expr = f"'{table}'"
            elif column == KEY:
                expr = f"f.{quote_name(key)}"
            elif column in taken:
                alias, field = taken[column]
                expr = f"{quote_name(alias)}.{quote_name(field)}"
            elif column == HEDGE:
                expr = hedge_sql(f"f.{quote_name(QUALIFIER)}") if QUALIFIER in own else "NULL"
            elif column in own:
                expr = f"f.{quote_name(column)}"
            else:
                expr = "NULL"
            exprs.append(f"  {expr} AS {quote_name(column)}")
        joins = [f"LEFT JOIN {quote_name(j.table)} AS {quote_name(j.alias)} ON {quote_name(j.alias)}.{quote_name(j.key)} = f.{quote_name(j.local)}"
                 for j in JOINS]
        selects.append("SELECT\n" + ",\n".join(exprs) + f"\nFROM {quote_name(table)} AS f\n" + "\n".join(joins))
    order = ", ".join(quote_name(c) for c in PRIMARY_KEY)
    return f"CREATE VIEW {quote_name(NAME)} AS\n" + "\nUNION ALL\n".join(selects) + f"\nORDER BY {order}"


#: The view's shape (model/view.py) is named here too, beside its schema and SQL.
__all__ = ["DESCRIPTION", "HEDGE", "JOINED", "JOINS", "KEY", "KIND", "NAME", "OPTIONAL", "PRIMARY_KEY", "QUALIFIER", "ROLE", "TITLE", "Join",
           "findings_resource", "findings_schema", "joined", "one_row_each", "own_columns", "parts", "view_sql"]

"""The findings view: one row per outcome and adverse event, with its study, arms and source.

Its definition lives here and only here: the finding tables (PARTS), the tables they join
(JOINS) and the columns taken from each (JOINED). Everything else is generated from that and
from the Table Schemas in schemas/: the view's own Table Schema (`findings_schema`) and its SQL
(`view_sql`). The SQLite VIEW is that SQL; `mmdata.load("findings")`, the Parquet file and the
CSV file are that same VIEW queried, so no second definition of any column exists.

Joined columns are named ``<alias>_<field>`` (``study_name``, ``comparator_arm_role``), so they
never collide with the finding's own columns.

This module imports nothing heavy: it only writes dictionaries and SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAME = "findings"
TITLE = "Findings"
DESCRIPTION = ("One row per efficacy finding (outcomes) and safety finding (adverse_events), with the study's name, design "
               "and pooled_in, the arm's and the comparator arm's name and role, and the source's title beside the "
               "finding's own columns. Derived from the five tables; never edited by hand.")


@dataclass(frozen=True)
class Join:
    alias: str  # prefix of the joined columns, and the SQL alias of the joined table
    table: str  # the table joined
    local: str  # the finding's column that holds the key
    key: str  # the joined table's key


#: The finding tables, in the order of the view, with the column that holds each one's key.
PARTS = (("outcomes", "outcome_id"), ("adverse_events", "adverse_event_id"))
JOINS = (
    Join("study", "studies", "study_id", "study_id"),
    Join("arm", "arms", "arm_id", "arm_id"),
    Join("comparator_arm", "arms", "comparator_arm_id", "arm_id"),
    Join("source", "sources", "source_id", "source_id"),
)
#: (alias, field) of each joined column; each lands right after its join's local column.
JOINED = (
    ("study", "name"), ("study", "design"), ("study", "pooled_in"),
    ("arm", "name"), ("arm", "role"),
    ("comparator_arm", "name"), ("comparator_arm", "role"),
    ("source", "title"),
)
KIND = "finding_table"
KEY = "finding_id"
PRIMARY_KEY = [KIND, KEY]


def findings_schema(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The Table Schema of the findings view, built from the schemas of the tables it reads."""
    fields = [
        {"name": KIND, "type": "string",
         "description": "Table the finding comes from: " + ", ".join(t for t, _ in PARTS) + ".",
         "constraints": {"required": True, "enum": [t for t, _ in PARTS]}},
        {"name": KEY, "type": "string",
         "description": "Key of the finding in its table: " + ", ".join(f"{k} of {t}" for t, k in PARTS) + ".",
         "constraints": {"required": True}},
    ]
    for name in own_columns(schemas):
        fields.append(_own_field(name, schemas))
        for join in JOINS:
            if join.local == name:
                fields += [_joined_field(join, field, schemas) for alias, field in JOINED if alias == join.alias]
    foreign = [{"fields": j.local, "reference": {"resource": j.table, "fields": j.key}} for j in JOINS]
    return {"description": DESCRIPTION, "fields": fields, "primaryKey": list(PRIMARY_KEY), "foreignKeys": foreign,
            "missingValues": [""]}


def own_columns(schemas: dict[str, dict[str, Any]]) -> list[str]:
    """The finding tables' columns but their keys, merged in order: a column of a later table
    goes right after the column that precedes it there (``event`` after ``population``)."""
    merged: list[str] = []
    for table, key in PARTS:
        previous: str | None = None
        for f in schemas[table]["fields"]:
            name = f["name"]
            if name == key:
                continue
            if name not in merged:
                merged.insert(merged.index(previous) + 1 if previous is not None and previous in merged else len(merged), name)
            previous = name
    return merged


def _fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in schema["fields"]}


def _own_field(name: str, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    having = [(t, _fields(schemas[t])[name]) for t, _ in PARTS if name in _fields(schemas[t])]
    first = having[0][1]
    kinds = {f.get("type", "string") for _, f in having}
    if len(kinds) > 1:
        raise ValueError(f"{name} has the types {sorted(kinds)} in {[t for t, _ in having]}; the findings view needs one")
    field: dict[str, Any] = {"name": name, "type": first.get("type", "string")}
    description = first.get("description", "")
    if len(having) < len(PARTS):
        description += f" ({', '.join(t for t, _ in having)} only; empty for the other findings.)"
    field["description"] = description
    if "unit" in first:
        field["unit"] = first["unit"]
    constraints: dict[str, Any] = {}
    if len(having) == len(PARTS) and all(f.get("constraints", {}).get("required") for _, f in having):
        constraints["required"] = True
    enums = [f.get("constraints", {}).get("enum") for _, f in having]
    if all(e is not None for e in enums):
        constraints["enum"] = list(dict.fromkeys(v for e in enums for v in e or []))
    if constraints:
        field["constraints"] = constraints
    return field


def _joined_field(join: Join, name: str, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    remote = _fields(schemas[join.table])[name]
    local_required = all(_fields(schemas[t])[join.local].get("constraints", {}).get("required") for t, _ in PARTS)
    field: dict[str, Any] = {"name": f"{join.alias}_{name}", "type": remote.get("type", "string"),
                             "description": f"{join.table}.{name} of the row that {join.local} names: {remote.get('description', '')}"}
    if "unit" in remote:
        field["unit"] = remote["unit"]
    constraints = {k: v for k, v in remote.get("constraints", {}).items() if k == "enum"}
    if local_required and remote.get("constraints", {}).get("required"):
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def quote_name(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def view_sql(schemas: dict[str, dict[str, Any]]) -> str:
    """CREATE VIEW findings: each finding table joined to its study, arms and source, then stacked."""
    columns = [f["name"] for f in findings_schema(schemas)["fields"]]
    selects = []
    for table, key in PARTS:
        own = _fields(schemas[table])
        joined = {f"{j.alias}_{field}": (j.alias, field) for j in JOINS for alias, field in JOINED if alias == j.alias}
        parts = []
        for column in columns:
            if column == KIND:
                expr = f"'{table}'"
            elif column == KEY:
                expr = f"f.{quote_name(key)}"
            elif column in joined:
                alias, field = joined[column]
                expr = f"{quote_name(alias)}.{quote_name(field)}"
            elif column in own:
                expr = f"f.{quote_name(column)}"
            else:
                expr = "NULL"
            parts.append(f"  {expr} AS {quote_name(column)}")
        joins = [f"LEFT JOIN {quote_name(j.table)} AS {quote_name(j.alias)} ON {quote_name(j.alias)}.{quote_name(j.key)} = f.{quote_name(j.local)}"
                 for j in JOINS]
        selects.append("SELECT\n" + ",\n".join(parts) + f"\nFROM {quote_name(table)} AS f\n" + "\n".join(joins))
    order = ", ".join(quote_name(c) for c in PRIMARY_KEY)
    return f"CREATE VIEW {quote_name(NAME)} AS\n" + "\nUNION ALL\n".join(selects) + f"\nORDER BY {order}"


__all__ = ["DESCRIPTION", "JOINED", "JOINS", "KEY", "KIND", "NAME", "PARTS", "PRIMARY_KEY", "TITLE", "findings_schema", "own_columns", "view_sql"]

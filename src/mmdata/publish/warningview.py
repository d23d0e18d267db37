"""The warnings view of the SQLite database: one row per standard warning of a row (#20).

A `warnings` cell holds several codes separated by one space (rules/vocabulary.py), which a
Datasette facet on the column would count as one value per combination. This view splits the
cells of every table whose schema marks a field ``mmdata:warnings``, so that Datasette facets on
each code (``/data/row_warnings?_facet=warning``) and a query joins it back to the findings view by
``table_name`` and ``row_id``. Its definition is generated from the schemas, like the findings view's.
"""

from __future__ import annotations

from typing import Any

from ..model.schema import WARNING_SEPARATOR, WARNINGS_VIEW, Resource, quote_name, resource_of

NAME = WARNINGS_VIEW
TITLE = "Warnings per row"
DESCRIPTION = ("One row per standard warning of a row of a table: the table, the row's key and the warning code. Facet on warning "
               "to count rows per code; join to findings on finding_table = table_name and finding_id = row_id. Derived from the "
               "warnings columns; the data dictionary explains each code.")
#: Columns Datasette offers as facets.
FACETS = ["warning", "table_name"]


def marked(resources: dict[str, Resource]) -> list[tuple[str, str, str]]:
    """(table, key column, warnings column) of each table with a one-column key and a warnings field, in the descriptor's order."""
    return [(r.name, r.primary_key[0], f.name) for r in resources.values() if len(r.primary_key) == 1 for f in r.fields if f.warnings]


def warnings_resource(resources: dict[str, Resource]) -> Resource:
    """The view as a Resource (no file), for the description tables and Datasette's metadata."""
    tables = [t for t, _, _ in marked(resources)]
    schema: dict[str, Any] = {"fields": [
        {"name": "table_name", "type": "string", "description": "Table the row belongs to: " + ", ".join(tables) + ".",
         "constraints": {"required": True, "enum": tables}},
        {"name": "row_id", "type": "string", "description": "Key of the row in its table.", "constraints": {"required": True}},
        {"name": "warning", "type": "string", "description": "One standard warning of the row (see the data dictionary).",
         "constraints": {"required": True}},
    ], "primaryKey": ["table_name", "row_id", "warning"]}
    return resource_of(schema, NAME, entry={"title": TITLE, "description": DESCRIPTION})


#: The recursive query's name: one no table can have (a resource's name starts with a letter or a digit). Named "split", a
#: table called split was read as the query itself, and the export never ended (#22).
SPLIT = "_split"


def view_sql(resources: dict[str, Resource]) -> str:
    """CREATE VIEW row_warnings: each warnings cell split at its separator, by a recursive query."""
    sep = "'" + WARNING_SEPARATOR + "'"
    seeds = [f"  SELECT '{table}', {quote_name(key)}, NULL, {quote_name(column)} || {sep} FROM {quote_name(table)} "
             f"WHERE {quote_name(column)} IS NOT NULL" for table, key, column in marked(resources)]
    step = (f"  SELECT table_name, row_id, substr(rest, 1, instr(rest, {sep}) - 1), substr(rest, instr(rest, {sep}) + 1) "
            f"FROM {SPLIT} WHERE rest <> ''")
    return (f"CREATE VIEW {quote_name(NAME)} AS\nWITH RECURSIVE {SPLIT}(table_name, row_id, warning, rest) AS (\n"
            + "\n  UNION ALL\n".join([*seeds, step]) + "\n)\n"
            f"SELECT table_name, row_id, warning FROM {SPLIT} WHERE warning IS NOT NULL ORDER BY table_name, row_id, warning")


__all__ = ["DESCRIPTION", "FACETS", "NAME", "TITLE", "marked", "view_sql", "warnings_resource"]

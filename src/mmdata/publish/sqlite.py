"""The package as one SQLite database, typed by its Table Schemas, and Datasette's metadata.json.

Every table gets SQLite types from its schema (string TEXT, integer INTEGER, number REAL), NULL
for a missing value, NOT NULL, UNIQUE, PRIMARY KEY, FOREIGN KEY and CHECK constraints (allowed
values, minimum, maximum), and each column's description as an SQL comment. Two more tables
describe the rest: ``_tables`` and ``_columns``. The findings view is `findings.view_sql`.

The file is built in memory and serialised after VACUUM: the same tables give the same bytes
with the same SQLite library (the header records the library's version).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pandas as pd

from ..errors import ExportError
from ..model.package import DTYPES, field_names, primary_key
from . import findings
from .findings import quote_name

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL"}
PYTHON_TYPES: dict[str, type] = {"string": str, "integer": int, "number": float}
DATABASE = "data"  # Datasette names a database after its file: data.sqlite
META_TABLES = {
    "_tables": "One row per table and view of this database: its title, description, primary key and row count.",
    "_columns": "One row per column of every table and view: its Table Schema type, SQLite type, unit, allowed values and description.",
}




def check_names(schemas: dict[str, dict[str, Any]]) -> None:
    """Refuse a table named like the view or a description table, and a findings view whose column names collide."""
    for name in schemas:
        if name == findings.NAME or name in META_TABLES:
            what = "the findings view" if name == findings.NAME else "a description table"
            raise ExportError(f"a table is named '{name}', which the exports reserve for {what}; rename the resource")
    names = [f["name"] for f in findings.findings_schema(schemas)["fields"]]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ExportError(f"the findings view would hold two columns named {', '.join(clashes)}; rename the column in its table")


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def table_sql(name: str, schema: dict[str, Any]) -> str:
    """CREATE TABLE for one Table Schema, with its constraints and each column's description as a comment."""
    pk = primary_key(schema)
    lines = []
    for f in schema["fields"]:
        cons = f.get("constraints", {})
        column = quote_name(f["name"])
        parts = [column, SQL_TYPES[f.get("type", "string")]]
        if cons.get("required") or f["name"] in pk:
            parts.append("NOT NULL")
        if cons.get("unique") and pk != [f["name"]]:
            parts.append("UNIQUE")
        if "enum" in cons:
            parts.append(f"CHECK ({column} IN ({', '.join(_literal(v) for v in cons['enum'])}))")
        if "minimum" in cons:
            parts.append(f"CHECK ({column} >= {_literal(cons['minimum'])})")
        if "maximum" in cons:
            parts.append(f"CHECK ({column} <= {_literal(cons['maximum'])})")
        lines.append((" ".join(parts), " ".join(str(f.get("description", "")).split())))
    lines += [(f"PRIMARY KEY ({', '.join(map(quote_name, pk))})", "")] if pk else []
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        lines.append((f"FOREIGN KEY ({', '.join(map(quote_name, field_names(fk['fields'])))}) "
                      f"REFERENCES {quote_name(target)} ({', '.join(map(quote_name, field_names(fk['reference']['fields'])))})", ""))
    body = [f"  {sql}{',' if i < len(lines) - 1 else ''}" + (f" -- {comment}" if comment else "") for i, (sql, comment) in enumerate(lines)]
    return f"CREATE TABLE {quote_name(name)} (\n" + "\n".join(body) + "\n)"


def records(frame: pd.DataFrame, schema: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of a typed table as Python values (None for missing), sorted by primary key."""
    columns = []
    for f in schema["fields"]:
        convert = PYTHON_TYPES[f.get("type", "string")]
        columns.append([None if pd.isna(v) else convert(v) for v in frame[f["name"]].astype(object)])
    rows = list(zip(*columns, strict=True))
    names = [f["name"] for f in schema["fields"]]
    keys = [names.index(k) for k in primary_key(schema)]
    return sorted(rows, key=lambda r: tuple("" if r[i] is None else str(r[i]) for i in keys))


def build(conn: sqlite3.Connection, tables: dict[str, pd.DataFrame], schemas: dict[str, dict[str, Any]],
          titles: dict[str, tuple[str, str]]) -> None:
    """Create every table, the findings view and the two description tables in an empty database."""
    check_names(schemas)
    conn.execute("BEGIN")
    for name, schema in schemas.items():
        conn.execute(table_sql(name, schema))
        rows = records(tables[name], schema)
        conn.executemany(f"INSERT INTO {quote_name(name)} VALUES ({', '.join('?' * len(schema['fields']))})", rows)
    conn.execute(findings.view_sql(schemas))
    dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise ExportError(f"foreign keys do not resolve in {sorted({row[0] for row in dangling})}; run `mmdata validate`")
    described = dict(schemas, **{findings.NAME: findings.findings_schema(schemas)})
    _describe(conn, described, dict(titles, **{findings.NAME: (findings.TITLE, findings.DESCRIPTION)}))
    conn.execute("COMMIT")


def _describe(conn: sqlite3.Connection, schemas: dict[str, dict[str, Any]], titles: dict[str, tuple[str, str]]) -> None:
    conn.execute('CREATE TABLE "_tables" ("name" TEXT NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL CHECK ("kind" IN (\'table\', \'view\')), '
                 '"title" TEXT, "description" TEXT, "primary_key" TEXT NOT NULL, "rows" INTEGER NOT NULL)')
    conn.execute('CREATE TABLE "_columns" ("table_name" TEXT NOT NULL REFERENCES "_tables" ("name"), "position" INTEGER NOT NULL, '
                 '"column_name" TEXT NOT NULL, "type" TEXT NOT NULL, "sqlite_type" TEXT NOT NULL, "required" INTEGER NOT NULL, '
                 '"unit" TEXT, "allowed_values" TEXT, "description" TEXT, PRIMARY KEY ("table_name", "column_name"))')
    for name, schema in schemas.items():
        kind = "view" if name == findings.NAME else "table"
        count = conn.execute(f"SELECT count(*) FROM {quote_name(name)}").fetchone()[0]
        title, description = titles.get(name, (name, ""))
        conn.execute('INSERT INTO "_tables" VALUES (?, ?, ?, ?, ?, ?)',
                     (name, kind, title, schema.get("description") or description, json.dumps(primary_key(schema), allow_nan=False), count))
        for position, f in enumerate(schema["fields"], start=1):
            cons = f.get("constraints", {})
            kind_ = f.get("type", "string")
            conn.execute('INSERT INTO "_columns" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', (
                name, position, f["name"], kind_, SQL_TYPES[kind_], int(bool(cons.get("required")) or f["name"] in primary_key(schema)),
                f.get("unit"), json.dumps(cons["enum"], allow_nan=False) if "enum" in cons else None, f.get("description")))


def database_bytes(tables: dict[str, pd.DataFrame], schemas: dict[str, dict[str, Any]], titles: dict[str, tuple[str, str]]) -> bytes:
    """The database file, byte for byte the same for the same tables and SQLite library."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA page_size = 4096")
        build(conn, tables, schemas, titles)
        conn.execute("VACUUM")
        return conn.serialize()
    finally:
        conn.close()


def frame(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pd.DataFrame:
    """Rows read from the database as a DataFrame typed like mmdata.load: string, Int64, Float64, categories."""
    columns: dict[str, pd.Series] = {}
    for i, f in enumerate(schema["fields"]):
        values = pd.Series([row[i] for row in rows], dtype=object)
        enum = f.get("constraints", {}).get("enum")
        kind = f.get("type", "string")
        if enum is not None and kind == "string":
            columns[f["name"]] = values.astype(pd.CategoricalDtype(categories=list(enum)))
        elif kind == "string":
            columns[f["name"]] = values.astype("string")
        else:
            columns[f["name"]] = pd.to_numeric(values.astype("Float64")).astype(DTYPES[kind])
    return pd.DataFrame(columns)


def findings_frame(tables: dict[str, pd.DataFrame], schemas: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The findings view, queried from an in-memory database of the tables."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        build(conn, tables, schemas, {})
        rows = conn.execute(f"SELECT * FROM {quote_name(findings.NAME)}").fetchall()
    finally:
        conn.close()
    return frame(rows, findings.findings_schema(schemas))


def datasette_metadata(descriptor: dict[str, Any], schemas: dict[str, dict[str, Any]], titles: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """metadata.json for `datasette data.sqlite -m metadata.json`: titles, descriptions, units, licence, source."""
    licence = (descriptor.get("licenses") or [{}])[0]
    version = descriptor.get("version", "")
    described = dict(schemas, **{findings.NAME: findings.findings_schema(schemas)})
    titles = dict(titles, **{findings.NAME: (findings.TITLE, findings.DESCRIPTION)})
    tables: dict[str, Any] = {}
    units = sorted({f["unit"] for s in described.values() for f in s["fields"] if "unit" in f})  # units of Table Schema fields, for Pint
    for name, schema in described.items():
        title, description = titles.get(name, (name, ""))
        entry: dict[str, Any] = {
            "title": title,
            "description": schema.get("description") or description,
            "columns": {f["name"]: f.get("description", "") for f in schema["fields"]},
        }
        table_units = {f["name"]: f["unit"] for f in schema["fields"] if "unit" in f}
        if table_units:
            entry["units"] = table_units
        required = [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")]
        label = next((c for c in ("name", "title") if c in required), None) or (primary_key(schema) + [None])[0]
        if label and name != findings.NAME:
            entry["label_column"] = label
        tables[name] = entry
    for name, text in META_TABLES.items():
        tables[name] = {"title": name, "description": text}
    return {
        "title": descriptor.get("title", descriptor.get("name", "")),
        "description": f"{descriptor.get('description', '')} Data version {version}. Not medical advice.",
        "license": licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": "the source documents in the sources table; every row quotes the passage it comes from",
        "about": f"mmdata {version}",
        "custom_units": [f"{unit} = [{unit}]" for unit in units],
        "databases": {DATABASE: {"tables": tables}},
    }

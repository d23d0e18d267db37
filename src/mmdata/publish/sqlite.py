"""The package as one SQLite database, typed by its Table Schemas, and Datasette's metadata.json.

Every table gets SQLite types from its schema (string TEXT, integer INTEGER, number REAL), NULL
for a missing value, NOT NULL, UNIQUE, PRIMARY KEY, FOREIGN KEY and CHECK constraints (allowed
values, minimum, maximum), and each column's description as an SQL comment. Two more tables
describe the rest: ``_tables`` and ``_columns``. The findings view is `findings.view_sql`.

Every table with quotes, findings or caveats gets an FTS5 index of them (``<table>_fts``, external
content, which Datasette picks up for its search box), built after VACUUM so its rowids are the
table's final ones (#19).

The database is built in a file of a temporary folder of its own (``Database``; TMPDIR chooses where), compacted
with VACUUM, indexed, and read as the export's file once it is closed, with the header's counts of writes and the
library's version number as 0 (WRITE_COUNTS): the same tables give the same bytes with the same SQLite library, the
bytes the same database built in memory gives (as it was built up to 1.0.0; a test compares the two, #22).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..io.arrow import arrow_available, arrow_chunks
from ..model.package import dataset_title, reserved
from ..model.publishing import safe_link
from ..model.rulefacts import HEDGES
from ..model.schema import FTS_SUFFIX, NO_FINDINGS, TYPES, VIEWS, Field, Resource
from . import findings, warningview
from .findings import quote_name

DATABASE = "data"  # Datasette names a database after its file: data.sqlite
META_TABLES = {
    "_tables": "One row per table and view of this database: its title, description, primary key and row count.",
    "_columns": "One row per column of every table and view: its Table Schema type, SQLite type, unit, allowed values and description.",
}
#: The columns the full-text search indexes, in each table that has any (#19).
SEARCHED = ("quote", "finding", "caveat")


def described(resources: dict[str, Resource]) -> dict[str, Resource]:
    """The tables and the findings view, in the order of the outputs."""
    return dict(resources, **{findings.NAME: findings.findings_resource(resources)})


def check_names(resources: dict[str, Resource]) -> None:
    """Refuse a table named like the view or a description table, and a findings view whose column names collide."""
    for name in resources:  # (validation reports the first two, package.reserved's words; these are for a program's tables)
        if name in VIEWS:
            raise ExportError(f"'{name}' {reserved(name)}")
        if name in META_TABLES:
            raise ExportError(f"a table is named '{name}', which the exports reserve for a description table; rename the resource")
    if not findings.parts(resources):  # the view stacks the finding tables: with none, its SQL would not parse
        raise ExportError(NO_FINDINGS)
    names = findings.findings_resource(resources).field_names
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ExportError(f"the findings view would hold two columns named {', '.join(clashes)}; rename the column in its table")


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def table_sql(resource: Resource) -> str:
    """CREATE TABLE for one table, with its constraints and each column's description as a comment."""
    pk = list(resource.primary_key)
    lines = []
    for f in resource.fields:
        cons = f.constraints
        column = quote_name(f.name)
        parts = [column, f.sql_type]
        if f.required:
            parts.append("NOT NULL")
        if cons.unique and pk != [f.name]:
            parts.append("UNIQUE")
        if cons.enum is not None:
            parts.append(f"CHECK ({column} IN ({', '.join(_literal(v) for v in cons.enum)}))")
        if cons.minimum is not None:
            parts.append(f"CHECK ({column} >= {_literal(cons.minimum)})")
        if cons.maximum is not None:
            parts.append(f"CHECK ({column} <= {_literal(cons.maximum)})")
        lines.append((" ".join(parts), " ".join(str(f.description or "").split())))
    lines += [(f"PRIMARY KEY ({', '.join(map(quote_name, pk))})", "")] if pk else []
    for fk in resource.foreign_keys:
        lines.append((f"FOREIGN KEY ({', '.join(map(quote_name, fk.fields))}) "
                      f"REFERENCES {quote_name(fk.target(resource.name))} ({', '.join(map(quote_name, fk.reference))})", ""))
    body = [f"  {sql}{',' if i < len(lines) - 1 else ''}" + (f" -- {comment}" if comment else "") for i, (sql, comment) in enumerate(lines)]
    return f"CREATE TABLE {quote_name(resource.name)} (\n" + "\n".join(body) + "\n)"


def records(frame: pd.DataFrame, resource: Resource) -> Iterable[tuple[Any, ...]]:
    """The rows of a typed table as Python values (None for missing), in the order of Resource.sorted_rows (by primary
    key). When Arrow can sort the keys (key_order), the columns are taken in that order and each row is made as it is
    read: no list of the rows is kept (about 300 MB less at the peak of a million rows' export, #22)."""
    order = key_order(frame, resource)
    if order is None:
        return resource.sorted_rows(resource.field_names, zip(*(python_values(frame[f.name], f) for f in resource.fields), strict=True))
    return zip(*(python_values(frame[f.name].iloc[order], f) for f in resource.fields), strict=True)


def key_order(frame: pd.DataFrame, resource: Resource) -> np.ndarray | None:
    """The positions of frame's rows in the order Resource.sorted_rows gives them, found by Arrow's sort when every key
    field is a string field whose column pyarrow holds as text; None otherwise, or when the table has no key or no
    rows. The key cells are those row_key reads (Resource.key_positions). Arrow's sort is stable and compares texts by
    their UTF-8 bytes, which orders them as Python compares them (by code point), and a missing key cell sorts as the
    empty text, as row_key reads it."""
    names = [resource.field_names[i] for i in resource.key_positions(resource.field_names)]
    if not names or any(resource.fact(name).type != "string" for name in names):
        return None  # a key of numbers sorts by the text of its converted values: Python does that
    held = [chunks for name in names if (chunks := arrow_chunks([frame[name]])) is not None]
    if len(held) < len(names):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table({str(i): pc.fill_null(pa.chunked_array(chunks), pa.scalar("", chunks[0].type)) for i, chunks in enumerate(held)})
    return np.asarray(pc.sort_indices(table, sort_keys=[(str(i), "ascending") for i in range(len(names))]).to_numpy(), dtype=np.int64)


def python_values(column: pd.Series, field: Field) -> list[Any]:
    """The cells of a typed column as the Python values of field's type (str, int, float), None for a missing one.
    A column in the dtype typed_frame builds for the field is converted by Arrow, all at once (a million rows' 22
    columns in 1.3 s instead of 4.5 s, #22); a NaN, which no valid table holds, is missing there too, as pd.isna
    reads it. Any other column, one value at a time."""
    if field.type in TYPES and str(column.dtype) == field.dtype and arrow_available():
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(column)
        if pa.types.is_floating(values.type):
            values = pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
        return values.to_pylist()  # type: ignore[no-any-return]
    convert = field.python_type
    cells = column.astype(object).to_numpy()
    missing = pd.isna(cells).tolist()  # the test pd.isna makes of each value, for the column at once
    return [None if gone else convert(v) for v, gone in zip(cells, missing, strict=True)]


def build(conn: sqlite3.Connection, tables: dict[str, pd.DataFrame], resources: dict[str, Resource], checked: bool = False) -> None:
    """Create every table, the findings view and the two description tables in an empty database.

    ExportError when the tables break a constraint of their schemas (a key twice, an empty
    required cell, a key that points nowhere): `mmdata validate` names each.

    checked: the tables are those of a package that `mmdata validate` found valid, which checked every allowed value,
    minimum and maximum of the Table Schemas: SQLite does not check its CHECK constraints, made from the same ones,
    again while the rows go in (two thirds of the time of the inserts, #22). They stay in the schema, and SQLite checks
    every row inserted later.
    """
    check_names(resources)
    conn.execute("BEGIN")
    conn.execute(f"PRAGMA ignore_check_constraints = {'ON' if checked else 'OFF'}")
    try:
        for name, resource in resources.items():
            conn.execute(table_sql(resource))
            rows = records(tables[name], resource)
            conn.executemany(f"INSERT INTO {quote_name(name)} VALUES ({', '.join('?' * len(resource.fields))})", rows)
    except sqlite3.IntegrityError as exc:
        conn.execute("ROLLBACK")
        raise ExportError(f"the tables break a constraint of their schemas ({exc}); run `mmdata validate`") from None
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")
    conn.execute(findings.view_sql(resources))
    if warningview.marked(resources):
        conn.execute(warningview.view_sql(resources))
    dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        conn.execute("ROLLBACK")
        raise ExportError(f"foreign keys do not resolve in {sorted({row[0] for row in dangling})}; run `mmdata validate`")
    _describe(conn, {**described(resources), **_warnings_view(resources)})
    conn.execute("COMMIT")


def _warnings_view(resources: dict[str, Resource]) -> dict[str, Resource]:
    """The warnings view by name, when a table has a warnings column (#20)."""
    return {warningview.NAME: warningview.warnings_resource(resources)} if warningview.marked(resources) else {}


def _describe(conn: sqlite3.Connection, resources: dict[str, Resource]) -> None:
    conn.execute('CREATE TABLE "_tables" ("name" TEXT NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL CHECK ("kind" IN (\'table\', \'view\')), '
                 '"title" TEXT, "description" TEXT, "primary_key" TEXT NOT NULL, "rows" INTEGER NOT NULL)')
    conn.execute('CREATE TABLE "_columns" ("table_name" TEXT NOT NULL REFERENCES "_tables" ("name"), "position" INTEGER NOT NULL, '
                 '"column_name" TEXT NOT NULL, "type" TEXT NOT NULL, "sqlite_type" TEXT NOT NULL, "required" INTEGER NOT NULL, '
                 '"unit" TEXT, "allowed_values" TEXT, "description" TEXT, PRIMARY KEY ("table_name", "column_name"))')
    for name, resource in resources.items():
        kind = "view" if name in (findings.NAME, warningview.NAME) else "table"
        count = _count(conn, name, resources)
        conn.execute('INSERT INTO "_tables" VALUES (?, ?, ?, ?, ?, ?)',
                     (name, kind, resource.title, resource.description or resource.entry_description,
                      json.dumps(list(resource.primary_key), allow_nan=False), count))
        for position, f in enumerate(resource.fields, start=1):
            conn.execute('INSERT INTO "_columns" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', (
                name, position, f.name, f.type, f.sql_type, int(f.required),
                f.unit, json.dumps(list(f.enum), allow_nan=False) if f.enum is not None else None, f.description))


def _count(conn: sqlite3.Connection, name: str, resources: dict[str, Resource]) -> int:
    """The rows of a table or view. The findings view has one row per row of its finding tables when its joins are on
    keys (findings.one_row_each): then it is their sum, since counting the view itself runs every join (4.3 s at a
    million rows, #22)."""
    each = name == findings.NAME and findings.one_row_each(resources)
    tables = [table for table, _ in findings.parts(resources)] if each else [name]
    return sum(conn.execute(f"SELECT count(*) FROM {quote_name(table)}").fetchone()[0] for table in tables)


#: The bytes of a database file's header that SQLite writes to a file on disk and never to a database in memory: the
#: file change counter (bytes 24 to 27), the version-valid-for number and the library's version number (92 to 99).
#: Database.file writes them as 0, as they are in memory: then the file records neither how many writes built it nor
#: which library wrote them, and is the file the same database built in memory gives (sqlite3's serialize), byte for
#: byte (#22).
WRITE_COUNTS = ((24, 4), (92, 8))
#: The database's file, in its temporary folder.
FILE_NAME = "data.sqlite"


class Database(sqlite3.Connection):
    """A database in a file of a temporary folder of its own (in TMPDIR), which close removes: what database builds.
    Built in memory, it was the largest part of the export's and the site's peak memory (1,150 MB at a million rows,
    #22); in a file, the operating system holds its pages."""

    folder: tempfile.TemporaryDirectory[str]

    def file(self) -> bytes:
        """Close the database, and give its file as the same database built in memory gives it (WRITE_COUNTS as 0);
        its folder is removed."""
        try:
            with open(self._closed(), "rb") as f:
                return f.read()
        finally:
            self.folder.cleanup()

    def move(self, target: Path) -> None:
        """Close the database, and move its file (as file gives it) to target, whose folder exists: what the site does
        with it, rather than read it (645 MB at a million rows, #22); its folder is removed."""
        try:
            shutil.move(self._closed(), target)
        finally:
            self.folder.cleanup()

    def _closed(self) -> str:
        """Close the database; the path of its file, WRITE_COUNTS written as 0."""
        path = os.path.join(self.folder.name, FILE_NAME)
        sqlite3.Connection.close(self)
        with open(path, "r+b") as f:
            for at, size in WRITE_COUNTS:
                f.seek(at)
                f.write(bytes(size))
        return path

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.folder.cleanup()


def database(tables: dict[str, pd.DataFrame], resources: dict[str, Resource], checked: bool = False) -> Database:
    """A database with every table and view built (build; checked as it says), in a file of a temporary folder: what the
    export files are read from; the caller closes it, or takes its file (Database.file, Database.move) once made_file or
    made_beside (or compacted, then indexed_beside) has compacted and indexed it. The connection may be used in another
    thread, by one thread at a time (indexed_beside). ExportError when no temporary folder can be made, or SQLite cannot
    write the file (unwritten)."""
    folder = temporary_folder("the SQLite database")
    path = os.path.join(folder.name, FILE_NAME)
    try:
        # Made empty first, so that it has the permissions of every other file mmdata writes (SQLite's own leave out
        # the group's write under umask 002); SQLite makes an empty file a new database.
        open(path, "xb").close()
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=Database)
    except OSError as exc:
        folder.cleanup()
        raise ExportError(f"cannot make the SQLite database in the temporary folder {folder.name} ({exc.strerror or exc}); "
                          "set TMPDIR to a folder you can write to") from None
    except sqlite3.Error as exc:
        folder.cleanup()
        raise unwritten(folder.name, exc) from None
    conn.folder = folder
    try:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("PRAGMA synchronous = OFF")  # a file of its own, removed when the export ends: never read after a crash
        build(conn, tables, resources, checked)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error):
            raise unwritten(folder.name, exc) from None
        raise
    return conn


def temporary_folder(what: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder of mmdata's own (in TMPDIR) for what; ExportError when none can be made."""
    try:
        return tempfile.TemporaryDirectory(prefix="mmdata-")
    except OSError as exc:
        raise ExportError(f"cannot make a temporary folder for {what} ({exc.strerror or exc}); "
                          "set TMPDIR to a folder you can write to") from None


#: The errors of SQLite (primary result codes) that say it cannot write its file: a full disk, an I/O error, a file it
#: cannot open or may only read.
FILE_ERRORS = frozenset({sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY})


def unwritten(folder: str, exc: sqlite3.Error) -> Exception:
    """What the command line says when SQLite cannot write the database in its temporary folder (FILE_ERRORS: a full disk,
    most often): an ExportError naming the folder. Any other error of SQLite is exc itself, a bug."""
    code = getattr(exc, "sqlite_errorcode", 0)
    if code & 0xFF not in FILE_ERRORS or code == sqlite3.SQLITE_IOERR_NOMEM:  # out of memory: not the folder's
        return exc
    scratch = os.environ.get("SQLITE_TMPDIR")  # where SQLite writes its own scratch files (VACUUM's copy), when set
    also = f" (SQLite writes its scratch files in SQLITE_TMPDIR, {scratch}: free some room there too, or unset it)" if scratch else ""
    return ExportError(f"the SQLite database cannot be written in the temporary folder {folder} ({exc}); "
                       f"free some room there, or set TMPDIR to a folder with more room{also}")


def made_file(conn: Database, resources: dict[str, Resource]) -> None:
    """Make a database that database built (and that only read since) into the export's file: compacted, with the
    full-text index. Database.file gives it."""
    with made_beside(conn, resources):
        pass


@contextmanager
def made_beside(conn: Database, resources: dict[str, Resource]) -> Iterator[None]:
    """made_file, its full-text index made in a thread of its own while the block runs (SQLite lets go of the GIL while
    it makes it: 7 s at a million rows, #22). The database is compacted first, alone (compacted). The block must not use
    the database."""
    compacted(conn)
    with indexed_beside(conn, resources):
        yield


def compacted(conn: Database) -> None:
    """Compact a database that database built (and that only read since): made_file's first step, which indexed_beside
    follows. Without a rollback journal from here on: nothing is rolled back after it, and VACUUM would journal every
    page of the database again (#22)."""
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("VACUUM")


#: How often a failed block's wait for the index interrupts it again (seconds): SQLite's interrupt stops the statement
#: running, and none begun after it (a second review found the index running on to its end).
STOP_EVERY = 0.05


@contextmanager
def indexed_beside(conn: Database, resources: dict[str, Resource]) -> Iterator[None]:
    """The full-text index of a database compacted already (compacted), made in a thread of its own while the block
    runs, and waited for at its end; the block must not use the database. When the block fails (or Ctrl-C ends the
    wait), the index is of no use: it is interrupted, again every STOP_EVERY seconds until it has stopped, and waited
    for, so that the caller never closes the database under it."""
    indexer = ThreadPoolExecutor(max_workers=1)
    indexing = indexer.submit(index_text, conn, resources)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        indexer.shutdown(wait=False)
        stopped = False
        while not indexing.done():  # the caller closes the database: never while the index is being made
            if failed or stopped:
                conn.interrupt()  # SQLite lets another thread stop the statement running
            try:
                wait([indexing], timeout=STOP_EVERY if failed or stopped else None)
            except KeyboardInterrupt:  # Ctrl-C ends the wait at once (a second review found it): stop the index first
                stopped = True
        if stopped:
            raise KeyboardInterrupt
    indexing.result()  # the index's own error, when it had one


def searched(resources: dict[str, Resource]) -> dict[str, list[str]]:
    """The tables full-text search indexes, with the columns of SEARCHED each one has."""
    return {name: columns for name, r in resources.items() if (columns := [c for c in SEARCHED if c in r.field_names])}


def fts_name(table: str) -> str:
    return table + FTS_SUFFIX


#: The terms FTS5 gathers in memory before it writes them to the index as a segment (its hashsize option; 1 MiB unless
#: set), which it then merges with the others. At a million rows, the index took 10.2 to 11.7 s with 1 MiB, 7.4 to 7.7 s
#: with 16 MiB, 6.8 to 7.4 s with 32 MiB and 5.4 to 6.2 s with 64 MiB, for 83 MB more at its peak (#22). The same terms
#: and rows are indexed: only how the index is cut into pages differs. Kept in the index's settings (its _config table),
#: so that rows a program adds later are gathered alike.
FTS_HASH_BYTES = 64 << 20


def index_text(conn: sqlite3.Connection, resources: dict[str, Resource]) -> None:
    """An FTS5 index of each table's quote, finding and caveat, its content read from the table by rowid, its terms
    gathered FTS_HASH_BYTES at a time."""
    for table, columns in searched(resources).items():
        fts = quote_name(fts_name(table))
        conn.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(map(quote_name, columns))}, "
                     f"content={quote_name(table)}, content_rowid='rowid')")
        try:
            conn.execute(f"INSERT INTO {fts} ({fts}, rank) VALUES ('hashsize', {FTS_HASH_BYTES})")
        except sqlite3.OperationalError as exc:  # a SQLite that lacks the option: its own size, the same index
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_ERROR:
                raise
        conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def frame(rows: list[tuple[Any, ...]], resource: Resource) -> pd.DataFrame:
    """Rows read from the database as a DataFrame typed like mmdata.load: string, Int64, Float64, categories."""
    columns: dict[str, pd.Series] = {}
    for i, f in enumerate(resource.fields):
        values = pd.Series([row[i] for row in rows], dtype=object)
        if f.categorical:
            columns[f.name] = values.astype(pd.CategoricalDtype(categories=list(f.enum or ())))
        elif f.type == "string":
            columns[f.name] = values.astype("string")
        else:
            columns[f.name] = pd.to_numeric(values.astype("Float64")).astype(f.dtype)
    return pd.DataFrame(columns)


def findings_frame(tables: dict[str, pd.DataFrame], resources: dict[str, Resource]) -> pd.DataFrame:
    """The findings view, queried from an in-memory database of the tables; ExportError as build gives it."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        build(conn, tables, resources)
        rows = conn.execute(f"SELECT * FROM {quote_name(findings.NAME)}").fetchall()
    except sqlite3.Error as exc:  # tables no validation checked (an archive loaded as it is) never stop with sqlite3's own error (#23)
        raise ExportError(f"the tables cannot be joined into the findings view ({exc}); run `mmdata validate`") from None
    finally:
        conn.close()
    return frame(rows, findings.findings_resource(resources))


def datasette_metadata(descriptor: dict[str, Any], resources: dict[str, Resource]) -> dict[str, Any]:
    """metadata.json for `datasette data.sqlite -m metadata.json`: titles, descriptions, units, licence, source."""
    licence = (descriptor.get("licenses") or [{}])[0]
    version = descriptor.get("version", "")
    every = {**described(resources), **_warnings_view(resources)}
    tables: dict[str, Any] = {}
    indexed = searched(resources)
    for name, resource in every.items():
        entry: dict[str, Any] = {
            "title": resource.title,
            "description": resource.description or resource.entry_description,
            "columns": {f.name: f.description or "" for f in resource.fields},
        }
        # No "units": Datasette passes them to Pint, which shows "almost 2,000" patients as "2.0 kpatients" (#19);
        # each unit is in its column's description.
        if name in indexed:
            entry["fts_table"] = fts_name(name)
        required = [f.name for f in resource.fields if f.constraints.required]
        label = next((c for c in ("name", "title") if c in required), None) or [*resource.primary_key, None][0]
        if label and name not in (findings.NAME, warningview.NAME):
            entry["label_column"] = label
        if name == warningview.NAME:
            entry["facets"] = list(warningview.FACETS)  # one facet value per code (#20)
        tables[name] = entry
    for name, text in META_TABLES.items():
        tables[name] = {"title": name, "description": text}
    return {
        "title": dataset_title(descriptor),
        "description": f"{descriptor.get('description', '')} Data version {version}. Not medical advice.",
        "license": licence.get("name", ""),
        "license_url": licence.get("path", "") if safe_link(licence.get("path")) else "",  # Datasette links it (#23)
        "source": "the source documents in the sources table; every row quotes the passage it comes from",
        "about": f"mmdata {version}",
        "databases": {DATABASE: {"tables": tables, "queries": saved_queries()}},
    }


def saved_queries() -> dict[str, dict[str, str]]:
    """The questions an analyst asks first, as Datasette's saved queries over the findings view and the tables (#19)."""
    return {
        "median_pfs_per_arm": {
            "title": "Median progression-free survival per arm, IFM 2005-02 counted once",
            "description": "Each arm's median PFS, leaving out studies pooled in a meta-analysis (pooled_in), whose patients the "
                           "meta-analysis already counts. value_hedge says when the source hedges the number.",
            "sql": "SELECT study_name, arm_name, arm_role, value, unit, value_hedge, qualifier, population, finding_id\n"
                   "FROM findings\n"
                   "WHERE endpoint = 'progression-free-survival' AND statistic = 'median' AND comparator_arm_id IS NULL\n"
                   "  AND study_pooled_in IS NULL\n"
                   "ORDER BY study_name, arm_role DESC, finding_id",
        },
        "sizes_as_stated": {
            "title": "Study and arm sizes as the sources word them",
            "description": "Each size with its hedge (\"almost 2,000 patients\"): a hedged size is not an exact count.",
            "sql": "SELECT 'study' AS kind, study_id, NULL AS arm_id, name,\n"
                   "  CASE WHEN size IS NOT NULL THEN ltrim(coalesce(replace(size_qualifier, '-', ' '), '') || ' ' || printf('%,d', size) || ' patients')\n"
                   "  END AS size_as_stated, size, size_qualifier\n"
                   "FROM studies\n"
                   "UNION ALL\n"
                   "SELECT 'arm', study_id, arm_id, name,\n"
                   "  CASE WHEN size IS NOT NULL THEN ltrim(coalesce(replace(size_qualifier, '-', ' '), '') || ' ' || printf('%,d', size) || ' patients')\n"
                   "  END, size, size_qualifier\n"
                   "FROM arms\n"
                   "ORDER BY study_id, kind DESC, arm_id",
        },
        "hedged_values": {
            "title": "Values the source hedges (about, almost, more than)",
            "description": "Findings whose number the source words with a hedge; a median not reached is a status, not a hedge, and is not listed.",
            "sql": "SELECT finding_id, study_name, arm_name, coalesce(endpoint, event) AS what, statistic, value_hedge, value, unit, quote\n"
                   "FROM findings\n"
                   "WHERE value_hedge IS NOT NULL\n"
                   "ORDER BY finding_id",
        },
        "do_not_pool": {
            "title": "Studies whose patients are counted elsewhere",
            "description": "Studies pooled in a meta-analysis, with their caveat: do not pool them with it as independent evidence.",
            "sql": "SELECT study_id, name, pooled_in, caveat\nFROM studies\nWHERE pooled_in IS NOT NULL\nORDER BY study_id",
        },
    }


#: The Datasette plugin `mmdata export` writes beside data.sqlite (plugins/, which `datasette build` loads):
#: fixed code, and maps generated from the Table Schemas, read as JSON strings (never as code) (#19).
PLUGIN_FILE = "plugins/mmdata_cells.py"
PLUGIN = '''"""Datasette plugin written by `mmdata export`: on every page of data.sqlite, row pages too, a foreign
key links to the row it names, and a size reads with its hedge ("almost 2,000 patients", never "2.0 kpatients").
Loaded by `datasette build` (the export folder) or `--plugins-dir build/plugins`."""

import json

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

DATABASE = json.loads(%(database)r)
LINKS = json.loads(%(links)r)  # table: {column: table it names}
SIZES = json.loads(%(sizes)r)  # table: {column: [its qualifier column, unit]}
HEDGES = json.loads(%(hedges)r)  # qualifier: words


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or value is None or isinstance(value, dict):
        return None  # a label Datasette expanded already links
    target = LINKS.get(table, {}).get(column)
    if target is not None:
        href = datasette.urls.row(database, target, tilde_encode(str(value)))
        return markupsafe.Markup('<a href="{}">{}</a>').format(href, value)
    sized = SIZES.get(table, {}).get(column)
    if sized is not None and isinstance(value, int):
        try:
            qualifier = row[sized[0]]
        except (KeyError, IndexError):
            return None  # never show a size without its hedge
        if qualifier is not None and qualifier not in HEDGES:
            return None
        return " ".join(w for w in (HEDGES.get(qualifier), f"{value:,}", sized[1]) if w)
    return None
'''


def datasette_plugin(resources: dict[str, Resource]) -> str:
    """The source of PLUGIN_FILE for these tables and the findings view: their single-column foreign keys, and
    each count with a unit whose hedge is the column <name>_qualifier."""
    every = described(resources)
    links = {name: {fk.fields[0]: fk.target(name) for fk in r.foreign_keys if len(fk.fields) == 1}
             for name, r in every.items()}
    sizes = {name: {f.name: [f"{f.name}_qualifier", f.unit] for f in r.fields
                    if f.type == "integer" and f.unit is not None and f"{f.name}_qualifier" in r.field_names}
             for name, r in every.items()}
    data = {"database": DATABASE, "links": {k: v for k, v in links.items() if v}, "sizes": {k: v for k, v in sizes.items() if v},
            "hedges": dict(HEDGES)}
    return PLUGIN % {key: json.dumps(value, ensure_ascii=True, sort_keys=True) for key, value in data.items()}

"""`mmdata export`: typed SQLite, Parquet and CSV files generated from the Table Schemas.

Every output holds the rows of one SQLite database built from the typed tables (`sqlite.database`):
the tables in primary-key order and the findings view. The Parquet files and `findings.csv` are
made from the typed tables by Arrow's kernels (columns.py), in the order and with the values the
database gives back, and read back from the database wherever the two could differ (#22). So the
SQLite file, the Parquet files and `findings.csv` hold the same rows and values, and no column is
defined twice.

Layout of an export (``--to DIR``, default ``build``):

- ``data.sqlite`` and ``metadata.json`` (sqlite), and in the folder ``mmdata export`` writes, ``plugins/mmdata_cells.py``:
  for ``datasette build``, which loads all three (the plugin links foreign keys on row pages and words sizes with
  their hedge). The plugin is code, so `export_files` (what a release archive and the site's downloads hold) leaves
  it out: an archive of the data carries no code, and ``datasette data.sqlite -m metadata.json`` serves it without;
- ``parquet/<table>.parquet`` for the five tables and the findings view (parquet);
- ``fhir.json`` (fhir, only when asked for): the findings as a FHIR R5 Bundle (publish/fhir.py, #20);
- ``findings.csv`` (csv): the findings view as a CSV file; the five tables already are CSV. It is
  meant for spreadsheets, so a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written with a ``'`` before it (OWASP's advice against CSV injection), even
  though validation already refuses such cells (``formula-like``); numbers are written as numbers.
  SQLite and Parquet hold every value as it is: they are typed stores that evaluate nothing.

Same inputs, same bytes: with the same SQLite library and the same pyarrow version, rebuilding
gives byte-identical files (tests check it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExportError, LoadError, WriteRefused
from ..io.arrow import arrow_pool
from ..io.canonical import arrow_lines, arrow_quoted
from ..io.csvfile import canonical_lines, quoted
from ..io.files import move_file, unwritable, write_file
from ..io.jsonfile import dumps
from ..io.snapshot import Snapshot
from ..model.load import package_at, raise_load_error, typed_tables, verify_archive
from ..model.package import Package, declared_files, open_package, view_field_problems
from ..model.schema import Resource
from ..rules.celltext import FORMULA_STARTS
from ..rules.validate import validated
from . import croissant, fhir, findings
from .findings import quote_name
from .sqlite import (
    PLUGIN_FILE,
    compacted,
    database,
    datasette_metadata,
    datasette_plugin,
    described,
    findings_frame,
    indexed_beside,
    made_beside,
    made_file,
    temporary_folder,
    unwritten,
)

FORMATS = ("sqlite", "parquet", "csv", "fhir")
#: What `mmdata export`, the site and a release write when no format is asked for (fhir is written on request, #20).
DEFAULT_FORMATS = ("sqlite", "parquet", "csv")
DEFAULT_DIR = "build"
SQLITE_FILE = "data.sqlite"
METADATA_FILE = "metadata.json"
FINDINGS_CSV = "findings.csv"
ARCHIVE_DIR = "exports"
#: Fixed Parquet writer options, so that the same rows give the same bytes.
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 9, "version": "2.6", "data_page_version": "1.0",
                                   "write_statistics": True, "store_schema": True}


def load_findings(path: str | Path | None = None) -> Any:
    """The findings view as a typed DataFrame (what ``mmdata.load("findings")`` returns): built from the tables as
    mmdata.load types them, with no validation, so it raises what mmdata.load raises (IntegrityError, LoadError), and
    LoadError too when the tables break a key or another constraint the view's joins rest on, or their schemas lack a
    column it takes (validation's field-errors, model.package.view_field_problems)."""
    pkg = package_at(path)
    verify_archive(pkg)  # first, as mmdata.load does: a schema changed inside a release archive is an IntegrityError
    shape = view_field_problems(pkg.entries)  # a column the view takes, missing or of two types: as validation says it
    if shape:
        raise_load_error(pkg.label, shape, "cannot build the findings view")
    tables = typed_tables(pkg, verified=True)
    try:
        return findings_frame(tables, pkg.resources)
    except ExportError as exc:
        raise LoadError(f"{pkg.label}: cannot build the findings view: {exc}") from None


def export_files(source: str | Path | Snapshot | Package, formats: tuple[str, ...] = DEFAULT_FORMATS) -> dict[str, bytes]:
    """Every export file of the package (a folder, an archive, or a Package already opened), by relative path, in
    memory; it is validated first, once (InvalidPackage when it does not validate), unless it already was."""
    _known(formats)
    return _files(validated(source), formats)[0]


def _known(formats: tuple[str, ...]) -> None:
    """ExportError when a format is not one of FORMATS, or needs pyarrow and it is not installed."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"unknown format {unknown[0]}; use one of {', '.join(FORMATS)}")
    for name, what in (("parquet", "Parquet"), ("csv", "CSV")):  # both are made from Arrow arrays (#22)
        if name in formats:
            require("pyarrow", what)


@contextlib.contextmanager
def files_and_findings(pkg: Package, into: dict[str, Path],
                       refused: Callable[[OSError], Exception]) -> Iterator[tuple[dict[str, bytes], pd.DataFrame]]:
    """export_files of pkg (validated) but those into names (SQLITE_FILE, FINDINGS_CSV), which are put at its paths (their
    folders exist) rather than held (at a million rows, 645 MB and 579 MB, the second twice while it was joined), and
    the findings view typed as findings_frame types it, in key order, read from the same database: the site needs both,
    and building the database a second time cost it a tenth of its time (#22). refused makes what is raised of an
    OSError of their own (writing findings.csv, moving the SQLite file in); one raised by the block is raised as it is.

    The SQLite file's full-text index is made in a thread of its own while the block runs (the site's pages), and the
    file is put at its path when the block ends: made before the findings view's Parquet file and frame, the index held
    up the site for 7 to 12 s at a million rows, and made beside the view's columns, it raised the site's peak by 470 MB
    (#22)."""
    inside = False  # the block is running: an OSError is its own
    try:
        with _made_files(validated(pkg), DEFAULT_FORMATS, keep=True, into=into,
                         view_as=lambda table: arrow_frame(table, findings.findings_resource(pkg.resources))) as handed:
            inside = True
            yield handed.pop("files"), handed.pop("view")  # not held here: the site lets go of both (#22)
            inside = False
    except OSError as exc:
        if inside:
            raise
        raise refused(exc) from None


def _files(pkg: Package, formats: tuple[str, ...], keep: bool = False,
           into: dict[str, Path] | None = None) -> tuple[dict[str, bytes], Any]:
    """The export files of pkg, every one of them made (those into names put at its paths), and the findings view's
    Arrow table when keep (_made_files)."""
    with _made_files(pkg, formats, keep, into=into) as handed:
        return handed["files"], handed["view"]


@contextlib.contextmanager
def _made_files(pkg: Package, formats: tuple[str, ...], keep: bool = False,
                into: dict[str, Path] | None = None, view_as: Callable[[Any], Any] | None = None) -> Iterator[dict[str, Any]]:
    """The export files of pkg (handed["files"]), from its tables as mmdata.load types them (handed on by its validation,
    when it had one), and, when keep, the findings view (handed["view"]) as an Arrow table (as its Parquet file holds it),
    or as view_as makes it of that table, before the index is begun (#22). The SQLite file and findings.csv are put at the
    paths into gives them instead of in the files: the first before the block runs, or when keep, once it ends (its
    full-text index is made while the block runs); the second written as it is made.

    The columns of each table and of the findings view are made from the typed tables (_made, _with_view), before the
    database is compacted: in this order, the Arrow allocations of a million findings took 1.4 to 3.4 s, after it 6 to 9 s
    of page faults. The site (keep) writes the tables' Parquet files before the view's columns are made, not while they
    are held. A table or view columns.py cannot make is read back from the database BATCH rows at a time, in key order; a
    batch is made into Arrow arrays (Parquet, and the findings view kept) and CSV lines (findings.csv) and let go: the
    rows of a million findings as Python values were gigabytes (#22).

    When nothing is read back and the findings view is not kept, the SQLite file's full-text index is made in a thread
    while the other files are made (sqlite.made_beside): at a million rows, `mmdata export` took 38.4 to 39.7 s
    instead of 43.9 to 44.9 s, with the same peak memory. The site keeps the view: made beside it, the index raised the
    site's peak by 470 MB (4,113 MB to 4,582 MB) for 8.6 s less; the site's index is made after the view, while the
    block runs (#22)."""
    with arrow_pool():
        tables, resources, into = typed_tables(pkg), pkg.resources, into or {}
        every = described(resources)
        files: dict[str, bytes] = {}
        valid = pkg.report is not None and pkg.report.valid  # then validation checked what the CHECK constraints say (#22)
        conn = database(tables, resources, checked=valid)  # built once: it is the SQLite file, and the rows are read back from it
        moved = "sqlite" in formats and SQLITE_FILE in into  # the file put at its path rather than read into files
        beside = moved and keep  # the index made while the block runs (the site's pages), the file moved after it
        inside = False  # the block is running: an error of SQLite is its own
        try:
            made = _made(tables, resources, formats, keep)
            if keep:  # the site: each table's Parquet file before the view's columns are made (its combined columns and
                # the view's were the site's peak memory, #22); what columns.py could not make waits for the compacted database
                early = {name: every.pop(name) for name in list(every) if name in made}
                _arrow_files(pkg, conn, early, dict(made), formats, keep, files, into)
            _with_view(made, resources, formats)
            if keep:
                made = {name: columns for name, columns in made.items() if name in every}
            if "sqlite" in formats:
                files[METADATA_FILE] = dumps(datasette_metadata(pkg.descriptor, resources)).encode("utf-8")
            if "sqlite" in formats and not keep and not beside and all(name in made for name in every if any(_wanted(name, formats, keep))):
                with made_beside(conn, resources):  # nothing is read back from the database below
                    kept = _arrow_files(pkg, conn, every, made, formats, keep, files, into)
            else:
                if beside:
                    compacted(conn)  # the index waits for the block, and for what is read back below
                elif "sqlite" in formats:
                    made_file(conn, resources)
                kept = _arrow_files(pkg, conn, every, made, formats, keep, files, into)
            if keep and view_as is not None:
                kept = view_as(kept)
            if moved and not beside:
                conn.move(into[SQLITE_FILE])
            elif "sqlite" in formats and not beside:
                files[SQLITE_FILE] = conn.file()  # once the rows read back are let go
            if "fhir" in formats:
                files[fhir.FILE] = dumps(fhir.bundle(pkg, tables)).encode("utf-8")
            # Handed to the block and not held here: the site lets go of the files once written, and of the finding
            # tables once their quotes are taken (#22).
            handed = {"files": dict(sorted(files.items())), "view": kept}
            del files, kept, tables, made
            if not beside:
                inside = True
                yield handed
                return
            with indexed_beside(conn, resources):
                inside = True
                yield handed
                inside = False
            conn.move(into[SQLITE_FILE])
        except sqlite3.Error as exc:
            if inside:
                raise
            raise unwritten(conn.folder.name, exc) from None
        finally:
            conn.close()


def export(source: str | Path | Package = ".", to: str | Path = DEFAULT_DIR, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Write the export files of the package (a folder, or a Package already opened) into the folder to; return the paths written.

    Refused, writing nothing, when to is the package folder or inside a folder of the package's own files (data/,
    schemas/, the seeds), which the export would change (ExportError), or when a file or folder on the way inside to
    is a symbolic link (WriteRefused): nothing is written outside to (#23).

    The SQLite file and findings.csv are made in a temporary folder (TMPDIR) and moved into to, never held in memory:
    at a million rows, 645 MB and 579 MB that were read back, joined and written again (#22).
    """
    pkg, out = open_package(source), Path(to)
    if pkg.root is not None:
        _refuse_inside(pkg, out)
    _known(formats)
    pkg = validated(pkg)
    moved = [rel for rel, form in ((SQLITE_FILE, "sqlite"), (FINDINGS_CSV, "csv")) if form in formats]
    with temporary_folder(" and ".join(moved)) if moved else contextlib.nullcontext("") as scratch:
        into = {rel: Path(scratch) / rel for rel in moved}
        try:
            files: dict[str, bytes | Path] = {**_files(pkg, formats, into=into)[0]}
        except OSError as exc:  # findings.csv written, or the SQLite file moved, in the temporary folder; any other is raised
            failed = next((rel for rel, path in into.items() if str(path) in (exc.filename, exc.filename2)), None)
            if failed is None:
                raise
            raise ExportError(f"{failed} cannot be written in the temporary folder {scratch} ({exc.strerror or exc}); "
                              "free some room there, or set TMPDIR to a folder with more room") from None
        files.update(into)
        if "sqlite" in formats:  # the folder's Datasette plugin: code, so never in a release archive or the site's downloads (#19)
            files[PLUGIN_FILE] = datasette_plugin(pkg.resources).encode("utf-8")
        return _written(out, dict(sorted(files.items())))


def _written(out: Path, files: dict[str, bytes | Path]) -> list[Path]:
    """Write files (content, or the path of a file to move) into out, in their order; the paths written. Nothing is
    written when a path cannot be written safely (WriteRefused); ExportError when a file cannot be written."""
    written = []
    try:
        for rel in files:
            why = unwritable(out, rel)
            if why is not None:
                raise WriteRefused(f"{out / rel}: not written: {why}; nothing was exported")
        for rel, content in files.items():
            written.append(out / rel)
            if isinstance(content, Path):
                move_file(out, rel, content)
            else:
                write_file(out, rel, content)
    except OSError as exc:
        raise ExportError(f"{out / rel}: cannot write: {exc.strerror or exc}; give a folder you can write to") from None
    return written


def _refuse_inside(pkg: Package, out: Path) -> None:
    """ExportError when out is the package folder or inside one of the folders that hold its files (#23)."""
    root, where = Path(os.path.realpath(pkg.root or ".")), Path(os.path.realpath(out))
    folders = {PurePosixPath(rel).parts[0] for rel in declared_files(pkg.descriptor) if len(PurePosixPath(rel).parts) > 1}
    folders.add(PurePosixPath(pkg.seeds).parts[0])
    if where == root:
        raise ExportError(f"{out}: is the package folder; export to a folder of its own (the default is {DEFAULT_DIR}/)")
    inside = next((f for f in sorted(folders) if where == root / f or root / f in where.parents), None)
    if inside is not None:
        raise ExportError(f"{out}: is inside the package's folder {inside}/, whose files the export would change; "
                          f"export to a folder of its own (the default is {DEFAULT_DIR}/)")


def archive_exports(pkg: Package, descriptor: dict[str, Any]) -> dict[str, bytes]:
    """The export files of a release archive, under exports/: those of pkg with the archive's descriptor (its version
    and checksums). `mmdata release` hands the package it validated; `release --rebuild` the release's files, which
    the recorded sha256 vouches for. Not validated here."""
    require("pyarrow", "Parquet")
    released = dataclasses.replace(pkg, descriptor=descriptor)
    files = {f"{ARCHIVE_DIR}/{rel}": data for rel, data in _files(released, DEFAULT_FORMATS)[0].items()}
    files[croissant.FILE] = croissant_bytes(released, lambda resource: resource.path)  # at the root, beside the tables it describes (#20)
    return files


def croissant_bytes(pkg: Package, locate: Callable[[Resource], str]) -> bytes:
    """croissant.json of the package, each table's contentUrl given by locate (#20)."""
    return dumps(croissant.croissant(pkg, study_rows(pkg), locate)).encode("utf-8")


def study_rows(pkg: Package) -> list[dict[str, str]]:
    """The studies as text (empty cells left out), for the links the metadata names (croissant.known_links)."""
    frame = typed_tables(pkg, ["studies"])["studies"].astype(object)
    return [{k: str(v) for k, v in row.items() if not pd.isna(v)} for row in frame.to_dict("records")]


#: Rows read back from the database at a time (#22).
BATCH = 50_000


def _made(tables: dict[str, pd.DataFrame], resources: dict[str, Resource], formats: tuple[str, ...], keep: bool) -> dict[str, list[Any]]:
    """The columns of each table made from the typed tables (columns.py), where they are the database's (the others are
    read back from it), when an Arrow output is asked for (#22)."""
    if not ({"parquet", "csv"} & set(formats) or keep):
        return {}
    from .columns import table_columns

    return {name: columns for name, resource in resources.items() if (columns := table_columns(tables[name], resource)) is not None}


def _with_view(made: dict[str, list[Any]], resources: dict[str, Resource], formats: tuple[str, ...]) -> None:
    """Add the findings view's columns to made, from its tables' (_made), where columns.py can make them; then drop the
    tables' when no Parquet file is asked for (#22)."""
    if not made:
        return
    from .columns import view_columns

    view = view_columns(made, resources)
    if view is not None:
        made[findings.NAME] = view
    if "parquet" not in formats:
        for name in [name for name in made if name != findings.NAME]:
            del made[name]


def _wanted(name: str, formats: tuple[str, ...], keep: bool) -> tuple[bool, bool]:
    """Whether the table or view name is made into Arrow arrays (a Parquet file, or the findings view kept) and into CSV
    lines (findings.csv)."""
    return "parquet" in formats or (keep and name == findings.NAME), "csv" in formats and name == findings.NAME


def _arrow_files(pkg: Package, conn: sqlite3.Connection, every: dict[str, Resource], made: dict[str, list[Any]],
                 formats: tuple[str, ...], keep: bool, files: dict[str, bytes], into: dict[str, Path]) -> Any:
    """The Parquet files and findings.csv of the tables and the view (every) put in files, each from its columns made
    (taken out of made) or else read back from the database; the findings view as an Arrow table when keep. findings.csv
    is written to into's path for it, when it has one, a batch of lines at a time."""
    kept = None
    for name, resource in every.items():
        arrow, csv = _wanted(name, formats, keep)
        if not (arrow or csv):
            continue
        arrays: list[list[Any]] = []
        lines: list[bytes] = []
        with contextlib.ExitStack() as stack:
            put = stack.enter_context(contextlib.closing(_FileAt(into[FINDINGS_CSV]))).write if csv and FINDINGS_CSV in into else lines.append
            if csv:
                put(canonical_lines([resource.field_names]).encode("utf-8"))
            numbers: list[dict[Any, str]] = [{} for _ in resource.fields]  # each number column's texts, once per value
            if name in made:  # made from the typed tables: one batch, findings.csv's lines BATCH rows at a time
                arrays.append(list(made.pop(name)))  # a list of its own: arrow_table empties it
                rows = len(arrays[0][0]) if arrays[0] else 0
                for start in range(0, rows, BATCH) if csv else ():
                    batch = [column.slice(start, BATCH) for column in arrays[0]]
                    put(csv_lines(batch, _values(batch, resource), resource, numbers))
            for batch in _batches(conn, name, resource) if not arrays else ():  # read back from the database
                columns = list(zip(*batch, strict=True))
                arrays.append(arrow_arrays(columns, resource))
                if csv and batch:
                    put(csv_lines(arrays[-1], columns, resource, numbers))
                if not arrow:
                    arrays.clear()
        if csv and FINDINGS_CSV not in into:
            files[FINDINGS_CSV] = b"".join(lines)
        if not arrow:
            continue
        table = arrow_table(arrays, resource, {
            "name": name, "title": resource.title, "description": resource.description or resource.entry_description,
            "version": pkg.version, "license": json.dumps(pkg.descriptor.get("licenses", []), allow_nan=False),
        })
        if "parquet" in formats:
            files[f"parquet/{name}.parquet"] = parquet_file(table)
        if keep and name == findings.NAME:
            kept = table
        del table, arrays
    return kept


class _FileAt:
    """A file written at path (findings.csv, where into puts it): an OSError of opening, writing or closing it that names
    no file names path, so that the caller can tell it from any other (#22)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = self._named(lambda: open(path, "wb"))

    def write(self, data: bytes) -> None:
        self._named(lambda: self.file.write(data))

    def close(self) -> None:
        self._named(self.file.close)

    def _named(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except OSError as exc:
            if exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, str(self.path)) from None


def _values(batch: list[Any], resource: Resource) -> list[tuple[Any, ...]]:
    """The Python values csv_lines takes of a batch of Arrow arrays: those of the number columns (none of the others)."""
    return [tuple(column.to_pylist()) if f.type == "number" else () for column, f in zip(batch, resource.fields, strict=True)]


#: The names SQLite gives a table's rowid, each but where a column takes it (a table with no key has one: not WITHOUT ROWID).
ROWID = ("rowid", "_rowid_", "oid")


def _batches(conn: sqlite3.Connection, name: str, resource: Resource) -> Iterator[list[tuple[Any, ...]]]:
    """A table in primary-key order, or the findings view, as read back from the database (sqlite.database), BATCH rows
    at a time; an empty table gives one empty batch. A table with no key comes in the order its rows were inserted
    (sqlite.records: the file's), by its rowid under a name none of its columns takes."""
    order = ", ".join(quote_name(k) for k in resource.primary_key) or next(
        (alias for alias in ROWID if alias not in {n.lower() for n in resource.field_names}), "")
    cursor = conn.execute(f"SELECT * FROM {quote_name(name)}" + (f" ORDER BY {order}" if order else ""))
    batch = cursor.fetchmany(BATCH)
    yield batch
    while len(batch) == BATCH:
        batch = cursor.fetchmany(BATCH)
        if batch:
            yield batch


#: A cell csv_lines makes spreadsheet-safe, as an RE2 pattern, written as canonical.QUOTED_CELL is (a test checks it
#: over every code point).
FORMULA_START = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in FORMULA_STARTS) + "]"


def csv_lines(arrays: list[Any], columns: list[tuple[Any, ...]], resource: Resource, numbers: list[dict[Any, str]]) -> bytes:
    """The lines of findings.csv for one batch of rows, as canonical_csv writes them (a test checks), from the batch's
    Arrow arrays (arrow_arrays) and its values: texts spreadsheet-safe (spreadsheet_safe), whole numbers as Arrow writes
    them, other numbers as _text writes them (numbers holds each column's, once per value), missing values empty; a cell
    quoted, its quotes doubled, when it holds a character of QUOTED. Whole columns at a time: a million findings cell by
    cell in Python took half the export (#22)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = []
    for f, array, values, done in zip(resource.fields, arrays, columns, numbers, strict=True):
        if f.categorical:  # each allowed value's cell made once, then taken by the row's index
            texts.append(pc.fill_null(pc.take(pa.array([quoted(spreadsheet_safe(v)) for v in f.enum or ()], pa.string()), array.indices), ""))
        elif f.type == "integer":  # digits and a sign: never quoted
            texts.append(pc.fill_null(pc.cast(array, pa.string()), ""))
        elif f.type != "string":  # a float's shortest form (repr), which is Python's, never quoted; -0.0 equals 0.0, so a zero is never looked up
            texts.append(pa.array(["" if v is None else done[v] if v and v in done else done.setdefault(v, _text(v)) if v else _text(v)
                                   for v in values], pa.string()))
        else:
            formula = pc.fill_null(pc.match_substring_regex(array, FORMULA_START), False)
            text = pc.fill_null(pc.if_else(formula, pc.binary_join_element_wise("'", array, ""), array) if pc.any(formula).as_py() else array, "")
            texts.append(arrow_quoted(text))
    lines = arrow_lines(texts).cast(pa.string())  # a batch is far below 2 GB
    _, offsets, data = lines.buffers()
    start, end = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]].tolist()
    return data[start:end].to_pybytes() if end > start else b""


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading ' before a formula-like start (#13)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: Any) -> str:
    """A value as CSV text: empty for missing, integers without a decimal point, floats in their shortest exact form."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def require(module: str, what: str) -> None:
    """Raise ExportError, saying how to install it, when an optional module of the export extra is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ExportError(f"{what} output needs {module}, which is not installed; install the export extra: pip install 'mmdata[export]'")


def arrow_arrays(columns: list[tuple[Any, ...]], resource: Resource) -> list[Any]:
    """One batch of a table's columns (Python values, None for missing) as Arrow arrays: types from the Table Schema,
    allowed values dictionary-encoded in the schema's order. Empty columns (no rows) are allowed."""
    import pyarrow as pa

    from .columns import encoded

    arrays = []
    for i, f in enumerate(resource.fields):
        values = columns[i] if columns else ()
        arrays.append(encoded(pa.array(values, getattr(pa, f.arrow_type)()), f, resource.name))
    return arrays


def arrow_table(batches: list[list[Any]], resource: Resource, metadata: dict[str, str]) -> Any:
    """A table's batches of Arrow arrays (arrow_arrays) as one Arrow table of one chunk: descriptions as field metadata,
    the keys and metadata as the table's. The batches are emptied column by column as they are joined, so that a column
    is held twice only while it is joined (#22)."""
    import pyarrow as pa

    from .columns import concatenated, flat

    fields, arrays = [], []
    for i, f in enumerate(resource.fields):
        parts = [batch[i] for batch in batches]
        for batch in batches:
            batch[i] = None
        array = concatenated(parts, parts[0].type) if len(parts) > 1 else flat(parts[0])  # one chunk: Parquet's bytes follow the chunks
        del parts
        enum = f.enum
        meta = {"description": f.description or "", "type": f.type}
        meta.update({"unit": f.unit} if f.unit is not None else {})
        meta.update({"enum": json.dumps(list(enum), allow_nan=False)} if enum is not None else {})
        fields.append(pa.field(f.name, array.type, nullable=not f.required, metadata=meta))
        arrays.append(array)
    table_meta = dict(metadata, primaryKey=json.dumps(list(resource.primary_key), allow_nan=False),
                      foreignKeys=json.dumps([fk.written for fk in resource.foreign_keys], allow_nan=False))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=table_meta))


def parquet_file(table: Any) -> bytes:
    """One Parquet file of an Arrow table, written with the fixed options."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())


def arrow_frame(table: Any, resource: Resource) -> pd.DataFrame:
    """An Arrow table of arrow_table as the DataFrame frame() makes of the same rows (mmdata.load's types): string,
    Int64, Float64, categories in the schema's order."""
    columns: dict[str, pd.Series] = {}
    for f, column in zip(resource.fields, table.columns, strict=True):
        if f.categorical:
            codes = column.combine_chunks().indices.fill_null(-1).to_numpy()
            columns[f.name] = pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories=list(f.enum or ()))))
        else:
            columns[f.name] = pd.Series(pd.api.types.pandas_dtype("string" if f.type == "string" else f.dtype).__from_arrow__(column))
    return pd.DataFrame(columns)


__all__ = ["ARCHIVE_DIR", "DEFAULT_FORMATS", "croissant_bytes", "study_rows", "require", "DEFAULT_DIR", "FORMATS", "ExportError",
           "archive_exports", "export", "export_files", "files_and_findings",
           "load_findings", "parquet_file", "arrow_arrays", "arrow_table", "arrow_frame"]

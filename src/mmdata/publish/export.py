"""`mmdata export`: typed SQLite, Parquet and CSV files generated from the Table Schemas.

Every output is read from one SQLite database built from the typed tables (`sqlitedb`): the
tables in primary-key order and the findings view. So the SQLite file, the Parquet files and
`findings.csv` hold the same rows and values, and no column is defined twice.

Layout of an export (``--to DIR``, default ``build``):

- ``data.sqlite`` and ``metadata.json`` (sqlite): for ``datasette data.sqlite -m metadata.json``;
- ``parquet/<table>.parquet`` for the five tables and the findings view (parquet);
- ``findings.csv`` (csv): the findings view as a CSV file; the five tables already are CSV. It is
  meant for spreadsheets, so a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is written with a ``'`` before it (OWASP's advice against CSV injection), even
  though validation already refuses such cells (``formula-like``); numbers are written as numbers.
  SQLite and Parquet hold every value as it is: they are typed stores that evaluate nothing.

Same inputs, same bytes: with the same SQLite library and the same pyarrow version, rebuilding
gives byte-identical files (tests check it).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ExportError, InvalidPackage
from ..io.csvfile import canonical_csv
from ..io.files import atomic_write
from ..io.jsonfile import dumps
from ..rules.celltext import FORMULA_STARTS
from . import findings
from .findings import quote_name
from .sqlite import build, database_bytes, datasette_metadata, findings_frame, primary_key

FORMATS = ("sqlite", "parquet", "csv")
DEFAULT_DIR = "build"
SQLITE_FILE = "data.sqlite"
METADATA_FILE = "metadata.json"
FINDINGS_CSV = "findings.csv"
ARCHIVE_DIR = "exports"
#: Fixed Parquet writer options, so that the same rows give the same bytes.
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 9, "version": "2.6", "data_page_version": "1.0",
                                   "write_statistics": True, "store_schema": True}


class Package:
    """The typed tables of a package (read through mmdata.load) with their schemas and titles."""

    def __init__(self, path: str | Path | None) -> None:
        from ..io.snapshot import open_snapshot
        from ..model.load import bundled_root, load

        root = path if path is not None else bundled_root()
        if Path(root).is_dir():
            _require_valid(Path(root))
        snap = open_snapshot(root)
        self.snapshot = snap
        self.descriptor = snap.descriptor
        self.tables = load(path=path)
        self.schemas = {name: snap.schema(name) for name in snap.resources()}
        self.titles = {name: (str(r.get("title", name)), str(r.get("description", ""))) for name, r in snap.resources().items()}

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def all_schemas(self) -> dict[str, dict[str, Any]]:
        """The tables' schemas and the findings view's, in the order of the outputs."""
        return dict(self.schemas, **{findings.NAME: findings.findings_schema(self.schemas)})


def load_findings(path: str | Path | None = None) -> Any:
    """The findings view as a typed DataFrame (what ``mmdata.load("findings")`` returns)."""
    pkg = Package(path)
    return findings_frame(pkg.tables, pkg.schemas)


def export_files(path: str | Path | None, formats: tuple[str, ...] = FORMATS) -> dict[str, bytes]:
    """Every export file of the package at path, by relative path, in memory."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"unknown format {unknown[0]}; use one of {', '.join(FORMATS)}")
    if "parquet" in formats:
        require("pyarrow", "Parquet")
    pkg = Package(path)
    files: dict[str, bytes] = {}
    rows = _rows(pkg)
    schemas = pkg.all_schemas()
    if "sqlite" in formats:
        files[SQLITE_FILE] = database_bytes(pkg.tables, pkg.schemas, pkg.titles)
        metadata = datasette_metadata(pkg.descriptor, pkg.schemas, pkg.titles)
        files[METADATA_FILE] = dumps(metadata).encode("utf-8")
    if "parquet" in formats:
        for name, schema in schemas.items():
            title, description = pkg.titles.get(name, (findings.TITLE, findings.DESCRIPTION))
            files[f"parquet/{name}.parquet"] = parquet_bytes(rows[name], schema, {
                "name": name, "title": title, "description": schema.get("description") or description,
                "version": pkg.version, "license": json.dumps(pkg.descriptor.get("licenses", []), allow_nan=False),
            })
    if "csv" in formats:
        header = [f["name"] for f in schemas[findings.NAME]["fields"]]
        files[FINDINGS_CSV] = canonical_csv(header, [[spreadsheet_safe(_text(v)) if isinstance(v, str) else _text(v) for v in row]
                                                     for row in rows[findings.NAME]])
    return dict(sorted(files.items()))


def export(path: str | Path = ".", to: str | Path = DEFAULT_DIR, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the export files of the package at path into the folder to; return the paths written."""
    files = export_files(path, formats)
    written = []
    for rel, content in files.items():
        target = Path(to) / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, content)
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}; give a folder you can write to") from None
        written.append(target)
    return written


def archive_exports(contents: dict[str, bytes]) -> dict[str, bytes]:
    """The export files of a release archive's contents, under exports/, for `mmdata release`."""
    with tempfile.TemporaryDirectory(prefix="mmdata-export-") as tmp:
        for rel, content in contents.items():
            target = Path(tmp) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return {f"{ARCHIVE_DIR}/{rel}": data for rel, data in export_files(tmp).items()}


def _rows(pkg: Package) -> dict[str, list[tuple[Any, ...]]]:
    """Each table in primary-key order and the findings view, as read back from the database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        build(conn, pkg.tables, pkg.schemas, pkg.titles)
        rows = {}
        for name, schema in pkg.all_schemas().items():
            order = ", ".join(quote_name(k) for k in primary_key(schema))
            rows[name] = conn.execute(f"SELECT * FROM {quote_name(name)} ORDER BY {order}").fetchall()
        return rows
    finally:
        conn.close()


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


def _require_valid(root: Path) -> None:
    """Refuse a package that does not validate: its exports would silently drop what cannot be typed."""
    from ..rules.validate import validate_package

    report = validate_package(root)
    if not report.valid:
        n = len(report.problems)
        raise InvalidPackage(f"{root}: the package is not valid ({n} problem{'' if n == 1 else 's'}); nothing was written. "
                          "Run `mmdata validate` to see them")


def require(module: str, what: str) -> None:
    """Raise ExportError, saying how to install it, when an optional module of the export extra is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ExportError(f"{what} output needs {module}, which is not installed; install the export extra: pip install 'mmdata[export]'")


def parquet_bytes(rows: list[tuple[Any, ...]], schema: dict[str, Any], metadata: dict[str, str]) -> bytes:
    """One Parquet file: Arrow types from the Table Schema, allowed values dictionary-encoded, descriptions as field metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}
    pk = primary_key(schema)
    fields, arrays = [], []
    for i, f in enumerate(schema["fields"]):
        values = [row[i] for row in rows]
        cons = f.get("constraints", {})
        enum = cons.get("enum")
        if enum is not None and f.get("type", "string") == "string":
            index = {v: n for n, v in enumerate(enum)}
            array = pa.DictionaryArray.from_arrays(pa.array([None if v is None else index[v] for v in values], pa.int32()),
                                                   pa.array(list(enum), pa.string()))
        else:
            array = pa.array(values, kinds[f.get("type", "string")])
        meta = {"description": f.get("description", ""), "type": f.get("type", "string")}
        meta.update({"unit": f["unit"]} if "unit" in f else {})
        meta.update({"enum": json.dumps(enum, allow_nan=False)} if enum is not None else {})
        required = bool(cons.get("required")) or f["name"] in pk
        fields.append(pa.field(f["name"], array.type, nullable=not required, metadata=meta))
        arrays.append(array)
    table_meta = dict(metadata, primaryKey=json.dumps(pk, allow_nan=False), foreignKeys=json.dumps(schema.get("foreignKeys", []), allow_nan=False))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=table_meta))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())


__all__ = ["ARCHIVE_DIR", "require", "DEFAULT_DIR", "FORMATS", "ExportError", "archive_exports", "export", "export_files", "load_findings", "parquet_bytes"]

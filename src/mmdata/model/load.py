"""`mmdata.load()`: the tables as pandas DataFrames with the types their schemas declare.

Tables are read by the same parser and typed by the same code as `mmdata validate`
(snapshot, package, frames.read_table, schemas.typed_frame), so that a cell reads the
same everywhere. Nothing is lost on the way: a cell that cannot be read as its declared type, a
value outside its field's allowed values, or a row that is not a clean CSV record raises
LoadError naming file, line and column, instead of coming back as a missing value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn, overload

import pandas as pd

from ..errors import IntegrityError, LoadError, MmdataError, Problem, SnapshotError, multiline
from ..io.frames import read_table
from ..io.snapshot import Snapshot, open_snapshot
from ..io.sums import SUMS, sums_problems
from .package import DESCRIPTOR, DTYPES, Resource, checksum_mismatches, declared_resources
from .typed import ENUM_ERROR, enum_message, typed_frame

#: Problems listed in a LoadError's message (all of them are in its problems attribute).
SHOWN = 5


def bundled_root() -> Path:
    """Where the data shipped with this installation lives: in the wheel, or the source tree."""
    package = Path(__file__).resolve().parents[1]  # the mmdata package folder (this is mmdata/model/load.py)
    for candidate in (package / "_data", package.parents[1]):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise MmdataError("this installation holds no data package; pass path= to mmdata.load")


def _open(path: str | Path | None) -> Snapshot:
    """The bundled package, or the package folder or release archive at path."""
    if path is None:
        return open_snapshot(bundled_root())
    if not Path(path).exists():
        raise SnapshotError(f"{path}: no such package folder or release archive")
    return open_snapshot(path)


def data_version(path: str | Path | None = None) -> str:
    """The version of the data package: the bundled one, or the folder or release archive at path."""
    snap = _open(path)
    if not snap.version:
        raise SnapshotError(f"{snap.label}: {DESCRIPTOR} records no version")
    return snap.version


@overload
def load(table: None = None, *, path: str | Path | None = None) -> dict[str, pd.DataFrame]: ...
@overload
def load(table: str, *, path: str | Path | None = None) -> pd.DataFrame: ...


def load(table: str | None = None, *, path: str | Path | None = None) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Load one table, or all of them as a dict, from the bundled data, a folder or a release archive.

    Files whose size and sha256 are recorded in datapackage.json are checked first; a mismatch
    raises IntegrityError naming the file. Columns get their declared types: strings, nullable
    integers (Int64), floats (Float64), and categories for text fields with allowed values. A
    cell that cannot be read as its type or category raises LoadError naming file, line and
    column; only an empty cell (or another declared missing value) becomes missing.

    Example:
        >>> import mmdata
        >>> outcomes = mmdata.load("outcomes")  # doctest: +SKIP
    """
    snap = _open(path)
    verified = sums_problems(snap)  # a release archive: every file against its SHA256SUMS (#13)
    if verified:
        shown = "\n".join(p.to_line() for p in verified[:SHOWN])
        raise IntegrityError(f"{snap.label}: does not match its {SUMS}:\n{shown}")
    names = list(snap.resources())
    if table is not None and table not in names:
        raise MmdataError(f"no table named '{table}'; the tables are {', '.join(names)}")
    wanted = [table] if table else names
    problems: list[Problem] = []
    usable = {r.name: r for r in declared_resources(snap, snap.descriptor, problems, check=False)}
    for name in wanted:
        if name not in usable:  # no path, no readable schema, a link, a folder or FIFO: as validate says (#13)
            where = f"resources/{next(i for i, r in enumerate(snap.descriptor['resources']) if isinstance(r, dict) and r.get('name') == name)}/"
            _raise(snap.label, [p for p in problems if (p.column or "").startswith(where) or p.path != DESCRIPTOR] or problems)
    frames = {name: _checked_frame(snap, usable[name]) for name in wanted}
    return frames[table] if table else frames


def _checked_frame(snap: Snapshot, resource: Resource) -> pd.DataFrame:
    """_frame, with a schema malformed in a way only frictionless tells (an enum that is not a list) raising LoadError."""
    try:
        return _frame(snap, resource)
    except (KeyError, TypeError, AttributeError, ValueError):
        found: list[Problem] = []
        declared_resources(snap, snap.descriptor, found, check=True)
        if not found:
            raise
        _raise(snap.label, found)


def _frame(snap: Snapshot, resource: Resource) -> pd.DataFrame:
    rel, schema = resource.rel, resource.schema or {}
    content = snap.file(rel)
    _verify(snap.label, resource.declared, content)
    unsupported = [f"{f['name']} ({f.get('type')})" for f in schema["fields"] if f.get("type", "string") not in DTYPES]
    if unsupported:
        raise LoadError(f"{snap.label}: {rel}: fields of a type mmdata cannot load: {', '.join(unsupported)}")
    problems: list[Problem] = []
    parsed = read_table(str(resource.name), rel, content, schema, problems)
    if parsed is None:
        _raise(snap.label, problems)
    typed, type_problems, _ = typed_frame(parsed)
    problems += type_problems
    categories = {f["name"]: list(f["constraints"]["enum"]) for f in schema["fields"]
                  if "enum" in f.get("constraints", {}) and f.get("type", "string") == "string"}
    for name, enum in categories.items():
        column = typed[name]
        for i in (column.notna() & ~column.isin(enum)).to_numpy().nonzero()[0]:
            value = str(column.iat[i])
            problems.append(Problem(rel, int(parsed.lines[i]), name, ENUM_ERROR, enum_message(value, enum), value))
    if problems:
        _raise(snap.label, problems)
    for name, enum in categories.items():  # only now: pandas turns a value outside the categories into NaN
        typed[name] = typed[name].astype(pd.CategoricalDtype(categories=enum))
    return typed.reset_index(drop=True)


def _raise(label: str, problems: list[Problem]) -> NoReturn:
    problems = sorted(problems, key=Problem.sort_key)
    shown = "\n".join(p.to_line() for p in problems[:SHOWN])
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    raise multiline(LoadError(f"{label}: cannot load without losing values; fix these (`mmdata validate` lists every problem):\n{shown}{more}",
                              problems))


def _verify(label: str, resource: dict[str, Any], content: bytes) -> None:
    for key, recorded, actual in checksum_mismatches(resource, content)[:1]:
        raise IntegrityError(f"{label}: {resource['path']} does not match datapackage.json: recorded {key} {recorded}, found {actual}")


__all__ = ["IntegrityError", "LoadError", "bundled_root", "data_version", "load"]

"""`mmdata.load()`: the tables as pandas DataFrames with the types their schemas declare.

Tables are read by the same parser and typed by the same code as `mmdata validate`
(open_package, frames.read_cells, typed.typed_frame), so that a cell reads the same everywhere.
Nothing is lost on the way: a cell that cannot be read as its declared type, a value outside its
field's allowed values, or a row that is not a clean CSV record raises LoadError naming file, line
and column, instead of coming back as a missing value. A package that validation found valid
hands on the tables it typed (typed_tables), so they are not read twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, overload

import pandas as pd

from ..errors import IntegrityError, LoadError, MmdataError, Problem, SnapshotError, multiline
from ..io.snapshot import DESCRIPTOR, ZipSnapshot, open_snapshot
from ..io.sums import SUMS, sums_problems
from .package import Package, checksum_mismatches, descriptor_check, open_package
from .schema import Resource
from .typed import loaded_frame, typed_frame

#: Problems listed in a LoadError's message (all of them are in its problems attribute).
SHOWN = 5


def bundled_root() -> Path:
    """Where the data shipped with this installation lives: in the wheel, or the source tree."""
    package = Path(__file__).resolve().parents[1]  # the mmdata package folder (this is mmdata/model/load.py)
    for candidate in (package / "_data", package.parents[1]):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise MmdataError("this installation holds no data package; pass path= to mmdata.load")


def package_at(path: str | Path | None) -> Package:
    """The bundled package, or the package folder or release archive at path, opened."""
    if path is None:
        snap = open_snapshot(bundled_root())
    elif not Path(path).exists():
        raise SnapshotError(f"{path}: no such package folder or release archive")
    else:
        snap = open_snapshot(path)
    pkg = open_package(snap)
    if pkg.descriptor_problems:  # a descriptor that reads two ways gives no tables
        raise SnapshotError(f"{pkg.label}: " + "; ".join(p.to_line() for p in pkg.descriptor_problems))
    return pkg


def data_version(path: str | Path | None = None) -> str:
    """The version of the data package: the bundled one, or the folder or release archive at path."""
    pkg = package_at(path)
    if not pkg.version:
        raise SnapshotError(f"{pkg.label}: {DESCRIPTOR} records no version")
    return pkg.version


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
    pkg = package_at(path)
    frames = typed_tables(pkg, None if table is None else [table])
    return frames[table] if table is not None else frames


def typed_tables(pkg: Package, tables: list[str] | None = None, *, verified: bool = False) -> dict[str, pd.DataFrame]:
    """The tables of pkg (all of them, or those named) as `load` types them: handed on by validation when pkg was
    validated and valid, else read now. The errors of `load`: IntegrityError, LoadError, MmdataError for an unknown table.
    verified: the caller has checked a release archive against its SHA256SUMS already (verify_archive)."""
    names = pkg.names
    unknown = [t for t in tables or [] if t not in names]
    if unknown:
        raise MmdataError(f"no table named '{unknown[0]}'; the tables are {', '.join(names)}")
    wanted = tables or names
    if pkg.frames is None and pkg.report is not None and pkg.report.valid and pkg.typed is not None:
        pkg.frames = {name: loaded_frame(table, typed)[0] for name, (table, typed) in pkg.typed.items()}
    if pkg.frames is not None and all(name in pkg.frames for name in wanted):
        return {name: pkg.frames[name] for name in wanted}
    if not verified:
        verify_archive(pkg)
    usable = pkg.resources
    for name in wanted:
        if name not in usable:  # no path, no readable schema, a link, a folder or FIFO: as validate says (#13)
            where = f"resources/{next(e.index for e in pkg.entries if e.declared.get('name') == name)}/"
            _raise(pkg.label, [p for p in pkg.problems if (p.column or "").startswith(where) or p.path != DESCRIPTOR] or pkg.problems)
    frames = {name: _checked_frame(pkg, usable[name]) for name in wanted}
    if tables is None:
        pkg.frames = frames
    return frames


def verify_archive(pkg: Package) -> None:
    """IntegrityError when pkg is a release archive a file of which does not match its SHA256SUMS (#13): checked before
    anything is read of it."""
    if isinstance(pkg.snapshot, ZipSnapshot):
        found = sums_problems(pkg.snapshot)
        if found:
            shown = "\n".join(p.to_line() for p in found[:SHOWN])
            raise IntegrityError(f"{pkg.label}: does not match its {SUMS}:\n{shown}")


def _checked_frame(pkg: Package, resource: Resource) -> pd.DataFrame:
    """_frame, with a schema malformed in a way only frictionless tells raising LoadError."""
    try:
        return _frame(pkg, resource)
    except (KeyError, TypeError, AttributeError, ValueError):
        found, _ = descriptor_check(pkg)
        if not found:
            raise
        _raise(pkg.label, found)


def _frame(pkg: Package, resource: Resource) -> pd.DataFrame:
    rel = resource.path
    content = pkg.file(rel)
    for key, recorded, actual in checksum_mismatches(resource.checksums, content)[:1]:
        raise IntegrityError(f"{pkg.label}: {rel} does not match datapackage.json: recorded {key} {recorded}, found {actual}")
    unsupported = [f"{f.name} ({f.type})" for f in resource.fields if not f.supported]
    if unsupported:
        raise LoadError(f"{pkg.label}: {rel}: fields of a type mmdata cannot load: {', '.join(unsupported)}")
    problems: list[Problem] = []
    table = pkg.table(resource, content, problems)
    if table is None:
        _raise(pkg.label, problems)
    typed, type_problems, _ = typed_frame(table)
    problems += type_problems
    loaded, enum_problems = loaded_frame(table, typed)
    problems += enum_problems
    if problems:
        _raise(pkg.label, problems)
    return loaded


def _raise(label: str, problems: list[Problem]) -> NoReturn:
    raise_load_error(label, problems, "cannot load without losing values")


def raise_load_error(label: str, problems: list[Problem], what: str) -> NoReturn:
    """LoadError: what cannot be done, and the first SHOWN of problems (all of them in its problems attribute)."""
    problems = sorted(problems, key=Problem.sort_key)
    shown = "\n".join(p.to_line() for p in problems[:SHOWN])
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    raise multiline(LoadError(f"{label}: {what}; fix these (`mmdata validate` lists every problem):\n{shown}{more}", problems))


__all__ = ["IntegrityError", "LoadError", "bundled_root", "data_version", "load", "package_at", "raise_load_error", "typed_tables", "verify_archive"]

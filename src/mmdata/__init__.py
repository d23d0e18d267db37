"""mmdata: curated findings on lenalidomide maintenance in multiple myeloma, and their validator.

``import mmdata`` is cheap: pandas, pandera and frictionless load only when a function needs them.

Example:
    >>> import mmdata
    >>> problems = mmdata.validate("path/to/package")  # doctest: +SKIP
    >>> [p.to_line() for p in problems]  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .about import DISTRIBUTION, __version__

if TYPE_CHECKING:
    from pathlib import Path

    from .errors import (
        AddRefused,
        DiffRefused,
        DocsError,
        ExportError,
        IntegrityError,
        InvalidPackage,
        LoadError,
        MergeConflict,
        MmdataError,
        PackageBusy,
        PackageReadError,
        Problem,
        QuoteError,
        ReleaseRefused,
        SiteError,
        SnapshotError,
        UnknownName,
        UnknownSource,
        UnsafeFile,
        WriteFailed,
        WriteRefused,
    )
    from .model.package import Package, Report

__all__ = [
    "__version__", "AddRefused", "CODES", "DISTRIBUTION", "DiffRefused", "DocsError", "ExportError", "IntegrityError", "InvalidPackage", "LoadError",
    "MergeConflict", "MmdataError", "PackageBusy", "PackageReadError", "Problem", "QuoteError", "ReleaseRefused", "SiteError", "SnapshotError",
    "UnknownName", "UnknownSource", "UnsafeFile", "WriteFailed", "WriteRefused", "data_version", "load", "open_package", "validate", "validate_report",
]


def __getattr__(name: str) -> Any:
    """mmdata.CODES, derived from the declaration of every code beside the rule that emits it: those
    rules import pandas, so they are imported only when CODES is first asked for (see rules.validate).
    The errors and Problem of __all__, from mmdata.errors when first asked for: ``mmdata --help``
    imports this package and needs none of them (#22)."""
    if name == "CODES":
        from .rules.validate import CODES

        return CODES
    if name in __all__:
        from . import errors

        value = getattr(errors, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names and the errors of __all__ before they are first asked for (for dir(), help() and completion);
    not CODES, which would import pandas for help(mmdata)."""
    return sorted(set(globals()) | set(__all__) - {"CODES"})


def open_package(source: str | Path, repo: str | Path = ".") -> Package:
    """The package at source (a folder, a release archive, or a git revision of the repository repo), read once.

    A Package holds the descriptor (``package.descriptor``), the typed tables' schemas
    (``package.resources["outcomes"].fields``, each Field with its dtype, effective ``required``,
    allowed values, unit and rule facts) and ``package.version``; pass it to validate or
    validate_report instead of a path, and it is not read again. Raises PackageReadError when
    datapackage.json cannot be read; every other problem is in ``package.problems`` (validation
    reports them all).

    Example:
        >>> import mmdata
        >>> package = mmdata.open_package("path/to/package")  # doctest: +SKIP
        >>> [f.name for f in package.resources["arms"].fields if f.required]  # doctest: +SKIP
    """
    from .model.package import open_package as _open_package

    return _open_package(source, repo)


def validate(path: str | Path | Package = ".") -> list[Problem]:
    """Every problem of the package at path (or of a Package opened with open_package), in reporting order; an
    empty list means valid.

    Raises PackageReadError when datapackage.json cannot be read at all.
    """
    return validate_report(path).problems


def validate_report(path: str | Path | Package = ".") -> Report:
    """Like validate, with counts of the tables, rows and seeds checked."""
    from .rules.validate import validate_package

    return validate_package(path)


def load(table: str | None = None, *, path: str | Path | None = None) -> Any:
    """Load one table (a DataFrame) or all five (a dict) with the types their schemas declare.

    By default the data shipped with this installation; path= names a package folder or a
    release archive. Recorded checksums are verified first (IntegrityError); a cell that cannot
    be read as its declared type raises LoadError naming its file, line and column.
    See mmdata.model.load.load.
    ``load("findings")`` gives the findings view: every outcome and adverse event with its
    study, arms and source (see mmdata.publish.findings), built from the typed tables without
    validating the package, so it raises what ``load()`` raises (LoadError, IntegrityError),
    and LoadError too when the tables break a key the view's joins rest on or their schemas
    lack a column it takes (the field-errors ``mmdata validate`` reports).
    """
    if table == "findings":
        from .publish.export import load_findings

        return load_findings(path)
    from .model.load import load as _load

    return _load(table, path=path)


def data_version(path: str | Path | None = None) -> str:
    """The version of the data package: the bundled one, or the one at path (a folder or a release archive)."""
    from .model.load import data_version as _data_version

    return _data_version(path)

"""`mmdata.load()`: the tables as pandas DataFrames with the types their schemas declare."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, overload

import pandas as pd

from .errors import MmdataError
from .package import DESCRIPTOR, DTYPES, checksum_mismatches
from .snapshot import Snapshot, open_snapshot


class IntegrityError(MmdataError):
    """A file does not match the size or sha256 that datapackage.json records for it."""


def bundled_root() -> Path:
    """Where the data shipped with this installation lives: in the wheel, or the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parents[1]):
        if (candidate / DESCRIPTOR).is_file():
            return candidate
    raise MmdataError("this installation holds no data package; pass path= to mmdata.load")


def data_version(path: str | Path | None = None) -> str:
    """The version of the data package (the bundled one by default)."""
    root = Path(path) if path is not None else bundled_root()
    if root.is_dir():
        return str(json.loads((root / DESCRIPTOR).read_text(encoding="utf-8")).get("version", ""))
    return open_snapshot(root).version


@overload
def load(table: None = None, *, path: str | Path | None = None) -> dict[str, pd.DataFrame]: ...
@overload
def load(table: str, *, path: str | Path | None = None) -> pd.DataFrame: ...


def load(table: str | None = None, *, path: str | Path | None = None) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Load one table, or all of them as a dict, from the bundled data, a folder or a release archive.

    Files whose size and sha256 are recorded in datapackage.json are checked first; a mismatch
    raises IntegrityError naming the file. Columns get their declared types: strings, nullable
    integers (Int64), floats (Float64), and categories for fields with allowed values.

    Example:
        >>> import mmdata
        >>> outcomes = mmdata.load("outcomes")  # doctest: +SKIP
    """
    snap = open_snapshot(path if path is not None else bundled_root())
    names = list(snap.resources())
    if table is not None and table not in names:
        raise MmdataError(f"no table named '{table}'; the tables are {', '.join(names)}")
    frames = {name: _frame(snap, name) for name in ([table] if table else names)}
    return frames[table] if table else frames


def _frame(snap: Snapshot, name: str) -> pd.DataFrame:
    resource = snap.resources()[name]
    content = snap.file(str(resource["path"]))
    _verify(snap.label, resource, content)
    schema = snap.schema(name)
    raw = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8")
    missing = schema.get("missingValues", [""])
    columns = {f["name"]: _column(raw[f["name"]].mask(raw[f["name"]].isin(missing)), f) for f in schema["fields"]}
    return pd.DataFrame(columns)


def _column(values: pd.Series, field: dict[str, Any]) -> pd.Series:
    enum = field.get("constraints", {}).get("enum")
    if enum is not None and field.get("type", "string") == "string":
        return values.astype(pd.CategoricalDtype(categories=list(enum)))
    kind = DTYPES.get(field.get("type", "string"), "string")
    if kind == "string":
        return values.astype("string")
    return pd.to_numeric(values).astype(kind)


def _verify(label: str, resource: dict[str, Any], content: bytes) -> None:
    for key, recorded, actual in checksum_mismatches(resource, content)[:1]:
        raise IntegrityError(f"{label}: {resource['path']} does not match datapackage.json: recorded {key} {recorded}, found {actual}")


__all__ = ["IntegrityError", "bundled_root", "data_version", "load"]

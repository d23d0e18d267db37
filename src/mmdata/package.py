"""Load a data package: datapackage.json, its Table Schemas and its CSV files.

Loading checks layer 1 (the descriptor, the schemas, file paths, encoding, CSV structure)
and keeps every cell as the text written in the file, with the file line of every row,
so that later layers can name ``file:line:column`` exactly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from .csvfile import ParsedCsv, header_ok, parse_csv
from .errors import PackageReadError, Problem

DESCRIPTOR = "datapackage.json"
#: The tables every mmdata package holds, in the order they are reported.
TABLES = ("sources", "studies", "arms", "outcomes", "adverse_events")
#: Table Schema field types mmdata understands, and the nullable pandas dtype each becomes.
DTYPES = {"string": "string", "integer": "Int64", "number": "Float64"}
SUPPORTED_TYPES = tuple(DTYPES)


def field_names(value: object) -> list[str]:
    """Field names written as one string or as a list, which Table Schema allows for keys: always a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]


def primary_key(schema: dict[str, Any]) -> list[str]:
    """The primary key of a Table Schema as a list of field names; [] when it declares none."""
    return field_names(schema.get("primaryKey"))


@dataclass
class Table:
    """One CSV resource: its schema and its cells as written (missing values as NA)."""

    name: str
    path: str  # as declared in datapackage.json, for example "data/outcomes.csv"
    schema: dict[str, Any]
    frame: pd.DataFrame  # string dtype, columns in schema order
    lines: np.ndarray  # file line (header = 1) of each row of frame
    broken: np.ndarray  # rows whose cell count differs from the header (padded or cut to fit)


@dataclass
class LoadedPackage:
    root: Path
    descriptor: dict[str, Any]
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def checksums(content: bytes) -> dict[str, Any]:
    """The Data Package `bytes` and `hash` (sha256) of a file's content."""
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def checksum_mismatches(resource: dict[str, Any], content: bytes) -> list[tuple[str, Any, Any]]:
    """(key, recorded, actual) for each of `bytes` and `hash` that the resource records wrongly."""
    actual = checksums(content)
    return [(key, resource[key], actual[key]) for key in ("bytes", "hash") if key in resource and resource[key] != actual[key]]


def read_descriptor(root: Path) -> dict[str, Any]:
    """Read datapackage.json; raise PackageReadError when it cannot be read as a JSON object."""
    path = root / DESCRIPTOR
    if not root.is_dir():
        raise PackageReadError(f"{root}: not a directory; give the folder that holds {DESCRIPTOR}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackageReadError(f"{path}: no {DESCRIPTOR} here; give the package folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageReadError(f"{path}: cannot be read: {exc}") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageReadError(f"{DESCRIPTOR}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(descriptor, dict):
        raise PackageReadError(f"{DESCRIPTOR}: must hold a JSON object, not {type(descriptor).__name__}")
    return descriptor


def load_package(root: Path) -> LoadedPackage:
    """Read the package at root, collecting every layer-1 problem and every readable table."""
    descriptor = read_descriptor(root)
    pkg = LoadedPackage(root=root, descriptor=descriptor)
    pkg.problems.extend(_frictionless_problems(root, descriptor))
    for resource in declared_resources(root, descriptor, pkg.problems):
        table = read_table(resource.name, resource.rel, resource.path, resource.schema, pkg.problems)
        if table is not None:
            pkg.tables[table.name] = table
    return pkg


@dataclass
class Resource:
    """A table resource whose file exists and whose schema could be read."""

    name: str
    rel: str  # the path as declared, for example "data/outcomes.csv"
    path: Path
    schema: dict[str, Any]


def declared_resources(root: Path, descriptor: dict[str, Any], problems: list[Problem], check: bool = True) -> list[Resource]:
    """The usable resources of a descriptor; what makes one unusable is reported in problems.

    With check=False the schemas are only read, not validated (no frictionless import), and
    descriptor-level requirements are not reported: enough for rewriting files.
    """
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return []  # frictionless reports it
    if check:
        declared = {r.get("name") for r in resources if isinstance(r, dict)}
        for table in TABLES:
            if table not in declared:
                problems.append(Problem(DESCRIPTOR, None, None, "resource-missing",
                                        f"no resource named '{table}'; every mmdata package has the tables {', '.join(TABLES)}"))
    usable = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name, where = resource.get("name"), f"resources/{index}"
        data_path = _resolve(root, resource.get("path"), f"{where}/path", problems)  # type: ignore[arg-type]
        encoding = str(resource.get("encoding", "")).lower().replace("_", "-")
        if check and encoding not in ("utf-8", "utf8"):
            problems.append(Problem(DESCRIPTOR, None, f"{where}/encoding", "encoding-error",
                                    'declare "encoding": "utf-8" so that every tool reads the file as UTF-8'))
        if check and data_path is not None and ("hash" in resource or "bytes" in resource):
            _check_checksums(resource, data_path, where, problems)
        schema = _load_schema(root, resource.get("schema"), f"{where}/schema", problems, check)
        if data_path is not None and schema is not None and isinstance(name, str):
            usable.append(Resource(name, str(resource["path"]), data_path, schema))
    return usable


def _frictionless_problems(root: Path, descriptor: dict[str, Any]) -> list[Problem]:
    """Check the descriptor against the Data Package standard with the frictionless library."""
    from frictionless import Package

    report = Package.validate_descriptor(descriptor, basepath=str(root))
    return [_frictionless_problem(DESCRIPTOR, e) for e in report.flatten(["type", "note"])]


def _frictionless_problem(path: str, error: list[str]) -> Problem:
    kind, note = error
    code = kind if kind in ("package-error", "resource-error", "schema-error", "field-error") else "package-error"
    return Problem(path, None, None, code, note)


def safe_relative_path(value: object) -> str | None:
    """Return why value is not a safe relative path inside the package, or None when it is."""
    if not isinstance(value, str) or not value:
        return "must be a relative path written as a string"
    if "://" in value or value.startswith(("http:", "https:", "ftp:")):
        return f"'{value}' is a URL; the file must be inside the package"
    posix = PurePosixPath(value.replace("\\", "/"))
    if posix.is_absolute() or (len(value) > 1 and value[1] == ":"):
        return f"'{value}' is absolute; write it relative to the package folder"
    if ".." in posix.parts:
        return f"'{value}' leaves the package folder; remove the '..'"
    return None


def _resolve(root: Path, rel: str, where: str, problems: list[Problem]) -> Path | None:
    """Resolve a declared path, reporting a path or missing-file problem when it is unusable."""
    why = safe_relative_path(rel)
    if why is not None:
        problems.append(Problem(DESCRIPTOR, None, where, "path-error", why))
        return None
    path = root / rel
    if not path.resolve().is_relative_to(root.resolve()):
        problems.append(Problem(DESCRIPTOR, None, where, "path-error", f"'{rel}' points outside the package folder"))
        return None
    if not path.is_file():
        why = "is not a file" if path.exists() else "does not exist"
        problems.append(Problem(DESCRIPTOR, None, where, "file-missing", f"'{rel}' {why}; add the file or fix the path"))
        return None
    return path


def _check_checksums(resource: dict[str, Any], path: Path, where: str, problems: list[Problem]) -> None:
    for key, recorded, actual in checksum_mismatches(resource, path.read_bytes()):
        problems.append(Problem(DESCRIPTOR, None, f"{where}/{key}", "hash-mismatch",
                                f"{resource['path']} has {key} {actual}, not {recorded} as recorded; "
                                "run `mmdata fmt`, which drops a stale checksum (releases record new ones)"))


def _load_schema(root: Path, ref: object, where: str, problems: list[Problem], check: bool = True) -> dict[str, Any] | None:
    """Load a schema given inline or as a path; with check, validate it with frictionless and for mmdata support."""
    if isinstance(ref, dict):
        schema, label = ref, DESCRIPTOR
    else:
        path = _resolve(root, ref, where, problems)  # type: ignore[arg-type]
        if path is None:
            return None
        label = str(ref)
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(label, None, None, "encoding-error", f"not valid UTF-8: {exc.reason}"))
            return None
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, exc.lineno, None, "schema-error", f"invalid JSON at column {exc.colno}: {exc.msg}"))
            return None
        except OSError as exc:
            problems.append(Problem(label, None, None, "schema-error", f"cannot be read: {exc.strerror}"))
            return None
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        problems.append(Problem(label, None, None, "schema-error", "a Table Schema is a JSON object with a list of fields"))
        return None
    if not check:
        return schema if all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"]) else None
    from frictionless import Schema

    found = [_frictionless_problem(label, e) for e in Schema.validate_descriptor(schema).flatten(["type", "note"])]
    for f in [] if found else schema["fields"]:
        if f.get("type", "string") not in SUPPORTED_TYPES:
            found.append(Problem(label, None, str(f.get("name")), "field-error",
                                 f"type '{f.get('type')}' is not supported by mmdata; use one of {', '.join(SUPPORTED_TYPES)}"))
    problems.extend(found)
    return None if found else schema


def read_table(name: str, rel: str, path: Path, schema: dict[str, Any], problems: list[Problem]) -> Table | None:
    """Read a CSV file as text cells, reporting encoding, parsing, header and row-shape problems.

    Returns None when the file cannot be read into a table at all (bad encoding, broken CSV,
    header not matching the schema); its other problems are still reported.
    """
    return table_from_csv(name, rel, parse_csv(rel, path, problems), schema, problems)


def table_from_csv(name: str, rel: str, parsed: ParsedCsv | None, schema: dict[str, Any], problems: list[Problem]) -> Table | None:
    """The Table of a parsed CSV file, with header problems reported; None when the header does not fit the schema."""
    fields = [f["name"] for f in schema["fields"]]
    if parsed is None or not header_ok(rel, parsed.header, fields, problems):
        return None
    frame = pd.DataFrame(parsed.records, columns=parsed.header, dtype="string")[fields]
    missing = schema.get("missingValues", [""])
    frame = frame.mask(frame.isin(missing))
    return Table(name, rel, schema, frame.reset_index(drop=True),
                 np.asarray(parsed.lines, dtype=np.int64), np.asarray(parsed.broken, dtype=bool))

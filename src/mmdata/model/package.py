"""Read a package's descriptor and Table Schemas: the second step of the one reader.

A byte source (snapshot.py: a folder, a release archive, a git revision) gives the files; this
module reads datapackage.json and the schemas it names, reporting layer-1 problems (descriptor,
schemas, paths, encoding declarations) as values. The third step, the CSV files as typed
frames, is frames.py. Standard library only: `mmdata fmt`, `docs` and `diff` read packages
through here without importing pandas; only validation asks frictionless about the descriptor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import DESCRIPTOR as DESCRIPTOR_LAYER
from ..errors import ENCODING_ERROR, FILE_ERROR, PATH_ERROR, Code, PackageReadError, Problem, UnsafeFile
from ..io.csvfile import SOURCE_ERROR, ParsedCsv, parse_csv_bytes
from ..io.jsonfile import read_json
from ..io.snapshot import (
    DESCRIPTOR,
    FILE_MISSING,
    FILE_UNLISTED,
    HASH_MISMATCH,
    PACKAGE_ERROR,
    SCHEMA_ERROR,
    FolderSnapshot,
    Snapshot,
    safe_relative_path,
)

RESOURCE_ERROR = Code("resource-error", DESCRIPTOR_LAYER, "a resource entry in datapackage.json is invalid")
FIELD_ERROR = Code("field-error", DESCRIPTOR_LAYER, "a field of a Table Schema is invalid")
RESOURCE_MISSING = Code("resource-missing", DESCRIPTOR_LAYER, "one of the five tables is not declared")

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


def checksums(content: bytes) -> dict[str, Any]:
    """The Data Package `bytes` and `hash` (sha256) of a file's content."""
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def checksum_mismatches(resource: dict[str, Any], content: bytes) -> list[tuple[str, Any, Any]]:
    """(key, recorded, actual) for each of `bytes` and `hash` that the resource records wrongly."""
    actual = checksums(content)
    return [(key, resource[key], actual[key]) for key in ("bytes", "hash") if key in resource and resource[key] != actual[key]]


def as_snapshot(source: str | Path | Snapshot) -> Snapshot:
    """A folder given by path as a Snapshot; a Snapshot as itself."""
    if isinstance(source, Snapshot):
        return source
    root = Path(source)
    if not root.is_dir():
        raise PackageReadError(f"{root}: not a directory; give the folder that holds {DESCRIPTOR}")
    return FolderSnapshot(root)


def read_descriptor(source: str | Path | Snapshot, problems: list[Problem] | None = None) -> dict[str, Any]:
    """Read datapackage.json; raise PackageReadError when it cannot be read as a JSON object.

    A key written twice or a number JSON cannot hold (jsonfile.read_json) is added to problems;
    without problems (a command that rewrites files) it is refused with PackageReadError, so
    that nothing is written from an ambiguous descriptor.
    """
    snap = as_snapshot(source)
    where = f"{snap.root / DESCRIPTOR}" if snap.root is not None else f"{snap.label}: {DESCRIPTOR}"
    try:
        raw = snap.read(DESCRIPTOR)
    except UnsafeFile as exc:
        raise PackageReadError(f"{where}: {exc.reason}") from None
    if raw is None:
        raise PackageReadError(f"{where}: no {DESCRIPTOR} here; give the package folder")
    descriptor, found = read_json(DESCRIPTOR, raw, PACKAGE_ERROR)
    if descriptor is None or (found and problems is None):
        raise PackageReadError("; ".join(p.to_line().removesuffix(f" [{p.code}]") for p in found))
    if problems is not None:
        problems += found
    if not isinstance(descriptor, dict):
        raise PackageReadError(f"{DESCRIPTOR}: must hold a JSON object, not {type(descriptor).__name__}")
    return descriptor


@dataclass
class Resource:
    """A declared resource whose data file exists inside the package; schema is None when it cannot be used."""

    name: str | None
    rel: str  # the path as declared, for example "data/outcomes.csv"
    schema: dict[str, Any] | None
    declared: dict[str, Any]  # the resource's entry in datapackage.json
    where: str  # "resources/3", to name it in problems


def declared_resources(source: str | Path | Snapshot, descriptor: dict[str, Any], problems: list[Problem], check: bool = True,
                       with_unusable: bool = False) -> list[Resource]:
    """The usable resources of a descriptor (a name, an existing file, a readable schema); what makes one unusable is reported.

    With check=False the schemas are only read, not validated (no frictionless import), and
    descriptor-level requirements are not reported: enough for rewriting files. With
    with_unusable, resources whose file exists but whose name or schema is unusable are listed
    too (schema None), so that their checksums can still be checked.
    """
    snap = as_snapshot(source)
    if check:
        problems += _frictionless_problems(snap, descriptor)
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return []  # frictionless reports it
    if check:
        declared = {r.get("name") for r in resources if isinstance(r, dict)}
        for table in TABLES:
            if table not in declared:
                problems.append(Problem(DESCRIPTOR, None, None, RESOURCE_MISSING,
                                        f"no resource named '{table}'; every mmdata package has the tables {', '.join(TABLES)}"))
    usable = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name, where = resource.get("name"), f"resources/{index}"
        data_path = resolve(snap, resource.get("path"), f"{where}/path", problems)
        encoding = str(resource.get("encoding", "")).lower().replace("_", "-")
        if check and encoding not in ("utf-8", "utf8"):
            problems.append(Problem(DESCRIPTOR, None, f"{where}/encoding", ENCODING_ERROR,
                                    'declare "encoding": "utf-8" so that every tool reads the file as UTF-8'))
        schema = _load_schema(snap, resource.get("schema"), f"{where}/schema", problems, check)
        ok = schema is not None and isinstance(name, str)
        if data_path is not None and (ok or with_unusable):
            usable.append(Resource(name if isinstance(name, str) else None, data_path, schema if ok else None, resource, where))
    return usable


def unlisted_files(snap: Snapshot, descriptor: dict[str, Any], seeds: str) -> list[Problem]:
    """A problem for each file in a folder of declared tables or schemas (not the package's top folder, nor
    the seeds' folder, which sources.csv lists) that datapackage.json does not declare: no release holds it (#13)."""
    declared = {v for r in descriptor.get("resources", []) if isinstance(r, dict)
                for v in (r.get("path"), r.get("schema")) if isinstance(v, str) and safe_relative_path(v) is None}
    folders = {str(PurePosixPath(v).parent) for v in declared} - {".", seeds}
    return [Problem(rel, None, None, FILE_UNLISTED, f"not declared in {DESCRIPTOR}, so no release holds it; declare it as a "
                                                      "resource or move it out of the folder")
            for folder in sorted(folders) for rel in snap.listing(folder) if rel not in declared]


def _frictionless_problems(snap: Snapshot, descriptor: dict[str, Any]) -> list[Problem]:
    """Check the descriptor against the Data Package standard with the frictionless library."""
    from frictionless import Package

    report = Package.validate_descriptor(descriptor, basepath=str(snap.root or "."))
    return [_frictionless_problem(DESCRIPTOR, e) for e in report.flatten(["type", "note"])]


def _frictionless_problem(path: str, error: list[str]) -> Problem:
    kind, note = error
    code = kind if kind in (PACKAGE_ERROR, RESOURCE_ERROR, SCHEMA_ERROR, FIELD_ERROR) else PACKAGE_ERROR
    return Problem(path, None, None, code, note)


def resolve(snap: Snapshot, rel: object, where: str, problems: list[Problem]) -> str | None:
    """A declared path as a package-relative path, reporting a path or missing-file problem when it is unusable."""
    why = safe_relative_path(rel)
    if why is not None:
        problems.append(Problem(DESCRIPTOR, None, where, PATH_ERROR, why))
        return None
    rel = str(rel)  # safe_relative_path accepts only strings
    try:
        present = snap.exists(rel)
    except UnsafeFile as exc:  # a symbolic link, a folder or FIFO, too large, unreadable (#13)
        problems.append(Problem(DESCRIPTOR, None, where, exc.code, f"'{rel}' {exc.reason}"))
        return None
    if not present:
        problems.append(Problem(DESCRIPTOR, None, where, FILE_MISSING, f"'{rel}' does not exist; add the file or fix the path"))
        return None
    return rel


def checksum_problems(resource: Resource, content: bytes) -> list[Problem]:
    """hash-mismatch problems of a resource whose `bytes` or `hash` is recorded wrongly."""
    return [Problem(DESCRIPTOR, None, f"{resource.where}/{key}", HASH_MISMATCH,
                    f"{resource.rel} has {key} {actual}, not {recorded} as recorded; run `mmdata fmt`, which drops a stale checksum (releases record new ones)")
            for key, recorded, actual in checksum_mismatches(resource.declared, content)]


def _load_schema(snap: Snapshot, ref: object, where: str, problems: list[Problem], check: bool = True) -> dict[str, Any] | None:
    """Load a schema given inline or as a path; with check, validate it with frictionless and for mmdata support."""
    if isinstance(ref, dict):
        schema, label = ref, DESCRIPTOR
    else:
        rel = resolve(snap, ref, where, problems)
        if rel is None:
            return None
        label = rel
        try:
            schema, found = read_json(rel, snap.file(rel), SCHEMA_ERROR)
        except UnsafeFile as exc:
            problems.append(Problem(label, None, None, FILE_ERROR, exc.reason))
            return None
        if found:  # a schema read two ways (a duplicate key) or not at all checks nothing: the table is left out
            problems.extend(found)
            return None
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        problems.append(Problem(label, None, None, SCHEMA_ERROR, "a Table Schema is a JSON object with a list of fields"))
        return None
    if not check:
        if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"]):
            problems.append(Problem(label, None, None, SCHEMA_ERROR, "every field of a Table Schema is a JSON object with a name"))
            return None
        shape = _misshapen(schema)
        if shape is not None:
            problems.append(Problem(label, None, None, SCHEMA_ERROR, shape))
            return None
        return schema
    if not all(isinstance(f, dict) for f in schema["fields"]):  # frictionless itself fails on a field that is not an object (#13)
        problems.append(Problem(label, None, None, SCHEMA_ERROR, "every field of a Table Schema is a JSON object with a name"))
        return None
    from frictionless import Schema

    found = [_frictionless_problem(label, e) for e in Schema.validate_descriptor(schema).flatten(["type", "note"])]
    for f in [] if found else schema["fields"]:
        if f.get("type", "string") not in SUPPORTED_TYPES:
            found.append(Problem(label, None, str(f.get("name")), FIELD_ERROR,
                                 f"type '{f.get('type')}' is not supported by mmdata; use one of {', '.join(SUPPORTED_TYPES)}"))
    problems.extend(found)
    return None if found else schema


def _misshapen(schema: dict[str, Any]) -> str | None:
    """What a schema read without frictionless holds of the wrong JSON type, in what mmdata's readers use (#13); None when nothing."""
    for f in schema["fields"]:
        wrong = [key for key, kind in (("type", str), ("format", str), ("constraints", dict)) if key in f and not isinstance(f[key], kind)]
        if not wrong and "enum" in f.get("constraints", {}) and not isinstance(f["constraints"]["enum"], list):
            wrong = ["constraints/enum"]
        if wrong:
            return f"field '{f['name']}': '{wrong[0]}' has the wrong JSON type; see the Table Schema specification"
    if not _names(schema.get("primaryKey", [])):
        return "'primaryKey' is a field name or a list of field names"
    fks = schema.get("foreignKeys", [])
    if not isinstance(fks, list) or not all(isinstance(fk, dict) and isinstance(fk.get("reference"), dict) for fk in fks):
        return "'foreignKeys' is a list of objects, each with a 'reference' object"
    if not all(_names(fk.get("fields")) and _names(fk["reference"].get("fields")) and isinstance(fk["reference"].get("resource", ""), str)
               for fk in fks):
        return "each foreign key names its 'fields' and its 'reference' 'fields' (a name or a list of names) and a 'resource' as a string"
    return None


def _names(value: object) -> bool:
    """Whether value is a field name or a list of field names, as Table Schema writes keys."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


__all__ = ["DESCRIPTOR", "Resource", "as_snapshot", "checksum_problems", "checksums", "declared_resources", "read_descriptor",
           "safe_relative_path"]


def parse_table(source: str | Path | Snapshot, rel: str, problems: list[Problem]) -> ParsedCsv | None:
    """Parse one CSV file of a package, read through its snapshot (so path-safe); None when it cannot be had."""
    try:
        content = as_snapshot(source).read(rel)
    except UnsafeFile as exc:
        problems.append(Problem(rel, None, None, exc.code, exc.reason))
        return None
    if content is None:
        problems.append(Problem(rel, None, None, SOURCE_ERROR, "cannot be read; run `mmdata validate` to see why"))
        return None
    return parse_csv_bytes(rel, content, problems)

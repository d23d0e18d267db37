"""The package, opened once: `open_package` reads datapackage.json and its Table Schemas into a Package (#21).

A byte source (io/snapshot.py: a folder, a release archive, a git revision) gives the files; this
module parses the descriptor once and each schema once, and builds the typed model of
schema.py: every command opens the package here and passes the Package down, so nothing reads the
descriptor twice or walks a raw Table Schema. Layer-1 problems (the descriptor and its schemas
against the standards, paths, encodings, checksums, an archive's SHA256SUMS, files nobody
declared, CSV structure) are produced here and only here, as values: what reading finds is in
``Package.problems``, and :func:`read_tables` adds what only validation checks. Standard library
only: `mmdata fmt`, `docs` and `diff` read packages through here without importing pandas; only
validation asks frictionless about the descriptor.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import DESCRIPTOR as DESCRIPTOR_LAYER
from ..errors import ENCODING_ERROR, FILE_ERROR, PATH_ERROR, Code, PackageReadError, Problem, SnapshotError, UnsafeFile
from ..io.csvfile import SOURCE_ERROR, ParsedCsv, parse_csv_bytes
from ..io.jsonfile import PACKAGE_ERROR, SCHEMA_ERROR, read_json
from ..io.memo import Memo, frozen
from ..io.snapshot import (
    DESCRIPTOR,
    FolderSnapshot,
    Snapshot,
    ZipSnapshot,
    open_snapshot,
    safe_relative_path,
)
from ..io.sums import FILE_MISSING, FILE_UNLISTED, HASH_MISMATCH, sums_problems
from .reading import field_reading_problems, reading_problems
from .schema import (
    FINDING,
    FTS_SUFFIX,
    FTS_TABLES,
    MAX_COLUMNS,
    NO_FINDINGS,
    ROLE,
    SUPPORTED_TYPES,
    VIEWS,
    WARNINGS,
    Resource,
    Table,
    a_type,
    key_problem,
    resource_of,
    role_problem,
    seed_folder,
)
from .view import view_problems

if TYPE_CHECKING:
    import pandas as pd

RESOURCE_ERROR = Code("resource-error", DESCRIPTOR_LAYER, "a resource entry in datapackage.json is invalid")
FIELD_ERROR = Code("field-error", DESCRIPTOR_LAYER, "a field of a Table Schema is invalid")
RESOURCE_MISSING = Code("resource-missing", DESCRIPTOR_LAYER, "one of the five tables is not declared")

#: The tables every mmdata package holds, in the order they are reported.
TABLES = ("sources", "studies", "arms", "outcomes", "adverse_events")
#: A resource name mmdata can use as a file name (the exports' parquet/<name>.parquet, the site's downloads/csv/<name>.csv)
#: and an SQL table name: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (#23).
RESOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


def dataset_title(descriptor: dict[str, Any]) -> str:
    """The dataset's title, as every page, export and citation names it: the descriptor's title, else its name, else
    "mmdata" (the standard requires neither; the site stopped with an internal error on a descriptor without a title)."""
    for key in ("title", "name"):
        value = descriptor.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return "mmdata"


def dataset_authors(descriptor: dict[str, Any]) -> list[str]:
    """The dataset's authors, as its citations, feed and pages name them: the titles of the contributors whose role is
    "author", in order (a contributor without a title is not named: the standard does not require one)."""
    contributors = descriptor.get("contributors")
    return [c["title"] for c in (contributors if isinstance(contributors, list) else [])
            if isinstance(c, dict) and c.get("role") == "author" and isinstance(c.get("title"), str)]


def checksums(content: bytes) -> dict[str, Any]:
    """The Data Package `bytes` and `hash` (sha256) of a file's content."""
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def checksum_mismatches(recorded: Any, content: bytes) -> list[tuple[str, Any, Any]]:
    """(key, recorded, actual) for each of `bytes` and `hash` that recorded (a resource's entry or Resource.checksums) gets wrong.
    The content is hashed only when a hash is recorded: `mmdata.load` of a package that records none (a working copy)
    hashed 386 MB in 0.18 s for nothing (#22)."""
    actual = checksums(content) if "hash" in recorded else {"bytes": len(content)}
    return [(key, recorded[key], actual[key]) for key in ("bytes", "hash") if key in recorded and recorded[key] != actual[key]]


@dataclass
class Report:
    """The problems of one validation run, in reporting order, and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    seeds: int = 0
    #: Seconds spent per step ("read", "cells", "keys", "rules", "provenance"), for the benchmark; and "cell checks",
    #: layer 2's checks: part of "cells" in a small package, in a second thread beside keys, rules and provenance in
    #: a large one (#22).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class Entry:
    """One resource as datapackage.json declares it, read as far as it can be."""

    index: int
    declared: dict[str, Any]  # the entry as written
    path: str | None  # the data file, when it is a safe path to a file that exists
    schema: dict[str, Any] | None  # the Table Schema: a JSON object with a list of fields; None when it cannot be read
    schema_label: str  # where the schema is: its path, or datapackage.json for an inline one
    problems: list[Problem]  # what reading the path and the schema found (reported in every mode)
    resource: Resource | None = None  # the typed resource, when its name, file and schema can be used as they are read

    @property
    def name(self) -> str | None:
        name = self.declared.get("name")
        return name if isinstance(name, str) else None

    @property
    def where(self) -> str:
        return f"resources/{self.index}"

    def typed(self) -> Resource:
        """The typed resource of this entry's schema (which must be readable), however its shape was judged."""
        if self.resource is not None:
            return self.resource
        return resource_of(self.schema or {}, str(self.name), self.path or "", self.declared, self.where)


@dataclass(eq=False, repr=False)
class Package:
    """A data package as mmdata reads it: its snapshot, descriptor and typed resources, read once.

    Validation (rules/validate.py) records its report and the typed tables here, so that what it
    checked is handed on to export, site, release and add-row instead of being read again.
    """

    snapshot: Snapshot
    descriptor: dict[str, Any]
    entries: list[Entry]  # every resource object of the descriptor, in order
    descriptor_problems: list[Problem]  # a key written twice, a number JSON cannot hold (jsonfile.read_json)
    problems: list[Problem]  # everything reading found, in order: the descriptor's problems, then each unusable resource's
    report: Report | None = None  # set once the package is validated
    typed: dict[str, tuple[Table, pd.DataFrame]] | None = None  # the tables validation typed, kept when it found them valid
    frames: dict[str, pd.DataFrame] | None = None  # every table typed as mmdata.load types them, once asked for (load.typed_tables)

    def __repr__(self) -> str:
        return f"<Package {self.label} {self.version}: {', '.join(self.resources)}>"

    @property
    def label(self) -> str:
        return self.snapshot.label

    @property
    def root(self) -> Path | None:
        return self.snapshot.root

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    @property
    def title(self) -> str:
        return dataset_title(self.descriptor)

    @property
    def usable(self) -> list[Resource]:
        """The resources with a name, an existing file and a readable schema, in the descriptor's order."""
        return [e.resource for e in self.entries if e.resource is not None]

    @property
    def resources(self) -> dict[str, Resource]:
        """The usable resources by name."""
        return {r.name: r for r in self.usable}

    @property
    def names(self) -> list[str]:
        """The name of every resource the descriptor declares, usable or not."""
        return list(dict.fromkeys(str(e.declared["name"]) for e in self.entries if "name" in e.declared))

    @property
    def seeds(self) -> str:
        """The folder of the seed documents (mmdata:folder of sources.seed_file)."""
        return seed_folder(self.resources.get("sources"))

    @property
    def warnings(self) -> dict[str, str]:
        """The package's warning vocabulary (mmdata:warnings of datapackage.json): each code's description, in the
        descriptor's order; entries without a text name are left out (validation reports them, rules/vocabulary.py)."""
        declared = self.descriptor.get(WARNINGS)
        entries = declared if isinstance(declared, list) else []
        return {str(e["name"]): str(e.get("description", "")) for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)}

    def with_role(self, role: str) -> list[Resource]:
        """The usable resources whose schema gives them this role (schema.ROLES), in the descriptor's order."""
        return [r for r in self.usable if r.role == role]

    def refuse_ambiguous(self) -> None:
        """PackageReadError when the descriptor reads two ways (a key written twice, a number a float would change):
        a command that writes files writes nothing from it."""
        if self.descriptor_problems:
            raise PackageReadError("; ".join(p.to_line().removesuffix(f" [{p.code}]") for p in self.descriptor_problems))

    def file(self, rel: str) -> bytes:
        """The bytes of a file of the package; SnapshotError when it has none."""
        return self.snapshot.file(rel)

    def readable(self, rel: str) -> bytes | None:
        """The bytes of a file of the package; None when it is missing or must not be read (parsed reports why)."""
        try:
            return self.snapshot.read(rel)
        except UnsafeFile:
            return None

    def parsed(self, resource: Resource, problems: list[Problem], content: bytes | None = None) -> ParsedCsv | None:
        """A table's text (every cell as written, with its file line); None, with the problems, when it cannot be had.
        content: the file's bytes when the caller has read them already (readable), so that they are not read twice."""
        rel = resource.path
        try:
            content = self.snapshot.read(rel) if content is None else content
        except UnsafeFile as exc:
            problems.append(Problem(rel, None, None, exc.code, exc.reason))
            return None
        if content is None:
            problems.append(Problem(rel, None, None, SOURCE_ERROR, "cannot be read; run `mmdata validate` to see why"))
            return None
        return parse_csv_bytes(rel, content, problems)

    def table(self, resource: Resource, content: bytes, problems: list[Problem]) -> Table | None:
        """A table's cells (content is its file), with their file lines; None, with the problems, when they cannot be read.

        The same bytes read by the same schema are read once per process (io/memo.py)."""
        from ..io.arrow import arrow_available
        from ..io.frames import read_cells

        def read() -> tuple[tuple[Problem, ...], tuple[Any, Any, Any] | None]:
            found: list[Problem] = []
            cells = read_cells(resource.path, content, resource.field_names, resource.missing_values, found)
            return tuple(found), None if cells is None else (cells.frame, frozen(cells.lines), frozen(cells.broken))

        found, cells = READS.get(content, (resource, arrow_available()), read)
        problems += found
        if cells is None:
            return None
        frame, lines, broken = cells
        return Table(resource, frame.copy(deep=False), lines, broken, content if len(content) <= READS.largest else None)


#: Tables read, by their bytes and schema (Package.table).
READS = Memo()


def as_snapshot(source: str | Path | Snapshot) -> Snapshot:
    """A folder given by path as a Snapshot; a Snapshot as itself."""
    if isinstance(source, Snapshot):
        return source
    root = Path(source)
    if not root.is_dir():
        raise PackageReadError(f"{root}: not a directory; give the folder that holds {DESCRIPTOR}")
    return FolderSnapshot(root)


def open_package(source: str | Path | Snapshot | Package, repo: str | Path = ".") -> Package:
    """The package at source: a folder, a release archive (.zip), a git revision of repo, or a Snapshot of one.

    datapackage.json is parsed once and each schema once. Raises PackageReadError when
    datapackage.json cannot be read as a JSON object (SnapshotError when source is none of the
    three); every other problem is recorded in Package.problems. A Package is returned as it is.

    Example:
        >>> import mmdata
        >>> package = mmdata.open_package("path/to/package")  # doctest: +SKIP
        >>> package.version, list(package.resources)  # doctest: +SKIP
    """
    if isinstance(source, Package):
        return source
    if isinstance(source, Snapshot) or Path(source).is_dir():
        snap = as_snapshot(source)
    else:
        snap = open_snapshot(source, repo)
    descriptor_problems: list[Problem] = []
    descriptor = _read_descriptor(snap, descriptor_problems)
    problems = list(descriptor_problems)
    entries = []
    resources = descriptor.get("resources")
    for index, declared in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(declared, dict):
            continue
        entry = _read_entry(snap, index, declared)
        problems += entry.problems
        shape = _shape_problems(entry)
        problems += shape
        if entry.path is not None and entry.schema is not None and entry.name is not None and not shape:
            entry.resource = entry.typed()
        entries.append(entry)
    return Package(snap, descriptor, entries, descriptor_problems, problems)


def _read_descriptor(snap: Snapshot, problems: list[Problem]) -> dict[str, Any]:
    """datapackage.json's object, its two-way readings added to problems; PackageReadError when it cannot be read as a JSON object."""
    where = f"{snap.root / DESCRIPTOR}" if snap.root is not None else f"{snap.label}: {DESCRIPTOR}"
    try:
        raw = snap.read(DESCRIPTOR)
    except UnsafeFile as exc:
        raise PackageReadError(f"{where}: {exc.reason}") from None
    if raw is None:
        raise PackageReadError(f"{where}: no {DESCRIPTOR} here; give the package folder")
    descriptor, found = read_json(DESCRIPTOR, raw, PACKAGE_ERROR)
    if descriptor is None:
        raise PackageReadError("; ".join(p.to_line().removesuffix(f" [{p.code}]") for p in found))
    problems += found
    if not isinstance(descriptor, dict):
        raise PackageReadError(f"{DESCRIPTOR}: must hold a JSON object, not {type(descriptor).__name__}")
    return descriptor


def _read_entry(snap: Snapshot, index: int, declared: dict[str, Any]) -> Entry:
    """A resource's data path and Table Schema, read; what makes either unusable is in the entry's problems."""
    where = f"resources/{index}"
    problems: list[Problem] = []
    path = resolve(snap, declared.get("path"), f"{where}/path", problems)
    ref = declared.get("schema")
    if isinstance(ref, dict):
        value: Any = ref
        label = DESCRIPTOR
    else:
        rel = resolve(snap, ref, f"{where}/schema", problems)
        if rel is None:
            return Entry(index, declared, path, None, DESCRIPTOR, problems)
        label = rel
        try:
            value, found = read_json(rel, snap.file(rel), SCHEMA_ERROR)
        except UnsafeFile as exc:
            problems.append(Problem(label, None, None, FILE_ERROR, exc.reason))
            return Entry(index, declared, path, None, label, problems)
        if found:  # a schema read two ways (a duplicate key) or not at all checks nothing: the table is left out
            problems.extend(found)
            return Entry(index, declared, path, None, label, problems)
    if not isinstance(value, dict) or not isinstance(value.get("fields"), list):
        problems.append(Problem(label, None, None, SCHEMA_ERROR, "a Table Schema is a JSON object with a list of fields"))
        return Entry(index, declared, path, None, label, problems)
    return Entry(index, declared, path, value, label, problems)


def _shape_problems(entry: Entry) -> list[Problem]:
    """Why a readable schema cannot be used as it is read, without frictionless (#13): [] when it can."""
    schema = entry.schema
    if schema is None:
        return []
    if not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in schema["fields"]):
        return [Problem(entry.schema_label, None, None, SCHEMA_ERROR, "every field of a Table Schema is a JSON object with a name")]
    shape = _misshapen(schema)
    return [] if shape is None else [Problem(entry.schema_label, None, None, SCHEMA_ERROR, shape)]


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


# ---------------------------------------------------------------- what only validation checks
def read_tables(pkg: Package) -> tuple[dict[str, Table], list[Problem]]:
    """Every readable table of the package, and every layer-1 problem: the one place they are all produced.

    Beyond what reading found: the descriptor and each schema against the Data Package and Table
    Schema standards (frictionless), the five tables declared, UTF-8 declared, types mmdata
    reads, recorded checksums, an archive's SHA256SUMS, files beside the tables and schemas that
    no release holds, and each CSV file's structure (encoding, rows, header).
    """
    snap = pkg.snapshot
    problems, unusable = descriptor_check(pkg)
    tables: dict[str, Table] = {}
    checked: list[Resource] = []
    for entry in pkg.entries:
        if entry.path is None:
            continue
        try:
            content = snap.file(entry.path)
        except UnsafeFile as exc:  # there, but it cannot be opened (a file its mode forbids reading) (#13)
            problems.append(Problem(DESCRIPTOR, None, f"{entry.where}/path", exc.code, f"'{entry.path}' {exc.reason}"))
            continue
        if "hash" in entry.declared or "bytes" in entry.declared:
            problems += [Problem(DESCRIPTOR, None, f"{entry.where}/{key}", HASH_MISMATCH,
                                 f"{entry.path} has {key} {actual}, not {recorded} as recorded; run `mmdata fmt`, which drops a stale "
                                 "checksum (releases record new ones)")
                         for key, recorded, actual in checksum_mismatches(entry.declared, content)]
        if entry.schema is not None and entry.index not in unusable and entry.name is not None:
            resource = entry.typed()
            checked.append(resource)
            table = pkg.table(resource, content, problems)
            if table is not None:
                tables[table.name] = table
        del content  # only the parsed table stays in memory
    if isinstance(snap, ZipSnapshot):
        problems += sums_problems(snap)  # a release archive: every file against its SHA256SUMS (#13)
    sources = next((r for r in checked if r.name == "sources"), None)
    problems += unlisted_files(snap, pkg.descriptor, seed_folder(sources))
    return tables, problems


def descriptor_check(pkg: Package) -> tuple[list[Problem], set[int]]:
    """The problems of the descriptor and its schemas: what reading found, then the Data Package and Table Schema
    standards (frictionless), the five tables, UTF-8 declared, the types mmdata reads; and the index of each
    entry whose schema is not to be used."""
    problems = list(pkg.descriptor_problems)
    problems += _frictionless_problems(pkg.snapshot, pkg.descriptor)
    if isinstance(pkg.descriptor.get("resources"), list):  # else frictionless reports it
        declared = {e.name for e in pkg.entries}
        for table in TABLES:
            if table not in declared:
                problems.append(Problem(DESCRIPTOR, None, None, RESOURCE_MISSING,
                                        f"no resource named '{table}'; every mmdata package has the tables {', '.join(TABLES)}"))
    unusable = set()
    for entry in pkg.entries:
        problems += entry.problems
        problems += _name_problems(entry)
        encoding = str(entry.declared.get("encoding", "")).lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8"):
            problems.append(Problem(DESCRIPTOR, None, f"{entry.where}/encoding", ENCODING_ERROR,
                                    'declare "encoding": "utf-8" so that every tool reads the file as UTF-8'))
        problems += [Problem(DESCRIPTOR, None, f"{entry.where}/{key}", RESOURCE_ERROR, words) for key, words in reading_problems(entry.declared)]
        found = _standard_problems(entry) or _shape_problems(entry)  # frictionless is handed what it can read of a schema
        if found:
            unusable.add(entry.index)
        problems += found
        role = role_problem(entry.schema) if entry.schema is not None else None
        if role is not None:  # the table is still read and checked: only its role is ignored
            problems.append(Problem(entry.schema_label, None, None, SCHEMA_ERROR, role))
        key = key_problem(entry.schema) if entry.schema is not None else None
        if key is not None:  # the table is still read and checked, as the role's problem leaves it
            problems.append(Problem(entry.schema_label, None, "primaryKey", SCHEMA_ERROR, key))
    schemas = [entry.schema for entry in pkg.entries]
    if schemas and all(schema is not None for schema in schemas) and not any(s.get(ROLE) == FINDING for s in schemas if s):
        problems.append(Problem(DESCRIPTOR, None, None, SCHEMA_ERROR, NO_FINDINGS))  # (a schema not read may mark one)
    problems += _reference_problems(pkg.entries, unusable)  # the table is still read and checked: keys.py skips such a key
    problems += view_field_problems(e for e in pkg.entries if e.index not in unusable)  # what the export would refuse (#22)
    return problems, unusable


def _reference_problems(entries: list[Entry], unusable: set[int]) -> list[Problem]:
    """A problem for each foreign key of a usable schema that references a resource datapackage.json does not
    declare, a field the referenced table's schema does not have, or fields that are neither its primary key nor one unique
    field. frictionless checks none of these in the schemas: it failed the package on the first when it read the data, which
    `mmdata validate` passed; on the second the foreign-key check found no column to compare, and on the third the export's
    SQLite database refused the key (both an internal error)."""
    declared = {e.name: e for e in entries if e.name is not None}
    found = []
    for entry in entries:
        if entry.index in unusable or entry.schema is None or entry.name is None:
            continue
        for fk in entry.typed().foreign_keys:
            target = fk.target(entry.name)
            referenced = declared.get(target)
            key = f"the foreign key {Resource.key_text(fk.fields) or '(no fields)'} of {entry.name}"  # two keys are never one problem
            if referenced is None:
                if target in TABLES:
                    continue  # resource-missing says so
                usable = sorted(name for name, e in declared.items() if e.index not in unusable and not _name_problems(e))
                words = f"{key} references the resource '{target}', which {DESCRIPTOR} does not declare; name one of {', '.join(usable)}"
            elif referenced.schema is None or referenced.index in unusable:
                continue  # its own problems say why it cannot be read
            else:
                parent = referenced.typed()
                missing = [name for name in fk.reference if parent.field(name) is None]
                if missing:
                    words = f"{key} references the field '{missing[0]}' of {target}, which has no such field; name a field of {target}"
                elif parent.keyed_by(fk.reference):
                    continue
                else:
                    words = (f"{key} references {target}.{Resource.key_text(fk.reference) or '(no fields)'}, which is neither the primary "
                             f"key of {target} ({Resource.key_text(parent.primary_key) or 'none'}) nor a unique field: a key must name "
                             "one row; reference its primary key (the exports' SQLite database refuses any other)")
            found.append(Problem(entry.schema_label, None, "foreignKeys", SCHEMA_ERROR, words))
    return found


def view_field_problems(entries: Iterable[Entry]) -> list[Problem]:
    """What keeps the findings view from being made of the tables of entries (those with a resource), as validation reports
    it: view.view_problems, each a field-error at its table's schema and column."""
    labels, resources = {}, {}
    for e in entries:
        if e.resource is not None:
            labels[e.resource.name], resources[e.resource.name] = e.schema_label, e.resource
    return [Problem(labels[table], None, column, FIELD_ERROR, words) for table, column, words in view_problems(resources)]


def _standard_problems(entry: Entry) -> list[Problem]:
    """What frictionless and mmdata's supported types find wrong in a readable schema."""
    schema, label = entry.schema, entry.schema_label
    if schema is None:
        return []
    if not all(isinstance(f, dict) for f in schema["fields"]):  # frictionless itself fails on a field that is not an object (#13)
        return [Problem(label, None, None, SCHEMA_ERROR, "every field of a Table Schema is a JSON object with a name")]
    found = [_frictionless_problem(label, e) for e in _schema_errors(json.dumps(_readable_schema(schema)))]
    for f in [] if found else schema["fields"]:
        if f.get("type", "string") not in SUPPORTED_TYPES:
            found.append(Problem(label, None, str(f.get("name")), FIELD_ERROR,
                                 f"type '{f.get('type')}' is not supported by mmdata; use one of {', '.join(SUPPORTED_TYPES)}"))
        why = _pattern_problem(f)
        if why is not None:
            found.append(Problem(label, None, str(f.get("name")), FIELD_ERROR, why))
        found += [Problem(label, None, str(f.get("name")), FIELD_ERROR, words) for words in field_reading_problems(f)]
    return found or _exportable_problems(label, schema)


def _pattern_problem(field: dict[str, Any]) -> str | None:
    """Why a field's pattern cannot be matched against its cells: Python's re cannot read it. Without this, each cell was
    checked by a pattern that raised, and the table got a pattern-error of no row and no cell (#22)."""
    constraints = field.get("constraints")
    pattern = constraints.get("pattern") if isinstance(constraints, dict) else None
    if not isinstance(pattern, str):
        return None  # frictionless reports a pattern that is not text
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:  # a{4294967296}; thousands of nested groups
        why = "its groups are nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return f"the pattern {pattern} is not a regular expression ({why}); correct it, as its cells are matched against it"
    return None


@functools.lru_cache(maxsize=64)
def _schema_errors(schema: str) -> tuple[list[str], ...]:
    """frictionless' errors of a Table Schema (its JSON text): worked out once per schema in a process, since the five
    schemas are the same in most packages a process validates (the test suite's, a release's rebuild)."""
    from frictionless import Schema

    return _standard_errors(lambda: Schema.validate_descriptor(json.loads(schema)), SCHEMA_ERROR)


def _standard_errors(check: Callable[[], Any], code: Code) -> tuple[list[str], ...]:
    """frictionless' errors, as [type, note], of the report check returns. frictionless stops with an exception on some
    values of a JSON type it does not check (its transforms of older versions of the standard assume one): mmdata hands
    it none that it knows (_frictionless_copy, _readable_schema); any other is one error of the code given, not a crash."""
    try:
        return tuple(check().flatten(["type", "note"]))
    except Exception as exc:  # noqa: BLE001 - whatever frictionless raises on what the user wrote is reported as theirs
        return ([code, f"frictionless stopped while checking it against the standard ({type(exc).__name__}: {exc}): a property "
                       "holds a value of a JSON type the standard does not allow there; correct it"],)


def _name_problems(entry: Entry) -> list[Problem]:
    """A resource name that cannot name a file of the exports or an SQLite table (#23): '../../x' would write outside the
    output folder, 'sqlite_x' is SQLite's own."""
    name = entry.declared.get("name")
    if not isinstance(name, str):
        return []  # frictionless reports it
    if not RESOURCE_NAME.fullmatch(name):
        why = ("is not a resource name mmdata can use: write lower-case letters, digits, '.', '_' and '-' only, "
               "starting with a letter or a digit (it names files and an SQLite table)")
    elif name.startswith("sqlite_"):
        why = "starts with 'sqlite_', which SQLite reserves for its own tables; rename the resource"
    elif name in VIEWS:
        why = reserved(name)
    elif any(name.endswith(FTS_SUFFIX + shadow) for shadow in FTS_TABLES):  # (a name that is only the ending starts with _: refused above)
        why = (f"ends like the full-text index the exports make of a table (<table>{FTS_SUFFIX}, and SQLite's own tables of it: "
               f"{', '.join('<table>' + FTS_SUFFIX + s for s in FTS_TABLES[1:])}); rename the resource")
    else:
        return []
    return [Problem(DESCRIPTOR, None, f"{entry.where}/name", RESOURCE_ERROR, f"'{name}' {why}")]


def reserved(name: str) -> str:
    """Why a table may not be named name, one of schema.VIEWS: what validation and an export say."""
    return f"is the name of {VIEWS[name]}, which the exports make of the tables; rename the resource"


def _exportable_problems(label: str, schema: dict[str, Any]) -> list[Problem]:
    """What the standards allow but no SQLite table, Parquet file or page can hold (#23): allowed values that are not
    of the field's type, two names that differ only in case (SQLite's names do not), more than MAX_COLUMNS columns,
    and a control character in a title or a description."""
    found = []
    fields = schema["fields"]
    if len(fields) > MAX_COLUMNS:
        found.append(Problem(label, None, None, SCHEMA_ERROR,
                             f"{len(fields):,} fields, more than the {MAX_COLUMNS:,} an SQLite table holds; split the table"))
    seen: dict[str, str] = {}
    for f in fields:
        name = str(f["name"])
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            found.append(Problem(label, None, name, FIELD_ERROR,
                                 f"'{name}' and '{other}' differ only in case, which SQLite and most tools do not tell apart; rename one"))
        enum = f.get("constraints", {}).get("enum")
        kind = str(f.get("type", "string"))
        wrong = [v for v in enum if not _of_type(v, kind)] if isinstance(enum, list) else []
        if wrong:
            found.append(Problem(label, None, name, FIELD_ERROR,
                                 f"allowed value {json.dumps(wrong[0], allow_nan=False)} is not {a_type(kind)}; write every allowed value of "
                                 f"{a_type(kind)} field as a JSON {'string' if kind == 'string' else 'number'}"))
    for column, key, text in _texts(schema):
        control = next((c for c in text if (ord(c) < 0x20 and c not in "\t\n") or ord(c) == 0x7F), None)
        if control is not None:
            found.append(Problem(label, None, column, SCHEMA_ERROR, f"the {key} holds the control character U+{ord(control):04X}; remove it"))
    return found


def _of_type(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, int | float) and not isinstance(value, bool) and (kind == "number" or float(value).is_integer())


def _texts(schema: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """The titles and descriptions of a schema and its fields, as (field name or None, title or description, text)."""
    texts: list[tuple[str | None, str, str]] = [(None, key, schema[key]) for key in ("title", "description") if isinstance(schema.get(key), str)]
    for f in schema["fields"]:
        texts += [(str(f["name"]), key, f[key]) for key in ("title", "description") if isinstance(f.get(key), str)]
    return texts


def _frictionless_problems(snap: Snapshot, descriptor: dict[str, Any]) -> list[Problem]:
    """Check the descriptor against the Data Package standard with the frictionless library."""
    from frictionless import Package as FrictionlessPackage

    problems, readable = _frictionless_copy(descriptor)
    errors = _standard_errors(lambda: FrictionlessPackage.validate_descriptor(readable, basepath=str(snap.root or ".")), PACKAGE_ERROR)
    return problems + [_frictionless_problem(DESCRIPTOR, e) for e in errors]


#: Properties of a resource that frictionless reads as a text or an object without checking that they are: another JSON
#: type stopped it with a TypeError or an AttributeError (``"hash": 5``, ``"stats": "x"`` with ``"bytes"``).
RESOURCE_SHAPES = {"hash": str, "hashing": str, "stats": dict}


def _frictionless_copy(descriptor: dict[str, Any]) -> tuple[list[Problem], dict[str, Any]]:
    """What frictionless cannot check of a descriptor, as problems, and a copy of it without that, which it can.

    Left out of the copy: a ``$schema`` or a resource property of RESOURCE_SHAPES of another JSON type (a problem here);
    what reading.py refuses and a path that is a list holding other than texts (their problems are descriptor_check's
    and resolve's); in an inline schema, what _readable_schema leaves out."""
    problems = []
    copy = json.loads(json.dumps(descriptor))
    if "$schema" in copy and not isinstance(copy["$schema"], str):
        problems.append(Problem(DESCRIPTOR, None, "$schema", PACKAGE_ERROR,
                                "'$schema' is the URL of the standard's profile, written as a string; correct it or remove it"))
        del copy["$schema"]
    resources = copy.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        for key, kind in RESOURCE_SHAPES.items():
            if key in resource and not isinstance(resource[key], kind):
                problems.append(Problem(DESCRIPTOR, None, f"resources/{index}/{key}", RESOURCE_ERROR,
                                        f"'{key}' is {'a string' if kind is str else 'an object'} in the standard; correct it or remove it"))
                del resource[key]
        for key, _ in reading_problems(resource):  # (a path frictionless reads the format of is its to judge too)
            if key != "path":
                resource.pop(key.split("/")[0], None)
        path = resource.get("path")
        if isinstance(path, list) and not all(isinstance(p, str) for p in path):
            del resource["path"]
        if isinstance(resource.get("schema"), dict):
            resource["schema"] = _readable_schema(resource["schema"])
    return problems, copy


def _readable_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A Table Schema without what stops frictionless, which _shape_problems reports: fields that are not objects, and
    foreign keys that are not a list or hold a 'reference' that is not an object."""
    readable = dict(schema)
    if isinstance(readable.get("fields"), list):
        readable["fields"] = [f for f in readable["fields"] if isinstance(f, dict)]
    keys = readable.get("foreignKeys")
    if keys and (not isinstance(keys, list) or any(isinstance(k, dict) and not isinstance(k.get("reference", {}), dict) for k in keys)):
        del readable["foreignKeys"]
    return readable


def _frictionless_problem(path: str, error: list[str]) -> Problem:
    kind, note = error
    code = kind if kind in (PACKAGE_ERROR, RESOURCE_ERROR, SCHEMA_ERROR, FIELD_ERROR) else PACKAGE_ERROR
    return Problem(path, None, None, code, note)


def unlisted_files(snap: Snapshot, descriptor: dict[str, Any], seeds: str) -> list[Problem]:
    """A problem for each file in a folder of declared tables or schemas (not the package's top folder, nor
    the seeds' folder, which sources.csv lists) that datapackage.json does not declare: no release holds it (#13)."""
    declared = {v for v in declared_paths(descriptor) if safe_relative_path(v) is None}
    folders = {str(PurePosixPath(v).parent) for v in declared} - {".", seeds}
    return [Problem(rel, None, None, FILE_UNLISTED, f"not declared in {DESCRIPTOR}, so no release holds it; declare it as a "
                                                      "resource or move it out of the folder")
            for folder in sorted(folders) for rel in snap.listing(folder) if rel not in declared]


def resource_objects(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The resource entries of a descriptor that are JSON objects, themselves (a change to one changes the descriptor):
    none when `resources` is not a list (its problem is the standard's, which `mmdata validate` reports)."""
    resources = descriptor.get("resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def declared_paths(descriptor: dict[str, Any]) -> set[str]:
    """The tables and schemas a descriptor names (as written)."""
    return {v for r in resource_objects(descriptor) for v in (r.get("path"), r.get("schema")) if isinstance(v, str)}


def declared_files(descriptor: dict[str, Any]) -> list[str]:
    """The package-relative files a descriptor names: itself, tables, schemas and sources (seeds); SnapshotError for an unsafe one."""
    names = [DESCRIPTOR, *declared_paths(descriptor)]
    sources = descriptor.get("sources")
    names += [s["path"] for s in (sources if isinstance(sources, list) else []) if isinstance(s, dict) and isinstance(s.get("path"), str)]
    for name in names:
        if safe_relative_path(name) is not None:
            raise SnapshotError(f"{DESCRIPTOR} names an unsafe path: {safe_relative_path(name)}")
    return sorted(set(names))


__all__ = ["DESCRIPTOR", "TABLES", "Entry", "Package", "Report", "as_snapshot", "checksum_mismatches", "checksums", "dataset_authors",
           "dataset_title", "declared_files", "descriptor_check", "open_package", "read_tables", "resource_objects", "safe_relative_path"]

"""`mmdata add-source` and `mmdata add-row`: grow the package one document or one row at a time (#12).

Both check everything before they write anything, and write nothing when they refuse
(AddRefused). Editing the CSV files by hand stays a first-class path: these commands write
exactly the line a careful hand edit would, and `mmdata validate` treats both alike.

Rules, documented in CONTRIBUTING.md:

- a seed's name is ``seeds/NNN_<first 16 hex digits of its sha256>.txt``, NNN the next free number
  (one more than the highest number in seeds/), so that the name says which bytes it holds;
- an omitted key is made from the row (see ``make_key``) out of the columns its schema's
  ``mmdata:keyParts`` names, with ``-2``, ``-3``... when it is taken;
- a new row goes in at its place in key order, every other line of the file kept byte for byte;
- the row is refused when validating the package with it gives any problem the package did not
  have before: a problem of the row itself or one it causes elsewhere (an arm larger than its study);
  work still to do (rules/curation.py's PENDING: a number of the document in no quote yet, a comparison
  row not yet added) is no reason to refuse, since a source comes before its rows (#21).
"""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AddRefused, Problem, UnknownName, UnsafeFile, did_you_mean, multiline
from ..io.csvfile import ParsedCsv, canonical_csv, line_starts, parse_csv_bytes, record_offsets
from ..io.files import MAX_FILE_BYTES, current, human, read_file
from ..io.journal import transaction
from ..io.jsonfile import dumps
from ..model.package import DESCRIPTOR, Package, declared_paths, open_package, resource_objects, safe_relative_path
from ..model.rulefacts import reference_files
from ..model.schema import Resource

SEED_NAME = re.compile(r"^([0-9]{3})_")
#: The note of a new source unless one is given ({licence} is the data package's licence).
NOTE = "Third-party text kept verbatim only so that quotes can be checked; not covered by the dataset's {licence} licence."


@dataclass
class Added:
    path: str  # the table written, for example "data/outcomes.csv"
    line: int  # file line of the new row (header = 1)
    key: str
    text: str  # the CSV line written
    written: list[str]  # every file written, in order


def _resource(pkg: Package, table: str) -> Resource:
    pkg.refuse_ambiguous()
    resources = pkg.resources
    if table not in resources:
        names = [str(n) for n in resources]
        raise UnknownName(f"no table '{table}'{did_you_mean(table, names)}; one of: {', '.join(names)}")
    return resources[table]


def slug(text: str) -> str:
    """Lowercase words joined by hyphens, as every key is written: 'Myeloma XI' is 'myeloma-xi'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def make_key(resource: Resource, row: dict[str, str], taken: set[str]) -> str:
    """The key of a new row of a table, from the columns its schema's mmdata:keyParts names.

    Each part is the column's cell as a slug, with three rules: a time_value is written with the
    first letter of its time_unit ("3y"), an arm_id without its study's prefix, and a
    comparator_arm_id the same way after "vs-". The shipped schemas make a study's key of its name,
    an arm's of its study_id and name, and a finding's of its study_id, endpoint (or event),
    statistic, time point, arm and comparator arm. A key already taken gets "-2", "-3"...
    """
    table = resource.name
    if not resource.key_parts:
        raise AddRefused(f"give the key of a {table} row: it has no rule to make one")
    study = row.get("study_id", "")
    parts = []
    for part in resource.key_parts:
        value = row.get(part, "")
        if part == "time_value":
            value = f"{value}{row.get('time_unit', '')[:1]}" if value else ""
        elif part in ("arm_id", "comparator_arm_id") and value:
            value = ("vs-" if part == "comparator_arm_id" else "") + value.removeprefix(f"{study}-")
        parts.append(slug(value))
    key = "-".join(p for p in parts if p)
    if not key:
        raise AddRefused(f"cannot make a key for this {table} row; give {', '.join(resource.key_parts)} or the key itself")
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}-{n}"
    return candidate


def add_row(root: str | Path, table: str, values: dict[str, str]) -> Added:
    """Add one row to table: in schema order, at its place in key order, after validating it and its links.

    Writes in one transaction, holding the package's write lock (mmdata.io.journal).
    """
    with transaction(root, "add-row") as staged:  # opened under the lock, after the journal put back a crashed write
        added, files = _plan_row(open_package(Path(root)), table, values, {})
        for name, data in files.items():
            staged.write(name, data)
    return added


def _plan_row(pkg: Package, table: str, values: dict[str, str], extra: dict[str, bytes]) -> tuple[Added, dict[str, bytes]]:
    """The row add_row adds to the package folder pkg, and the new bytes of every file it changes (the table,
    and the descriptor when it drops the table's checksums); AddRefused when the package with them and the
    extra files (a new seed) would have a problem it does not have now."""
    _folder(pkg)
    resource = _resource(pkg, table)
    fields = resource.field_names
    unknown = [c for c in values if c not in fields]
    if unknown:
        raise UnknownName("; ".join(f"no column '{c}' in {table}{did_you_mean(c, fields)}" for c in unknown))
    problems: list[Problem] = []
    parsed = pkg.parsed(resource, problems)
    if parsed is None or parsed.header != fields:
        raise AddRefused(f"{resource.path} is not in canonical form or cannot be read; run `mmdata fmt` and `mmdata validate` first")
    if len(resource.primary_key) != 1:
        raise AddRefused(f"{table} has no single-column primary key")
    key_column = resource.primary_key[0]
    key_of = resource.row_key(fields)
    existing = {resource.key_text(key_of(r)) for r in parsed.records}
    row = {f: values.get(f, "") for f in fields}
    if not row[key_column]:
        row[key_column] = make_key(resource, row, existing)
    record = [row[f] for f in fields]
    text = canonical_csv(fields, [record]).split(b"\n", 1)[1]
    content = pkg.file(resource.path)
    new_content, line = insert_record(resource.path, content, parsed, [key_of(r) for r in parsed.records], key_of(record), record, text)
    replaced = {resource.path: new_content, **_without_checksums(pkg, resource.path)}
    replaced.update(_refuse_new_problems(pkg, replaced, extra))
    return Added(resource.path, line, row[key_column], text.decode("utf-8").rstrip("\n"), list(replaced)), replaced


def _folder(pkg: Package) -> Path:
    if pkg.root is None:
        raise AddRefused(f"{pkg.label}: rows and sources are added to a package folder")
    return pkg.root


def _without_checksums(pkg: Package, rel: str) -> dict[str, bytes]:
    """datapackage.json without the checksums a release recorded for rel, as `mmdata fmt` drops them once it changes; {} when none."""
    descriptor = copy.deepcopy(pkg.descriptor)  # the Package's own stays as it was read
    recorded = [r for r in resource_objects(descriptor) if r.get("path") == rel and ("hash" in r or "bytes" in r)]
    for resource in recorded:
        resource.pop("hash", None)
        resource.pop("bytes", None)
    return {DESCRIPTOR: dumps(descriptor).encode("utf-8")} if recorded else {}


def insert_record(rel: str, content: bytes, parsed: ParsedCsv, keys: list[tuple[str, ...]], key: tuple[str, ...], record: list[str],
                  text: bytes) -> tuple[bytes, int]:
    """content with text (the CSV of record, ending in a line break) inserted before the first record of
    the file whose key (keys, by Resource.row_key) sorts after record's (key), or at the end; and the file line it starts on.

    The place is the byte offset the CSV parser reports for that record (csvfile.record_offsets), so
    a character that str.splitlines would break at (U+2028, U+0085, a form feed...) or a quoted cell
    over several lines never moves it: every other byte of the file is kept as it was (#21). The
    result is parsed again and must hold exactly the old records with this one in its place, else
    AddRefused, writing nothing.
    """
    after = [i for i, k in enumerate(keys) if k > key]
    if after:
        index = after[0]  # the records are in file order
        at = record_offsets(content, [parsed.lines[index]])[0]
        new, line = content[:at] + text + content[at:], parsed.lines[index]
    else:
        index = len(parsed.records)
        body = content if content.endswith((b"\n", b"\r")) else content + b"\n"
        new, line = body + text, len(line_starts(body))  # body ends with a line break: its last start is the new line's
    again = parse_csv_bytes(rel, new, [])
    expected = [*parsed.records[:index], record, *parsed.records[index:]]
    if again is None or again.records != expected or again.lines[index] != line:
        raise AddRefused(f"{rel}: the row cannot be inserted without changing another; nothing written: please report this as a bug in mmdata")
    return new, line


@contextmanager
def _candidate(pkg: Package, replaced: dict[str, bytes], extra: dict[str, bytes], also: tuple[str, ...] = ()) -> Iterator[Path]:
    """A temporary copy of the package's descriptor, schemas, tables, seeds, the reference facts the curation rules read
    and the files also names, with some files replaced or added."""
    root = _folder(pkg)
    with tempfile.TemporaryDirectory(prefix="mmdata-add-") as tmp:
        target = Path(tmp)
        for name in sorted({DESCRIPTOR, *also} | declared_paths(pkg.descriptor) | set(reference_files(pkg.usable))):
            if safe_relative_path(name) is None and _regular(root, name):
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, target / name)
        _resource(pkg, "sources")  # refused when the package has no sources table
        folder = pkg.seeds
        if (root / folder).is_dir():
            shutil.copytree(root / folder, target / folder, symlinks=True)  # a link stays a link, reported alike
        for name, data in {**replaced, **extra}.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(data)
        yield target


def _regular(root: Path, name: str) -> bool:
    """Whether name is a regular package file, read through no link (a link is left out of the copy: validate reports it)."""
    try:
        return read_file(root, name) is not None
    except UnsafeFile:
        return False


def _refuse_new_problems(pkg: Package, replaced: dict[str, bytes], extra: dict[str, bytes]) -> dict[str, bytes]:
    """Refuse when the package with the replaced and extra files has a problem it does not have now; else
    the generated files that change with them (see _regenerated), so that `mmdata docs --check` stays clean.

    Each of the two packages is opened once and validated once (#21); the generated files come from the same copy."""
    from ..rules.curation import PENDING
    from ..rules.validate import validate_package
    from .generated import INPUTS

    before_keys = _Keys(pkg)
    before = {before_keys.identity(p) for p in validate_package(pkg).problems}
    with _candidate(pkg, replaced, extra, also=INPUTS) as copy:
        candidate = open_package(copy)
        after_keys = _Keys(candidate)
        after = validate_package(candidate).problems
        new = [p for p in after if after_keys.identity(p) not in before and p.code not in PENDING]
        regenerated = {} if new else _regenerated(pkg, candidate, replaced, only_changed=not extra)  # a new seed: add-source
    if new:
        shown = "\n".join(p.to_line() for p in new)
        raise multiline(AddRefused(f"nothing written: with this row the package would have {len(new)} new problem{'' if len(new) == 1 else 's'}:\n{shown}"))
    return regenerated


class _Keys:
    """The key of the row at each line of each table of a package, each table read once, when a problem names it."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.by_path = {r.path: r for r in pkg.usable}
        self.keys: dict[str, dict[int, str]] = {}

    def identity(self, problem: Problem) -> tuple[Any, ...]:
        """A problem without its line number, which an inserted row shifts: the row's key stands for it."""
        return (problem.path, self.key_at(problem.path, problem.row), problem.column, problem.code, problem.message)

    def key_at(self, rel: str, line: int | None) -> str | None:
        if line is None or not rel.endswith(".csv"):
            return None if line is None else str(line)
        if rel not in self.keys:
            resource = self.by_path.get(rel)
            parsed = None if resource is None else self.pkg.parsed(resource, [])
            self.keys[rel] = {} if resource is None or parsed is None else dict(
                zip(parsed.lines, resource.text_keys(parsed.header, parsed.records), strict=True))
        return self.keys[rel].get(line, str(line))


@dataclass
class AddedSource:
    source_id: str
    seed_file: str
    sha256: str
    row: Added
    written: list[str]


def seed_name(root: Path, folder: str, digest: str) -> str:
    """FOLDER/NNN_<16 hex>.txt: the next free number and the first 16 hex digits of the document's sha256."""
    path = root / folder
    numbers = [int(m.group(1)) for p in (path.iterdir() if path.is_dir() else []) if (m := SEED_NAME.match(p.name))]
    number = max(numbers, default=-1) + 1
    if number > 999:
        raise AddRefused(f"{folder}/ already holds a document numbered 999; seed names have three digits")
    return f"{folder}/{number:03d}_{digest[:16]}.txt"


def read_document(path: Path) -> bytes:
    """The bytes of a text document; AddRefused for a folder, an empty, binary or non-UTF-8 file."""
    if not path.is_file():
        raise AddRefused(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES["other"]:
        raise AddRefused(f"{path}: larger than the {human(MAX_FILE_BYTES['other'])} mmdata reads from a seed")
    content = path.read_bytes()
    if not content.strip():
        raise AddRefused(f"{path}: the document is empty")
    if b"\0" in content:
        raise AddRefused(f"{path}: a binary file (it holds NUL bytes); save the document as UTF-8 text")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AddRefused(f"{path}: not UTF-8 text (byte 0x{content[exc.start]:02x} at offset {exc.start}); "
                         "save the document as UTF-8 text, changing nothing else") from None
    return content


def add_source(root: str | Path, document: str | Path, source_id: str, document_type: str, **columns: str | None) -> AddedSource:
    """Copy document into seeds/, add its sources row and regenerate every listing of the seeds.

    columns are other columns of sources.csv (title, outlet, author, published_date, url,
    summarises, note); the note defaults to NOTE. Refuses, writing nothing, a document already in
    the package (same sha256), a source_id already used, or a file that is not UTF-8 text.

    Writes in one transaction, holding the package's write lock (mmdata.io.journal): killed at any
    point, it leaves a package that the next command that writes puts back as it was (#21, #23).
    """
    with transaction(root, "add-source") as staged:  # opened under the lock, after the journal put back a crashed write
        added = _plan_source(open_package(Path(root)), document, source_id, document_type, **columns)
        for name, data in added.files.items():
            staged.write(name, data)
    return AddedSource(added.source_id, added.seed_file, added.sha256, added.row, list(added.files))


@dataclass
class _Source:
    source_id: str
    seed_file: str
    sha256: str
    row: Added
    files: dict[str, bytes]  # the new bytes of every file add_source changes, in the order it lists them


def _plan_source(pkg: Package, document: str | Path, source_id: str, document_type: str, **columns: str | None) -> _Source:
    """What add_source writes: the seed, its sources row, and every generated file that changes with them."""
    root = _folder(pkg)
    content = read_document(Path(document))
    digest = hashlib.sha256(content).hexdigest()
    resource = _resource(pkg, "sources")
    parsed = pkg.parsed(resource, [])
    if parsed is None:
        raise AddRefused(f"{resource.path} cannot be read; run `mmdata validate` to see why")
    rows = [dict(zip(parsed.header, r, strict=True)) for r in parsed.records]
    same = [r for r in rows if r.get("sha256") == digest]
    if same:
        raise AddRefused(f"{document} is already in the package as {same[0].get('seed_file')} (source {same[0].get('source_id')})")
    folder = pkg.seeds
    names = [p.name for p in ((root / folder).iterdir() if (root / folder).is_dir() else [])]
    copies = [name for name in names if _regular(root, f"{folder}/{name}") and read_file(root, f"{folder}/{name}") == content]
    if copies:
        raise AddRefused(f"{document} is already in the package as {folder}/{copies[0]}")
    if source_id in {r.get("source_id") for r in rows}:
        raise AddRefused(f"source_id '{source_id}' is already used in {resource.path}; choose another")
    seed_file = seed_name(root, folder, digest)
    licence = next((lic.get("name") for lic in pkg.descriptor.get("licenses", []) if isinstance(lic, dict)), "dataset")
    values = {k: v for k, v in columns.items() if v}
    values = {"source_id": source_id, "seed_file": seed_file, "sha256": digest, "document_type": document_type,
              "note": NOTE.format(licence=licence), **values}
    row, replaced = _plan_row(pkg, "sources", values, {seed_file: content})
    return _Source(source_id, seed_file, digest, row, {seed_file: content, **replaced})


def _regenerated(pkg: Package, candidate: Package, files: dict[str, bytes], *, only_changed: bool) -> dict[str, bytes]:
    """Every file `mmdata docs` generates that the package pkg has and that changes once files are written
    (the lists of the seeds, datapackage.json's sources, .zenodo.json, the data dictionary's examples...):
    what generated.py generates from candidate, the package with files, never a list kept here.

    only_changed: only the files whose generated text the written files change (add-row: a row leaves a
    generated file it does not change as it was, even when it is stale); otherwise every one that
    differs from what the package holds (add-source regenerates every listing)."""
    from .generated import generated_files

    root = _folder(pkg)
    before = generated_files(pkg) if only_changed else {}
    out = {}
    for name, data in generated_files(candidate).items():  # only the listings the package has: a bare folder gets no README
        now = files[name] if name in files else current(root, name)
        if now is not None and now != data and (not only_changed or before.get(name) != data):
            out[name] = data
    return out

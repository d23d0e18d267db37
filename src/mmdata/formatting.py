"""`mmdata fmt`: rewrite every table in its one canonical form, losslessly.

Canonical: UTF-8 without byte-order mark, LF line endings, columns in schema order, rows sorted
by primary key (as text), minimal quoting. Every cell keeps its exact text. A file that cannot
be parsed, or whose columns are not the schema's, is reported and left untouched.

Checksums are written only by `mmdata release` (into the release commit and archive). Once a
table changes after a release, fmt drops that table's recorded `bytes` and `hash` rather than
rewriting them: every pull request that touches the table makes the same change to
datapackage.json, so two data pull requests never conflict over checksums (#12).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .csvfile import canonical_csv, header_ok, parse_csv_bytes
from .errors import Problem, sort_problems
from .locking import package_lock
from .package import DESCRIPTOR, as_snapshot, checksum_mismatches, declared_resources, primary_key, read_descriptor

#: Problems that fmt repairs by rewriting (the others leave the file untouched).
REPAIRABLE = ("blank-row",)


@dataclass
class FormatResult:
    changed: list[str] = field(default_factory=list)  # rewritten, or would be with check
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # why a file was left untouched


def format_package(root: str | Path = ".", check: bool = False) -> FormatResult:
    """Bring every table of the package at root into canonical form (with check, only report).

    Holds the package's write lock while it writes (mmdata.locking).
    """
    if check:
        return _format_package(root, check)  # only reads: never waits for a writer
    with package_lock(root):
        return _format_package(root, check)


def _format_package(root: str | Path = ".", check: bool = False) -> FormatResult:
    """format_package, with the lock held."""
    root = Path(root)
    result = FormatResult()
    snap = as_snapshot(root)
    resources = declared_resources(snap, read_descriptor(snap), result.problems, check=False)
    canonical_of: dict[str, bytes] = {}
    for resource in resources:
        found: list[Problem] = []
        if resource.schema is None:  # declared_resources lists only usable resources by default
            continue
        raw = snap.file(resource.rel)
        parsed = parse_csv_bytes(resource.rel, raw, found)
        fields = [f["name"] for f in resource.schema["fields"]]
        blocking = [p for p in found if p.code not in REPAIRABLE]
        if parsed is not None and not blocking:
            header_problems: list[Problem] = []
            if not header_ok(resource.rel, parsed.header, fields, header_problems):
                blocking = header_problems
        if parsed is None or blocking:
            result.problems += [p for p in (blocking or found)]
            continue
        order = [parsed.header.index(f) for f in fields]
        records = [[record[i] for i in order] for record in parsed.records]
        keys = [fields.index(k) for k in primary_key(resource.schema) if k in fields]
        records.sort(key=lambda record: [record[i] for i in keys])
        canonical = canonical_of[resource.rel] = canonical_csv(fields, records)
        if canonical == raw:
            result.unchanged.append(resource.rel)
            continue
        result.changed.append(resource.rel)
        if not check:
            atomic_write(root / resource.rel, canonical)
    if not result.problems:
        _drop_stale_checksums(root, result, canonical_of, check)
    result.problems = sort_problems(result.problems)
    return result


def _drop_stale_checksums(root: Path, result: FormatResult, canonical_of: dict[str, bytes], check: bool) -> None:
    """Remove the `bytes` and `hash` a release recorded for a table that has changed since (release writes new ones)."""
    path = root / DESCRIPTOR
    descriptor = json.loads(path.read_bytes())
    stale = False
    for resource in descriptor.get("resources", []):
        if isinstance(resource, dict) and ("hash" in resource or "bytes" in resource) and resource.get("path") in canonical_of:
            if checksum_mismatches(resource, canonical_of[resource["path"]]):
                resource.pop("bytes", None)
                resource.pop("hash", None)
                stale = True
    if not stale:
        return
    result.changed.append(DESCRIPTOR)
    if not check:
        atomic_write(path, (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def atomic_write(path: Path, content: bytes) -> None:
    """Write content to path atomically: readers see the old file or the new one, never half.

    An existing file keeps its permissions; a new one gets 0644.
    """
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

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

import copy
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PackageReadError, Problem, sort_problems
from ..io.canonical import as_written, worth_arrow
from ..io.csvfile import BLANK_ROW, SOURCE_ERROR, canonical_csv, header_ok, parse_csv_bytes
from ..io.journal import Transaction, transaction
from ..io.jsonfile import SCHEMA_ERROR, dumps
from ..model.package import DESCRIPTOR, Package, checksum_mismatches, open_package, resource_objects
from ..terminal import count

#: Problems that fmt repairs by rewriting (the others leave the file untouched).
REPAIRABLE = (BLANK_ROW,)


@dataclass
class FormatResult:
    changed: list[str] = field(default_factory=list)  # rewritten, or would be with check
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # why a file was left untouched

    def problem_lines(self) -> list[str]:
        """What `mmdata fmt` prints on stderr: each problem, and that its file was left untouched."""
        return [f"{problem.to_line()} (left untouched)" for problem in self.problems]

    def lines(self, check: bool) -> list[str]:
        """What `mmdata fmt` prints on stdout: each file (that would be) rewritten, then the counts."""
        verb, done = ("would reformat", "would be reformatted") if check else ("reformatted", "reformatted")
        summary = f"{count(len(self.changed), 'file')} {done}, {len(self.unchanged)} already canonical"
        if self.problems:
            summary += f", {count(len({p.path for p in self.problems}), 'file')} left untouched"
        return [f"{verb} {path}" for path in self.changed] + [summary]


def format_package(root: str | Path = ".", check: bool = False) -> FormatResult:
    """Bring every table of the package at root into canonical form (with check, only report).

    Writes every changed file in one transaction, holding the package's write lock (mmdata.io.journal).
    """
    if check:
        return format_opened(open_package(Path(root)))
    with transaction(root, "fmt") as staged:  # opened under the lock, after the journal put back a crashed write
        return format_opened(open_package(Path(root)), staged)


def format_opened(pkg: Package, staged: Transaction | None = None) -> FormatResult:
    """format_package of a package already opened (a folder); staged collects the writes, None to only report
    (`mmdata release` checks the package it validated)."""
    if pkg.root is None:
        raise PackageReadError(f"{pkg.label}: not a directory; give the folder that holds {DESCRIPTOR}")
    pkg.refuse_ambiguous()
    result = FormatResult(problems=list(pkg.problems))
    canonical_of: dict[str, bytes] = {}
    raws = {resource.path: pkg.file(resource.path) for resource in pkg.usable}
    arrow = worth_arrow(*map(len, raws.values()))  # every table or none (#22)
    for resource in pkg.usable:
        found: list[Problem] = []
        raw = raws[resource.path]
        fields = resource.field_names
        repeated = sorted({name for name in fields if fields.count(name) > 1})
        if repeated:  # the columns of one name cannot be told apart: rewriting put one's cells in the other's place
            label = next(e.schema_label for e in pkg.entries if e.resource is resource)
            result.problems.append(Problem(label, None, None, SCHEMA_ERROR,
                                           f"names of the fields are not unique ({', '.join(repeated)}); fmt cannot tell those columns "
                                           f"of {resource.path} apart: give each field its own name"))
            continue
        if arrow and as_written(raw, fields, resource.key_positions(fields)):  # canonical, told by Arrow (#22)
            canonical_of[resource.path] = raw
            result.unchanged.append(resource.path)
            continue
        parsed = parse_csv_bytes(resource.path, raw, found)
        blocking = [p for p in found if p.code not in REPAIRABLE]
        if parsed is not None and not blocking:
            header_problems: list[Problem] = []
            if not header_ok(resource.path, parsed.header, fields, header_problems):
                blocking = header_problems
        if parsed is None or blocking:
            result.problems += [p for p in (blocking or found)]
            continue
        position = {name: i for i, name in enumerate(parsed.header)}
        order = [position[f] for f in fields]
        in_order = parsed.records if order == list(range(len(fields))) else [[record[i] for i in order] for record in parsed.records]
        records = resource.sorted_texts(fields, in_order)
        canonical = canonical_csv(fields, records)
        # Bytes equal to the file's read back as the file did: parsing them again (half of fmt's time) is needed only otherwise.
        same = canonical == raw and not found and parsed.records == records
        lost = None if same else _lost(resource.path, canonical, fields, records)
        if lost is not None:
            result.problems.append(lost)
            continue
        canonical_of[resource.path] = canonical
        if canonical == raw:
            result.unchanged.append(resource.path)
            continue
        result.changed.append(resource.path)
        if staged is not None:
            staged.write(resource.path, canonical)
    if not result.problems:
        _drop_stale_checksums(pkg, result, canonical_of, staged)
    result.problems = sort_problems(result.problems)
    return result


def _lost(rel: str, canonical: bytes, fields: list[str], records: list[list[str]]) -> Problem | None:
    """A problem when the canonical text would not read back as exactly these cells (then nothing is written); None when it does."""
    found: list[Problem] = []
    again = parse_csv_bytes(rel, canonical, found)
    if again is not None and not found and again.header == fields and again.records == records:
        return None
    if again is not None and again.header == fields:
        where = f"row {next((i + 1 for i, (a, b) in enumerate(zip(again.records, records, strict=False)) if a != b), len(records) + 1)} in key order"
    else:
        where = "the header"
    return Problem(rel, None, None, SOURCE_ERROR, f"fmt cannot rewrite this file without changing a cell ({where} would read back "
                                                     "differently); it is left as it is: please report this as a bug in mmdata")


def _drop_stale_checksums(pkg: Package, result: FormatResult, canonical_of: dict[str, bytes], staged: Transaction | None) -> None:
    """Remove the `bytes` and `hash` a release recorded for a table that has changed since (release writes new ones)."""
    descriptor = copy.deepcopy(pkg.descriptor)  # the Package's own stays as it was read
    stale = False
    for resource in resource_objects(descriptor):
        if ("hash" in resource or "bytes" in resource) and resource.get("path") in canonical_of:
            if checksum_mismatches(resource, canonical_of[resource["path"]]):
                resource.pop("bytes", None)
                resource.pop("hash", None)
                stale = True
    if not stale:
        return
    result.changed.append(DESCRIPTOR)
    if staged is not None:
        staged.write(DESCRIPTOR, dumps(descriptor).encode("utf-8"))


__all__ = ["FormatResult", "format_opened", "format_package"]

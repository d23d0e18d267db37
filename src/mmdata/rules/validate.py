"""Validate a package in five layers and return every problem found.

The package is read the one way every command reads one (snapshot → package → frames), so a
folder, a release archive and a git revision are checked alike.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Code, Problem, UnsafeFile, declared_codes, sort_problems
from ..io.frames import Table, read_table
from ..io.snapshot import DESCRIPTOR, SCHEMA_ERROR, Snapshot
from ..io.sums import sums_problems
from ..model.package import as_snapshot, checksum_problems, declared_resources, read_descriptor, unlisted_files
from ..model.rulefacts import fact_problems, seed_folder
from ..model.typed import typed_frame
from . import celltext, crossfield, keys, provenance
from .cells import check_cells


def _gathered(parts: Iterable[Mapping[str, Iterable[str]]]) -> dict[str, tuple[str, ...]]:
    """The union of mappings from a name to strings: each name once, its strings sorted."""
    union: dict[str, set[str]] = {}
    for part in parts:
        for name, items in part.items():
            union.setdefault(name, set()).update(items)
    return {name: tuple(sorted(items)) for name, items in sorted(union.items())}


#: Every problem code, each declared once beside the code that emits it (errors.Code), by layer and
#: then code. Importing this module imports every rule, so every declaration (a test checks that no
#: module declares a code this misses). The registries below are derived from these declarations.
DECLARED: tuple[Code, ...] = tuple(declared_codes())
#: mmdata.CODES: each code's layer and meaning.
CODES: dict[str, tuple[int, str]] = {str(code): (code.layer, code.meaning) for code in DECLARED}
#: Fields the rules read by name, per table (the codes' reads). A schema without one is a schema-error.
RULE_FIELDS: dict[str, tuple[str, ...]] = _gathered(code.reads for code in DECLARED)
#: Allowed values the rules' code names literally, per table and field (the codes' values); one
#: that its field does not allow is a schema-error (model.rulefacts.fact_problems).
RULE_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    table: _gathered(code.values.get(table, {}) for code in DECLARED) for table in sorted({t for code in DECLARED for t in code.values})}


@dataclass
class Report:
    """The problems of one validation run, in reporting order, and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    seeds: int = 0
    #: Seconds spent per step ("read", "cells", "keys", "rules", "provenance"), for the benchmark.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems


def load_package(source: str | Path | Snapshot) -> tuple[dict[str, Table], list[Problem]]:
    """Every readable table of the package, and every layer-1 problem (descriptor, schemas, files, CSV structure)."""
    snap = as_snapshot(source)
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    descriptor = read_descriptor(snap, problems)
    declared = declared_resources(snap, descriptor, problems, with_unusable=True)
    for resource in declared:
        try:
            content = snap.file(resource.rel)
        except UnsafeFile as exc:  # there, but it cannot be opened (a file its mode forbids reading) (#13)
            problems.append(Problem(DESCRIPTOR, None, f"{resource.where}/path", exc.code, f"'{resource.rel}' {exc.reason}"))
            continue
        if "hash" in resource.declared or "bytes" in resource.declared:
            problems += checksum_problems(resource, content)
        if resource.schema is not None and resource.name is not None:
            table = read_table(resource.name, resource.rel, content, resource.schema, problems)
            if table is not None:
                tables[table.name] = table
        del content  # only the parsed table stays in memory
    problems += sums_problems(snap)  # a release archive: every file against its SHA256SUMS (#13)
    sources = next((r.schema for r in declared if r.name == "sources" and r.schema is not None), {})
    problems += unlisted_files(snap, descriptor, seed_folder(sources))
    return tables, problems


def validate_package(source: str | Path | Snapshot = ".") -> Report:
    """Check the package (a folder, or a Snapshot of an archive or revision); raise PackageReadError only when datapackage.json cannot be read."""
    snap = as_snapshot(source)
    clock = _Clock()
    loaded, problems = load_package(snap)
    clock.lap("read")
    frames, readable = {}, {}
    for name, table in loaded.items():
        typed, type_problems, unreadable = typed_frame(table)
        problems += type_problems
        problems += check_cells(table, typed)
        problems += celltext.cell_text_problems(table, typed)
        frames[name], readable[name] = typed, typed[~unreadable] if unreadable.any() else typed
    clock.lap("cells")
    problems += keys.foreign_keys(loaded, frames)
    clock.lap("keys")
    ruled = {}
    for name, frame in readable.items():
        lacking = [f for f in RULE_FIELDS.get(name, ()) if f not in frame.columns]
        if lacking:
            problems.append(Problem(loaded[name].path, None, None, SCHEMA_ERROR,
                                    f"table {name} lacks the fields {', '.join(lacking)} that mmdata's rules need"))
        else:
            ruled[name] = frame
    tables = {name: loaded[name] for name in ruled}
    problems += fact_problems(tables, RULE_VALUES)  # a value the rules name must be allowed (#12)
    problems += crossfield.cross_field_rules(tables, ruled)
    clock.lap("rules")
    seed_problems, texts = provenance.seed_checks(snap, tables, ruled)
    problems += seed_problems
    problems += provenance.quote_checks(tables, ruled, texts)
    problems += celltext.short_quotes(tables, ruled)
    clock.lap("provenance")
    return Report(sort_problems(problems), len(loaded), sum(len(t.frame) for t in loaded.values()), len(texts), clock.laps)


def validate_source(package: str | Path = ".", rev: str | None = None) -> Report:
    """validate_package of a folder, a release archive (.zip), or with rev the git revision rev of the repository package."""
    from ..io.snapshot import git_snapshot, open_snapshot

    path = Path(package)
    if rev is not None:
        return validate_package(git_snapshot(rev, path))
    return validate_package(path if path.is_dir() else open_snapshot(path))


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now

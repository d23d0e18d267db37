"""Validate a package in five layers and return every problem found.

The package is opened the one way every command opens one (model/package.py's open_package), so a
folder, a release archive and a git revision are checked alike, and a Package a command already
opened is validated as it is: its descriptor is not read again. The report, and the typed tables
of a valid package, are kept on the Package, so that export, site, release and add-row hand them
on instead of validating again.
"""

from __future__ import annotations

import contextvars
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..errors import Code, InvalidPackage, Problem, declared_codes, sort_problems
from ..io.arrow import arrow_available
from ..io.jsonfile import SCHEMA_ERROR
from ..io.memo import Memo
from ..io.snapshot import Snapshot
from ..model.package import DESCRIPTOR, TABLES, Package, Report, declared_paths, open_package, read_tables
from ..model.rulefacts import OUTPUT_VALUES, RuleValues, in_quote_columns, named_values
from ..model.schema import FINDING, TYPES, Table
from ..model.typed import typed_frame
from . import celltext, crossfield, curation, keys, provenance, scope, vocabulary
from .cells import PRIMARY_KEY, UNIQUE_ERROR, check_cells
from .emit import RESULT_TABLES, Frames
from .seedsearch import Quoted

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


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
#: Fields the rules read of a finding table named other than the result tables (role "finding"): those they read of
#: every result table. Such a table without one stopped validation with an internal error (#22).
FINDING_FIELDS: tuple[str, ...] = tuple(f for f in RULE_FIELDS[RESULT_TABLES[0]] if all(f in RULE_FIELDS[t] for t in RESULT_TABLES))
#: Of RULE_FIELDS, those the rules compare as numbers (the codes' numbers): each typed number or integer, and every other
#: field the rules read typed string. Otherwise a schema-error: `ci_lower` typed string, or `comparator_arm_id` integer,
#: stopped validation with an internal error where a rule compared them.
RULE_NUMBERS: dict[str, tuple[str, ...]] = _gathered(code.numbers for code in DECLARED)
#: Of FINDING_FIELDS, those the rules compare as numbers in every result table.
FINDING_NUMBERS: tuple[str, ...] = tuple(f for f in FINDING_FIELDS if all(f in RULE_NUMBERS.get(t, ()) for t in RESULT_TABLES))
#: The types mmdata's rules compare as numbers: those whose values are Python numbers.
NUMBER_TYPES = tuple(kind for kind, facts in TYPES.items() if facts["python"] in (int, float))
#: Allowed values the rules' code names literally, per table and field (the codes' values); one
#: that its field does not allow is a schema-error (fact_problems), as is one the outputs name (OUTPUT_VALUES).
RULE_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    table: _gathered(code.values.get(table, {}) for code in DECLARED) for table in sorted({t for code in DECLARED for t in code.values})}


def _read_by_rules(table: Table) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields the rules read of a table, and those of them they compare as numbers: a shipped table's as its codes
    declare them, a finding table of another name's as they are for every result table."""
    if table.name in RULE_FIELDS:
        return RULE_FIELDS[table.name], RULE_NUMBERS.get(table.name, ())
    return (FINDING_FIELDS, FINDING_NUMBERS) if table.resource.role == FINDING else ((), ())


def _mistyped(table: Table, reads: Iterable[str], read_as_numbers: tuple[str, ...]) -> list[Problem]:
    """A schema-error for each field the rules read whose type is not the kind they read it as (read_as_numbers), and for
    each field marked mmdata:inQuote that is not a number: its value is looked for among the numbers of its quote (a
    text marked so stopped validation with an internal error)."""
    name = table.name
    in_quote = in_quote_columns(table.resource)
    numbers = {*read_as_numbers, *in_quote}
    problems = []
    for f in dict.fromkeys([*reads, *in_quote]):
        field = table.resource.field(f)
        if field is None or (field.type in NUMBER_TYPES) == (f in numbers):
            continue
        if field.in_quote and f not in read_as_numbers:
            words = (f"{f} of {name} is marked mmdata:inQuote, so its value is looked for among the numbers of its quote, and its "
                     f"schema types it {field.type}; declare it number or integer, or drop the mark")
        else:
            kind, declare = ("a number", "number or integer") if f in numbers else ("text", "string")
            words = f"mmdata's rules read {f} of {name} as {kind}, and its schema types it {field.type}; declare it {declare}"
        problems.append(Problem(table.resource.schema_path or DESCRIPTOR, None, f, SCHEMA_ERROR, words))
    return problems


def fact_problems(tables: dict[str, Table], rule_values: RuleValues, output_values: RuleValues = OUTPUT_VALUES) -> list[Problem]:
    """A schema-error for every value a rule names (rule_values, or a fact of the schema, model.rulefacts) or
    the outputs name (output_values: the plot, the site) that its field does not allow: renaming an allowed
    value can never silently switch a rule off (#12) or drop a panel of the plot (#21)."""
    problems = []
    for name, table in tables.items():
        by_rules = named_values(name, table.resource, rule_values)
        by_outputs = {field: set(values) for field, values in output_values.get(name, {}).items()}
        for field in [*by_rules, *(f for f in by_outputs if f not in by_rules)]:
            enum = table.resource.fact(field).enum
            if enum is None:
                continue  # a field without allowed values takes any value the rules name
            allowed, ruled = set(map(str, enum)), by_rules.get(field, set())
            for value in sorted(ruled - allowed):
                problems.append(Problem(table.path, None, field, SCHEMA_ERROR,
                                        f"mmdata's rules name '{value}', which is not an allowed value of {name}.{field}; "
                                        "rename it in the schema's mmdata: properties too, or restore the value"))
            for value in sorted(by_outputs.get(field, set()) - allowed - ruled):
                problems.append(Problem(table.path, None, field, SCHEMA_ERROR,
                                        f"mmdata's plot and site name '{value}', which is not an allowed value of {name}.{field}; "
                                        "rename it in OUTPUT_VALUES (src/mmdata/model/rulefacts.py) too, or restore the value"))
    return problems


def validate_package(source: str | Path | Snapshot | Package = ".") -> Report:
    """Check the package (a folder, a release archive, a git revision's Snapshot, or a Package already opened);
    raise PackageReadError only when datapackage.json cannot be read. The report is also kept on the Package.

    Layer 2's checks of each table (the pandera schema and the cell text rules, about a sixth of the time at a million
    rows) read only the table's typed cells, and nothing in layers 3 to 5 reads their problems until the curation
    rules ask whether every row is known: in a package with a table of BESIDE_FROM rows or more, they run in a second
    thread, beside the keys, the cross-field rules and the quote checks, whose Arrow and numpy kernels let go of the
    GIL as theirs do (#22). The report is sorted whatever order the problems are found in, and an error raised by a
    table's checks is raised as it would have been with one thread, before any raised by the steps after them."""
    pkg = open_package(source)
    clock = _Clock()
    loaded, problems = read_tables(pkg)  # layer 1: every problem of the descriptor, schemas and files
    problems += celltext.descriptor_links(pkg.descriptor)
    problems += vocabulary.vocabulary_problems(pkg.descriptor)  # the warning vocabulary (#20)
    problems += scope.scope_problems(pkg.descriptor, loaded.get("sources"))  # the scope record (#20)
    clock.lap("read")
    with _Beside(max((len(t.frame) for t in loaded.values()), default=0) >= BESIDE_FROM) as checks:
        try:
            frames, readable = {}, {}
            for name, table in loaded.items():
                typed, type_problems, unreadable = _typed(table)
                problems += type_problems
                checks.start(partial(_checked, table, typed))
                problems += vocabulary.warning_problems(table, pkg.warnings)
                frames[name], readable[name] = typed, typed[~unreadable] if unreadable.any() else typed
            clock.lap("cells")
            if checks.pool is None:  # the checks ran in this lap: "cells" is the typing, as with two threads
                clock.laps["cells"] -= checks.seconds
            problems += keys.foreign_keys(loaded, frames)
            problems += curation.retired_key_problems(loaded, frames)  # a retired key never comes back (#21)
            clock.lap("keys")
            ruled = {}
            for name, frame in readable.items():
                reads, numbers = _read_by_rules(loaded[name])
                lacking = [f for f in reads if f not in frame.columns]
                mistyped = _mistyped(loaded[name], reads, numbers)
                if lacking:
                    problems.append(Problem(loaded[name].path, None, None, SCHEMA_ERROR,
                                            f"table {name} lacks the fields {', '.join(lacking)} that mmdata's rules need"))
                problems += mistyped
                if not lacking and not mistyped:
                    ruled[name] = frame
            tables = {name: loaded[name] for name in ruled}
            problems += fact_problems(tables, RULE_VALUES)  # a value the rules name must be allowed (#12)
            problems += crossfield.cross_field_rules(tables, ruled)
            clock.lap("rules")
            seed_problems, texts = provenance.seed_checks(pkg.snapshot, declared_paths(pkg.descriptor), tables, ruled)
            problems += seed_problems
            quoted = Quoted(texts, ruled)  # the seeds and the quotes' numbers, read once for the quote and the curation rules
            problems += celltext.short_quotes(tables, quoted.cited)
            problems += provenance.quote_checks(tables, ruled, texts, quoted)
        except Exception:
            checks.raise_first()  # a table's checks that failed had failed first
            raise
        problems += checks.problems()
    known = _rows_known(loaded, ruled, problems)  # every table, row and key: what is still to record can be told
    problems += curation.curation_problems(pkg.snapshot, tables, ruled, texts, known, quoted)  # the curation guide's rules (#21)
    clock.lap("provenance")
    clock.laps["cell checks"] = checks.seconds
    report = Report(sort_problems(problems), len(loaded), sum(len(t.frame) for t in loaded.values()), len(texts), clock.laps)
    pkg.report = report
    pkg.typed = {name: (loaded[name], frames[name]) for name in loaded} if report.valid else None
    return report


#: Each table's cells read as their types, and the checks of those cells (layer 2), by the table's bytes and schema:
#: the same file is read and checked once per process (io/memo.py).
TYPED_CELLS = Memo()
CELL_CHECKS = Memo()


def _typed(table: Table) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """A table's cells read as their types (model/typed.py): the typed frame, the cells that could not be read, and
    the rows that hold one."""

    def read() -> tuple[pd.DataFrame, tuple[Problem, ...], pd.Series]:
        typed, found, unreadable = typed_frame(table)
        return typed, tuple(found), unreadable

    typed, found, unreadable = _kept(TYPED_CELLS, table, read)
    return typed.copy(deep=False), list(found), unreadable.copy(deep=False)


def _checked(table: Table, typed: pd.DataFrame) -> tuple[Problem, ...]:
    """Layer 2's checks of a table's typed cells: the generated pandera schema, then the cell text rules."""

    def check() -> tuple[Problem, ...]:
        return (*check_cells(table, typed), *celltext.cell_text_problems(table, typed))

    return _kept(CELL_CHECKS, table, check)


def _kept(memo: Memo, table: Table, make: Callable[[], T]) -> T:
    """make(), kept in memo by the table's bytes, its schema and the reader (a table read from no bytes kept: made)."""
    return make() if table.content is None else memo.get(table.content, (table.resource, arrow_available()), make)


#: The rows of a package's largest table from which layer 2's checks run in a second thread. Below, the two threads
#: cost more than they save: each short call that lets go of the GIL (a numpy or Arrow call on a few cells) can wait
#: for the other thread's turn to end (Python's switch interval, 5 ms). Measured (#22, medians, one process each way):
#: the shipped package 160 to 180 ms with one thread, 198 to 224 ms with two; 10,000 outcome rows 225 to 268 ms and
#: 243 to 283 ms; 100,000 rows 0.89 to 1.04 s either way; 300,000 rows 2.29 to 2.33 s and 2.06 to 2.21 s; 1,000,000
#: rows 8.4 to 9.5 s and 7.5 to 8.8 s.
BESIDE_FROM = 200_000


class _Beside:
    """Layer 2's checks of the tables, one table after the other: in a second thread when beside, else at once in the
    caller's (an error then raised at once); and the seconds they took.

    The checks see the caller's context variables (pandera's config_context, numpy's errstate). Python 3.11 keeps
    the warning filters for the whole process, and `warnings.catch_warnings`, which pandas and pandera enter in both
    threads, swaps them on entry and puts back what it saw on exit: while blocks of the two threads overlap, a warning
    one meant to hide may be shown (or one shown hidden), and one's filter may be left behind. So the second thread's
    time is one catch_warnings block of the caller's, whose filters are put back as they were once the checks are
    done."""

    def __init__(self, beside: bool) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mmdata-cell-checks") if beside else None
        self.running: list[Future[tuple[Problem, ...]]] = []
        self.seconds = 0.0
        self.warning_state = warnings.catch_warnings()  # the filters as they were, put back at the end

    def __enter__(self) -> _Beside:
        if self.pool is not None:
            self.warning_state.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # after an error or Ctrl-C, the checks not begun are not run
            self.warning_state.__exit__(None, None, None)

    def start(self, check: Callable[[], tuple[Problem, ...]]) -> None:
        if self.pool is not None:
            self.running.append(self.pool.submit(contextvars.copy_context().run, self._timed, check))
            return
        done: Future[tuple[Problem, ...]] = Future()
        done.set_result(self._timed(check))
        self.running.append(done)

    def _timed(self, check: Callable[[], tuple[Problem, ...]]) -> tuple[Problem, ...]:
        start = time.perf_counter()
        try:
            return check()
        finally:
            self.seconds += time.perf_counter() - start

    def raise_first(self) -> None:
        """Raise the error of the first table whose checks failed, if one did (waiting for the checks begun); called
        while a later step's error is handled, which becomes its context."""
        for future in self.running:
            error = future.exception()
            if error is not None:
                raise error

    def problems(self) -> list[Problem]:
        """The problems of every table's checks, when all are done; the error of the first that failed, if one did."""
        return [problem for future in self.running for problem in future.result()]


def _rows_known(loaded: dict[str, Table], frames: Frames, problems: list[Problem]) -> bool:
    """Whether the package's rows are all known: every table read and checked by the rules, no row left out as
    unreadable, every key unique and resolved. The curation rules of what is still to record (curation.PENDING)
    run only then: otherwise their problems would only repeat those that left a table, a row or a link out."""
    every_row = all(name in frames and len(frames[name]) == len(loaded[name].frame) for name in (*loaded, *TABLES))
    return every_row and not any(p.code in (PRIMARY_KEY, UNIQUE_ERROR, keys.FOREIGN_KEY) for p in problems)


def validated(source: str | Path | Snapshot | Package) -> Package:
    """The package at source (a folder, an archive, a Package already opened), validated once: InvalidPackage when it
    does not validate, since nothing is exported or built from it."""
    pkg = open_package(source)
    report = pkg.report if pkg.report is not None else validate_package(pkg)
    if not report.valid:
        n = len(report.problems)
        raise InvalidPackage(f"{pkg.label}: the package is not valid ({n} problem{'' if n == 1 else 's'}); nothing was written. "
                             "Run `mmdata validate` to see them")
    return pkg


def validate_source(package: str | Path = ".", rev: str | None = None) -> Report:
    """validate_package of a folder, a release archive (.zip), or with rev the git revision rev of the repository package."""
    from ..io.snapshot import git_snapshot

    if rev is not None:
        return validate_package(git_snapshot(rev, Path(package)))
    return validate_package(package)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now

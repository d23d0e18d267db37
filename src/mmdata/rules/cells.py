"""Layer 2: every cell against its Table Schema, through a pandera schema generated from it (the one source of truth).

The converter is explicit (see the style guide): each constraint becomes a pandera check, a
unique field or a one-column primary key ``unique=True``, a longer key the frame's ``unique``.
typed_frame reads every cell as its field's type first, and pandera checks the dtypes without
coercing; required cells are checked before pandera runs (see pandera_schema and check_cells)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import CELLS, KEYS, Code, Problem, Suggester
from ..io.jsonfile import SCHEMA_ERROR
from ..model.schema import Constraints, Resource, Table, enum_message
from ..model.typed import ENUM_ERROR, REQUIRED_ERROR
from .patterns import pattern_check

MINIMUM_ERROR = Code("minimum-error", CELLS, "a number is below the field's minimum")
MAXIMUM_ERROR = Code("maximum-error", CELLS, "a number is above the field's maximum")
PATTERN_ERROR = Code("pattern-error", CELLS, "a text does not match the field's pattern")
LENGTH_ERROR = Code("length-error", CELLS, "a text is shorter or longer than the field allows")
PRIMARY_KEY = Code("primary-key", KEYS, "two rows share a primary key")
UNIQUE_ERROR = Code("unique-error", KEYS, "two rows share a value of a unique field")


@dataclass(frozen=True)
class CheckSpec:
    """What a generated pandera check means: its mmdata code and how to word a failure."""

    code: str
    message: Callable[[str], str]


def pandera_schema(resource: Resource) -> tuple[pa.DataFrameSchema, dict[str, list[CheckSpec]], list[str]]:
    """The pandera schema of a table's Table Schema, the meaning of each column check, and the required columns.

    The schema checks that the frame has the schema's columns in its fields' dtypes (one check of
    the frame), and what each column must hold: allowed values, bounds, patterns, lengths and
    uniqueness, each column nullable (check_cells finds the empty required cells itself, see there).
    It does not coerce: typed_frame builds every column in its field's dtype and reports, at its
    line, each cell that cannot be read. (Coercion, with a deep copy of the schema per validation,
    was a third of validating a small package, and could only hide a column typed_frame got wrong.) The
    schema is built once per table schema (it is the same for every package that declares it); the
    meanings are new each time, since their suggesters count what one validation reported.
    """
    pk = tuple(resource.primary_key)
    specs: dict[str, list[CheckSpec]] = {}
    for f in resource.fields:
        specs[f.name] = _column_checks(f.constraints)[1]
    frame_schema = _schema(tuple((f.name, f.dtype, f.constraints, pk == (f.name,)) for f in resource.fields), pk)
    return frame_schema, specs, [f.name for f in resource.fields if f.required]


@functools.lru_cache(maxsize=64)
def _schema(fields: tuple[tuple[str, str, Constraints, bool], ...], pk: tuple[str, ...]) -> pa.DataFrameSchema:
    columns = {name: pa.Column(checks=checks, nullable=True, unique=unique)
               for name, _, constraints, sole_key in fields
               for checks, unique in [(_column_checks(constraints)[0], constraints.unique or sole_key)] if checks or unique}
    dtypes = {name: dtype for name, dtype, _, _ in fields}
    # The types in one check of the frame: a dtype per column cost pandera 0.4 ms a column, on frames typed_frame built.
    typed = pa.Check(lambda frame: {str(c): str(t) for c, t in frame.dtypes.items()} == dtypes, name=f"dtypes({dtypes})")
    return pa.DataFrameSchema(columns, checks=[typed], unique=list(pk) if len(pk) > 1 else None)


def _column_checks(cons: Constraints) -> tuple[list[pa.Check], list[CheckSpec]]:
    checks: list[pa.Check] = []
    meaning: list[CheckSpec] = []
    if cons.enum is not None:
        allowed = list(cons.enum)
        checks.append(pa.Check.isin(allowed))
        suggest = Suggester(map(str, allowed))  # once per distinct value, bounded (#23)
        meaning.append(CheckSpec(ENUM_ERROR, lambda v: enum_message(v, allowed, suggest)))
    if cons.minimum is not None:
        low = cons.minimum
        checks.append(pa.Check.ge(low))
        meaning.append(CheckSpec(MINIMUM_ERROR, lambda v: f"{v} is below minimum {low}"))
    if cons.maximum is not None:
        high = cons.maximum
        checks.append(pa.Check.le(high))
        meaning.append(CheckSpec(MAXIMUM_ERROR, lambda v: f"{v} is above maximum {high}"))
    if cons.pattern is not None:
        pattern = cons.pattern
        # Matched as Python's re reads it, with pyarrow or without (rules/patterns.py, #22).
        checks.append(pa.Check(pattern_check(pattern), name="pattern"))
        meaning.append(CheckSpec(PATTERN_ERROR, lambda v: f"'{v}' does not match the pattern {pattern}"))
    if cons.min_length is not None or cons.max_length is not None:
        shortest, longest = cons.min_length, cons.max_length
        checks.append(pa.Check.str_length(min_value=shortest, max_value=longest))
        meaning.append(CheckSpec(LENGTH_ERROR, lambda v: f"'{v}' must be {_length_words(shortest, longest)} characters long"))
    return checks, meaning


def _length_words(shortest: int | None, longest: int | None) -> str:
    if shortest is not None and longest is not None:
        return f"{shortest} to {longest}"
    return f"at least {shortest}" if longest is None else f"at most {longest}"


def check_cells(table: Table, typed: pd.DataFrame) -> list[Problem]:
    """Validate typed cells against the table's generated pandera schema, collecting every failure.

    Required cells (the columns pandera's schema makes non-nullable) are checked here first, a
    column at a time, and pandera is then asked for the other checks only: a table of millions of
    rows with empty required cells gave pandera a failure case each (a gigabyte of them for two
    million rows) before a problem was worded (#23). The problems are the same.
    """
    frame_schema, specs, required = pandera_schema(table.resource)
    problems = _missing_required(table, typed, required)
    try:
        frame_schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems += _translate(table, exc.failure_cases, specs)
    return problems


def _missing_required(table: Table, typed: pd.DataFrame, required: list[str]) -> list[Problem]:
    """A required-error for each empty cell of a required column; a cell that is not empty in the file but
    cannot be typed (only whitespace, not a number) is not one: typed_frame reported it."""
    problems: list[Problem] = []
    if not required:
        return problems
    empty = typed[required].isna().to_numpy(dtype=bool) & table.frame[required].isna().to_numpy(dtype=bool)  # two operations for all columns
    for j, name in enumerate(required):
        problems += [Problem(table.path, line, name, REQUIRED_ERROR, "empty, but this field is required")
                     for line in table.lines[empty[:, j]].tolist()]
    return problems


def _translate(table: Table, failures: pd.DataFrame, specs: dict[str, list[CheckSpec]]) -> list[Problem]:
    """Turn pandera's failure cases into problems at file lines (row = table.lines[index])."""
    problems: list[Problem] = []
    pk = table.resource.primary_key
    first_line: dict[tuple[str, str], int] = {}
    ordered = failures.assign(file_line=[_line(table, i) for i in failures["index"]]).sort_values("file_line", na_position="first")
    values = _cells(table.frame, ordered)
    for case, value in zip(ordered.itertuples(index=False), values, strict=True):
        column, check, line = case.column, str(case.check), case.file_line
        if check.startswith("dtypes("):  # typed_frame built a column in another type: a bug, not a problem of the data
            raise TypeError(f"{table.path}: the cells were not read as the types {check.removeprefix('dtypes')}; please report this bug")
        if column not in table.frame.columns:  # a whole-frame failure: cannot happen for frames we build
            problems.append(Problem(table.path, None, None, SCHEMA_ERROR, f"{check}: {case.failure_case}"))
            continue
        if check in ("field_uniqueness", "multiple_fields_uniqueness"):
            key = (column, str(value))
            if key not in first_line:
                first_line[key] = line
                continue
            code = PRIMARY_KEY if column in pk else UNIQUE_ERROR
            problems.append(Problem(table.path, line, column, code,
                                    f"'{value}' already appears on line {first_line[key]}; {column} must be unique", value))
        else:
            spec = specs[column][int(case.check_number)]
            problems.append(Problem(table.path, line, column, spec.code, spec.message(str(value)), value))
    return problems


def _cells(frame: pd.DataFrame, failures: pd.DataFrame) -> list[Any]:
    """The cell of frame at each failure case's row (its "index" label) and column, as ``frame.at`` gives it; None for a case
    without a row or of a column frame does not have. One take per column: ``frame.at`` case by case took 7 s for 100,000
    failing cells of a million-row table (it makes the column's Series each time, #22)."""
    values: list[Any] = [None] * len(failures)
    labels = failures["index"].to_numpy(dtype=object)
    for column, where in failures.groupby("column", sort=False, dropna=True).indices.items():
        if column not in frame.columns:
            continue
        rows = [i for i in where.tolist() if not pd.isna(labels[i])]
        positions = frame.index.get_indexer([int(labels[i]) for i in rows])
        if (positions < 0).any():  # as frame.at would: a label the frame does not have
            raise KeyError(int(labels[rows[int(np.flatnonzero(positions < 0)[0])]]))
        for i, value in zip(rows, frame[column].array.take(positions), strict=True):
            values[i] = value
    return values


def _line(table: Table, index: Any) -> int | None:
    return None if index is None or pd.isna(index) else int(table.lines[int(index)])

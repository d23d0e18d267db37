"""pandera schemas generated from the Table Schemas in schemas/ (the one source of truth).

The converter is explicit (see the style guide): ``nullable = not required``, a primary key
becomes ``unique`` plus non-null, and ``strict=True, coerce=True``. Cells are first read as
their Table Schema type here, one column at a time, so that a cell that cannot be read is
reported as a type error and set to missing: it then hides no other check, which is what
happens when pandera itself fails to cast a column.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import Problem
from .frames import Table
from .package import DTYPES, primary_key
from .rulefacts import date_columns
from .suggest import did_you_mean

# Table Schema lexical forms (bareNumber true: no currency signs, no thousands separators).
INTEGER_RE = r"[+-]?[0-9]+"
NUMBER_RE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
TYPE_WORDS = {"integer": "a whole number", "number": "a number (digits, '.' for decimals, no thousands separator)"}
#: Whole numbers are stored as Int64, but the rules compare them with numbers and with the numbers
#: of quotes as floats, and JSON readers (the site, Datasette) hold them as floats: only whole
#: numbers up to 2**53 keep their value everywhere, so larger ones are refused (#13).
INTEGER_LIMIT = 2**53
#: Words a reader may take for a number, which Table Schema's bare numbers do not allow (#13).
NOT_A_VALUE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckSpec:
    """What a generated pandera check means: its mmdata code and how to word a failure."""

    code: str
    message: Callable[[str], str]


def pandera_schema(schema: dict[str, Any]) -> tuple[pa.DataFrameSchema, dict[str, list[CheckSpec]]]:
    """Build the pandera schema of a Table Schema, and the meaning of each column check."""
    pk = primary_key(schema)
    columns: dict[str, pa.Column] = {}
    specs: dict[str, list[CheckSpec]] = {}
    for f in schema["fields"]:
        name, cons = f["name"], f.get("constraints", {})
        checks, meaning = _column_checks(cons)
        columns[name] = pa.Column(
            DTYPES[f.get("type", "string")],
            checks=checks,
            nullable=not (cons.get("required", False) or name in pk),
            unique=bool(cons.get("unique", False)) or pk == [name],
            coerce=True,
        )
        specs[name] = meaning
    frame_schema = pa.DataFrameSchema(
        columns, strict=True, coerce=True, unique=pk if len(pk) > 1 else None,
        name=schema.get("name"),
    )
    return frame_schema, specs


def _column_checks(cons: dict[str, Any]) -> tuple[list[pa.Check], list[CheckSpec]]:
    checks: list[pa.Check] = []
    meaning: list[CheckSpec] = []
    if "enum" in cons:
        allowed = list(cons["enum"])
        checks.append(pa.Check.isin(allowed))
        meaning.append(CheckSpec("enum-error", lambda v: enum_message(v, allowed)))
    if "minimum" in cons:
        low = cons["minimum"]
        checks.append(pa.Check.ge(low))
        meaning.append(CheckSpec("minimum-error", lambda v: f"{v} is below minimum {low}"))
    if "maximum" in cons:
        high = cons["maximum"]
        checks.append(pa.Check.le(high))
        meaning.append(CheckSpec("maximum-error", lambda v: f"{v} is above maximum {high}"))
    if "pattern" in cons:
        pattern = cons["pattern"]
        checks.append(pa.Check(lambda s: s.str.fullmatch(pattern), name="pattern"))
        meaning.append(CheckSpec("pattern-error", lambda v: f"'{v}' does not match the pattern {pattern}"))
    if "minLength" in cons or "maxLength" in cons:
        shortest, longest = cons.get("minLength"), cons.get("maxLength")
        checks.append(pa.Check.str_length(min_value=shortest, max_value=longest))
        meaning.append(CheckSpec("length-error", lambda v: f"'{v}' must be {_length_words(shortest, longest)} characters long"))
    return checks, meaning


def enum_message(value: str, allowed: list[Any]) -> str:
    return f"'{value}' is not an allowed value{did_you_mean(value, map(str, allowed))}; use one of: {', '.join(map(str, allowed))}"


def _length_words(shortest: int | None, longest: int | None) -> str:
    if shortest is not None and longest is not None:
        return f"{shortest} to {longest}"
    return f"at least {shortest}" if longest is None else f"at most {longest}"


def typed_frame(table: Table) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """Read every cell as its field's type; a cell that cannot be read is reported and set to NA.

    A number too large for its type (beyond Int64, or a float that would become infinite or
    zero) cannot be read either: it would not come back as written. Also returns which rows
    hold such a cell, or have the wrong number of cells: the cross-field and provenance rules
    skip them, since they would only repeat those errors in other words.
    """
    problems: list[Problem] = []
    unreadable = pd.Series(table.broken, index=table.frame.index)
    columns: dict[str, pd.Series] = {}
    dates = date_columns(table.schema)
    for f in table.schema["fields"]:
        name, kind = f["name"], f.get("type", "string")
        raw = table.frame[name]
        if kind == "string":
            wrong = _blank_required(table, f, raw, problems)
            if name in dates:
                wrong |= _impossible_dates(table, name, raw, problems)
            unreadable |= wrong
            columns[name] = raw.where(~wrong)  # reported once here: no pattern or other check repeats it
            continue
        readable = raw.str.fullmatch(INTEGER_RE if kind == "integer" else NUMBER_RE).fillna(True).astype(bool)
        for i in np.flatnonzero(~readable.to_numpy()):
            value = raw.iat[i]
            problems.append(Problem(table.path, int(table.lines[i]), name, "type-error", _not_a_number(value, kind), value))
        typed, out_of_range = _as_type(raw.where(readable), kind)
        for i in np.flatnonzero(out_of_range.to_numpy()):
            value = raw.iat[i]
            problems.append(Problem(table.path, int(table.lines[i]), name, "type-error", _out_of_range(value, kind), value))
        unreadable |= ~readable | out_of_range
        columns[name] = typed.where(~out_of_range)
    return pd.DataFrame(columns, index=table.frame.index), problems, unreadable


def _not_a_number(value: str, kind: str) -> str:
    if NOT_A_VALUE.fullmatch(value.strip()):
        return f"'{value}' is not {TYPE_WORDS[kind]}: infinity and NaN are not values here; write the number, or leave the cell empty"
    return f"'{value}' is not {TYPE_WORDS[kind]}"


def _out_of_range(value: str, kind: str) -> str:
    """Why a lexically valid number cannot be stored as written (it would wrap, overflow or vanish)."""
    if kind == "integer":
        return (f"'{value}' is beyond the whole numbers mmdata keeps exactly ({-INTEGER_LIMIT} to {INTEGER_LIMIT}); "
                "check the number, or store it as text in another column if it is right")
    size = "large: it would be stored as infinity" if float(value) else "small: it would be stored as 0"
    return f"'{value}' is too {size}; check the number, or store it as text in another column if it is right"


def _blank_required(table: Table, field: dict[str, Any], raw: pd.Series, problems: list[Problem]) -> pd.Series:
    """Cells of a required text field that hold only whitespace: empty in all but name, so a required-error (#13).

    frictionless counts " " as a value; mmdata is stricter, since a blank required cell (a quote,
    a name) proves nothing. The file is never changed; the typed cell is NA, so that no pattern
    or length check repeats the problem.
    """
    if not (field.get("constraints", {}).get("required") or field["name"] in primary_key(table.schema)):
        return pd.Series(False, index=raw.index)
    blank = raw.str.fullmatch(r"\s+").fillna(False).astype(bool)
    for i in np.flatnonzero(blank.to_numpy()):
        problems.append(Problem(table.path, int(table.lines[i]), field["name"], "required-error",
                                "only whitespace, but this field is required", raw.iat[i]))
    return blank


def _impossible_dates(table: Table, name: str, raw: pd.Series, problems: list[Problem]) -> pd.Series:
    """Cells of a date field (mmdata:date) that are not a day, month or year of the calendar (#13)."""
    wrong = pd.Series(False, index=raw.index)
    for i in np.flatnonzero(raw.notna().to_numpy()):
        why = date_error(str(raw.iat[i]))
        if why:
            wrong.iat[i] = True
            problems.append(Problem(table.path, int(table.lines[i]), name, "type-error", f"'{raw.iat[i]}' is not a date: {why}", raw.iat[i]))
    return wrong


def date_error(text: str) -> str:
    """Why text is not a calendar date written YYYY, YYYY-MM or YYYY-MM-DD; '' when it is one."""
    match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", text)
    if not match:
        return "write it YYYY, YYYY-MM or YYYY-MM-DD, with no spaces"
    year, month, day = match.groups()
    if int(year) == 0:
        return "there is no year 0000"
    if month is not None and not 1 <= int(month) <= 12:
        return f"there is no month {month}"
    if day is not None and month is not None:
        days = calendar.monthrange(int(year), int(month))[1]
        if not 1 <= int(day) <= days:
            return f"{calendar.month_name[int(month)]} {year} has {days} days"
    return ""


def _as_type(text: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Lexically valid text (or NA) as Int64 or Float64, and which cells would not keep their value."""
    if kind == "integer":
        digits = text.str.lstrip("+-").str.lstrip("0").str.len().fillna(0)
        huge = (digits > 15).to_numpy()  # only these can be out of range: check them exactly
        out_of_range = pd.Series(False, index=text.index)
        if huge.any():
            out_of_range[huge] = [not -INTEGER_LIMIT <= int(v) <= INTEGER_LIMIT for v in text[huge]]
        # Arrow-backed strings (pandas with pyarrow installed) do not parse a leading "+" as an integer.
        return text.where(~out_of_range).str.removeprefix("+").astype("Int64"), out_of_range
    number = text.astype("Float64")
    nonzero = text.str.replace(r"[eE].*$", "", regex=True).str.contains("[1-9]").fillna(False).astype(bool)
    out_of_range = (number.isin([np.inf, -np.inf]) | (number.eq(0) & nonzero)).fillna(False).astype(bool)
    return number, out_of_range


def check_cells(table: Table, typed: pd.DataFrame) -> list[Problem]:
    """Validate typed cells against the table's generated pandera schema, collecting every failure."""
    frame_schema, specs = pandera_schema(table.schema)
    try:
        frame_schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _translate(table, exc.failure_cases, specs)
    return []


def _translate(table: Table, failures: pd.DataFrame, specs: dict[str, list[CheckSpec]]) -> list[Problem]:
    """Turn pandera's failure cases into problems at file lines (row = table.lines[index])."""
    problems: list[Problem] = []
    pk = primary_key(table.schema)
    first_line: dict[tuple[str, str], int] = {}
    ordered = failures.assign(file_line=[_line(table, i) for i in failures["index"]]).sort_values("file_line", na_position="first")
    for case in ordered.itertuples(index=False):
        column, check, line = case.column, str(case.check), case.file_line
        if column not in table.frame.columns:  # a whole-frame failure: cannot happen for frames we build
            problems.append(Problem(table.path, None, None, "schema-error", f"{check}: {case.failure_case}"))
            continue
        value = None if line is None else table.frame.at[int(case.index), column]
        if check == "not_nullable":
            if value is not None and not pd.isna(value):
                continue  # only whitespace: typed_frame reported it
            problems.append(Problem(table.path, line, column, "required-error", "empty, but this field is required"))
        elif check in ("field_uniqueness", "multiple_fields_uniqueness"):
            key = (column, str(value))
            if key not in first_line:
                first_line[key] = line
                continue
            code = "primary-key" if column in pk else "unique-error"
            problems.append(Problem(table.path, line, column, code,
                                    f"'{value}' already appears on line {first_line[key]}; {column} must be unique", value))
        else:
            spec = specs[column][int(case.check_number)]
            problems.append(Problem(table.path, line, column, spec.code, spec.message(str(value)), value))
    return problems


def _line(table: Table, index: Any) -> int | None:
    return None if index is None or pd.isna(index) else int(table.lines[int(index)])

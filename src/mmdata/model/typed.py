"""A table's cells read as their Table Schema types, one column at a time, so that a cell that cannot be read is
reported as a type error and set to missing: it then hides no other check, which is what happens when
pandera itself fails to cast a column."""

from __future__ import annotations

import calendar
import re

import numpy as np
import pandas as pd

from ..errors import CELLS, Code, Problem, Suggester
from ..io.arrow import arrow_chunks, cells_starting
from .schema import Field, Table, enum_message

TYPE_ERROR = Code("type-error", CELLS, "a cell cannot be read as its field's type")
REQUIRED_ERROR = Code("required-error", CELLS, "a required cell is empty")
#: Emitted by the cell rules (rules/cells.py) and by mmdata.load, both worded by enum_message.
ENUM_ERROR = Code("enum-error", CELLS, "a cell is not one of the field's allowed values")

# Table Schema lexical forms (bareNumber true: no currency signs, no thousands separators).
INTEGER_RE = r"[+-]?[0-9]+"


NUMBER_RE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


#: The characters of Python's \s, which str.isspace() also tells (a test checks both, over every code point).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
              "\u200a\u2028\u2029\u202f\u205f\u3000")
BLANK = re.compile(r"\s+")

TYPE_WORDS = {"integer": "a whole number", "number": "a number (digits, '.' for decimals, no thousands separator)"}


#: Whole numbers are stored as Int64, but the rules compare them with numbers and with the numbers
#: of quotes as floats, and JSON readers (the site, Datasette) hold them as floats: only whole
#: numbers up to 2**53 keep their value everywhere, so larger ones are refused (#13).
INTEGER_LIMIT = 2**53


#: Words a reader may take for a number, which Table Schema's bare numbers do not allow (#13).
NOT_A_VALUE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)", re.IGNORECASE)


def typed_frame(table: Table) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """Read every cell as its field's type; a cell that cannot be read is reported and set to NA.

    A number too large for its type (beyond Int64, or a float that would become infinite or
    zero) cannot be read either: it would not come back as written. Also returns which rows
    hold such a cell, or have the wrong number of cells: the cross-field and provenance rules
    skip them, since they would only repeat those errors in other words.
    """
    problems: list[Problem] = []
    # Masks are numpy arrays, and a column is copied only when a cell of it is set to NA: a small
    # table is validated in a few milliseconds, mostly pandas' cost per operation.
    unreadable = np.array(table.broken, dtype=bool)
    columns: dict[str, pd.Series] = {}
    for f in table.resource.fields:
        name, kind = f.name, f.type
        raw = table.frame[name]
        if kind == "string":
            wrong = _blank_required(table, f, raw, problems)
            if f.date:
                wrong |= _impossible_dates(table, name, raw, problems)
            unreadable |= wrong
            columns[name] = raw.where(~wrong) if wrong.any() else raw  # reported once here: no pattern or other check repeats it
            continue
        readable = raw.str.fullmatch(INTEGER_RE if kind == "integer" else NUMBER_RE).fillna(True).to_numpy(dtype=bool)
        for i in np.flatnonzero(~readable):
            value = raw.iat[i]
            problems.append(Problem(table.path, int(table.lines[i]), name, TYPE_ERROR, _not_a_number(value, kind), value))
        typed, out_of_range = _as_type(raw if readable.all() else raw.where(readable), kind)
        for i in np.flatnonzero(out_of_range):
            value = raw.iat[i]
            problems.append(Problem(table.path, int(table.lines[i]), name, TYPE_ERROR, _out_of_range(value, kind), value))
        unreadable |= ~readable | out_of_range
        columns[name] = typed.where(~out_of_range) if out_of_range.any() else typed
    return pd.DataFrame(columns, index=table.frame.index), problems, pd.Series(unreadable, index=table.frame.index)


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


def _blank_required(table: Table, field: Field, raw: pd.Series, problems: list[Problem]) -> np.ndarray:
    """Cells of a required text field that hold only whitespace: empty in all but name, so a required-error (#13).

    frictionless counts " " as a value; mmdata is stricter, since a blank required cell (a quote,
    a name) proves nothing. The file is never changed; the typed cell is NA, so that no pattern
    or length check repeats the problem.
    """
    blank = np.zeros(len(raw), dtype=bool)
    if not field.required:
        return blank
    # Only a cell that starts with whitespace can be all whitespace: those are found first (by their first byte, with
    # pyarrow: arrow.cells_starting), then read by re.
    starts = np.flatnonzero(cells_starting([raw], tuple(WHITESPACE))[0])
    blank[starts] = [BLANK.fullmatch(raw.iat[i]) is not None for i in starts.tolist()]
    for i in np.flatnonzero(blank):
        problems.append(Problem(table.path, int(table.lines[i]), field.name, REQUIRED_ERROR,
                                "only whitespace, but this field is required", raw.iat[i]))
    return blank


def _impossible_dates(table: Table, name: str, raw: pd.Series, problems: list[Problem]) -> np.ndarray:
    """Cells of a date field (mmdata:date) that are not a day, month or year of the calendar (#13)."""
    wrong = np.zeros(len(raw), dtype=bool)
    for i in np.flatnonzero(raw.notna().to_numpy()):
        why = date_error(str(raw.iat[i]))
        if why:
            wrong[i] = True
            problems.append(Problem(table.path, int(table.lines[i]), name, TYPE_ERROR, f"'{raw.iat[i]}' is not a date: {why}", raw.iat[i]))
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


def _as_type(text: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray]:
    """Lexically valid text (or NA) as Int64 or Float64, and which cells would not keep their value."""
    if kind == "integer":
        digits = text.str.lstrip("+-").str.lstrip("0").str.len().fillna(0)
        huge = (digits > 15).to_numpy()  # only these can be out of range: check them exactly
        out_of_range = np.zeros(len(text), dtype=bool)
        if huge.any():
            out_of_range[huge] = [not -INTEGER_LIMIT <= int(v) <= INTEGER_LIMIT for v in text[huge]]
            text = text.where(~out_of_range)
        # Arrow-backed strings (pandas with pyarrow installed) do not parse a leading "+" as an integer.
        return text.str.removeprefix("+").astype("Int64"), out_of_range
    number = text.astype("Float64")
    values = number.to_numpy(dtype=float, na_value=np.nan)
    out_of_range = np.isinf(values)
    zero = values == 0
    if zero.any():  # a zero written with a non-zero digit before its exponent vanished: 1e-400
        nonzero = text.str.replace(r"[eE].*$", "", regex=True).str.contains("[1-9]").fillna(False).to_numpy(dtype=bool)
        out_of_range |= zero & nonzero
    return number, out_of_range


def loaded_frame(table: Table, typed: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """typed (what typed_frame read) as mmdata.load gives a table: each text field with allowed values a category
    (in the order the schema lists them), rows numbered from 0; and an enum-error for each value outside them,
    which a category would turn into a missing value (then the frame is not to be used)."""
    problems: list[Problem] = []
    categories = [f for f in table.resource.fields if f.categorical]
    for f in categories:
        column, enum = typed[f.name], list(f.enum or ())
        suggest = Suggester(map(str, enum))  # once per distinct value, bounded (#23)
        for i in (column.notna() & ~column.isin(enum)).to_numpy().nonzero()[0]:
            value = str(column.iat[i])
            problems.append(Problem(table.path, int(table.lines[i]), f.name, ENUM_ERROR, enum_message(value, enum, suggest), value))
    if problems:
        return typed, problems
    loaded = typed.copy() if categories else typed
    for f in categories:  # only now: pandas turns a value outside the categories into NaN
        loaded[f.name] = as_category(loaded[f.name], pd.CategoricalDtype(categories=list(f.enum or ())))
    return loaded.reset_index(drop=True), problems


def as_category(column: pd.Series, dtype: pd.CategoricalDtype) -> pd.Series:
    """column.astype(dtype) for a column whose every value is one of the categories, or missing: the same Series. Where
    pyarrow holds the column, Arrow looks each cell up among the categories (index_in); otherwise the distinct values
    are numbered once (astype read every cell: 0.25 s a column at a million rows, against 0.04 s; Arrow's lookup took
    `mmdata.load("outcomes")` from 2.06 s to 1.90 s, #22)."""
    chunks = arrow_chunks([column])
    if chunks is not None and all(isinstance(c, str) for c in dtype.categories):  # each cell's category looked up by Arrow (#22)
        import pyarrow as pa
        import pyarrow.compute as pc

        cells = pa.chunked_array(chunks, type=chunks[0].type)
        found = pc.index_in(cells, value_set=pa.array(list(dtype.categories), cells.type))  # null: missing, or no category
        codes = np.asarray(pc.fill_null(found, pa.scalar(-1, found.type)).to_numpy(), dtype=np.int64)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=column.index, name=column.name)
    codes, distinct = pd.factorize(column)
    positions = np.append(pd.Index(dtype.categories).get_indexer(distinct), -1)  # a missing value (code -1) takes the -1
    return pd.Series(pd.Categorical.from_codes(positions[codes], dtype=dtype), index=column.index, name=column.name)

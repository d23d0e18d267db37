"""Hostile but plausible cells (#13): impossible dates, numbers that cannot be stored as written,
blank required cells. Each must be one located problem, the same through both CSV readers,
`mmdata validate` and `mmdata.load()`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import mmdata
import mmdata.io.arrow
import mmdata.model.typed as typed
from mmdata.io.frames import read_cells
from mmdata.model.schema import Table
from mmdata.model.typed import typed_frame

from ..conftest import ROOT, build_fixture, set_cell

SOURCES, STUDIES, ARMS, OUTCOMES = "data/sources.csv", "data/studies.csv", "data/arms.csv", "data/outcomes.csv"
KEYS = {SOURCES: "test-doc", STUDIES: "trial-a", ARMS: "trial-a-drug", OUTCOMES: "trial-a-pfs-drug"}


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def everywhere(pkg: Path, path: str, column: str, text: str) -> list[tuple[int | None, str | None, str, str]]:
    """The problems of one cell set to text, asserted equal through both readers, validate and load."""
    line = set_cell(pkg / path, KEYS[path], column, text)
    name = Path(path).stem
    resource = mmdata.open_package(pkg).resources[name]
    seen = []
    for fast in (False, True):
        cells = read_cells(path, (pkg / path).read_bytes(), resource.field_names, resource.missing_values, [], fast=fast)
        assert cells is not None
        seen.append(typed_frame(Table(resource, cells.frame, cells.lines, cells.broken))[1])
    assert seen[0] == seen[1]
    validated = [p for p in mmdata.validate(pkg) if p.path == path and p.row == line and p.column == column]
    assert validated == seen[0]
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load(name, path=pkg)
    assert [p for p in caught.value.problems if p.column == column] == seen[0]
    return [(p.row, p.column, p.code, p.message) for p in validated]


def one(pkg: Path, path: str, column: str, text: str, code: str, message: str) -> None:
    line = set_cell(pkg / path, KEYS[path], column, "")  # the line, before the cell is set
    assert everywhere(pkg, path, column, text) == [(line, column, code, message)]


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize(("text", "why"), [
    ("2021-02-30", "February 2021 has 28 days"),
    ("2023-02-29", "February 2023 has 28 days"),
    ("2021-04-31", "April 2021 has 30 days"),
    ("2021-13-45", "there is no month 13"),
    ("2021-00", "there is no month 00"),
    ("2021-01-00", "January 2021 has 31 days"),
    ("0000-01-01", "there is no year 0000"),
    ("0000", "there is no year 0000"),
    ("2021-2-3", "write it YYYY, YYYY-MM or YYYY-MM-DD, with no spaces"),
    ("2021-01-01 ", "write it YYYY, YYYY-MM or YYYY-MM-DD, with no spaces"),
    (" 2021", "write it YYYY, YYYY-MM or YYYY-MM-DD, with no spaces"),
])
def test_an_impossible_date_is_a_located_type_error_issue_13(text: str, why: str, pkg: Path) -> None:
    one(pkg, SOURCES, "published_date", text, "type-error", f"'{text}' is not a date: {why}")


@pytest.mark.parametrize("text", ["2024-02-29", "2000-02-29", "2021-12-31", "2021-01-01", "2021-12", "2021", "0001-01-01"])
def test_a_real_date_passes_issue_13(text: str, pkg: Path) -> None:
    set_cell(pkg / SOURCES, "test-doc", "published_date", text)
    assert mmdata.validate(pkg) == []
    assert mmdata.load("sources", path=pkg)["published_date"].tolist() == [text]


def test_the_shipped_date_columns_are_declared_issue_13() -> None:
    schema = json.loads((ROOT / "schemas/sources.schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"] if f.get("mmdata:date")] == ["published_date"]


# ---------------------------------------------------------------- numbers that cannot be stored as written
@pytest.mark.parametrize("text", ["99999999999999999999", "-99999999999999999999", "9223372036854775808", "-9223372036854775809",
                                  "9223372036854775807", "9007199254740993", "-9007199254740993", "+0009007199254740993"])
@pytest.mark.parametrize(("path", "column"), [(STUDIES, "size"), (ARMS, "size")])
def test_an_integer_beyond_2_to_the_53_is_named_not_wrapped_issue_13(text: str, path: str, column: str, pkg: Path) -> None:
    one(pkg, path, column, text, "type-error",
        f"'{text}' is beyond the whole numbers mmdata keeps exactly (-9007199254740992 to 9007199254740992); "
        "check the number, or store it as text in another column if it is right")


@pytest.mark.parametrize("text", ["9007199254740992", "-9007199254740992", "+0009007199254740992"])
def test_an_integer_at_2_to_the_53_is_read_and_checked_issue_13(text: str, pkg: Path) -> None:
    line = set_cell(pkg / ARMS, "trial-a-drug", "size", text)
    found = [(p.row, p.column, p.code) for p in mmdata.validate(pkg) if p.path == ARMS]
    high = not text.startswith("-")
    assert found == [(line, "size", "arm-larger-than-study" if high else "minimum-error"), (line, "size", "number-not-in-quote")]


@pytest.mark.parametrize(("text", "size"), [("1e400", "large: it would be stored as infinity"),
                                            ("-1e400", "large: it would be stored as infinity"),
                                            ("1e-400", "small: it would be stored as 0")])
@pytest.mark.parametrize("column", ["value", "ci_lower", "p_value", "time_value"])
def test_a_number_beyond_a_float_is_named_issue_13(text: str, size: str, column: str, pkg: Path) -> None:
    one(pkg, OUTCOMES, column, text, "type-error", f"'{text}' is too {size}; check the number, or store it as text in another column if it is right")


@pytest.mark.parametrize("text", ["inf", "-inf", "+Infinity", "nan", "NaN", "Infinity"])
@pytest.mark.parametrize("column", ["value", "ci_upper"])
def test_infinity_and_nan_are_not_values_issue_13(text: str, column: str, pkg: Path) -> None:
    one(pkg, OUTCOMES, column, text, "type-error",
        f"'{text}' is not a number (digits, '.' for decimals, no thousands separator): "
        "infinity and NaN are not values here; write the number, or leave the cell empty")


# ---------------------------------------------------------------- blank required cells
@pytest.mark.parametrize("text", [" ", "  \t ", "\u00a0"])
@pytest.mark.parametrize(("path", "column"), [(ARMS, "quote"), (ARMS, "name"), (STUDIES, "name"), (SOURCES, "sha256"), (OUTCOMES, "quote")])
def test_a_whitespace_only_required_cell_is_empty_issue_13(text: str, path: str, column: str, pkg: Path) -> None:
    one(pkg, path, column, text, "required-error", "only whitespace, but this field is required")


def test_a_whitespace_only_cell_is_kept_as_written_issue_13(pkg: Path) -> None:
    set_cell(pkg / STUDIES, "trial-a", "caveat", " ")
    assert mmdata.load("studies", path=pkg).set_index("study_id").at["trial-a", "caveat"] == " "


def test_the_whitespace_of_a_blank_cell_is_what_python_calls_whitespace_issue_22() -> None:
    every = [chr(c) for c in range(0x110000)]
    assert typed.WHITESPACE == "".join(c for c in every if c.isspace()) == "".join(c for c in every if re.fullmatch(r"\s", c))


@pytest.mark.parametrize("arrow", [True, False])
def test_blank_required_cells_are_those_python_finds_blank_issue_22(arrow: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search for cells that start with whitespace (by their first byte with pyarrow, or pandas' search without),
    then Python's fullmatch on those, finds exactly the cells Python's fullmatch of \\s+ finds: each whitespace character
    alone, doubled, before and after a letter, cells that start with the first byte of a whitespace character but with
    another character, and cells that are empty or missing."""
    monkeypatch.setattr(mmdata.io.arrow, "arrow_available", lambda: arrow)
    cells = [t for w in typed.WHITESPACE for t in (w, w + w, w + "a", "a" + w, w + "\u200b")] + ["", "a", "\u200b", "x y", None]
    # Cells that start with the first byte of a whitespace character beyond ASCII but are no whitespace (#22).
    cells += ["\u2265 5", "\u2014", "\u3001 ", "\u1681", "\xa1 ", "\u2060"]
    raw = pd.Series(cells, dtype="string")
    resource = mmdata.open_package(ROOT).resources["arms"]
    table = Table(resource, pd.DataFrame({"quote": raw}), pd.RangeIndex(2, len(cells) + 2).to_numpy(), pd.Series(False, index=raw.index).to_numpy())
    problems: list = []
    blank = typed._blank_required(table, resource.fact("quote"), raw, problems)
    expected = [isinstance(c, str) and re.fullmatch(r"\s+", c) is not None for c in cells]
    assert blank.tolist() == expected and sum(expected) == 2 * len(typed.WHITESPACE)
    starting = [isinstance(c, str) and re.match(r"\s", c) is not None for c in cells]  # what fullmatch is asked of
    assert mmdata.io.arrow.cells_starting([raw], tuple(typed.WHITESPACE))[0].tolist() == starting and sum(starting) == 4 * len(typed.WHITESPACE)
    assert [p.row for p in problems] == [line for line, e in zip(range(2, len(cells) + 2), expected, strict=True) if e]


@pytest.mark.parametrize("storage", ["string", "string[pyarrow]", "chunked", "object", "no pyarrow"])
def test_a_column_becomes_a_category_as_astype_makes_it_issue_22(storage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """mmdata.load's categories are looked up by Arrow (or numbered from each column's distinct values); the Series is
    the one astype gives, dtype (categories in the schema's order) and values, for columns with missing cells, one value,
    none, or no rows (a value outside the categories never reaches it: loaded_frame reports it first)."""
    import pyarrow as pa

    if storage == "no pyarrow":
        monkeypatch.setattr(mmdata.io.arrow, "arrow_available", lambda: False)
    dtype = pd.CategoricalDtype(categories=["median", "mean", "hazard-ratio"])
    for cells in (["mean", None, "median", "mean"], [None, None], ["hazard-ratio"], [], ["median"] * 3, [None, "hazard-ratio", None]):
        index = range(10, 10 + len(cells))
        if storage == "chunked":
            arrow = pa.chunked_array([pa.array(cells[:1], pa.large_string()), pa.array([], pa.large_string()), pa.array(cells[1:], pa.large_string())])
            column = pd.Series(pd.arrays.ArrowStringArray(arrow), dtype=pd.StringDtype("pyarrow"), name="statistic", index=index)
        else:
            column = pd.Series(cells, dtype="string" if storage == "no pyarrow" else storage, name="statistic", index=index)
        made, expected = typed.as_category(column, dtype), column.astype(dtype)
        assert made.equals(expected) and made.dtype == expected.dtype and made.name == expected.name, cells
        assert made.index.equals(expected.index) and made.isna().tolist() == expected.isna().tolist()

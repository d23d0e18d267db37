"""The CSV reader and writer (io/csvfile.py) on hostile but plausible files (#13): `mmdata fmt`
loses no cell or refuses, one cell-length limit for every command, UTF-16/32 files named, and header
checks linear in the header's width."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import mmdata
import mmdata.edit.fmt
from mmdata.cli import cli
from mmdata.errors import LoadError, Problem
from mmdata.io.csvfile import MAX_CELL_CHARS, MAX_ROW_PROBLEMS, canonical_csv, header_ok, parse_csv_bytes
from mmdata.io.frames import arrow_available, read_cells

from ..conftest import ROOT, TABLE_NAMES

ARMS = "data/arms.csv"


def cells(raw: bytes) -> tuple[list[str], list[list[str]]]:
    parsed = parse_csv_bytes("t.csv", raw, [])
    assert parsed is not None
    return parsed.header, parsed.records


def with_caveat(package: Path, raw_cell: bytes, ending: bytes = b"\n", swap: bool = False) -> bytes:
    """Put raw_cell (as written in the file) into the caveat, the column before the last (warnings, empty), of the first
    row of arms.csv; with swap, put that row second, out of key order."""
    lines = (package / ARMS).read_bytes().split(b"\n")
    lines[1] = lines[1].removesuffix(b",") + raw_cell + b","
    if swap:
        lines[1], lines[2] = lines[2], lines[1]
    content = ending.join(lines)
    (package / ARMS).write_bytes(content)
    return content


@pytest.mark.parametrize(("cell", "ending"), [
    (b'"a lone\rcarriage return"', b"\n"),
    (b'"a Windows\r\nline break"', b"\n"),
    (b'"a Unix\nline break"', b"\r\n"),
    (b'lone carriage returns end lines', b"\r"),
    (b'a NUL\x00byte', b"\n"),
    (b'a trailing quote"', b"\n"),
    (b'"quoted, with ""quotes"" and a lone\r"', b"\r"),
])
def test_fmt_keeps_every_cell_issue_13(package: Path, cell: bytes, ending: bytes) -> None:
    before = cells(with_caveat(package, cell, ending, swap=True))
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"reformatted {ARMS}\n1 file reformatted, {len(TABLE_NAMES) - 1} already canonical\n"
    header, records = cells((package / ARMS).read_bytes())
    assert (header, sorted(records)) == (before[0], sorted(before[1]))
    assert CliRunner().invoke(cli, ["fmt", "--check", str(package)]).exit_code == 0


def test_a_lone_carriage_return_is_quoted_in_canonical_form_issue_13() -> None:
    assert canonical_csv(["a", "b"], [["x\ry", "z"], ["", "w"]]) == b'a,b\n"x\ry",z\n,w\n'
    assert canonical_csv(["a"], [[""]]) == b'a\n""\n'  # one empty cell, not a blank line


def test_fmt_refuses_and_writes_nothing_when_a_cell_would_read_back_differently_issue_13(
        package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_caveat(package, b"x", b"\r\n")
    before = (package / ARMS).read_bytes()
    monkeypatch.setattr(mmdata.edit.fmt, "canonical_csv", lambda header, records: canonical_csv(header, records).replace(b",x,\n", b",y,\n"))
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert result.exit_code == 1
    assert result.stderr == (f"{ARMS}: fmt cannot rewrite this file without changing a cell (row 1 in key order would read back differently); "
                             "it is left as it is: please report this as a bug in mmdata [source-error] (left untouched)\n")
    assert (package / ARMS).read_bytes() == before


def test_fmt_never_calls_a_file_canonical_that_reads_back_otherwise_issue_22(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fmt skips parsing its output again when it equals the file (#22); then the file's own rows must be the rows in
    key order. A serialiser that gave back the file of rows out of order would otherwise pass it as canonical."""
    header, *rows = (package / ARMS).read_bytes().splitlines(keepends=True)
    (package / ARMS).write_bytes(b"".join([header, *reversed(rows)]))
    before = (package / ARMS).read_bytes()
    fields = cells(header)[0]
    monkeypatch.setattr(mmdata.edit.fmt, "canonical_csv", lambda names, records: before if names == fields else canonical_csv(names, records))
    result = CliRunner().invoke(cli, ["fmt", "--check", str(package)])
    assert result.exit_code == 1
    assert result.stderr == (f"{ARMS}: fmt cannot rewrite this file without changing a cell (row 1 in key order would read back differently); "
                             "it is left as it is: please report this as a bug in mmdata [source-error] (left untouched)\n")


@pytest.mark.parametrize(("bom", "codec", "encoding"), [
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"), (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE")])
def test_a_utf16_or_utf32_table_is_named_issue_13(package: Path, bom: bytes, codec: str, encoding: str) -> None:
    text = (package / ARMS).read_text(encoding="utf-8")
    (package / ARMS).write_bytes(bom + text.encode(codec))
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{ARMS}:1: the file is {encoding} (it starts with a {encoding} byte-order mark); save it as UTF-8 [encoding-error]")


def test_a_utf8_bom_is_accepted_and_dropped_by_fmt(package: Path) -> None:
    committed = (package / ARMS).read_bytes()
    (package / ARMS).write_bytes(b"\xef\xbb\xbf" + committed)
    assert CliRunner().invoke(cli, ["validate", str(package)]).exit_code == 0
    assert CliRunner().invoke(cli, ["fmt", str(package)]).exit_code == 0
    assert (package / ARMS).read_bytes() == committed


@pytest.mark.parametrize("fast", [False, True] if arrow_available() else [False])
@pytest.mark.parametrize(("length", "problems"), [
    (MAX_CELL_CHARS, []),
    (MAX_CELL_CHARS + 1, [(2, "caveat", "cell-too-long", f"cell 10 has {MAX_CELL_CHARS + 1:,} characters; "
                                                         f"mmdata reads at most {MAX_CELL_CHARS:,} in one cell: shorten it")]),
])
def test_one_cell_limit_for_both_readers_issue_13(length: int, problems: list, fast: bool) -> None:
    header, *rows = (ROOT / ARMS).read_bytes().split(b"\n", 2)
    raw = b"\n".join([header, rows[0].removesuffix(b",") + b"x" * length + b",", rows[1]])  # the caveat, before the empty warnings
    found: list[Problem] = []
    arms = mmdata.open_package(ROOT).resources["arms"]
    table = read_cells(ARMS, raw, arms.field_names, arms.missing_values, found, fast=fast)
    assert [(p.row, p.column, p.code, p.message) for p in found] == problems
    assert (table is None) == bool(problems)


def test_a_column_name_over_the_limit_is_located_issue_13() -> None:
    found: list[Problem] = []
    assert parse_csv_bytes("t.csv", b"a," + b"b" * (MAX_CELL_CHARS + 1) + b"\n1,2\n", found) is None
    assert [(p.row, p.column, p.message) for p in found] == [
        (1, None, f"column name 2 has {MAX_CELL_CHARS + 1:,} characters; mmdata reads at most {MAX_CELL_CHARS:,} in one cell: shorten it")]


@pytest.mark.parametrize(("length", "fails"), [(MAX_CELL_CHARS, False), (MAX_CELL_CHARS + 1, True)])
def test_every_command_applies_the_cell_limit_issue_13(package: Path, length: int, fails: bool) -> None:
    with_caveat(package, b"x" * length)
    line = (f"{ARMS}:2:caveat: cell 10 has {length:,} characters; mmdata reads at most {MAX_CELL_CHARS:,} in one cell: "
            "shorten it [cell-too-long]")
    validate = CliRunner().invoke(cli, ["validate", str(package)])
    assert (validate.exit_code, validate.stderr) == ((1, line + "\n") if fails else (0, ""))
    fmt = CliRunner().invoke(cli, ["fmt", "--check", str(package)])
    assert (fmt.exit_code, fmt.stderr) == ((1, line + " (left untouched)\n") if fails else (0, ""))
    docs = CliRunner().invoke(cli, ["docs", str(package)])
    assert (docs.exit_code, docs.stderr) == ((2, f"Error: {line}; run `mmdata validate` to see why\n") if fails else (0, ""))
    diff = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert (diff.exit_code, diff.stderr) == ((2, f"Error: {package}: {line}\n") if fails else (0, ""))
    if fails:
        with pytest.raises(LoadError, match="cell 10 has 100,001 characters"):
            mmdata.load("arms", path=package)
    else:
        assert len(mmdata.load("arms", path=package)["caveat"].iloc[0]) == length


def test_the_maintainers_guide_states_the_limits_issue_13() -> None:
    from mmdata.io.jsonfile import MAX_DEPTH

    readme = (ROOT / "docs/maintaining.md").read_text(encoding="utf-8")
    limits = readme.split("## Limits", 1)[1].split("\n## ", 1)[0]
    assert f"a cell or a column name holds at most {MAX_CELL_CHARS:,} characters" in limits
    assert f"nested at most {MAX_DEPTH} levels deep" in limits
    assert f"listed up to {MAX_ROW_PROBLEMS:,} of each kind in a table" in " ".join(limits.split())


def test_a_header_of_100000_columns_is_checked_in_linear_time_issue_13() -> None:
    fields = ["id", "name"]
    header = ["id", *(f"c{i}" for i in range(100_000)), "id"]
    found: list[Problem] = []
    assert not header_ok("t.csv", header, fields, found)
    assert len(found) == 100_002
    assert [(p.column, p.message) for p in found[:2]] == [
        ("id", "column 'id' appears more than once"), ("name", "column 'name' is missing from the header")]


def test_validate_a_table_of_100000_columns_finishes_issue_13(package: Path) -> None:
    (package / ARMS).write_bytes(",".join(f"c{i}" for i in range(100_000)).encode() + b"\n")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if line.startswith(f"{ARMS}:1:")]) == 100_011  # and the 11 columns missing


def test_a_column_without_a_name_is_named_by_its_position_issue_13() -> None:
    found: list[Problem] = []
    assert not header_ok("t.csv", ["a", "", ""], ["a", "b"], found)
    assert [p.to_line() for p in found] == [
        "t.csv:1:b: column 'b' is missing from the header [header-error]",
        "t.csv:1: column 2 has no name; name it as the schema does or remove it [header-error]",
        "t.csv:1: column 3 has no name; name it as the schema does or remove it [header-error]"]


@pytest.mark.parametrize("fast", [False, True] if arrow_available() else [False])
@pytest.mark.parametrize(("row", "message"), [(b"", "empty line; remove it"), (b",,,,,,,,,", "every cell is empty; remove the row")])
def test_empty_rows_are_listed_up_to_a_limit_issue_23(row: bytes, message: str, fast: bool) -> None:
    """A table of 2 million empty rows kept validate busy for minutes, a problem a cell: an empty row is one
    blank-row, and at most MAX_ROW_PROBLEMS of one kind are listed per file, then one problem counts the rest."""
    arms = mmdata.open_package(ROOT).resources["arms"]
    header, first, rest = (ROOT / ARMS).read_bytes().split(b"\n", 2)
    empty = MAX_ROW_PROBLEMS + 500
    raw = header + b"\n" + first + b"\n" + (row + b"\n") * empty + rest
    found: list[Problem] = []
    table = read_cells(ARMS, raw, arms.field_names, arms.missing_values, found, fast=fast)
    assert table is not None and len(table.frame) == len(rest.splitlines()) + 1  # the empty rows are not rows
    assert [(p.row, p.code, p.message) for p in found] == [
        *((line, "blank-row", message) for line in range(3, 3 + MAX_ROW_PROBLEMS)),
        (3 + MAX_ROW_PROBLEMS, "blank-row", f"{message} (and 499 more lines like it after this one, not listed one by one: "
                                            f"mmdata lists the first {MAX_ROW_PROBLEMS:,} of each kind in a file)")]
    assert [int(line) for line in table.lines[:2]] == [2, 3 + empty]


def test_a_header_that_is_not_the_schemas_is_reported_without_reading_the_rows_issue_23(monkeypatch: pytest.MonkeyPatch) -> None:
    """A header of 50,000 columns kept validate busy: its columns were read, one frame column each, before the header was checked."""
    import pandas as pd

    made = []
    original = pd.Series
    monkeypatch.setattr(pd, "Series", lambda *args, **kwargs: made.append(1) or original(*args, **kwargs))
    wide = b"a,b," + b",".join(b"c%d" % i for i in range(50_000))
    for raw in (wide + b"\n", wide + b"\n" + b"1," * 50_001 + b"2\n"):
        for fast in ([False, True] if arrow_available() else [False]):
            found: list[Problem] = []
            made.clear()
            assert read_cells("t.csv", raw, ["a", "b"], [""], found, fast=fast) is None
            assert len(found) == 50_000
            assert len(made) < 10  # not a column each


@pytest.mark.parametrize("enabled", [True, False])
def test_parsing_leaves_the_garbage_collector_as_it_was_issue_22(enabled: bool) -> None:
    """The collector is paused while a file is parsed (#22), and left as the caller had it, even when the file is broken."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert cells(b"a,b\n1,2\n") == (["a", "b"], [["1", "2"]])
        assert gc.isenabled() is enabled
        assert parse_csv_bytes("t.csv", b'a,b\n"1,2\n', []) is None  # an open quote: the parse fails
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.text(st.sampled_from(['a', ',', '"', '\n', ' ', '\u00e9']), max_size=4), min_size=1, max_size=3),
                max_size=6))
def test_a_file_written_in_parts_is_the_file_written_at_once_issue_22(records: list[list[str]]) -> None:
    # The export writes findings.csv a batch of rows at a time (#22): with no carriage return, the csv module's writer
    # and the quoting canonical_csv falls back to write every record alike, so the parts join into the same file.
    from mmdata.io.csvfile import _row, canonical_lines

    assert canonical_lines(records) == "".join(_row(r) + "\n" for r in records)
    header = ["h", "i"]
    whole = canonical_csv(header, records)
    assert "".join(canonical_lines(part) for part in ([header], records[:2], records[2:])).encode("utf-8") == whole


def test_a_carriage_return_in_one_part_quotes_it_as_in_the_whole_file_issue_22() -> None:
    from mmdata.io.csvfile import canonical_lines

    records = [["a\rb", "c"], ["d,e", ""], [""]]
    assert canonical_lines(records[:1]) + canonical_lines(records[1:]) == '"a\rb",c\n"d,e",\n""\n'
    assert canonical_csv(["x", "y"], records) == b'x,y\n"a\rb",c\n"d,e",\n""\n'

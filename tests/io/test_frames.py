"""The one CSV reader: the Arrow fast path and the exact csv-module path give the same cells and file lines (#10)."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.errors import Problem
from mmdata.io.arrowcsv import BOM, regular
from mmdata.io.csvfile import MAX_CELL_CHARS, canonical_csv
from mmdata.io.frames import read_cells

pytest.importorskip("pyarrow")

FIELDS = ["a", "b", "c"]


def both(raw: bytes) -> tuple[tuple, tuple]:
    """(cells, lines, problems) by the exact reader, and by the fast reader."""
    out = []
    for fast in (False, True):
        problems: list[Problem] = []
        table = read_cells("t.csv", raw, FIELDS, [""], problems, fast=fast)
        cells = None if table is None else table.frame.astype(object).where(table.frame.notna(), None).values.tolist()
        out.append((cells, None if table is None else table.lines.tolist(), problems))
    return out[0], out[1]


# Bytes near the edge of CSV: quotes, commas, every line break, spaces, non-ASCII, a byte that is not UTF-8.
# A byte-order mark too, anywhere: Arrow's reader drops one at the start of what it is given (#22).
pieces = st.sampled_from([b"x", b"1", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", "\u00e9".encode(), b"\xff", b"\x00", BOM])


@settings(max_examples=800, deadline=None)
@given(st.lists(pieces, max_size=40), st.sampled_from([b"", BOM, BOM + BOM]))
def test_fast_reader_reads_any_file_as_the_exact_reader_issue_10(body: list[bytes], start: bytes) -> None:
    raw = start + b"a,b,c\n" + b"".join(body)
    exact, fast = both(raw)
    assert fast == exact


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=40), st.integers(1, 48))
def test_fast_reader_reads_any_file_as_the_exact_reader_in_blocks_of_any_size_issue_22(body: list[bytes], block: int) -> None:
    # Arrow parses a file in blocks of io/arrow.py's BLOCK bytes (4 MiB, #22): a row longer than a block makes it
    # complain, and the file goes to the exact reader; rows split over blocks keep their cells and file lines.
    import mmdata.io.arrowcsv

    raw = b"a,b,c\n" + b"".join(body) + b"\n1,2,3\n4,5,6\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mmdata.io.arrowcsv, "BLOCK", block)
        exact, fast = both(raw)
    assert fast == exact


@pytest.mark.parametrize("raw, lines", [
    (b'a,b,c\n1,"two\nlines",3\n4,5,6\n', [2, 4]),  # a cell over two lines: the next row starts on line 4
    (b'a,b,c\r\n1,"x\r\ny\r\nz",3\r\n4,5,6', [2, 5]),  # Windows line endings, no final line break
    (b'\xef\xbb\xbfa,b,c\n1,,3\n', [2]),  # byte-order mark
    (b'a,b,c\n\xef\xbb\xbfx,,3\n', [2]),  # a first cell that starts with U+FEFF: text, which Arrow's reader would drop (#22)
    (b'\xef\xbb\xbfa,b,c\n\xef\xbb\xbfx,,3\n', [2]),
])
def test_file_lines_of_multi_line_cells_issue_10(raw: bytes, lines: list[int]) -> None:
    exact, fast = both(raw)
    assert fast == exact
    assert fast[1] == lines


@pytest.mark.parametrize("raw, expected", [
    (b'1,"a""b",3\n', True),
    (b'1,"a,b",3\n', True),
    (b'1,"",3\n', True),
    (b'1,"ab"c,3\n', False),  # text after a closing quote: the csv module refuses it, Arrow would not
    (b'1,"a,"b,3\n', False),
    (b'1,a"b,3\n', False),  # a quote inside an unquoted cell: left to the exact reader
    (b'1,2,3\n\n', False),  # a blank line
    (b'1,2,3\r4,5,6\n', False),  # a lone carriage return
])
def test_what_the_fast_reader_leaves_to_the_exact_reader_issue_10(raw: bytes, expected: bool) -> None:
    assert regular(raw) is expected


def test_missing_values_are_na_in_both_readers_issue_10() -> None:
    for fast in (False, True):
        table = read_cells("t.csv", b"a,b,c\nNA,,x\n", FIELDS, ["", "NA"], [], fast=fast)
        assert table is not None
        assert table.frame.isna().values.tolist() == [[True, True, False]]
        assert isinstance(table.frame["c"].dtype, pd.StringDtype)


@pytest.mark.parametrize("at", range(1, 10))
def test_a_blank_line_is_seen_wherever_the_byte_scan_splits_the_file_issue_10(at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.io.arrowcsv

    monkeypatch.setattr(mmdata.io.arrowcsv, "CHUNK", 4)  # chunks of 4 bytes: the blank line falls inside one, or across two
    assert not regular(b"x" * at + b"\n\ny\n")
    assert regular(b"x" * at + b"\ny\n")
    assert regular(b"x" * at + b',"a"\ny\n')  # a quote at the start of a chunk is counted once
    assert regular(b'"a\r\nb"\r\n' + b"x" * at + b"\r\n") and not regular(b"a\r\n\r\n" + b"x" * at)


def _fast(raw: bytes) -> tuple[list, list[int]] | None:
    """The cells and lines by the Arrow reader alone, or None when it hands the file to the exact reader."""
    from mmdata.io.arrowcsv import arrow_cells, arrow_header

    header = arrow_header(raw)
    cells = None if header is None else arrow_cells(raw, [""], header)
    return None if cells is None else ([c.to_pylist() for c in cells[0]], cells[1].tolist())


def test_a_line_break_in_one_column_is_counted_by_the_fast_reader_issue_22() -> None:
    # Only the column whose characters hold a line break is counted (#22); the lines must still add up, or the file
    # would go to the exact reader (same cells, far slower).
    raw = b'a,b,c\n1,"x\ny\nz",3\n4,5,"p\r\nq"\n7,8,9\n'
    assert _fast(raw) == ([["1", "4", "7"], ["x\ny\nz", "5", "8"], ["3", "p\r\nq", "9"]], [2, 5, 7])


@pytest.mark.parametrize(("length", "fast"), [(MAX_CELL_CHARS, True), (MAX_CELL_CHARS + 1, False)])
def test_the_cell_limit_counts_characters_not_bytes_issue_22(length: int, fast: bool) -> None:
    # "é" is two bytes: a cell of the limit's characters has twice its bytes, and the fast reader still reads it.
    raw = b"a,b,c\n1,2," + "\u00e9".encode() * length + b"\n"
    assert (_fast(raw) is not None) is fast


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=40), st.sampled_from([b"", BOM]))
def test_the_check_beside_the_parse_leaves_to_the_exact_reader_what_the_check_before_it_did_issue_22(body: list[bytes], start: bytes) -> None:
    # arrow_cells checks the rows (regular) in a thread while Arrow parses them: after first_header, it reads what
    # arrow_header (which checks the rows first) and arrow_cells read, and hands every other file to the exact reader.
    from mmdata.io.arrowcsv import arrow_cells, arrow_header, arrow_texts, first_header

    raw = start + b"a,b,c\n" + b"".join(body)
    header = arrow_header(raw)
    before = None if header is None else arrow_cells(raw, [""], header)
    after = arrow_cells(raw, [""], FIELDS) if first_header(raw) == FIELDS else None
    assert (before is None) == (after is None)
    if before is not None and after is not None:
        assert [c.to_pylist() for c in before[0]] == [c.to_pylist() for c in after[0]] and before[1].tolist() == after[1].tolist()
    texts = arrow_texts(raw, FIELDS)
    assert (texts is None) == (header is None or arrow_cells(raw, [], header) is None)


@pytest.mark.parametrize("body", [b"1,2,3\n\n4,5,6\n", b'1,"ab"c,3\n', b"1,2,3\r4,5,6\n", b"1,2,3\n"])
def test_a_header_that_differs_is_reported_before_the_rows_only_when_they_are_regular_issue_22(body: bytes) -> None:
    # A header other than the schema's is reported before the rows are read (a header of 50,000 columns costs no column of
    # cells, #23) only when the rest of the file is one the Arrow reader may read; otherwise the exact reader reports it,
    # with what else it finds in the rows.
    for header in (b"a,b,x\n", b"a,b\n", b"a,b,c,d\n"):
        exact, fast = both(header + body)
        if regular(body):
            assert fast[:2] == (None, None) and {p.code for p in fast[2]} == {"header-error"}
        else:
            assert fast == exact


@pytest.mark.parametrize(("raw", "read"), [(b"a,b,c\n", True), (b"a,b,c\r\n", True), (b"a,b,c\r", False)])
def test_a_file_of_a_header_alone_is_checked_too_issue_22(raw: bytes, read: bool) -> None:
    # A header with no rows is still checked: a lone carriage return sends it to the exact reader.
    from mmdata.io.arrowcsv import arrow_cells, arrow_texts

    assert (arrow_cells(raw, [""], FIELDS) is not None) is read
    assert (arrow_texts(raw, FIELDS) is not None) is read


def test_arrow_texts_reads_only_a_file_headed_by_the_fields_asked_for_issue_22() -> None:
    from mmdata.io.arrowcsv import arrow_texts

    assert arrow_texts(b"a,b,x\n1,2,3\n", FIELDS) is None
    assert arrow_texts(b"a,b,x\n1,2,3\n", ["a", "b", "x"]) is not None


@pytest.mark.parametrize("raw", [b"\ra,b,c\n1,2,3\n", b"a,\rb,c\n1,2,3\n", b"a,b,c\r", b"a,b\x00,c\n1,2,3\n", b"\na,b,c\n", b"\r\na,b,c\n"])
def test_a_header_line_the_csv_module_reads_otherwise_goes_to_the_exact_reader_issue_22(raw: bytes) -> None:
    # The header is read from its first line before the rest is checked: a carriage return or a NUL byte in it sends the
    # file to the exact reader, as before (a hostile-input test found a lone carriage return ending in an internal error).
    from mmdata.io.arrowcsv import first_header

    assert first_header(raw) is None
    exact, fast = both(raw)
    assert fast == exact


@pytest.mark.parametrize("raw", [b"a,b,c\n1,2,3\x00\n4,5,6\n", b'a,b,c\nx,,"', b"a,b,c\n1,2,3\n\n4,5,6\n", b'a,b,c\n1,"ab"c,3\n'])
def test_arrow_texts_leaves_a_file_that_is_not_regular_to_the_exact_reader_issue_22(raw: bytes) -> None:
    # `mmdata docs` and `mmdata diff` read through arrow_texts: a file the two readers could read differently is never
    # read by Arrow (a second review found the property test alone missed it in one run of eight).
    from mmdata.io.arrowcsv import arrow_texts

    assert arrow_texts(raw, FIELDS) is None


def test_an_encoding_error_with_a_carriage_return_in_the_first_line_is_a_problem_not_a_crash() -> None:
    # The header is read to name the column of the byte; a lone carriage return in its line made csv raise (a second
    # review found it, in both readers).
    exact, fast = both(b"a,b,c\r1,2,\xff\r")
    assert fast == exact
    assert [(p.code, p.row, p.column) for p in exact[2]] == [("encoding-error", 1, None)]


def _regular_by_hand(raw: bytes, start: int) -> bool:
    """What regular checks, a byte at a time: the module docstring's list, and the quotes by their count."""
    text = raw[start:]
    if b"\x00" in text or text[:1] in (b"\n", b"\r") or b"\n\n" in text or b"\n\r\n" in text:
        return False
    if any(byte == 13 and text[i + 1:i + 2] != b"\n" for i, byte in enumerate(text)):
        return False  # a lone carriage return
    quotes = [i for i, byte in enumerate(text) if byte == 34]
    if len(quotes) % 2:
        return False
    for n, i in enumerate(quotes):
        if n % 2 == 0 and i > 0 and text[i - 1:i] not in (b",", b"\n", b"\r", b'"'):
            return False  # an opening quote after other text
        if n % 2 == 1 and i + 1 < len(text) and text[i + 1:i + 2] not in (b",", b"\n", b"\r", b'"'):
            return False  # a closing quote before other text
    return True


@settings(max_examples=600, deadline=None)
@given(st.lists(pieces, max_size=40), st.sampled_from([b"", BOM]), st.sampled_from([1, 2, 3, 4, 7, 1 << 18]))
def test_one_scan_tells_whether_a_file_is_regular_and_counts_its_line_feeds_issue_22(body: list[bytes], start: bytes, chunk: int) -> None:
    # The scan reads the bytes a chunk at a time (two bytes at once for a blank line, which may straddle two chunks):
    # whatever the chunk, it finds what a scan a byte at a time finds, and the line feeds that arrow_cells counts rows by;
    # asked for them, the rows and the longest row, by which arrow_keys bounds the cells it does not convert (a row and
    # its quotes may straddle chunks too).
    import mmdata.io.arrowcsv
    from mmdata.io.arrowcsv import Scan, _scan, line_feeds

    raw = start + b"".join(body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mmdata.io.arrowcsv, "CHUNK", chunk)
        feeds, rows = line_feeds(raw, len(start)), _scan(raw, len(start), rows=True)
        assert regular(raw, len(start)) is (feeds is not None) is (rows is not None)
    assert (feeds is not None) is _regular_by_hand(raw, len(start))
    if feeds is not None:
        assert feeds == raw.count(b"\n", len(start))
        assert rows == Scan(feeds, *_rows_by_hand(raw, len(start)))


def _rows_by_hand(raw: bytes, start: int) -> tuple[int, int]:
    """The rows of a regular raw[start:] and the bytes of the longest, a byte at a time: a line feed ends a row when the
    quotes before it are even; a last row may have no line feed."""
    text = raw[start:]
    ends = [i for i, byte in enumerate(text) if byte == 10 and text[:i].count(b'"') % 2 == 0]
    if text and (not ends or ends[-1] < len(text) - 1):
        ends.append(len(text) - 1)
    return len(ends), max((b - a for a, b in pairwise([-1, *ends])), default=0)


KEYS = st.sampled_from([["a"], ["b", "a"], ["c"]])
#: Tables most of which the Arrow reader reads (pieces alone make few): rows written as `mmdata fmt` writes them, cells
#: of quotes, commas, line breaks and empty ones, now and then with pieces after them.
WRITTEN = st.tuples(
    st.lists(st.lists(st.lists(st.sampled_from(["", "1", ",", '"', "a\r\nb", "a\nb", " ", "\u00e9", "\ufeff"]), max_size=3).map("".join),
                      min_size=3, max_size=3), max_size=8).map(lambda rows: canonical_csv(FIELDS, rows)[len(b"a,b,c\n"):]),
    st.lists(pieces, max_size=3).map(b"".join) | st.just(b""),
).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(pieces, max_size=40).map(b"".join) | WRITTEN, st.sampled_from([b"", BOM]), KEYS)
def test_arrow_keys_reads_the_keys_arrow_texts_reads_or_hands_back_issue_22(body: bytes, start: bytes, key: list[str]) -> None:
    # diff reads a whole file's keys alone (the other columns parsed, not kept): the same cells as arrow_texts, and None
    # whenever arrow_texts gives None; also None, so the caller asks arrow_texts, only for a row whose key cells are all
    # empty (a blank row?) or a row longer than the cell limit.
    from mmdata.io.arrowcsv import arrow_keys, arrow_texts

    raw = start + b"a,b,c\n" + body
    keys, texts = arrow_keys(raw, FIELDS, key), arrow_texts(raw, FIELDS)
    if keys is not None:
        assert texts is not None
        assert [c.to_pylist() for c in keys] == [texts[FIELDS.index(k)].to_pylist() for k in key]
    elif texts is not None:
        cells = [texts[FIELDS.index(k)].to_pylist() for k in key]
        assert any(not any(row) for row in zip(*cells, strict=True))


@pytest.mark.parametrize(("extra", "keys"), [(0, True), (1, False)])
def test_arrow_keys_hands_back_a_row_longer_than_the_cell_limit_issue_22(extra: int, keys: bool) -> None:
    # A row of exactly MAX_CELL_CHARS bytes (its line feed counted) may hold no cell too long; one byte more and it might:
    # arrow_keys cannot tell without the cells, arrow_texts can (this cell is under the limit, and is read).
    from mmdata.io.arrowcsv import arrow_keys, arrow_texts

    row = b"1,2," + b"x" * (MAX_CELL_CHARS - 5 + extra) + b"\n"
    assert len(row) == MAX_CELL_CHARS + extra
    raw = b"a,b,c\n" + row
    assert (arrow_keys(raw, FIELDS, ["a"]) is not None) is keys
    assert arrow_texts(raw, FIELDS) is not None


@pytest.mark.parametrize(("raw", "key", "read"), [
    (b"a,b,c\n1,2,3\n", ["a"], [["1"]]),
    (b"a,b,c\n1,2,3\n4,5,6", ["c", "a"], [["3", "6"], ["1", "4"]]),  # no line feed at the end; the key's order kept
    (b'a,b,c\n1,"x\ny",3\n4,5,6\n', ["a"], [["1", "4"]]),  # a line break in a column not kept
    (b"a,b,c\n", ["a"], [[]]),  # a header and no rows
    (b"a,b,c\n,2,3\n", ["a"], None),  # a key cell empty: a blank row? arrow_texts tells
    (b"a,b,c\n1,\xff,3\n", ["a"], None),  # not UTF-8 in a column not kept
    (b"a,b,c\n1,2\n", ["a"], None),  # a short row
    (b"a,b,c\n1,2,3\n", ["x"], None),  # a key that is no field
    (b"a,b,c\n1,2,3\n", [], None),
    (b"a,b,x\n1,2,3\n", ["a"], None),  # a header other than the fields
])
def test_arrow_keys_cases_issue_22(raw: bytes, key: list[str], read: list[list[str]] | None) -> None:
    from mmdata.io.arrowcsv import arrow_keys

    keys = arrow_keys(raw, FIELDS, key)
    assert (None if keys is None else [c.to_pylist() for c in keys]) == read


@pytest.mark.parametrize("raw", [b"", b"\n", b"x", b"x\n", b"\n\n", b"x\n\n", b"xy\n\n", b"x\r\n\r\n", b'""', b'"'])
def test_the_scan_at_the_edges_of_a_file_issue_22(raw: bytes) -> None:
    # An empty file, one byte, a blank line at an odd or even place, at the end: the byte-at-a-time scan decides.
    from mmdata.io.arrowcsv import line_feeds

    for start in range(len(raw) + 1):
        feeds = line_feeds(raw, start)
        assert (feeds is not None) is _regular_by_hand(raw, start)
        assert feeds is None or feeds == raw.count(b"\n", start)
    with pytest.raises(ValueError, match="start must be 0 or more, not -1"):
        line_feeds(raw, -1)


@pytest.mark.parametrize("body", [b",x,\n1,,\n,,\n", b"1,,\n,,3\n,2,\n", b",,\n1,2,3\n", b"1,,\n,2,\n,,3\n,,\n", b",,3\n,,3\n",
                                  b"1,,\n,2,\n,,3\n"])
def test_a_row_of_empty_cells_is_found_whichever_columns_the_other_rows_fill_issue_22(body: bytes) -> None:
    # The rows are asked a column at a time, until every row has a filled cell: a row of empty cells after rows filled
    # in other columns still goes to the exact reader, which reports it as a blank row at its line.
    exact, fast = both(b"a,b,c\n" + body)
    assert fast == exact
    blank = b"\n,,\n" in b"\n" + body
    assert ("blank-row" in {p.code for p in exact[2]}) is blank
    assert (_fast(b"a,b,c\n" + body) is None) is blank  # no column is filled in every row, yet the fast reader reads them


def _row_starts(raw: bytes, header_end: int) -> list[int]:
    """Where each row of a regular file starts, byte by byte: after the header, and after each line feed outside quotes
    (the end of the file, after its last line feed, too)."""
    starts, quotes = [header_end], 0
    for at in range(header_end, len(raw)):
        quotes += raw[at] == ord('"')
        if raw[at] == ord("\n") and quotes % 2 == 0:
            starts.append(at + 1)
    return starts


def _cells(raw: bytes) -> list[list[object]] | None:
    table = read_cells("t.csv", raw, FIELDS, [""], [], fast=False)
    return None if table is None else table.frame.astype(object).where(table.frame.notna(), None).values.tolist()


#: Rows as canonical_csv writes them: regular, with quoted cells holding commas, quotes and line breaks.
_ROW_CELLS = st.lists(st.sampled_from(["x", ",", '"', "a\nb", "a\r\nb", " ", "\u00e9"]), max_size=3).map("".join)
_ROWS = st.lists(st.lists(_ROW_CELLS, min_size=3, max_size=3), max_size=8).map(
    lambda rows: [canonical_csv(FIELDS, [row])[len(b"a,b,c\n"):] for row in rows])


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.lists(pieces, max_size=30), _ROWS), st.lists(pieces, max_size=6), st.data(), st.sampled_from([b"", BOM]))
def test_shared_rows_are_whole_rows_of_both_files_issue_22(body: list[bytes], other: list[bytes], data: st.DataObject,
                                                            start: bytes) -> None:
    # old is new with some bytes between replaced: the places shared_rows gives are where new's rows start (found byte by
    # byte here), the last within the bytes both start with and the first after a line feed within those they end with;
    # cut there, each file reads as the same rows as whole.
    from os.path import commonprefix

    from mmdata.io.arrowcsv import shared_rows

    new = start + b"a,b,c\n" + b"".join(body)
    if not regular(new, len(start)):
        return
    cut = sorted(data.draw(st.lists(st.integers(0, len(new)), min_size=2, max_size=2)))
    old = new[:cut[0]] + b"".join(other) + new[cut[1]:]
    places = shared_rows(old, new)
    header_end = len(start) + len(b"a,b,c\n")
    head = len(commonprefix([old, new]))
    if head < header_end:
        assert places is None
        return
    assert places is not None
    first, old_end, new_end = places
    tail = min(len(commonprefix([old[::-1], new[::-1]])), min(len(old), len(new)) - head)
    starts = _row_starts(new, header_end)
    assert first == max(s for s in starts if s <= head)
    assert new_end == min([s for s in starts if s - 1 >= len(new) - tail] + [len(new)])
    assert old[:first] == new[:first] and old[old_end:] == new[new_end:] and first <= min(old_end, new_end)
    header = new[:header_end]
    for raw, end in ((new, new_end), (old, old_end)):
        whole = _cells(raw) if regular(raw, len(start)) else None
        if whole is not None:  # (a byte that is not UTF-8 leaves nothing to compare)
            parts = [_cells(raw[:first]), _cells(header + raw[first:end]), _cells(header + raw[end:])]
            assert whole == [row for part in parts for row in part or []]


@pytest.mark.parametrize(("old", "new", "places"), [
    (b"a,b,c\n1,2,3\n", b"a,b,c\n1,2,4\n", (6, 12, 12)),  # the one row differs
    (b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n", b"a,b,c\n1,2,3\n4,5,0\n7,8,9\n", (12, 18, 18)),  # the rows around it are shared
    (b'a,b,c\n"x\n1,2,3\n",2,3\n9,9,9\n', b'a,b,c\n"x\n1,2,4\n",2,3\n9,9,9\n', (6, 21, 21)),  # a line feed in quotes is no row's end
    (b"a,b,c\n1,2,3\n", b"a,b,c\n1,2,3\n4,5,6", (12, 12, 17)),  # a row added at the end, with no line feed after it
    (b"a,b,c\r\n1,2,3\r\n4,5,6\r\n", b"a,b,c\r\n1,2,3\r\n4,5,7\r\n", (14, 21, 21)),  # Windows line endings
    (b"a,b,d\n1,2,3\n", b"a,b,c\n1,2,3\n", None),  # the headers differ
    (b"a,b,c\n", b"a,b,c", None),  # new has no line after its header
])
def test_shared_rows_cases_issue_22(old: bytes, new: bytes, places: tuple[int, int, int] | None) -> None:
    from mmdata.io.arrowcsv import shared_rows

    assert shared_rows(old, new) == places


@pytest.mark.parametrize("span", [1, 2, 3, 1 << 20])
def test_shared_bytes_are_found_whatever_the_span_issue_22(span: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bytes are compared a span at a time, from the start and from the end: a difference in any span, at its edges.
    import mmdata.io.arrowcsv
    from mmdata.io.arrowcsv import _common_end, _common_start

    monkeypatch.setattr(mmdata.io.arrowcsv, "_SPAN", span)
    base = bytes(range(10))
    for at in range(10):
        changed = base[:at] + b"x" + base[at + 1:]
        assert _common_start(base, changed, 10) == at
        assert _common_end(base, changed, 10) == 9 - at
        assert _common_start(base, changed, at) == at  # at most what is asked
    assert _common_start(base, base, 10) == _common_end(base, base, 10) == 10
    assert _common_end(base, b"ab" + base, 10) == 10  # files of other lengths, compared from their ends

"""The Arrow reader: a CSV file's cells as Arrow text columns, with the file line of every row, for a file on which
the Arrow parser and the exact reader (csvfile.parse_csv_bytes, the standard library's csv module) cannot differ.

Before the Arrow reader is trusted, the bytes are checked for everything on which the two could
differ: a quote that does not open or close a field the way the csv module expects, a blank
line, a lone carriage return, a NUL byte, a quoted header, a byte-order mark the exact reader reads as
text (before the header, after the first; at the start of the first row). Any of them, any complaint from
Arrow, or a cell longer than csvfile.MAX_CELL_CHARS sends the file to the exact reader; so does
a line count that does not add up. A file is never read differently because pyarrow is
installed, only faster.

This module needs pyarrow and numpy, never pandas: `mmdata fmt`, `docs` and `diff` read large tables through it, and
pyarrow imports pandas (0.15 s) whenever it converts a Python value, so the kernels here are given arrow.scalar's
values and read their results with arrow.integers (#22; a test runs the three commands and checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..terminal import UTF8_BOM
from .arrow import BLOCK, integers, may_hold, memory_pool, scalar
from .csvfile import MAX_CELL_CHARS, parse_header

BOM = UTF8_BOM
#: Bytes scanned at once: the scan needs a few bytes of memory per byte of the chunk, and a chunk that stays in the
#: processor's cache is scanned several times (quotes, line feeds, blank lines) for about the price of once (#22).
CHUNK = 1 << 18
#: Two line feeds, read as one 16-bit number (the same in either byte order).
_TWO_LINE_FEEDS = 0x0A0A


def arrow_texts(raw: bytes, fields: Sequence[str]) -> list[Any] | None:
    """The columns of a file whose header is fields exactly, every cell as written (none missing), as Arrow text arrays,
    read by the Arrow reader alone: what read_cells' fast path reads. None when the file needs the exact reader (or its
    header differs), which then reads and reports it."""
    header = first_header(raw)
    if header != list(fields):
        return None
    cells = arrow_cells(raw, [], header)
    return None if cells is None else cells[0]


def regular(raw: bytes, start: int = 0) -> bool:
    """Whether the csv module would read raw[start:] exactly as the Arrow reader does (see the module docstring and
    line_feeds, which checks it)."""
    return line_feeds(raw, start) is not None


def line_feeds(raw: bytes, start: int = 0) -> int | None:
    """The number of line feeds in raw[start:] (start 0 or more) when it is regular, else None: one scan of the bytes
    for both (arrow_cells counts a file's lines with it, to recover the line of each row; a separate count took 0.23 s
    at a million rows, #22). CHUNK is even, so a chunk's pairs of bytes line up with its bytes.

    Quotes are checked by their count: with every quote opening, closing or doubling inside a
    quoted cell, an even-numbered quote (counted from 0) opens a cell, so it must follow a comma,
    a line break or another quote; an odd-numbered one closes a cell or starts a doubled quote,
    so a comma, a line break, the end or another quote must follow it.
    """
    scan = _scan(raw, start, rows=False)
    return None if scan is None else scan.feeds


@dataclass(frozen=True)
class Scan:
    """What one scan of a regular file's bytes finds (_scan): its line feeds; and, when asked for, its rows (the line
    feeds outside quotes, which end them; the header's among them) and the bytes of the longest (its line feed, and a
    carriage return before it, counted), 0 when not asked for."""

    feeds: int
    rows: int = 0
    longest: int = 0


def _scan(raw: bytes, start: int, rows: bool) -> Scan | None:
    """line_feeds, and with rows the file's rows as Scan has them: a row ends at a line feed with an even number of quotes
    before it, in a regular file (arrow_keys bounds the cells of the columns it does not convert by them, #22)."""
    if start < 0:
        raise ValueError(f"start must be 0 or more, not {start}")  # the callers' starts: 0, or after a byte-order mark
    if raw.find(b"\x00", start) >= 0 or raw[start:start + 1] in (b"\n", b"\r"):
        return None  # a NUL byte, or a blank first line (the byte searches are memchr's: a tenth of a numpy pass, #22)
    if raw.find(b"\r", start) >= 0 and (raw.count(b"\r", start) != raw.count(b"\r\n", start) or raw.find(b"\n\r\n", start) >= 0):
        return None  # a lone carriage return, or a blank line with Windows line endings; most files have no \r at all
    data = np.frombuffer(raw, dtype=np.uint8)[start:]
    size = len(data)
    # Every two bytes in a row, read as 16-bit numbers: those that start at an even place, and those at an odd one.
    pairs = [np.frombuffer(raw, dtype=np.uint16, count=(size - at) // 2, offset=start + at) for at in (0, 1) if size - at >= 2]
    half = -(-CHUNK // 2)  # the pairs of a chunk of bytes (rounded up: every pair is in some chunk)
    quotes = feeds = ends = longest = 0
    end = -1  # where the last row ended (before the first byte, at first)
    last = size - 1
    for n, i in enumerate(range(0, size, CHUNK)):
        k = n * half
        if any(bool((pair[k:k + half] == _TWO_LINE_FEEDS).any()) for pair in pairs):
            return None  # a blank line
        chunk = data[i:i + CHUNK]
        found = np.flatnonzero(chunk == 34) + i
        if rows:
            at = np.flatnonzero(chunk == 10) + i
            feeds += len(at)
            # A line feed ends a row when the quotes before it are even: those of the chunks before, and of this one.
            outside = at[(quotes + np.searchsorted(found, at)) % 2 == 0]
            if len(outside):
                longest = max(longest, int(outside[0]) - end, int(np.diff(outside).max(initial=0)))
                end = int(outside[-1])
                ends += len(outside)
        else:
            feeds += int(np.count_nonzero(chunk == 10))
        # The quotes of this chunk numbered on from those before it: which are even-numbered depends on their count.
        opening, closing = found[quotes % 2::2], found[1 - quotes % 2::2]
        quotes += len(found)
        # A quote just before an opening one is the closing one before it (a doubled quote); a quote just after a
        # closing one is the next opening one. A quote at the start or the end is its own neighbour here, a quote; no
        # carriage return comes before a quote, as every one is followed by a line feed (checked above).
        before = data[np.maximum(opening - 1, 0)]
        if not ((before == 44) | (before == 10) | (before == 34)).all():
            return None
        after = data[np.minimum(closing + 1, last)]
        if not ((after == 44) | (after == 10) | (after == 13) | (after == 34)).all():
            return None
    if quotes % 2:
        return None
    if rows and end < last:  # a last row with no line feed
        longest, ends = max(longest, last - end), ends + 1
    return Scan(feeds, ends, longest)


#: Bytes compared at once when looking for where two files start and stop differing.
_SPAN = 1 << 20


def shared_rows(old: bytes, new: bytes) -> tuple[int, int, int] | None:
    """Where the whole rows two files share at their start stop, and where those they share at their end begin: (start,
    old_end, new_end), so that old[:start] == new[:start] and old[old_end:] == new[new_end:] hold whole rows of both
    (start and each end just after a line feed outside quotes, or at the end of the file), and only old[start:old_end]
    and new[start:new_end] differ. None when new has no line feed, or the files do not share their first line (the
    header) and its line feed.

    The places are found in new, by the parity of the quotes before them: true of a regular file (line_feeds), so the
    caller must also find new regular (arrow_cells does); and the shared bytes are new's, so a caller that finds
    new regular and the header with old[start:old_end] regular has found old regular too (#22).
    """
    header_end = new.find(b"\n", _start(new)) + 1
    shortest = min(len(old), len(new))
    head = _common_start(old, new, shortest)
    if header_end == 0 or head < header_end:
        return None
    tail = _common_end(old, new, shortest - head)
    # The last line feed in the shared start with an even number of quotes after the header and before it.
    end, quotes = head, _quotes(new, header_end, head)
    while (feed := new.rfind(b"\n", header_end, end)) >= 0:
        quotes -= new.count(b'"', feed + 1, end)
        end = feed
        if quotes % 2 == 0:
            break
    start = end + 1 if feed >= 0 else header_end
    # The first line feed in the shared end with an even number of quotes after it (a regular file has an even number).
    at = len(new) - tail
    quotes = _quotes(new, at, len(new))
    new_end = len(new)
    while (feed := new.find(b"\n", at)) >= 0:
        quotes -= new.count(b'"', at, feed + 1)
        at = feed + 1
        if quotes % 2 == 0:
            new_end = at
            break
    return start, new_end - len(new) + len(old), new_end


def _quotes(raw: bytes, start: int, end: int) -> int:
    """The number of quotes in raw[start:end], counted by numpy a chunk at a time (0.07 s for 386 MB, where bytes.count
    takes 0.2 s)."""
    data = np.frombuffer(raw, np.uint8)
    return sum(int(np.count_nonzero(data[at:min(at + CHUNK, end)] == 34)) for at in range(start, end, CHUNK))


def _common_start(old: bytes, new: bytes, most: int) -> int:
    """The number of bytes old and new share at their start (at most most), a span at a time: numpy compares bytes in
    place, where a memoryview's comparison goes byte by byte (0.06 s for 386 MB against 0.42 s)."""
    left, right = np.frombuffer(old, np.uint8), np.frombuffer(new, np.uint8)
    for at in range(0, most, _SPAN):
        upto = min(at + _SPAN, most)
        if not np.array_equal(left[at:upto], right[at:upto]):
            return at + int(np.flatnonzero(left[at:upto] != right[at:upto])[0])
    return most


def _common_end(old: bytes, new: bytes, most: int) -> int:
    """The number of bytes old and new share at their end (at most most), as _common_start finds them."""
    left, right = np.frombuffer(old, np.uint8), np.frombuffer(new, np.uint8)
    for back in range(0, most, _SPAN):
        upto = min(back + _SPAN, most)
        was, now = left[len(old) - upto:len(old) - back], right[len(new) - upto:len(new) - back]
        if not np.array_equal(was, now):
            return back + len(was) - 1 - int(np.flatnonzero(was != now)[-1])
    return most


def arrow_header(raw: bytes) -> list[str] | None:
    """The header, when the Arrow reader may read raw (see the module docstring); None when the file needs the exact reader."""
    header = first_header(raw)
    return header if header is not None and regular(raw, _start(raw)) else None


def _start(raw: bytes) -> int:
    """Where the header starts: after a byte-order mark."""
    return len(BOM) if raw.startswith(BOM) else 0


def first_header(raw: bytes) -> list[str] | None:
    """arrow_header, but from the first line alone: the rest of the file is not checked (regular). arrow_cells checks it,
    beside its parse."""
    start = _start(raw)
    end = raw.find(b"\n", start)
    first = raw[start:] if end < 0 else raw[start:end + 1]
    if b'"' in first or first.startswith(BOM) or not regular(first):
        return None  # (a second byte-order mark is the first name's character to the exact reader; parse_header drops it)
    try:  # a line regular reads as the csv module does: no NUL byte, no carriage return but before the line feed
        header = parse_header(first)
    except UnicodeDecodeError:
        return None
    if not header or len(set(header)) != len(header) or max(map(len, header)) > MAX_CELL_CHARS:
        return None
    return header


def arrow_cells(raw: bytes, missing: list[str], header: list[str]) -> tuple[list[Any], np.ndarray] | None:
    """The columns (Arrow arrays, null for missing values) and file lines of the rows under header (first_header's) by
    the Arrow reader; None when the file needs the exact reader. Whether the rows are regular is checked in a thread of
    its own while Arrow parses them (a fifth of a second less at a million rows, #22)."""
    import pyarrow.compute as pc

    read = _parsed(raw, missing, len(header), None)
    if read is None:
        return None
    table, scan = read
    if scan is None:  # a header and no rows
        return list(table.columns), np.empty(0, dtype=np.int64)
    # A cell has at most as many characters as bytes: only a column with a cell of more bytes than the limit is counted
    # in characters (counting every column's characters took 0.1 s at a million rows, #22).
    longest = [pc.max(pc.utf8_length(column)).as_py() for column in table.columns
               if (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS]
    if max((n for n in longest if n is not None), default=0) > MAX_CELL_CHARS:
        return None  # the exact reader reports each cell that is too long, at its line and column
    if len(header) > 1 and table.num_rows and _any_empty_row(table):
        return None  # a row of empty cells is a blank-row: the exact reader reports it (#23)
    rows = table.num_rows
    physical = scan.feeds - 1 + (not raw.endswith(b"\n"))  # the lines after the header's (whose line feed ends at offset)
    breaks = np.zeros(rows, dtype=np.int64)
    if physical != rows:  # line breaks inside cells: count them per row
        for column in table.columns:
            if may_hold(column, "\n"):  # most columns hold no line break: one byte search each, not a count per cell (#22)
                breaks += integers(pc.fill_null(pc.count_substring(column, "\n"), scalar(0)))
        if rows + int(breaks.sum()) != physical:
            return None
    lines = np.arange(2, rows + 2, dtype=np.int64) + np.concatenate([[0], np.cumsum(breaks)[:-1]]).astype(np.int64)[:rows]
    return list(table.columns), lines


def arrow_keys(raw: bytes, fields: Sequence[str], key: Sequence[str]) -> list[Any] | None:
    """The columns named key of a file whose header is fields exactly, as arrow_texts reads them; the other columns are
    parsed but not converted, for a caller that needs only the keys, and to know that Arrow reads the file (diff's
    refusals of the rows it does not compare: 0.25 s less at a million rows, #22). None when arrow_texts gives None; and
    also when that cannot be told from the key columns, so the caller then asks arrow_texts: a row of more than
    MAX_CELL_CHARS bytes (a cell of more characters than that is the exact reader's to report, and a row is no
    shorter than its cells), a row whose key cells are all empty (it may be a blank row), or bytes that are not
    UTF-8 (checked over the whole file: a cell is not UTF-8 exactly when the file is not, since the bytes between cells
    are ASCII)."""
    import pyarrow as pa

    header = first_header(raw)
    if header != list(fields) or not key or any(k not in header for k in key):
        return None
    read = _parsed(raw, [], len(header), [header.index(k) for k in key])
    if read is None:
        return None
    table, scan = read
    if scan is None:  # a header and no rows
        return list(table.columns)
    # The rows Arrow parsed are the rows the scan found (the header's among those: arrow_cells checks the same by
    # counting the line breaks inside cells).
    if scan.longest > MAX_CELL_CHARS or table.num_rows != scan.rows - 1:
        return None
    if len(header) > 1 and table.num_rows and _any_empty_row(table):
        return None
    body = pa.py_buffer(raw)
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64).tobytes())
    try:  # Arrow's check of the text, over the whole file at once (0.09 s for 386 MB)
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, body]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return None
    return list(table.columns)


def _parsed(raw: bytes, missing: list[str], width: int, only: list[int] | None) -> tuple[Any, Scan | None] | None:
    """The rows after raw's header parsed by Arrow into text columns (null for missing values), all width of them or
    those at only, and the scan of its bytes (_scan: its rows counted when only is given) made beside the parse; the
    scan None for a header and no rows; None when the file needs the exact reader."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    start = _start(raw)
    end = raw.find(b"\n", start)
    offset = len(raw) if end < 0 else end + 1
    names = [str(i) for i in range(width)]
    kept = names if only is None else [names[i] for i in only]
    if (offset == len(raw) or raw.startswith(BOM, offset)) and not regular(raw, start):
        return None  # no rows to parse beside the check
    if offset == len(raw):  # a header and no rows
        return pa.table([pa.chunked_array([], type=pa.large_string()) for _ in kept], names=kept), None
    if raw.startswith(BOM, offset):
        return None  # Arrow's reader would drop the first cell's byte-order mark, which is text to the exact reader
    body = pa.py_buffer(raw)[offset:]
    with ThreadPoolExecutor(max_workers=1) as checker:  # its exit waits for the check, whatever the parse did
        scanned = checker.submit(_scan, raw, start, only is not None)  # None when the rows are not regular
        try:
            table = pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
                # A declared missing value becomes null while parsing, quoted or not, as the exact reader does it.
                convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()), null_values=list(missing),
                                                     strings_can_be_null=True, quoted_strings_can_be_null=True, check_utf8=True,
                                                     **({} if only is None else {"include_columns": kept})),
                memory_pool=memory_pool(),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        scan = scanned.result()
    return None if scan is None else (table, scan)


def _any_empty_row(table: Any) -> bool:
    """Whether a row may hold only empty cells: every cell null (the empty text, or a declared missing value) or empty."""
    import pyarrow.compute as pc

    filled = None
    for column in table.columns:  # a column at a time, until every row has a cell that is filled: mostly the first (#22)
        # null (empty, or a missing value) may be empty: the exact reader decides
        cell = pc.fill_null(pc.greater(pc.binary_length(column), scalar(0)), scalar(False))
        filled = cell if filled is None else pc.or_(filled, cell)
        if pc.all(filled).as_py():
            return False
    return True


__all__ = ["BOM", "CHUNK", "Scan", "arrow_cells", "arrow_header", "arrow_keys", "arrow_texts", "first_header", "line_feeds", "regular", "shared_rows"]

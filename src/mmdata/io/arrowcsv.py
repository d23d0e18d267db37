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
    quotes = feeds = 0
    last = size - 1
    for n, i in enumerate(range(0, size, CHUNK)):
        k = n * half
        if any(bool((pair[k:k + half] == _TWO_LINE_FEEDS).any()) for pair in pairs):
            return None  # a blank line
        chunk = data[i:i + CHUNK]
        feeds += int(np.count_nonzero(chunk == 10))
        found = np.flatnonzero(chunk == 34) + i
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
    return feeds if quotes % 2 == 0 else None


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
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    start = _start(raw)
    end = raw.find(b"\n", start)
    offset = len(raw) if end < 0 else end + 1
    names = [str(i) for i in range(len(header))]
    if (offset == len(raw) or raw.startswith(BOM, offset)) and not regular(raw, start):
        return None  # no rows to parse beside the check
    if offset == len(raw):  # a header and no rows
        return [pa.chunked_array([], type=pa.large_string()) for _ in names], np.empty(0, dtype=np.int64)
    if raw.startswith(BOM, offset):
        return None  # Arrow's reader would drop the first cell's byte-order mark, which is text to the exact reader
    body = pa.py_buffer(raw)[offset:]
    with ThreadPoolExecutor(max_workers=1) as checker:  # its exit waits for the check, whatever the parse did
        scanned = checker.submit(line_feeds, raw, start)  # None when the rows are not regular
        try:
            table = pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
                # A declared missing value becomes null while parsing, quoted or not, as the exact reader does it.
                convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()), null_values=list(missing),
                                                     strings_can_be_null=True, quoted_strings_can_be_null=True, check_utf8=True),
                memory_pool=memory_pool(),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        feeds = scanned.result()
        if feeds is None:
            return None
    # A cell has at most as many characters as bytes: only a column with a cell of more bytes than the limit is counted
    # in characters (counting every column's characters took 0.1 s at a million rows, #22).
    longest = [pc.max(pc.utf8_length(column)).as_py() for column in table.columns
               if (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS]
    if max((n for n in longest if n is not None), default=0) > MAX_CELL_CHARS:
        return None  # the exact reader reports each cell that is too long, at its line and column
    if len(names) > 1 and table.num_rows and _any_empty_row(table):
        return None  # a row of empty cells is a blank-row: the exact reader reports it (#23)
    rows = table.num_rows
    physical = feeds - 1 + (not raw.endswith(b"\n"))  # the lines after the header's (whose line feed ends at offset)
    breaks = np.zeros(rows, dtype=np.int64)
    if physical != rows:  # line breaks inside cells: count them per row
        for column in table.columns:
            if may_hold(column, "\n"):  # most columns hold no line break: one byte search each, not a count per cell (#22)
                breaks += integers(pc.fill_null(pc.count_substring(column, "\n"), scalar(0)))
        if rows + int(breaks.sum()) != physical:
            return None
    lines = np.arange(2, rows + 2, dtype=np.int64) + np.concatenate([[0], np.cumsum(breaks)[:-1]]).astype(np.int64)[:rows]
    return list(table.columns), lines


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


__all__ = ["BOM", "CHUNK", "arrow_cells", "arrow_header", "arrow_texts", "first_header", "line_feeds", "regular", "shared_rows"]

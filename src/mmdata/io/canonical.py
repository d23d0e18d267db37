"""Whether a CSV file is already in its canonical form, told by Arrow's parser and compute kernels (#22).

`mmdata fmt` (and `fmt --check`, which `release` runs) parses every table with the csv module,
sorts its rows, writes them again and compares: at a million rows, ten seconds for a file that is
almost always canonical already. `as_written` answers the common case whole columns at a time:
it parses the file with Arrow, writes the cells back the canonical way (`arrow_lines`), and
compares those bytes with the file's own, a batch of rows at a time.

A True answer is proved by construction, whatever Arrow's parser did: the file's bytes are the
canonical text of some cells (the same text canonical_csv writes for them), and canonical text
reads back as exactly its cells (fmt's own promise, which it checks whenever it writes). So the
csv module would read the same cells, in key order, with no problem to report. Anything else (an
Arrow complaint, a byte-order mark, a row of empty cells, a cell over csvfile.MAX_CELL_CHARS, a
one-column table, whose empty cell canonical_csv writes as "") is False: the exact path decides.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..terminal import UTF8_BOM
from .arrow import BLOCK, arrow_available, may_hold, memory_pool, scalar
from .csvfile import MAX_CELL_CHARS, QUOTED, canonical_lines

#: Packages whose table files all have fewer bytes are left to the csv module: importing pyarrow takes a tenth of a
#: second, about what the csv module takes to parse 8 MiB. `mmdata fmt` on the shipped data imports it not (#10).
ARROW_FROM = 1 << 23
#: A cell canonical_csv quotes, as an RE2 pattern of the characters of QUOTED, each written as its code point, which
#: RE2 reads in a class whatever the character is (a test checks it against csvfile's rule over every code point).
QUOTED_CELL = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in QUOTED) + "]"


def worth_arrow(*sizes: int) -> bool:
    """Whether fmt, docs and diff read table files of these sizes (in bytes: every table of a package for fmt and docs,
    a table's two files for diff) with Arrow: pyarrow is installed and one of them has ARROW_FROM bytes or more. The
    smaller ones are then read with Arrow too: pyarrow's import is paid for, and Arrow parses a few megabytes in
    milliseconds, where the csv module takes a tenth of a second (#22)."""
    return max(sizes, default=0) >= ARROW_FROM and arrow_available()


def arrow_quoted(text: Any) -> Any:
    """A column of texts (an Arrow string array, no missing cell) as canonical_csv writes its cells: in quotes, the
    quotes doubled, when a cell holds a character of QUOTED (csvfile.quoted)."""
    import pyarrow.compute as pc

    if not may_hold(text, QUOTED):  # most columns (keys, names, numbers) never need quotes: a byte search each, no regex
        return text
    quote, mark = pc.match_substring_regex(text, QUOTED_CELL), scalar('"', text.type)  # (scalars of their own: see scalar)
    # Quotes are doubled only in a column that may hold one, and the cells are chosen only when some need no quotes: a
    # column of sentences, each with a comma, is quoted whole (0.57 s to 0.39 s for a million cells, #22).
    doubled = pc.replace_substring(text, '"', '""') if may_hold(text, '"') else text
    quoted = pc.binary_join_element_wise(mark, doubled, mark, scalar("", text.type))
    return quoted if pc.all(quote).as_py() else pc.if_else(quote, quoted, text)


def arrow_lines(texts: Sequence[Any]) -> Any:
    """Rows of cells already written (arrow_quoted, one array per column) as the lines of a CSV file: cells joined by
    commas, each line ended by a line break. For two columns or more this is canonical_lines' text (a test checks). The
    line break is added to the last column's cells before the join: a second join of whole lines copied every byte again."""
    import pyarrow.compute as pc

    *first, last = texts
    ended = pc.binary_join_element_wise(last, scalar("", last.type), scalar("\n", last.type))
    return pc.binary_join_element_wise(*first, ended, scalar(",", last.type)) if first else ended


def as_written(raw: bytes, fields: Sequence[str], key: Sequence[int]) -> bool:
    """Whether raw is exactly canonical_csv(fields, its records in key order): the header is fields, and every row,
    written again the canonical way, gives the bytes the file holds, in the order of the key columns (positions in
    fields; the file's order stands when there are none). False whenever it cannot tell (see the module docstring)."""
    if len(fields) < 2 or max(map(len, fields)) > MAX_CELL_CHARS or not arrow_available():
        return False  # (a column name over the limit is a problem, as a cell is)
    header = canonical_lines([list(fields)]).encode("utf-8")
    if raw.startswith(UTF8_BOM) or not raw.startswith(header):
        return False  # (a first name starting with U+FEFF reads as a byte-order mark to the csv module)
    if len(raw) == len(header):
        return True
    # First parsed as if no cell held a line break: Arrow then splits the file into blocks at any line break, without
    # following its quotes (a fifth less time for a million rows, #22). A block that starts inside a quoted cell gives
    # a complaint or cells whose canonical text is not the file's, never a wrong True; then the file is parsed again,
    # following its quotes (#22).
    for breaks in (False, True):
        table = _texts(raw, len(header), len(fields), breaks)
        if table is not None and _sorted(table, key) and _same_bytes(raw, len(header), table):
            return True
    return False


def _texts(raw: bytes, offset: int, width: int, breaks: bool = True) -> Any:
    """The rows after the header as Arrow texts, every cell as written (nothing becomes missing); None on any complaint.
    breaks: whether the parser follows the quotes to find where a block of rows may end (Arrow's newlines_in_values)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    try:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw)[offset:]),
            read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK),
            parse_options=pacsv.ParseOptions(newlines_in_values=breaks, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=True),
            memory_pool=memory_pool(),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _sorted(table: Any, key: Sequence[int]) -> bool:
    """Whether the rows are in key order: each row's key cells, compared as texts one after the other (as Python
    compares the tuples fmt sorts by, code point by code point, which is UTF-8's byte order), not after the next row's."""
    import pyarrow.compute as pc

    if not key or table.num_rows < 2:
        return True
    pairs = [(table.column(i).slice(0, table.num_rows - 1), table.column(i).slice(1)) for i in key]
    ordered = pc.less_equal(*pairs[-1])
    for before, after in reversed(pairs[:-1]):
        ordered = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), ordered))
    return bool(pc.all(ordered).as_py())


def _same_bytes(raw: bytes, offset: int, table: Any) -> bool:
    """Whether the rows written the canonical way, a batch at a time, are the bytes of raw from offset to its end, and
    each fits (_lines). The batches are written on every core (Arrow's kernels let go of the GIL) and compared in their
    order."""
    import numpy as np
    import pyarrow as pa

    whole = pa.py_buffer(raw)
    position = offset
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for lines in pool.map(_lines, table.to_batches()):
            if lines is None:
                pool.shutdown(cancel_futures=True)
                return False
            _, offsets, data = lines.buffers()
            start, end = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]].tolist()
            if end - start > len(raw) - position or not whole.slice(position, end - start).equals(data.slice(start, end - start)):
                pool.shutdown(cancel_futures=True)  # the batches not begun are not written
                return False
            position += end - start
    return position == len(raw)


def _lines(batch: Any) -> Any:
    """A batch's rows written the canonical way, or None when a row does not fit: a cell with more bytes than a cell may
    have characters, or a row of empty cells only (problems the csv module's path reports). A line is at least as long
    as each of its cells, so the cells are measured only in a batch with a long line; a line of as many bytes as the
    table has columns is its commas and its line break: a row of empty cells."""
    import pyarrow.compute as pc

    lines = arrow_lines([arrow_quoted(column) for column in batch.columns])
    lengths = pc.binary_length(lines)
    if (pc.max(lengths).as_py() or 0) > MAX_CELL_CHARS and any((pc.max(pc.binary_length(c)).as_py() or 0) > MAX_CELL_CHARS
                                                              for c in batch.columns):
        return None
    return None if pc.any(pc.equal(lengths, scalar(batch.num_columns))).as_py() else lines


__all__ = ["ARROW_FROM", "QUOTED_CELL", "arrow_lines", "arrow_quoted", "as_written", "worth_arrow"]

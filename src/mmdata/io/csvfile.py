"""CSV files as their text: parsing with exact file lines, and the canonical form.

Nothing here interprets a cell: parsing keeps every cell's text as written, so that
`mmdata fmt` can rewrite a file without losing a character. This module imports no heavy
library, so the formatter stays fast.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import CELLS, DESCRIPTOR, ENCODING_ERROR, Code, Problem
from ..terminal import foreign_encoding, foreign_encoding_message

SOURCE_ERROR = Code("source-error", DESCRIPTOR, "a CSV file cannot be parsed")
CELL_TOO_LONG = Code("cell-too-long", DESCRIPTOR, "a cell or column name is longer than mmdata reads (csvfile.MAX_CELL_CHARS)")
HEADER_ERROR = Code("header-error", DESCRIPTOR, "a CSV header differs from the schema's field names")
BLANK_ROW = Code("blank-row", CELLS, "an empty line inside a CSV file")
MISSING_CELL = Code("missing-cell", CELLS, "a row has fewer cells than the header")
EXTRA_CELL = Code("extra-cell", CELLS, "a row has more cells than the header")

#: The most characters a cell (or a column name) may hold, the same for every command: validate,
#: load, fmt, docs, diff (merge-table leaves such a file to git). A longer cell is a
#: `cell-too-long` problem and the file is not read further; docs/maintaining.md (Limits) states this number.
MAX_CELL_CHARS = 100_000
#: At most this many problems of one kind about whole rows (blank-row, missing-cell, extra-cell) are
#: listed per file; one more problem, at the first line not listed, counts the rest (#23).
#: docs/maintaining.md (Limits) states this number.
MAX_ROW_PROBLEMS = 1_000
#: The csv module's own field limit while mmdata parses (larger than MAX_CELL_CHARS, so that every
#: too-long cell is found and located by mmdata, not cut short by the csv module).
_READER_FIELD_LIMIT = 2**31 - 1
#: What makes a cell need quotes: the delimiter, the quote, and either line break (the csv module's
#: writer leaves a lone carriage return unquoted, which reads back as a line break: #13).
#: The characters that make canonical_csv quote a cell (the csv module's writer does, and a carriage return).
QUOTED = ',"\r\n'
_NEEDS_QUOTES = re.compile(f"[{QUOTED}]")


@dataclass
class ParsedCsv:
    header: list[str]
    records: list[list[str]]  # padded or cut to the header's width
    lines: list[int]  # file line (header = 1) where each record starts
    broken: list[bool]  # the record had another number of cells than the header


def parse_csv_bytes(rel: str, raw: bytes, problems: list[Problem]) -> ParsedCsv | None:
    """Parse a CSV file's content, reporting encoding, parse and row-shape problems into problems.

    Returns None when the file cannot be parsed at all, or holds a cell longer than
    MAX_CELL_CHARS (each one is reported). A UTF-8 byte-order mark is accepted (and dropped by
    `mmdata fmt`); a UTF-16 or UTF-32 one is an encoding problem. Blank lines are reported and
    skipped; a row with too few or too many cells is reported and kept, padded or cut to the
    header, with broken set.
    """
    encoding = foreign_encoding(raw)
    if encoding is not None:
        problems.append(Problem(rel, 1, None, ENCODING_ERROR, foreign_encoding_message(encoding)))
        return None
    try:
        raw.decode("utf-8")  # only to find bad bytes: the reader decodes as it goes, which needs less memory
    except UnicodeDecodeError as exc:
        problems.append(_decode_problem(rel, raw, exc))
        return None
    with _long_fields(), without_collection():
        return _parse(rel, raw, problems)


@contextmanager
def without_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused while inside, and restored as it was: it scans every object made so far
    again and again, while a file is parsed (a list per row: at a million rows, 8 of the 12 s the parse took) and while
    the site makes its pages (a dict per finding: 11 of its 86 s). The rows make no cycle it would have to find; the
    site leaves a few hundred objects in cycles, found once it runs again, and its peak memory at a million rows is
    the same either way (#22). Calls overlapping in two threads lose the pause when the first leaves, never more."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _long_fields() -> Iterator[None]:
    """Let the csv module read fields of any length, so that mmdata itself reports one over MAX_CELL_CHARS, located."""
    previous = csv.field_size_limit(_READER_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _parse(rel: str, raw: bytes, problems: list[Problem]) -> ParsedCsv | None:
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=""), strict=True)
    parsed = ParsedCsv([], [], [], [])
    rows = _RowProblems(rel, problems)
    too_long = 0
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(rel, 1, None, HEADER_ERROR, "the file is empty; the first line must be the header"))
            return None
        parsed.header = header
        too_long += _too_long(rel, 1, header, None, problems)
        last = reader.line_num
        for record in reader:
            start, last = last + 1, reader.line_num
            too_long += _too_long(rel, start, record, header, problems)
            if not record:
                rows.add(start, BLANK_ROW, "empty line; remove it")
                continue
            if len(record) > 1 and not any(record):  # frictionless's blank-row too: a row of empty cells is no row (#23)
                rows.add(start, BLANK_ROW, "every cell is empty; remove the row")
                continue
            misshapen = len(record) != len(header)
            if misshapen:
                code = MISSING_CELL if len(record) < len(header) else EXTRA_CELL
                rows.add(start, code, f"row has {len(record)} cells but the header has {len(header)}; check for a missing or extra comma")
                record = (record + [""] * len(header))[: len(header)]
            parsed.records.append(record)
            parsed.lines.append(start)
            parsed.broken.append(misshapen)
    except csv.Error as exc:
        problems.append(Problem(rel, reader.line_num, None, SOURCE_ERROR, f"cannot parse the CSV: {exc}"))
        return None
    finally:
        rows.close()
    return None if too_long else parsed


class _RowProblems:
    """Problems about whole rows, listed up to MAX_ROW_PROBLEMS of each kind; the first one not listed
    counts the others (#23), so that a file of millions of blank rows is reported in bounded time and memory."""

    def __init__(self, rel: str, problems: list[Problem]) -> None:
        self.rel, self.problems = rel, problems
        self.listed: Counter[str] = Counter()
        self.first: dict[str, Problem] = {}  # of each kind, the first problem not listed
        self.more: Counter[str] = Counter()

    def add(self, line: int, code: str, message: str) -> None:
        if self.listed[code] < MAX_ROW_PROBLEMS:
            self.listed[code] += 1
            self.problems.append(Problem(self.rel, line, None, code, message))
        elif code in self.first:
            self.more[code] += 1
        else:
            self.first[code] = Problem(self.rel, line, None, code, message)

    def close(self) -> None:
        for code, first in self.first.items():
            self.problems.append(dataclasses.replace(first, message=(
                f"{first.message} (and {self.more[code]:,} more lines like it after this one, not listed one by one: "
                f"mmdata lists the first {MAX_ROW_PROBLEMS:,} of each kind in a file)")))
        self.first.clear()


def _too_long(rel: str, line: int, record: list[str], header: list[str] | None, problems: list[Problem]) -> int:
    """Report each cell of record (the header itself when header is None) longer than MAX_CELL_CHARS; how many there are."""
    if max(map(len, record), default=0) <= MAX_CELL_CHARS:
        return 0
    found = [(i, len(cell)) for i, cell in enumerate(record) if len(cell) > MAX_CELL_CHARS]
    for i, length in found:
        column = header[i] if header is not None and i < len(header) else None
        what = "column name" if header is None else "cell"
        problems.append(Problem(rel, line, column, CELL_TOO_LONG,
                                f"{what} {i + 1} has {length:,} characters; mmdata reads at most {MAX_CELL_CHARS:,} in one cell: shorten it"))
    return len(found)


#: Where a file line ends, as the parser counts lines (ParsedCsv.lines): a line feed, a carriage
#: return and line feed, or a lone carriage return; never another character that str.splitlines
#: breaks at (U+2028, U+2029, U+0085, a form feed, a vertical tab...), which is text inside a cell.
_LINE_END = re.compile(rb"\r\n|\r|\n")


def line_starts(raw: bytes) -> list[int]:
    """The byte offset in raw at which each file line starts (line 1 at 0), counted as the parser counts
    them; when raw ends with a line break, the last is len(raw), where a line added at the end starts."""
    return [0, *(match.end() for match in _LINE_END.finditer(raw))]


def record_offsets(raw: bytes, lines: list[int]) -> list[int]:
    """The byte offset in raw at which each of lines (file lines, header = 1; ParsedCsv.lines for a record) starts."""
    starts = line_starts(raw)
    return [starts[line - 1] for line in lines]


def parse_header(line: bytes) -> list[str]:
    """The cells of a header line (a line without quotes or line breaks inside cells)."""
    return next(csv.reader([line.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")]), [])


def header_ok(rel: str, header: list[str], fields: list[str], problems: list[Problem]) -> bool:
    """Report how the header differs from the schema; True when the table can still be read."""
    if header == fields:
        return True
    seen, known = set(header), set(fields)  # sets and one count: linear in the header's width (#13)
    dupes = sorted(h for h, n in Counter(header).items() if n > 1 and h)
    for h in dupes:
        problems.append(Problem(rel, 1, h, HEADER_ERROR, f"column '{h}' appears more than once"))
    for f in fields:
        if f not in seen:
            problems.append(Problem(rel, 1, f, HEADER_ERROR, f"column '{f}' is missing from the header"))
    for i, h in enumerate(header, start=1):
        if not h:  # an empty name cannot stand in a location (path:1::) (#13)
            problems.append(Problem(rel, 1, None, HEADER_ERROR, f"column {i} has no name; name it as the schema does or remove it"))
        elif h not in known:
            problems.append(Problem(rel, 1, h, HEADER_ERROR, f"column '{h}' is not in the schema; remove it or add it to the schema"))
    if not dupes and seen == set(fields):
        problems.append(Problem(rel, 1, None, HEADER_ERROR,
                                f"columns are not in schema order; expected: {','.join(fields)}"))
        return True
    return False


def canonical_csv(header: list[str], records: list[list[str]]) -> bytes:
    """The one way mmdata writes a table: UTF-8 without BOM, LF endings, minimal quoting.

    Minimal quoting as the csv module's writer does it, except that a cell holding a lone
    carriage return is quoted too, so that every cell reads back as it was written.
    """
    return canonical_lines([header, *records]).encode("utf-8")


def canonical_lines(records: Sequence[Sequence[str]]) -> str:
    """The lines canonical_csv writes for records, each ended by a line break. The writer and _row write every cell
    without a carriage return alike (a test checks), so a file may be written a part at a time (the export does, #22)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(records)
    text = out.getvalue()
    if "\r" in text:  # a cell holds a carriage return, which the writer may leave unquoted: quote each cell as _row says
        text = "".join(_row(record) + "\n" for record in records)
    return text


def _row(record: Sequence[str]) -> str:
    if len(record) == 1 and record[0] == "":
        return '""'  # a row of one empty cell, which would otherwise read as a blank line
    return ",".join(map(quoted, record))


def quoted(cell: str) -> str:
    """A cell as canonical_csv writes it: in quotes, its quotes doubled, when it holds a character of QUOTED."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if _NEEDS_QUOTES.search(cell) else cell


def _decode_problem(rel: str, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    try:
        header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")]), [])
    except csv.Error:  # a carriage return inside the first line: no column is named (a second review found the error)
        header = []
    prefix = raw[line_start:exc.start].decode("utf-8", "replace")
    try:
        cell = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
    except csv.Error:  # a carriage return or an open quote before the byte: the column cannot be told
        cell = -1
    column = header[cell] if 0 <= cell < len(header) else None
    byte = raw[exc.start:exc.start + 1].hex()
    return Problem(rel, line, column, ENCODING_ERROR,
                   f"byte 0x{byte} is not valid UTF-8; save the file as UTF-8 (it may have been saved as Latin-1 or Windows-1252)")

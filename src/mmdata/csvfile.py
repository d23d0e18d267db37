"""CSV files as their text: parsing with exact file lines, and the canonical form.

Nothing here interprets a cell: parsing keeps every cell's text as written, so that
`mmdata fmt` can rewrite a file without losing a character. This module imports no heavy
library, so the formatter stays fast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .errors import Problem


@dataclass
class ParsedCsv:
    header: list[str]
    records: list[list[str]]  # padded or cut to the header's width
    lines: list[int]  # file line (header = 1) where each record starts
    broken: list[bool]  # the record had another number of cells than the header


def parse_csv_bytes(rel: str, raw: bytes, problems: list[Problem]) -> ParsedCsv | None:
    """Parse a CSV file's content, reporting encoding, parse and row-shape problems into problems.

    Returns None when the file cannot be parsed at all. A byte-order mark is accepted; blank
    lines are reported and skipped; a row with too few or too many cells is reported and kept,
    padded or cut to the header, with broken set.
    """
    try:
        raw.decode("utf-8")  # only to find bad bytes: the reader decodes as it goes, which needs less memory
    except UnicodeDecodeError as exc:
        problems.append(_decode_problem(rel, raw, exc))
        return None
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=""), strict=True)
    parsed = ParsedCsv([], [], [], [])
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(rel, 1, None, "header-error", "the file is empty; the first line must be the header"))
            return None
        parsed.header = header
        last = reader.line_num
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record:
                problems.append(Problem(rel, start, None, "blank-row", "empty line; remove it"))
                continue
            misshapen = len(record) != len(header)
            if misshapen:
                code = "missing-cell" if len(record) < len(header) else "extra-cell"
                problems.append(Problem(rel, start, None, code,
                                        f"row has {len(record)} cells but the header has {len(header)}; check for a missing or extra comma"))
                record = (record + [""] * len(header))[: len(header)]
            parsed.records.append(record)
            parsed.lines.append(start)
            parsed.broken.append(misshapen)
    except csv.Error as exc:
        problems.append(Problem(rel, reader.line_num, None, "source-error", f"cannot parse the CSV: {exc}"))
        return None
    return parsed


def parse_header(line: bytes) -> list[str]:
    """The cells of a header line (a line without quotes or line breaks inside cells)."""
    return next(csv.reader([line.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")]), [])


def header_ok(rel: str, header: list[str], fields: list[str], problems: list[Problem]) -> bool:
    """Report how the header differs from the schema; True when the table can still be read."""
    if header == fields:
        return True
    seen = set(header)
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in dupes:
        problems.append(Problem(rel, 1, h, "header-error", f"column '{h}' appears more than once"))
    for f in fields:
        if f not in seen:
            problems.append(Problem(rel, 1, f, "header-error", f"column '{f}' is missing from the header"))
    for h in header:
        if h not in fields:
            problems.append(Problem(rel, 1, h, "header-error", f"column '{h}' is not in the schema; remove it or add it to the schema"))
    if not dupes and seen == set(fields):
        problems.append(Problem(rel, 1, None, "header-error",
                                f"columns are not in schema order; expected: {','.join(fields)}"))
        return True
    return False


def canonical_csv(header: list[str], records: list[list[str]]) -> bytes:
    """The one way mmdata writes a table: UTF-8 without BOM, LF endings, minimal quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def _decode_problem(rel: str, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")]), [])
    prefix = raw[line_start:exc.start].decode("utf-8", "replace")
    try:
        cell = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
    except csv.Error:  # a carriage return or an open quote before the byte: the column cannot be told
        cell = -1
    column = header[cell] if 0 <= cell < len(header) else None
    byte = raw[exc.start:exc.start + 1].hex()
    return Problem(rel, line, column, "encoding-error",
                   f"byte 0x{byte} is not valid UTF-8; save the file as UTF-8 (it may have been saved as Latin-1 or Windows-1252)")

"""A CSV file as a frame of its cells' text, with the file line of every row: the third step of the one reader.

Two parsers give the same cells and lines:

- the Arrow reader (arrowcsv.py: pyarrow's multithreaded CSV parser, when pyarrow is installed), for a
  regular file: its cells become Arrow-backed pandas strings without a copy per cell, and the
  line of each row is recovered by counting the line breaks inside its cells (a caveat written
  over several lines);
- the exact reader (csvfile.parse_csv_bytes, the standard library's csv module), which reports
  every layer-1 problem of an irregular file (blank lines, rows with too few or too many cells,
  broken quoting, bad UTF-8) at its line.

arrowcsv.py says what makes a file regular. A file is never read differently because pyarrow is installed, only
faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from .arrow import arrow_available
from .arrowcsv import arrow_cells, arrow_header, first_header
from .csvfile import header_ok, parse_csv_bytes


@dataclass
class Cells:
    """A CSV file's cells as written (missing values as NA), with the file line of every row."""

    frame: pd.DataFrame  # string dtype, columns in the order asked for
    lines: np.ndarray  # file line (header = 1) of each row of frame
    broken: np.ndarray  # rows whose cell count differs from the header (padded or cut to fit)


def read_cells(rel: str, raw: bytes, fields: Sequence[str], missing: Sequence[str], problems: list[Problem],
               fast: bool | None = None) -> Cells | None:
    """The cells of a CSV file's bytes, columns in the order of fields, with its layer-1 problems reported; None when
    it cannot be read as a table of these fields. A cell that is one of the missing values is NA.

    fast: use the Arrow reader when the file allows it (default: when pyarrow is installed).
    """
    fields, missing = list(fields), list(missing)
    if fast is None:
        fast = arrow_available()
    header = first_header(raw) if fast else None  # the rest of the file is checked beside the parse (arrow_cells)
    if header is not None:
        checked = len(problems)
        if not header_ok(rel, header, fields, problems):
            if arrow_header(raw) is not None:  # the rest of the file is regular too: its header is reported as it is
                return None  # before the rows are read: a header of 50,000 columns costs no column of cells (#23)
        elif (cells := arrow_cells(raw, missing, header)) is not None:
            columns, lines = cells
            position = {name: i for i, name in enumerate(header)}
            frame = pd.DataFrame({f: _strings(columns[position[f]]) for f in fields})
            return Cells(frame, lines, np.zeros(len(frame), dtype=bool))
        del problems[checked:]  # the exact reader checks the header again
    parsed = parse_csv_bytes(rel, raw, problems)
    if parsed is None or not header_ok(rel, parsed.header, fields, problems):
        return None
    frame = pd.DataFrame(parsed.records, columns=parsed.header, dtype="string")[fields]
    frame = frame.mask(frame.isin(missing))
    return Cells(frame.reset_index(drop=True), np.asarray(parsed.lines, dtype=np.int64), np.asarray(parsed.broken, dtype=bool))


def _strings(column: Any) -> pd.Series:
    """An Arrow column of text as a pandas Series of Arrow-backed strings, without a copy per cell."""
    return pd.Series(pd.arrays.ArrowStringArray(column), dtype=pd.StringDtype("pyarrow"))

"""One problem per failing row, worded from that row's cells, at its file line: how every table rule reports."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from ..errors import Problem
from ..model.schema import Table

Frames = dict[str, pd.DataFrame]

#: The shipped tables the rules' code declarations read (errors.Code reads=): the finding tables
#: (their schemas' mmdata:role is "finding"; tests/test_codes.py checks the two agree) and the
#: tables whose rows cite a quote from a source. Which tables a rule checks is read from the roles.
RESULT_TABLES = ("outcomes", "adverse_events")
QUOTED_TABLES = ("studies", "arms", *RESULT_TABLES)


#: Failing rows taken from the frame at a time (see _Cells).
EMIT_ROWS = 10_000


class _Cells:
    """The cells of some rows of a frame (by label), a column taken and made Python objects (a missing cell NA, as in a
    row of the frame) when a message first reads it. Only the columns messages read: taking every column of 10,000 rows
    cost 0.6 s, and 100,000 failing rows kept 250 MB more memory."""

    def __init__(self, frame: pd.DataFrame, labels: pd.Index) -> None:
        self.frame, self.positions = frame, frame.index.get_indexer(labels)
        self.made: dict[str, Any] = {}

    def column(self, name: str) -> Any:
        if name not in self.made:  # frame[name]: KeyError for a column the table lacks, as a row's
            self.made[name] = self.frame[name].array.take(self.positions).to_numpy(dtype=object)
        return self.made[name]


class Row:
    """A failing row as a rule's message reads it: row[column], its text cell, and row.name, its label."""

    __slots__ = ("_at", "_cells", "name")

    def __init__(self, cells: _Cells, at: int, name: Hashable) -> None:
        self._cells, self._at, self.name = cells, at, name

    def __getitem__(self, column: str) -> Any:
        return self._cells.column(column)[self._at]


def emit(table: Table, mask: pd.Series, column: str, code: str,
          message: Callable[[Row], str], value_column: str | None = None) -> list[Problem]:
    """One problem per row where mask is true, worded from that row of the table's text cells.

    mask is indexed like table.frame (its labels are row positions), so a frame that leaves
    some rows out still reports the right file lines. The failing rows are taken from the frame
    EMIT_ROWS at a time, not one by one: a row at a time cost 0.1 ms, 10 s for 100,000 failing rows (#22).
    """
    hits = mask.to_numpy(dtype=bool, na_value=False)
    if not hits.any():
        return []
    shown_column = value_column or column
    every = mask.index[hits]
    problems = []
    for start in range(0, len(every), EMIT_ROWS):
        labels = every[start:start + EMIT_ROWS]
        cells = _Cells(table.frame, labels)
        for at, (label, line) in enumerate(zip(labels.tolist(), table.lines[labels].tolist(), strict=True)):
            row = Row(cells, at, label)
            shown = row[shown_column]
            problems.append(Problem(table.path, int(line), column, code, message(row), None if pd.isna(shown) else str(shown)))
    return problems


def equals(column: pd.Series, value: str) -> pd.Series:
    """column == value, with missing cells False (not NA, which would spread through ~ and &)."""
    return column.eq(value).fillna(False).astype(bool)

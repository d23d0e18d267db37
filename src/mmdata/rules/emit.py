"""One problem per failing row, worded from that row's cells, at its file line: how every table rule reports."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd

from ..errors import Problem
from ..model.schema import Table

Frames = dict[str, pd.DataFrame]

#: The shipped tables the rules' code declarations read (errors.Code reads=): the finding tables
#: (their schemas' mmdata:role is "finding"; tests/test_codes.py checks the two agree) and the
#: tables whose rows cite a quote from a source. Which tables a rule checks is read from the roles.
RESULT_TABLES = ("outcomes", "adverse_events")
QUOTED_TABLES = ("studies", "arms", *RESULT_TABLES)


#: Failing rows taken from the frame at a time: their cells as Python objects cost memory (about 130 MB for 130,000 rows).
EMIT_ROWS = 10_000


class Row(dict):
    """A row of a table's text cells, by column, as a rule's message reads it: row[column], and row.name, its label."""

    name: Hashable


def emit(table: Table, mask: pd.Series, column: str, code: str,
          message: Callable[[Row], str], value_column: str | None = None) -> list[Problem]:
    """One problem per row where mask is true, worded from that row of the table's text cells.

    mask is indexed like table.frame (its labels are row positions), so a frame that leaves
    some rows out still reports the right file lines. The failing rows are taken from the frame
    together, not one by one: a row at a time cost 0.1 ms, 10 s for 100,000 failing rows (#22).
    """
    hits = mask.to_numpy(dtype=bool, na_value=False)
    if not hits.any():
        return []
    shown_column = value_column or column
    names = list(table.frame.columns)
    every = mask.index[hits]
    problems = []
    for start in range(0, len(every), EMIT_ROWS):
        labels = every[start:start + EMIT_ROWS]
        failing = table.frame.loc[labels]
        cells = zip(*(failing[name].to_numpy(dtype=object) for name in names), strict=True)  # a missing cell stays NA, as in a row of the frame
        for label, line, values in zip(labels.tolist(), table.lines[labels].tolist(), cells, strict=True):
            row = Row(zip(names, values, strict=True))
            row.name = label
            shown = row[shown_column]
            problems.append(Problem(table.path, int(line), column, code, message(row), None if pd.isna(shown) else str(shown)))
    return problems


def equals(column: pd.Series, value: str) -> pd.Series:
    """column == value, with missing cells False (not NA, which would spread through ~ and &)."""
    return column.eq(value).fillna(False).astype(bool)

"""One problem per failing row, worded from that row's cells, at its file line: how every table rule reports."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..errors import Problem
from ..model.schema import Table

Frames = dict[str, pd.DataFrame]

#: The shipped tables the rules' code declarations read (errors.Code reads=): the finding tables
#: (their schemas' mmdata:role is "finding"; tests/test_codes.py checks the two agree) and the
#: tables whose rows cite a quote from a source. Which tables a rule checks is read from the roles.
RESULT_TABLES = ("outcomes", "adverse_events")
QUOTED_TABLES = ("studies", "arms", *RESULT_TABLES)


def emit(table: Table, mask: pd.Series, column: str, code: str,
          message: Callable[[pd.Series], str], value_column: str | None = None) -> list[Problem]:
    """One problem per row where mask is true, worded from that row of the table's text cells.

    mask is indexed like table.frame (its labels are row positions), so a frame that leaves
    some rows out still reports the right file lines.
    """
    hits = mask.to_numpy(dtype=bool, na_value=False)
    if not hits.any():
        return []
    problems = []
    for label in mask.index[hits]:
        row = table.frame.loc[label]
        shown = row[value_column or column]
        problems.append(Problem(table.path, int(table.lines[label]), column, code, message(row),
                                None if pd.isna(shown) else str(shown)))
    return problems


def equals(column: pd.Series, value: str) -> pd.Series:
    """column == value, with missing cells False (not NA, which would spread through ~ and &)."""
    return column.eq(value).fillna(False).astype(bool)

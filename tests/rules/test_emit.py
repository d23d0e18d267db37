"""How a rule words one problem per failing row (rules/emit.py): the row's own cells, at its file line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mmdata.rules.emit
from mmdata.model.schema import Table, resource_of
from mmdata.rules.emit import emit

from ..conftest import ROOT


@pytest.mark.parametrize("at_a_time", [1, 2, 10_000])
def test_each_failing_row_is_worded_from_its_cells_at_its_file_line_issue_22(at_a_time: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failing rows are taken from the frame together (#22); each message still sees its row as a row of the frame
    does: a missing cell is NA (never None, which a message would print as "None"), and row.name is its label; taken a
    few at a time (EMIT_ROWS), in their order."""
    monkeypatch.setattr(mmdata.rules.emit, "EMIT_ROWS", at_a_time)
    schema = json.loads((ROOT / "schemas/arms.schema.json").read_text(encoding="utf-8"))
    resource = resource_of(schema, "arms", "data/arms.csv")
    frame = pd.DataFrame({f.name: pd.array([None] * 5, dtype="string") for f in resource.fields})
    frame["arm_id"] = pd.array(["a", "b", "c", "d", "e"], dtype="string")
    frame["role"] = pd.array(["x", None, "y", None, "z"], dtype="string")
    table = Table(resource, frame, np.array([2, 3, 7, 9, 10]), np.zeros(5, dtype=bool))
    seen = []

    def message(row: pd.Series) -> str:
        seen.append((row.name, row["arm_id"], row["role"]))
        return f"{row['arm_id']} has role {row['role']}"

    mask = pd.Series([False, True, False, True, False], index=frame.index)
    problems = emit(table, mask, "role", "enum-error", message)
    assert [(p.path, p.row, p.column, p.code, p.message, p.value) for p in problems] == [
        ("data/arms.csv", 3, "role", "enum-error", "b has role <NA>", None),
        ("data/arms.csv", 9, "role", "enum-error", "d has role <NA>", None)]
    assert seen == [(1, "b", pd.NA), (3, "d", pd.NA)]
    shown = emit(table, ~mask, "role", "enum-error", message, value_column="arm_id")
    assert [(p.row, p.message, p.value) for p in shown] == [(2, "a has role x", "a"), (7, "c has role y", "c"), (10, "e has role z", "e")]
    assert emit(table, pd.Series(False, index=frame.index), "role", "enum-error", message) == []
    part = Table(resource, frame.iloc[[1, 3, 4]], table.lines, table.broken)  # a frame that leaves rows out: labels, not positions
    found = emit(part, pd.Series([False, True, True], index=part.frame.index), "role", "enum-error", message, value_column="arm_id")
    assert [(p.row, p.message, p.value) for p in found] == [(9, "d has role <NA>", "d"), (10, "e has role z", "e")]

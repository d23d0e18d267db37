"""How a rule words one problem per failing row (rules/emit.py): the row's own cells, at its file line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from mmdata.model.schema import Table, resource_of
from mmdata.rules.emit import emit

from ..conftest import ROOT


def test_each_failing_row_is_worded_from_its_cells_at_its_file_line_issue_22() -> None:
    """The failing rows are taken from the frame together (#22); each message still sees its row as a row of the frame
    does: a missing cell is NA (never None, which a message would print as "None"), and row.name is its label."""
    schema = json.loads((ROOT / "schemas/arms.schema.json").read_text(encoding="utf-8"))
    resource = resource_of(schema, "arms", "data/arms.csv")
    frame = pd.DataFrame({f.name: pd.array([None] * 4, dtype="string") for f in resource.fields})
    frame["arm_id"] = pd.array(["a", "b", "c", "d"], dtype="string")
    frame["role"] = pd.array(["x", None, "y", None], dtype="string")
    table = Table(resource, frame, np.array([2, 3, 7, 9]), np.zeros(4, dtype=bool))
    seen = []

    def message(row: pd.Series) -> str:
        seen.append((row.name, row["arm_id"], row["role"]))
        return f"{row['arm_id']} has role {row['role']}"

    mask = pd.Series([False, True, False, True], index=frame.index)
    problems = emit(table, mask, "role", "enum-error", message)
    assert [(p.path, p.row, p.column, p.code, p.message, p.value) for p in problems] == [
        ("data/arms.csv", 3, "role", "enum-error", "b has role <NA>", None),
        ("data/arms.csv", 9, "role", "enum-error", "d has role <NA>", None)]
    assert seen == [(1, "b", pd.NA), (3, "d", pd.NA)]
    shown = emit(table, ~mask, "role", "enum-error", message, value_column="arm_id")
    assert [(p.row, p.message, p.value) for p in shown] == [(2, "a has role x", "a"), (7, "c has role y", "c")]
    assert emit(table, pd.Series(False, index=frame.index), "role", "enum-error", message) == []

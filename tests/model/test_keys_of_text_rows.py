"""Keys of rows read as text (#22): fmt, docs, diff and add-row take them from the key cells directly, and must give
what Resource.row_key and key_text give (the general way, which converts each cell)."""

from __future__ import annotations

import pytest

from mmdata.model.schema import resource_of

ROWS = [["x", "b", "2"], ["y", "a", "10"], ["z", "a", "1"], ["w", "b", "2"]]


@pytest.mark.parametrize(("key", "expected"), [
    ("c", ["2", "10", "1", "2"]),  # a key that is not the first column
    (["b", "c"], ["b+2", "a+10", "a+1", "b+2"]),  # a key of two columns
    ("d", ["", "", "", ""]),  # a key column the header lacks
])
def test_text_keys_and_order_are_those_of_the_general_way_issue_22(key: str | list[str], expected: list[str]) -> None:
    header = ["a", "b", "c"]
    resource = resource_of({"fields": [{"name": n} for n in header], "primaryKey": key}, "t", "data/t.csv")
    general = [resource.key_text(resource.row_key(header)(row)) for row in ROWS]
    assert resource.text_keys(header, ROWS) == general == expected
    assert resource.sorted_texts(header, ROWS) == resource.sorted_rows(header, ROWS)  # texts sort as texts; ties keep their order

"""A table read for `mmdata docs` by the exact reader (Records) or by Arrow (Columns) gives the same answers (#22)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.edit.rows import read_rows
from mmdata.io.csvfile import canonical_csv
from mmdata.io.texts import Columns, Records

pytest.importorskip("pyarrow")

FIELDS = ["id", "part", "warnings"]


def answers(raw: bytes, key: list[str], monkeypatch: pytest.MonkeyPatch, arrow_from: int = 0) -> list[object]:
    """What docs asks of the table read each way (exact, then with canonical.ARROW_FROM at arrow_from): its kind, rows,
    examples, counts; or the refusal."""
    found = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "data").mkdir()
        (root / "data/t.csv").write_bytes(raw)
        schema = {"fields": [{"name": f, "type": "string"} for f in FIELDS], **({"primaryKey": key} if key else {})}
        (root / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [{"name": "t", "path": "data/t.csv", "schema": schema}]}))
        for size in (1 << 62, arrow_from):
            monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", size)
            try:
                rows = read_rows(root)
            except Exception as exc:  # noqa: BLE001 - the refusal itself is compared
                found.append((type(exc).__name__, str(exc)))
                continue
            texts = rows.tables["t"]
            found.append((type(texts).__name__, texts.header, texts.records(), texts.examples(),
                          sorted(texts.counts(["warnings"]).items()), sorted(texts.counts(["part", "nothing", "warnings"]).items()),
                          sorted(texts.counts(["nothing"]).items()), sorted(rows.count("t", "part").items()), rows.of("t"),
                          rows.count("nothing", "part"), rows.of("nothing")))
    return found


CELLS = st.text(alphabet=st.sampled_from(list('ab,"\n é\ufeff')), max_size=3)


@st.composite
def tables(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    rows = draw(st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=7))
    raw = canonical_csv(FIELDS, rows)
    change = draw(st.sampled_from(["none"] * 5 + ["crlf", "blank line"]))
    if change == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif change == "blank line":
        raw += b"\n"
    return raw, draw(st.sampled_from([["id"], ["id", "part"], ["part", "id"], []]))


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from([1, 2, 1024]))
def test_both_readers_answer_docs_alike_issue_22(case: tuple[bytes, list[str]], first_rows: int) -> None:
    # first_rows: the rows in which a column's example is looked for first (texts.FIRST_ROWS), before all of them
    raw, key = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr("mmdata.io.texts.FIRST_ROWS", first_rows)
        exact, arrow = answers(raw, key, monkeypatch)
    assert arrow[1:] == exact[1:]
    assert exact[0] in ("Records", "DocsError")


def test_a_large_regular_file_is_read_as_columns_in_key_order_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"id,part,warnings\nb,1,\na,2,x y\nb,0,x\n"
    exact, arrow = answers(raw, ["id", "part"], monkeypatch)
    assert exact[0] == "Records" and arrow[0] == "Columns"
    assert list(arrow[1:]) == list(exact[1:]) == [
        FIELDS, [["a", "2", "x y"], ["b", "0", "x"], ["b", "1", ""]], {"id": "a", "part": "2", "warnings": "x y"},
        [(("",), 1), (("x",), 1), (("x y",), 1)], [(("0", "", "x"), 1), (("1", "", ""), 1), (("2", "", "x y"), 1)],
        [(("",), 3)], [("0", 1), ("1", 1), ("2", 1)],
        [{"id": "a", "part": "2", "warnings": "x y"}, {"id": "b", "part": "0", "warnings": "x"}, {"id": "b", "part": "1", "warnings": ""}],
        {}, []]


def test_examples_skip_empty_cells_in_key_order_and_a_column_of_none_has_none_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"id,part,warnings\nc,3,\nb,,\na,,\n"
    exact, arrow = answers(raw, ["id"], monkeypatch)
    assert exact[3] == arrow[3] == {"id": "a", "part": "3"}
    exact, arrow = answers(raw, [], monkeypatch)  # no key: the file's order
    assert exact[3] == arrow[3] == {"id": "c", "part": "3"}


def test_a_table_of_no_rows_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    exact, arrow = answers(b"id,part,warnings\n", ["id"], monkeypatch)
    assert list(arrow[1:]) == list(exact[1:]) == [FIELDS, [], {}, [], [], [], [], [], {}, []]


def test_arrow_reads_a_file_of_arrow_from_bytes_or_more_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"id,part,warnings\na,1,\n"
    assert answers(raw, ["id"], monkeypatch, len(raw))[1][0] == "Columns"
    assert answers(raw, ["id"], monkeypatch, len(raw) + 1)[1][0] == "Records"


def test_records_and_columns_directly_issue_22() -> None:
    import pyarrow as pa

    columns = Columns(["a", "b"], [pa.chunked_array([["x", "y"]]), pa.chunked_array([["", "z"]])], pa.array([1, 0], pa.uint64()))
    records = Records(["a", "b"], [["y", "z"], ["x", ""]])
    for texts in (columns, records):
        assert texts.records() == [["y", "z"], ["x", ""]]
        assert texts.examples() == {"a": "y", "b": "z"}
        assert texts.counts(["b", "a"]) == {("z", "y"): 1, ("", "x"): 1}

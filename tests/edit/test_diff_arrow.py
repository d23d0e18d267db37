"""diff of large tables, told by Arrow whole columns at a time: the exact path's answer, or its refusal (#22)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.edit.diff import diff_packages
from mmdata.io.csvfile import canonical_csv
from mmdata.model.package import open_package

from ..conftest import TABLE_NAMES

pytest.importorskip("pyarrow")

FIELDS = ["id", "part", "v"]


def write(root: Path, raw: bytes, key: list[str], fields: list[str]) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data/t.csv").write_bytes(raw)
    schema = {"fields": [{"name": f, "type": "string"} for f in fields], **({"primaryKey": key} if key else {})}
    (root / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [{"name": "t", "path": "data/t.csv", "schema": schema}]}))
    return root


#: How diff reads a pair of files: (canonical.ARROW_FROM, diff.NARROW): by the exact path; by Arrow, each file whole; by
#: Arrow, the old file's rows between those the two files share at their start and end (whenever the files differ under
#: the same fields and key, and share their header line).
WAYS = ((1 << 62, 0.5), (0, 0.0), (0, float("inf")))


def both(old: bytes, new: bytes, key: list[str], monkeypatch: pytest.MonkeyPatch, new_fields: list[str] = FIELDS,
         new_key: list[str] | None = None) -> tuple[object, ...]:
    """diff of two one-table packages each way of WAYS: the changes (in their order: rows, then cells), or the
    refusal's type and words."""
    answers = []
    with tempfile.TemporaryDirectory() as folder:
        before = write(Path(folder) / "old", old, key, FIELDS)
        after = write(Path(folder) / "new", new, key if new_key is None else new_key, new_fields)
        for arrow_from, narrow in WAYS:
            monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", arrow_from)
            monkeypatch.setattr("mmdata.edit.diff.NARROW", narrow)
            try:
                d = diff_packages(open_package(before), open_package(after))[0]
                answers.append((d.added, d.removed, [(k, list(cells.items())) for k, cells in d.changed.items()]))
            except Exception as exc:  # noqa: BLE001 - the refusal itself is compared
                answers.append((type(exc).__name__, str(exc).replace(str(folder), "")))
    return tuple(answers)


CELLS = st.text(alphabet=st.sampled_from(list('ab,"\r\n é+\ufeff')), max_size=3)
ROWS = st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=6)


@st.composite
def tables(draw: st.DrawFn) -> tuple[bytes, bytes, list[str]]:
    """Two versions of a table: rows kept, changed, added, removed, moved, keyed twice, and written in a way
    the Arrow reader leaves to the exact one (a blank line, a short row, CRLF) now and then."""
    key = draw(st.sampled_from([["id"], ["id", "part"], []]))
    old = draw(ROWS)
    new = [list(r) for r in old if draw(st.booleans())] + draw(ROWS)
    for row in new:
        if draw(st.booleans()):
            row[2] = draw(CELLS)
    new = draw(st.permutations(new))
    texts = []
    for rows in (old, new):
        raw = canonical_csv(FIELDS, rows)
        change = draw(st.sampled_from(["none"] * 6 + ["crlf", "blank line", "short row"]))
        if change == "crlf":
            raw = raw.replace(b"\n", b"\r\n")
        elif change == "blank line":
            raw += b"\n"
        elif change == "short row":
            raw += b"x,y\n"
        texts.append(raw)
    return texts[0], texts[1], key


#: Cells as CELLS, but a line break only between letters: a lone carriage return or a blank line, even in quotes, sends a
#: file to the exact reader (CELLS has those cases), and most pairs here are to be told by the rows between.
EDITED = st.lists(st.sampled_from(["a", "b", ",", '"', "a\r\nb", "a\nb", " ", "\u00e9", "+", "\ufeff"]), max_size=3).map("".join)


@st.composite
def edits(draw: st.DrawFn) -> tuple[bytes, bytes, list[str]]:
    """A table and its next version, which keeps its rows but for a run of them: replaced, by as many rows or fewer or
    more, changed or with keys of their own, and now and then with the key of a row kept (then a key is there twice);
    the keys are mostly distinct, so that most pairs are told by the rows between. Now and then written in a way the
    Arrow reader leaves to the exact one, or with Windows line endings in both files."""
    key = draw(st.sampled_from([["id"], ["id", "part"], []]))
    rows = [[f"k{n}{cells[0]}", *cells[1:]] for n, cells in enumerate(draw(st.lists(st.lists(EDITED, min_size=3, max_size=3),
                                                                                         max_size=10)))]
    first, last = sorted(draw(st.lists(st.integers(0, len(rows)), min_size=2, max_size=2)))
    run = [list(r) for r in rows[first:last]]
    for n, row in enumerate(run):
        column = draw(st.integers(0, 2))
        row[column] = draw(EDITED) if column else f"c{n}{draw(EDITED)}"  # a key changed is a row removed and one added
    other = [[f"n{n}{cells[0]}", *cells[1:]] for n, cells in enumerate(draw(st.lists(st.lists(EDITED, min_size=3, max_size=3), max_size=6)))]
    again = [list(draw(st.sampled_from(rows)))] if rows and draw(st.integers(0, 5)) == 5 else []  # a key twice, now and then
    new = rows[:first] + draw(st.sampled_from([run, run[1:], run + other, other])) + again + rows[last:]
    old, new_raw = canonical_csv(FIELDS, rows), canonical_csv(FIELDS, new)
    change = draw(st.sampled_from(["none"] * 6 + ["crlf", "blank line", "short row"]))
    if change == "crlf":
        old, new_raw = old.replace(b"\n", b"\r\n"), new_raw.replace(b"\n", b"\r\n")
    elif change != "none":
        at = draw(st.integers(0, 1))
        texts = [old, new_raw]
        texts[at] += b"\n" if change == "blank line" else b"x,y\n"
        old, new_raw = texts
    return old, new_raw, key


@settings(max_examples=800, deadline=None)
@given(st.one_of(tables(), edits()))
def test_arrow_gives_the_exact_paths_diff_or_refusal_issue_22(case: tuple[bytes, bytes, list[str]]) -> None:
    # Random versions of a table, and versions that keep their rows but for a run of them: Arrow on whole files, and
    # Arrow on the rows between, give what the exact path gives.
    old, new, key = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        exact, arrow, narrowed = both(old, new, key, monkeypatch)
    assert arrow == exact
    assert narrowed == exact


def spy(monkeypatch: pytest.MonkeyPatch, reads: list[tuple[str, bytes]]) -> None:
    """Put in reads each file Arrow reads, and how: "texts" (every column, arrowcsv.arrow_texts) or "keys" (arrow_keys)."""
    import mmdata.io.arrowcsv as arrowcsv

    texts, keys = arrowcsv.arrow_texts, arrowcsv.arrow_keys
    monkeypatch.setattr(arrowcsv, "arrow_texts", lambda raw, fields: reads.append(("texts", raw)) or texts(raw, fields))
    monkeypatch.setattr(arrowcsv, "arrow_keys", lambda raw, fields, key: reads.append(("keys", raw)) or keys(raw, fields, key))


def watched(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Each file Arrow reads, and how (spy), and each table the exact path reads, for a diff of files of any size."""
    import mmdata.edit.diff as diff

    arrow: list[tuple[str, bytes]] = []
    exact: list[str] = []
    spy(monkeypatch, arrow)
    keyed = diff._keyed
    monkeypatch.setattr(diff, "_keyed", lambda pkg, resource, content: exact.append(resource.name) or keyed(pkg, resource, content))
    monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", 0)
    return arrow, exact


def test_the_old_file_is_read_only_between_the_rows_both_share_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # One cell corrected in a table of 100 rows: the new file is read whole, its keys alone kept (what the exact path
    # refuses is looked for in all of it), and of the old one only the row between, under the header; unless the rows
    # between are too many.

    header = b"id,part,v\n"
    rows = [f"r{n:03},1,x\n".encode() for n in range(100)]
    old, new = header + b"".join(rows), header + b"".join(rows).replace(b"r050,1,x", b"r050,1,y")
    arrow, exact = watched(monkeypatch)
    with tempfile.TemporaryDirectory() as folder:
        pair = [open_package(write(Path(folder) / name, raw, ["id"], FIELDS)) for name, raw in (("old", old), ("new", new))]
        share = (2 * len(rows[50]) / len(old))  # the rows between, of both files, as a share of the old file
        for narrow, reads in ((share, [("texts", header + rows[50]), ("keys", new), ("texts", header + b"r050,1,y\n")]),
                              (share * 0.99, [("texts", old), ("texts", new)])):
            arrow.clear()
            monkeypatch.setattr("mmdata.edit.diff.NARROW", narrow)
            d = diff_packages(*pair)[0]
            assert (d.added, d.removed, d.changed) == ([], [], {"r050": {"v": ("x", "y")}})
            assert (arrow, exact) == (reads, [])  # told by Arrow alone


def test_a_file_whose_keys_alone_cannot_tell_is_read_whole_by_arrow_not_the_exact_path_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # A row with an empty key cell may be a blank row, which the keys alone cannot tell: the new file is then read whole
    # by Arrow, which can, not left to the exact path (the same answer, far slower).
    header = b"id,part,v\n"
    rows = [b",1,x\n"] + [f"r{n:03},1,x\n".encode() for n in range(100)]
    old, new = header + b"".join(rows), header + b"".join(rows).replace(b"r050,1,x", b"r050,1,y")
    arrow, exact = watched(monkeypatch)
    with tempfile.TemporaryDirectory() as folder:
        pair = [open_package(write(Path(folder) / name, raw, ["id"], FIELDS)) for name, raw in (("old", old), ("new", new))]
        d = diff_packages(*pair)[0]
    assert (d.added, d.removed, d.changed) == ([], [], {"r050": {"v": ("x", "y")}})
    assert (arrow, exact) == ([("texts", header + rows[51]), ("keys", new), ("texts", new), ("texts", header + b"r050,1,y\n")], [])


@pytest.mark.parametrize(("keys", "distinct"), [
    ([], True), (["a"], True), (["a", "b"], True), (["b", "a"], True),  # in order, or not: counted
    (["a", "a"], False), (["b", "a", "b"], False), (["a", "b", "b"], False),  # equal neighbours are not greater
    ([None, "a", "b"], False),  # a missing key is not told by the order: counted, and then the exact path decides
])
def test_keys_are_distinct_in_key_order_or_counted_issue_22(keys: list[str], distinct: bool) -> None:
    import pyarrow as pa

    from mmdata.edit.diff import _distinct

    assert _distinct(pa.array(keys, pa.large_string())) is distinct


@pytest.mark.parametrize(("old", "new", "key", "expected"), [
    # the same keys in one order: compared row by row, no row looked up
    ("a,1,x\nb,1,y\n", "a,1,x\nb,1,z\n", ["id"], ([], [], {"b": {"v": ("y", "z")}})),
    # rows moved, added and removed: looked up by key
    ("a,1,x\nb,1,y\nc,1,q\n", "d,1,w\nb,2,y\na,1,x\n", ["id"], (["d"], ["c"], {"b": {"part": ("1", "2")}})),
    # rows changed in another order than the keys': listed in key order, cells in the header's order
    ("a,1,x\nb,1,y\nc,1,q\n", "c,2,r\nb,1,z\na,1,x\n", ["id"], ([], [], {"b": {"v": ("y", "z")}, "c": {"part": ("1", "2"), "v": ("q", "r")}})),
    # a key of two parts, named with '+'
    ("a,1,x\na,2,y\n", "a,2,z\na,1,x\n", ["id", "part"], ([], [], {"a+2": {"v": ("y", "z")}})),
    # no primary key: the first column keys the rows
    ("a,1,x\n", "a,1,y\n", [], ([], [], {"a": {"v": ("x", "y")}})),
    # the same file: nothing differs, but a key twice is still refused (below)
    ("a,1,x\n", "a,1,x\n", ["id"], ([], [], {})),
    ("", "a,1,x\n", ["id"], (["a"], [], {})),
    # a byte-order mark starting the first row between: text to the exact reader, which then reads those rows
    ("a,1,x\nb,1,y\n", "a,1,x\n\ufeffb,1,y\n", ["id"], (["\ufeffb"], ["b"], {})),
])
def test_arrow_diff_cases_issue_22(old: str, new: str, key: list[str], expected: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    header = b"id,part,v\n"
    added, removed, changed = expected
    ordered = (added, removed, [(k, list(cells.items())) for k, cells in changed.items()])
    assert both(header + old.encode(), header + new.encode(), key, monkeypatch) == (ordered,) * 3


@pytest.mark.parametrize("new", ["a,1,x\na,1,y\n", "a,1,x\na,1,x\n"])
def test_a_key_twice_is_refused_by_either_path_issue_22(new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    header = b"id,part,v\n"
    exact, arrow, narrowed = both(header + new.encode(), header + new.encode(), ["id"], monkeypatch)
    assert exact == arrow == narrowed == ("DiffRefused", "/old: data/t.csv: lines 2 and 3 both have the key 'a'; diff matches rows by key, "
                                             "so a row would be hidden: make each key unique (`mmdata validate` lists them)")


@pytest.mark.parametrize(("old", "new"), [
    ("a,1,x\na,1,y\n", "a,1,x\nb,1,z\n"),  # the old file's key twice: once in a row both share, once in a row between
    ("a,1,y\nb,1,x\nb,1,x\n", "a,1,z\nb,1,x\nb,1,x\n"),  # the new file's: in the rows both share
])
def test_a_key_twice_beside_the_rows_between_is_refused_by_every_path_issue_22(old: str, new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    header = b"id,part,v\n"
    exact, arrow, narrowed = both(header + old.encode(), header + new.encode(), ["id"], monkeypatch)
    assert exact == arrow == narrowed
    assert exact[0] == "DiffRefused"


def test_columns_added_removed_and_moved_compare_the_shared_ones_in_the_new_order_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    old = b"id,part,v\na,1,x\nb,1,y\n"
    new = b"id,v,note,part\na,x,n,1\nb,z,m,2\n"
    expected = ([], [], [("b", [("v", ("y", "z")), ("part", ("1", "2"))])])
    assert both(old, new, ["id"], monkeypatch, ["id", "v", "note", "part"]) == (expected,) * 3


def test_the_same_bytes_under_another_key_are_other_rows_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"id,part,v\na,1,x\n"
    expected = (["a+1"], ["a"], [])
    assert both(raw, raw, ["id"], monkeypatch, new_key=["id", "part"]) == (expected,) * 3


def test_which_files_arrow_reads_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # Arrow reads a pair of files when one has ARROW_FROM bytes or more; a file the same as the other is read once, by
    # either path.
    import mmdata.edit.diff as diff

    exact: list[str] = []
    arrow: list[tuple[str, bytes]] = []
    keyed = diff._keyed
    monkeypatch.setattr(diff, "_keyed", lambda pkg, resource, content: exact.append(resource.name) or keyed(pkg, resource, content))
    spy(monkeypatch, arrow)
    old, new = b"id,part,v\na,1,x\n", b"id,part,v\na,1,y\nb,1,z\n"  # new is the larger
    with tempfile.TemporaryDirectory() as folder:
        pair = [open_package(write(Path(folder) / name, raw, ["id"], FIELDS)) for name, raw in (("old", old), ("new", new))]
        for arrow_from, exact_reads, arrow_reads in ((len(new) + 1, ["t", "t"], []), (len(new), [], [("texts", old), ("texts", new)])):
            exact.clear()
            arrow.clear()
            monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", arrow_from)
            diff_packages(*pair)
            assert (exact, arrow) == (exact_reads, arrow_reads)
        arrow.clear()
        monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", 0)
        diff_packages(pair[0], pair[0])
        assert arrow == [("keys", old)]  # its keys alone: what the exact path refuses is looked for
        exact.clear()
        monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", 1 << 62)
        diff_packages(pair[0], pair[0])
        assert exact == ["t"]  # by the exact path too


def test_a_header_other_than_the_schemas_is_left_to_the_exact_path_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # The exact path compares columns by the files' own headers; Arrow reads a file only under its schema's fields.
    exact, arrow, narrowed = both(b"part,id,v\n1,a,x\n", b"id,part,v\na,2,x\n", ["id"], monkeypatch)
    assert exact == arrow == narrowed == ([], [], [("a", [("part", ("1", "2"))])])


@pytest.mark.parametrize("arrow_from", [0, 1 << 62])  # every table by Arrow, or every one by the exact path
def test_diff_and_docs_read_each_table_file_once_issue_22(package: Path, monkeypatch: pytest.MonkeyPatch, arrow_from: int) -> None:
    from collections import Counter

    from mmdata.edit.rows import read_rows
    from mmdata.io.snapshot import Snapshot

    monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", arrow_from)
    reads: Counter[str] = Counter()
    real = Snapshot.read
    monkeypatch.setattr(Snapshot, "read", lambda self, rel: reads.update([rel]) or real(self, rel))
    tables = [f"data/{t}.csv" for t in TABLE_NAMES]
    diff_packages(open_package(package), open_package(package))
    assert {rel: reads[rel] for rel in tables} == dict.fromkeys(tables, 2)  # once in each package
    reads.clear()
    read_rows(package)
    assert {rel: reads[rel] for rel in tables} == dict.fromkeys(tables, 1)


def test_docs_reads_every_table_with_arrow_when_one_file_is_large_issue_22(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyarrow's import is paid for by one large file: the small ones are read with it too, the same texts either way.
    from mmdata.edit.rows import read_rows

    largest = max((package / f"data/{t}.csv").stat().st_size for t in TABLE_NAMES)
    kinds, rows = {}, {}
    for arrow_from in (largest + 1, largest):
        monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", arrow_from)
        read = read_rows(package)
        kinds[arrow_from] = {type(texts).__name__ for texts in read.tables.values()}
        rows[arrow_from] = [read.of(t) for t in TABLE_NAMES]
    assert kinds == {largest + 1: {"Records"}, largest: {"Columns"}}
    assert rows[largest] == rows[largest + 1]

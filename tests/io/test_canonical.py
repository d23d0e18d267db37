"""canonical.as_written: fmt's answer "already canonical", told whole columns at a time, is the csv module's answer (#22)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.errors import Problem
from mmdata.io.csvfile import MAX_CELL_CHARS, canonical_csv, canonical_lines, parse_csv_bytes
from mmdata.model.schema import resource_of

pytest.importorskip("pyarrow")

from mmdata.io.canonical import as_written  # noqa: E402


def exact(raw: bytes, fields: list[str], key: list[str]) -> bool:
    """fmt's exact path: the file reads with no problem, its header is fields, and canonical_csv of its rows in key order
    is the file."""
    problems: list[Problem] = []
    parsed = parse_csv_bytes("t.csv", raw, problems)
    if parsed is None or problems or parsed.header != fields:
        return False
    resource = resource_of({"fields": [{"name": f, "type": "string"} for f in fields], "primaryKey": key}, "t")
    return canonical_csv(fields, resource.sorted_texts(fields, parsed.records)) == raw


def fast(raw: bytes, fields: list[str], key: list[str]) -> bool:
    return as_written(raw, fields, [fields.index(k) for k in key])


CELLS = st.text(alphabet=st.sampled_from(list('ab,"\r\n é\u2028\t\'0')), max_size=4)
FIELDS = ["k", "j", "v"]


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A table's bytes: canonical (sorted or not) or written another way a spreadsheet or an editor might, and its key."""
    rows = draw(st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=6))
    key = draw(st.sampled_from([["k"], ["k", "j"], ["j", "k"], []]))
    if draw(st.booleans()):
        resource = resource_of({"fields": [{"name": f, "type": "string"} for f in FIELDS], "primaryKey": key}, "t")
        rows = resource.sorted_texts(FIELDS, rows)
    raw = canonical_csv(FIELDS, rows)
    change = draw(st.sampled_from(["none", "crlf", "quote all", "bom", "no last line break", "blank line", "drop a cell", "cut"]))
    if change == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif change == "quote all":
        raw = canonical_lines([FIELDS]).encode() + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows).encode()
    elif change == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif change == "no last line break":
        raw = raw[:-1]
    elif change == "blank line":
        raw += b"\n"
    elif change == "drop a cell" and rows:
        raw = raw[: raw.rindex(b",")] + b"\n"
    elif change == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw, key


@settings(max_examples=1500, deadline=None)
@given(files())
def test_as_written_is_the_exact_paths_answer_issue_22(case: tuple[bytes, list[str]]) -> None:
    raw, key = case
    assert fast(raw, FIELDS, key) == exact(raw, FIELDS, key)


@settings(max_examples=500, deadline=None)
@given(files(), st.integers(1, 40))
def test_as_written_is_the_exact_paths_answer_whatever_the_blocks_the_parser_takes_issue_22(case: tuple[bytes, list[str]],
                                                                                          block: int) -> None:
    # as_written parses first as if no cell held a line break, so that Arrow splits the file into blocks at any line
    # break (#22): a block that starts inside a quoted cell must never give a wrong True. Small blocks make that happen
    # (blocks shorter than a row make Arrow complain, a False that sends the file to the exact path).
    import mmdata.io.canonical as canonical

    raw, key = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(canonical, "BLOCK", block)
        assert not fast(raw, FIELDS, key) or exact(raw, FIELDS, key)


def test_a_file_whose_cells_hold_no_line_break_is_parsed_once_and_one_whose_cells_do_again_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.io.canonical as canonical

    parses: list[bool] = []
    texts = canonical._texts
    monkeypatch.setattr(canonical, "_texts", lambda *args: parses.append(args[-1]) or texts(*args))
    monkeypatch.setattr(canonical, "BLOCK", 16)
    plain = canonical_csv(FIELDS, [[f"k{i:03}", "1", "x,y"] for i in range(20)])
    broken = canonical_csv(FIELDS, [[f"k{i:03}", "1", "x\ny"] for i in range(20)])  # a line break in every third cell
    assert fast(plain, FIELDS, ["k"]) and parses == [False]
    parses.clear()
    assert fast(broken, FIELDS, ["k"]) and parses == [False, True]


@pytest.mark.parametrize(("body", "key", "canonical"), [
    ("a,1,x\na,1,y\n", ["k"], True),  # equal keys keep the file's order
    ("b,1,x\na,1,y\n", ["k"], False),
    ("a,2,x\na,1,y\n", ["k", "j"], False),  # first parts equal: the second decides
    ("a,1,x\nb,0,y\n", ["k", "j"], True),  # the first part decides before the second
    ("a,1,x\na,1,x\n", ["k", "j"], True),  # a whole key equal
    ("b,1,x\na,1,y\n", [], True),  # no key: the file's order stands
    ("Z,1,x\na,1,y\né,1,z\n", ["k"], True),  # code point order: upper case before lower, é after both
    ("é,1,x\nz,1,y\n", ["k"], False),
    ("a,,\n", ["k"], True),
    (",,\n", ["k"], False),  # a row of empty cells is a blank row
    ('a,"x,y",\n', ["k"], True),
    ('a,"xy",\n', ["k"], False),  # quotes it does not need
    ('a,"x""y",\n', ["k"], True),
    ('a,x"y,\n', ["k"], False),  # a quote that must be quoted
    ('a,"x\ry",\n', ["k"], True),
    ("a,x\ry,\n", ["k"], False),  # a lone carriage return, unquoted
    ("", ["k"], True),  # the header alone
])
def test_as_written_cases_issue_22(body: str, key: list[str], canonical: bool) -> None:
    raw = b"k,j,v\n" + body.encode()
    assert (fast(raw, FIELDS, key), exact(raw, FIELDS, key)) == (canonical, canonical)


@pytest.mark.parametrize(("length", "canonical"), [(MAX_CELL_CHARS, True), (MAX_CELL_CHARS + 1, False)])
def test_a_cell_of_the_limit_is_canonical_and_one_more_is_not_issue_22(length: int, canonical: bool) -> None:
    raw = b"k,j,v\na,1," + b"x" * length + b"\n"
    assert (fast(raw, FIELDS, ["k"]), exact(raw, FIELDS, ["k"])) == (canonical, canonical)


def test_what_as_written_leaves_to_the_exact_path_issue_22() -> None:
    # False does not mean "not canonical", only "not told here": fmt's exact path decides these.
    # One column, whose empty cell canonical_csv writes as "" (a blank line would read as no row): never told here.
    assert not as_written(b"k\na\nb\n", ["k"], [0])
    assert exact(b"k\na\nb\n", ["k"], ["k"]) and exact(b'k\n""\n', ["k"], ["k"])
    assert not fast(b"k,j,v\na,1," + "é".encode() * MAX_CELL_CHARS + b"\n", FIELDS, ["k"])  # more bytes than the limit
    assert exact(b"k,j,v\na,1," + "é".encode() * MAX_CELL_CHARS + b"\n", FIELDS, ["k"])
    assert not fast(b"j,k,v\n", FIELDS, ["k"])  # columns in another order


@pytest.mark.parametrize("name", ["\ufeffk", "k" * (MAX_CELL_CHARS + 1)])
def test_a_first_name_read_as_a_byte_order_mark_or_a_name_over_the_limit_is_not_canonical_issue_22(name: str) -> None:
    # The csv module reads a leading U+FEFF as a byte-order mark (the header then differs from the schema), and a name
    # longer than a cell may be is a problem: the file is not canonical, with rows or without.
    fields = [name, "v"]
    for raw in (canonical_lines([fields, ["a", "1"]]).encode(), canonical_lines([fields]).encode()):
        assert (as_written(raw, fields, [0]), exact(raw, fields, [name])) == (False, False)
    assert not fast(b'"k",j,v\n', FIELDS, ["k"])


def test_may_hold_is_false_only_when_no_chunk_holds_a_character_issue_22() -> None:
    import pyarrow as pa

    from mmdata.io.arrow import may_hold

    column = pa.chunked_array([pa.array(["ab", None, "cd"], pa.large_string()), pa.array(["e\nf"], pa.large_string())])
    assert may_hold(column, "\n") and not may_hold(column.slice(0, 3), "\n")
    assert may_hold(column, "xd") and may_hold(column, "dx") and not may_hold(column, "xy")
    assert may_hold(pa.array(["a", "b,"]), ',"') and not may_hold(pa.array(["a", "b"]), ',"')
    assert may_hold(pa.array(["aé"]), "é")
    assert not may_hold(pa.chunked_array([pa.array([None, None], pa.large_string())]), "\n")
    assert not may_hold(pa.chunked_array([], pa.large_string()), "\n")
    assert not may_hold(pa.array([], pa.string()), "\n")
    # A slice is searched in its own cells' bytes only, whatever its buffer holds before and after them (#22).
    for kind in (pa.string(), pa.large_string()):
        cells = pa.array(["a,", "b", "c", "d", "e,"], kind)
        assert not may_hold(cells.slice(1, 3), ",") and may_hold(cells.slice(1, 4), ",") and may_hold(cells.slice(0, 2), ",")
        assert not may_hold(cells.slice(1, 0), ",") and not may_hold(pa.chunked_array([cells.slice(1, 3)]), ",")


def test_rows_are_compared_a_batch_at_a_time_and_an_empty_batch_holds_no_bytes_issue_22() -> None:
    import pyarrow as pa

    from mmdata.io.canonical import _same_bytes

    batches = [pa.record_batch([pa.array(c, pa.string()) for c in columns], names=["0", "1"])
               for columns in ((["a"], ["x,y"]), ([], []), (["b", "c"], ["1", ""]))]
    table = pa.Table.from_batches(batches)
    raw = b'k,j\na,"x,y"\nb,1\nc,\n'
    assert _same_bytes(raw, 4, table)
    assert not _same_bytes(raw + b"d,2\n", 4, table)  # bytes after the last row
    assert not _same_bytes(raw[:-1], 4, table)


def test_without_pyarrow_nothing_is_told_here_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = b"k,j,v\na,1,x\n"
    assert fast(raw, FIELDS, ["k"])
    monkeypatch.setattr("mmdata.io.canonical.arrow_available", lambda: False)
    assert not fast(raw, FIELDS, ["k"])


def test_fmt_docs_and_diff_read_a_file_with_arrow_from_arrow_from_bytes_with_pyarrow_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.io.canonical import ARROW_FROM, worth_arrow

    assert (worth_arrow(ARROW_FROM - 1), worth_arrow(ARROW_FROM)) == (False, True)
    assert (worth_arrow(), worth_arrow(5, ARROW_FROM - 1, 0), worth_arrow(5, ARROW_FROM, 0)) == (False, False, True)  # any one of them
    monkeypatch.setattr("mmdata.io.canonical.arrow_available", lambda: False)
    assert not worth_arrow(ARROW_FROM)

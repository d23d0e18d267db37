"""io/arrow.py's values made and read without pyarrow's pandas shim (#22): the same as pyarrow's own conversions."""

from __future__ import annotations

from typing import Any

import pytest

from mmdata.io.arrow import integers, scalar

pa = pytest.importorskip("pyarrow")


@pytest.mark.parametrize("value, kind", [
    (True, None), (False, None), (0, None), (-1, None), (2**63 - 1, None),
    ("", None), (",", None), ("\n", None), ('"', None), ("\x00", None), ("é€𝄞", None),
    ("", pa.large_string()), ("+", pa.large_string()), ("é€𝄞", pa.large_string()),
])
def test_scalar_is_pyarrows_own_scalar(value: bool | int | str, kind: object) -> None:
    made = scalar(value, kind)
    expected = pa.scalar(value, kind)
    assert made.type == expected.type
    assert made.equals(expected)
    assert made.as_py() == value


@pytest.mark.parametrize("kind", [pa.int32(), pa.int64()])
def test_integers_reads_every_chunk_and_slice(kind: object) -> None:
    column = pa.chunked_array([pa.array([1, 2, 3], kind), pa.array([4, 5, 6, 7], kind).slice(1, 2), pa.array([], kind)])
    assert integers(column).tolist() == [1, 2, 3, 5, 6]
    assert integers(pa.array([9, 8, 7], kind).slice(1)).tolist() == [8, 7]
    assert integers(pa.chunked_array([], kind)).tolist() == []


def test_integers_refuses_a_missing_value() -> None:
    with pytest.raises(ValueError, match="missing value"):
        integers(pa.array([1, None]))


def test_the_reader_parses_into_jemalloc_unless_a_pool_is_named_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyarrow's default pool stalled for seconds on a busy machine (#22): the reader's cells go to jemalloc where pyarrow
    # has it; a pool the environment names is pyarrow's default, and is used.
    from mmdata.io.arrow import memory_pool
    from mmdata.io.arrowcsv import arrow_cells
    from mmdata.io.canonical import as_written

    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    assert memory_pool().backend_name == "jemalloc"
    raw = b"a,b\n" + b"x,y\n" * 10_000
    before = jemalloc.bytes_allocated()
    cells = arrow_cells(raw, [""], ["a", "b"])
    assert cells is not None and jemalloc.bytes_allocated() > before
    del cells
    assert as_written(raw, ["a", "b"], [])
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert memory_pool().backend_name == pa.default_memory_pool().backend_name


def test_arrow_pool_allocates_in_jemalloc_inside_and_gives_the_default_back_issue_22(program_pool: Any,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The export and the site cannot hand every allocation a pool: inside arrow_pool(), pyarrow's default is the reader's
    # pool; after it (an error too), the program's own again.
    from mmdata.io.arrow import arrow_pool

    with arrow_pool():
        assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.default_memory_pool().backend_name == "system"
    with pytest.raises(KeyError), arrow_pool():
        assert pa.default_memory_pool().backend_name == "jemalloc"
        raise KeyError("x")
    assert pa.default_memory_pool().backend_name == "system"
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")  # a pool the program names stands
    with arrow_pool():
        assert pa.default_memory_pool().backend_name == "system"


def test_arrow_pool_gives_the_default_back_when_the_last_call_leaves_issue_22(program_pool: Any) -> None:
    # Two calls in two threads, the first leaving while the second is inside: the second keeps jemalloc, and the
    # program gets its own pool back once both have left, not the pool the second found on entering.
    from mmdata.io.arrow import arrow_pool

    first, second = arrow_pool(), arrow_pool()
    first.__enter__()
    second.__enter__()
    assert pa.default_memory_pool().backend_name == "jemalloc"
    first.__exit__(None, None, None)
    assert pa.default_memory_pool().backend_name == "jemalloc"
    second.__exit__(None, None, None)
    assert pa.default_memory_pool().backend_name == "system"
    with arrow_pool():  # and again from the start
        assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.default_memory_pool().backend_name == "system"


def _texts(kind: Any) -> Any:
    """Text chunks of every kind first_bytes reads: sliced, empty, with missing cells, and a missing cell that owns bytes."""
    import struct

    form = "q" if kind == pa.large_string() else "i"
    owning = pa.Array.from_buffers(kind, 3, [pa.py_buffer(bytes([0b101])), pa.py_buffer(struct.pack("<" + form * 4, 0, 1, 3, 4)),
                                             pa.py_buffer(b"=\t+x")])  # the second cell is missing yet owns "\t+"
    return [pa.array(["=a", "", None, "\t", " x", "é", "\u3000y", "\x00b", "\u3001z", "\u00e8"], kind), pa.array(["z", "-1", "@", "b"], kind).slice(1, 2),
            pa.array([], kind), owning]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_first_bytes_reads_the_first_byte_of_each_cell_that_has_one_issue_22(kind: Any) -> None:
    from mmdata.io.arrow import first_bytes

    chunks = _texts(kind)
    cells = [cell for chunk in chunks for cell in chunk.to_pylist()]
    first, has = first_bytes(chunks)
    assert has.tolist() == [bool(cell) for cell in cells]
    assert first.tolist() == [cell.encode("utf-8")[0] if cell else 0 for cell in cells]
    assert [a.tolist() for a in first_bytes([])] == [[], []]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_cells_starting_reads_first_bytes_as_pythons_startswith_issue_22(kind: Any) -> None:
    import pandas as pd

    from mmdata.io.arrow import cells_starting

    columns = [pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(_texts(kind), type=kind)), dtype=pd.StringDtype("pyarrow"))]
    cells = columns[0].tolist()
    for starts in (("=", "+", "-", "@", "\t", "\r"), ("\u3000",), ("é", "="), ("x",), ("\x00",)):  # single ASCII characters, and others
        found = cells_starting(columns, starts)
        assert [a.tolist() for a in found] == [[isinstance(c, str) and c.startswith(starts) for c in cells]]

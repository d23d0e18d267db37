"""Whether pyarrow is installed, and searches of text columns through it: the fast paths take it (frames.py's CSV
reader, rules/numbers.py's scan for number words, the cell text rules, the blank-cell check of typed.py), and each
gives the same result without it, only slower. pandas and pyarrow are imported only when a search runs."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def arrow_available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


#: The memory pool mmdata allocates Arrow's memory from (#22). pyarrow's default, mimalloc, stalled for seconds of page
#: faults on a machine that had just run another large process: `validate` of a million rows 12 to 14 s against 8 s with
#: jemalloc, which also peaked 15% lower; `mmdata.load("outcomes")` 4.7 s against 1.8 s (docs/performance.md).
POOL = "jemalloc"


#: jemalloc's setting for a command's process (JE_ARROW_MALLOC_CONF, read when pyarrow is imported), on top of pyarrow's
#: own (dirty_decay_ms:1000,muzzy_decay_ms:1000): the pages Arrow lets go of are handed back to the system after 0.2 s
#: unused, not kept marked as free for seconds more, counted in the process's memory all the while. At a million rows
#: the site's peak came where it lets go of the outcomes (473 MB of Arrow memory) while it places their quotes: without
#: the setting 1,973 to 2,054 MB (five builds), with muzzy_decay_ms:0 alone 1,951 to 1,977 MB (nine), with both 1,852
#: to 1,930 MB (three), in the same time; `mmdata validate` took the same time too (paired with each step). Handing
#: pages back at once (dirty_decay_ms:0) peaked at 1,825 MB but took a tenth longer, the site and validate alike
#: (docs/performance.md, the fourteenth and fifteenth days, #22).
JEMALLOC_CONF = "dirty_decay_ms:200,muzzy_decay_ms:0"


#: Bytes of a CSV file Arrow's parser takes at a time, each block on a core of its own. A million-row outcomes.csv
#: (380 MB) parsed in 0.35 s in blocks of 4 MiB, 0.43 s of 8 MiB and 0.46 s of 16 MiB (medians of five, #22). A row
#: must fit in a block: a file with a longer row is left to the csv module, read the same way, only slower.
BLOCK = 1 << 22


def command_memory_pool(environ: Any, platform: str) -> None:
    """Name POOL in ARROW_DEFAULT_MEMORY_POOL for a command's process (every allocation), on Linux, unless the
    environment names a pool already; and, when that pool is jemalloc, JEMALLOC_CONF in JE_ARROW_MALLOC_CONF unless the
    environment sets that already. pyarrow's wheels for Linux have jemalloc; elsewhere naming it would print a
    warning, so the default stays. pyarrow reads both when it is imported: nothing is imported here, and a command
    imports pyarrow only after this."""
    if platform.startswith("linux"):
        environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", POOL)
        if environ["ARROW_DEFAULT_MEMORY_POOL"] == "jemalloc":
            environ.setdefault("JE_ARROW_MALLOC_CONF", JEMALLOC_CONF)


def memory_pool() -> Any:
    """The pool the Arrow reader parses a file's cells into: POOL, where pyarrow has it and ARROW_DEFAULT_MEMORY_POOL
    names no pool, else pyarrow's default. Only the reader's own allocations are asked of it, so that a program calling
    `mmdata.load` gains too and keeps its own default pool."""
    import os

    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool()
    try:
        return getattr(pa, f"{POOL}_memory_pool")()
    except NotImplementedError:  # a build without jemalloc (Windows)
        return pa.default_memory_pool()


#: arrow_pool's state: how many calls are inside, and the program's default pool, given back when the last one leaves.
_POOL_LOCK = threading.Lock()
_POOL_STATE: dict[str, Any] = {"inside": 0, "before": None}


@contextmanager
def arrow_pool() -> Iterator[None]:
    """Every Arrow allocation made while inside (pyarrow's, and those of pandas' Arrow-backed columns) in memory_pool(),
    and the program's default pool its default again after: the export and the site, whose allocations no one call can
    be handed a pool. A command's process names POOL already (command_memory_pool); a program calling the library
    gains too: at a million rows, the export made its Arrow columns in 15.1 s in pyarrow's default pool (mimalloc) and
    in 1.3 s in jemalloc (#22). A program that names a pool (ARROW_DEFAULT_MEMORY_POOL) keeps it, as memory_pool() does.
    The default pool is a setting of the whole process: calls in several threads switch it when the first one enters,
    and give it back when the last one leaves. Without pyarrow (an export of SQLite or FHIR only), nothing is switched."""
    try:
        import pyarrow as pa
    except ImportError:
        pa = None
    if pa is None:
        yield
        return
    with _POOL_LOCK:
        if not _POOL_STATE["inside"]:
            _POOL_STATE["before"] = pa.default_memory_pool()
            pa.set_memory_pool(memory_pool())
        _POOL_STATE["inside"] += 1
    try:
        yield
    finally:
        with _POOL_LOCK:
            _POOL_STATE["inside"] -= 1
            if not _POOL_STATE["inside"]:
                pa.set_memory_pool(_POOL_STATE["before"])
                _POOL_STATE["before"] = None


def scalar(value: bool | int | str, kind: Any = None) -> Any:
    """value as a pyarrow scalar (a text as kind, pa.string() unless given), built from its bytes. pyarrow converts a
    Python value (pa.scalar, pa.array, a plain 0, False or "," handed to a compute function) through its pandas shim,
    which imports pandas: 0.15 s and 40 MB that fmt, docs and diff would pay for nothing (#22)."""
    import struct

    import pyarrow as pa

    if isinstance(value, bool):
        return pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(bytes([value]))])[0]
    if isinstance(value, int):
        return pa.Array.from_buffers(pa.int64(), 1, [None, pa.py_buffer(struct.pack("<q", value))])[0]
    kind = pa.string() if kind is None else kind
    data = value.encode("utf-8")
    offsets = struct.pack("<qq" if kind in (pa.large_string(), pa.large_binary()) else "<ii", 0, len(data))
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])[0]


def integers(column: Any) -> np.ndarray:
    """An Arrow column of whole numbers with no missing value (an array or a chunked array) as a numpy array, read from
    its buffers: pyarrow's to_numpy imports pandas (see scalar)."""
    import numpy as np

    chunks = getattr(column, "chunks", None)
    parts = []
    for chunk in [column] if chunks is None else chunks:
        if chunk.null_count:
            raise ValueError("a missing value has no number")
        values = np.frombuffer(chunk.buffers()[1], dtype=f"<i{chunk.type.bit_width // 8}")
        parts.append(values[chunk.offset:chunk.offset + len(chunk)])
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def may_hold(column: Any, characters: str) -> bool:
    """Whether a cell of an Arrow text column (an array or a chunked array) may hold one of characters: False only when
    no cell's bytes hold any (a missing cell may own bytes, so True can be wrong, False cannot). A byte search per
    character over the bytes of the cells (of a slice, only its own), far cheaper than a search per cell (#22)."""
    import struct

    chunks = getattr(column, "chunks", None)
    for chunk in [column] if chunks is None else chunks:
        _, offsets, data = chunk.buffers()[:3]
        if data is None or not len(chunk):
            continue
        form = "<q" if str(chunk.type).startswith("large_") else "<i"
        size = struct.calcsize(form)
        start, = struct.unpack_from(form, offsets, chunk.offset * size)
        end, = struct.unpack_from(form, offsets, (chunk.offset + len(chunk)) * size)
        held = memoryview(data)[start:end].tobytes()  # bytes.find is memchr's: a copy and a search cost less than any scan of a view
        if any(held.find(c.encode("utf-8")) >= 0 for c in characters):
            return True
    return False


def arrow_chunks(columns: list[pd.Series]) -> list[Any] | None:
    """The Arrow chunks of text columns, one list for all (no copy), or None when pyarrow does not hold them all."""
    if not columns or not arrow_available():
        return None
    import pandas as pd
    import pyarrow as pa

    chunks: list[Any] = []
    for column in columns:
        arrow = getattr(column.array, "__arrow_array__", None)
        if not isinstance(column.dtype, pd.StringDtype) or arrow is None:
            return None
        held = arrow()
        chunks += held.chunks if isinstance(held, pa.ChunkedArray) else [held]
    chunks = [c for c in chunks if len(c)]
    return chunks if chunks and len({c.type for c in chunks}) == 1 else None


def _split(matched: Any, columns: list[pd.Series]) -> list[np.ndarray]:
    import numpy as np
    import pyarrow.compute as pc

    return _by_column(np.asarray(pc.fill_null(matched, False).to_numpy(zero_copy_only=False), dtype=bool), columns)


def _by_column(flat: np.ndarray, columns: list[pd.Series]) -> list[np.ndarray]:
    """An answer per cell of all the columns, one after the other, as one array per column."""
    import numpy as np

    return np.split(flat, np.cumsum([len(c) for c in columns])[:-1])


def cells_matching(columns: list[pd.Series], pattern: str) -> list[np.ndarray]:
    """For each text column, the cells in which pattern matches (re.search). pattern is one that Arrow's RE2 and
    Python's re read alike (literal characters, classes of them, ^): then one Arrow search runs over all the
    columns' cells (a search per column costs more than the search itself in a small table); without pyarrow,
    pandas searches column by column. A missing cell matches nothing."""
    chunks = arrow_chunks(columns)
    if chunks is None:
        return [column.str.contains(pattern, regex=True).fillna(False).astype(bool).to_numpy() for column in columns]
    import pyarrow as pa
    import pyarrow.compute as pc

    return _split(pc.match_substring_regex(pa.chunked_array(chunks, type=chunks[0].type), pattern), columns)


def cells_matching_beyond_ascii(columns: list[pd.Series], pattern: str) -> list[np.ndarray]:
    """cells_matching for a pattern that matches no text of ASCII characters alone (a class of characters outside
    ASCII, as terminal.INVISIBLE_PATTERN). Arrow's byte test for ASCII passes over most cells, and the pattern is
    searched only in the others: a million rows' texts in 0.1 s instead of 0.85 s (#22)."""
    chunks = arrow_chunks(columns)
    if chunks is None:
        return cells_matching(columns, pattern)
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.chunked_array(chunks, type=chunks[0].type)
    beyond = pc.invert(pc.fill_null(pc.string_is_ascii(cells), True))  # a missing cell matches nothing
    flat = np.zeros(len(cells), dtype=bool)
    if pc.any(beyond).as_py():
        matched = pc.fill_null(pc.match_substring_regex(pc.filter(cells, beyond), pattern), False)
        flat[np.flatnonzero(np.asarray(beyond.to_numpy(zero_copy_only=False), dtype=bool))] = np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)
    return _by_column(flat, columns)


def first_bytes(chunks: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The first byte of each cell of Arrow text chunks (one array for all, in order), read from the chunks' buffers, and
    which cells have one: neither missing nor empty. 0 where a cell has none."""
    import numpy as np

    bytes_, held = [], []
    for chunk in chunks:
        _, offsets, data = chunk.buffers()[:3]
        form = np.int64 if str(chunk.type).startswith("large_") else np.int32
        starts = np.frombuffer(offsets, dtype=form)[chunk.offset:chunk.offset + len(chunk) + 1] if len(chunk) else np.zeros(1, form)
        has = np.greater(starts[1:], starts[:-1])
        if chunk.null_count:  # a missing cell may own bytes
            has &= np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        first = np.zeros(len(chunk), dtype=np.uint8)
        if data is not None and has.any():
            first[has] = np.frombuffer(data, dtype=np.uint8)[starts[:-1][has]]
        bytes_.append(first)
        held.append(has)
    if not chunks:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=bool)
    return np.concatenate(bytes_), np.concatenate(held)


def cells_starting(columns: list[pd.Series], starts: tuple[str, ...]) -> list[np.ndarray]:
    """For each text column, the cells that start with one of starts (as cells_matching, all columns at once). When every
    one of starts is a single character, only the first byte of each cell is read (first_bytes), and only a cell whose
    first byte begins a character beyond ASCII is asked which one it starts with: one pass instead of a search per start
    (0.24 s against 0.05 s for the free texts of a million outcomes; 0.03 s against 0.005 s a column for whitespace, #22)."""
    chunks = arrow_chunks(columns)
    if chunks is None:
        return [column.str.startswith(starts).fillna(False).astype(bool).to_numpy() for column in columns]
    import numpy as np
    import pyarrow as pa

    cells = pa.chunked_array(chunks, type=chunks[0].type)
    if not all(len(start) == 1 for start in starts):
        return _split(_any_start(cells, starts), columns)
    wanted = np.zeros(256, dtype=bool)
    wanted[[start.encode("utf-8")[0] for start in starts]] = True
    first, has = first_bytes(chunks)
    found = has & wanted[first]
    beyond = np.flatnonzero(found & (first >= 0x80))  # the first byte of a character beyond ASCII: which one is it? (none missing)
    if len(beyond):
        asked = _any_start(cells.take(pa.array(beyond)), tuple(start for start in starts if not start.isascii()))
        found[beyond] = np.asarray(asked.to_numpy(zero_copy_only=False), dtype=bool)
    return _by_column(found, columns)


def _any_start(cells: Any, starts: tuple[str, ...]) -> Any:
    """Whether each cell of an Arrow text array starts with one of starts (at least one); null for a missing cell."""
    import pyarrow.compute as pc

    found = pc.starts_with(cells, starts[0])
    for start in starts[1:]:
        found = pc.or_(found, pc.starts_with(cells, start))
    return found

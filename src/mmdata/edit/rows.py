"""The tables of a package as text, every cell as written and the rows in key order: what `mmdata docs` and
`mmdata release` make their texts from (the data dictionary, the listings, the README's counts).

A table is read by csvfile (the exact reader, standard library only), so that `mmdata docs` on a package of small
files imports no pandas or pyarrow; in a package with a file of canonical.ARROW_FROM bytes or more, every table is
read by the Arrow reader alone when it is regular and headed by its schema's fields (arrowcsv.arrow_texts, #22), and
its cells stay Arrow columns:
the dictionary asks a table for its examples and for how many rows hold each value, which whole columns answer
without a Python list per row. Either way a table gives the same answers (a test reads both ways).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DocsError, Problem
from ..io.canonical import worth_arrow
from ..io.csvfile import header_ok
from ..io.texts import Columns, Records, Texts
from ..model.package import Package, open_package
from ..model.schema import Resource


@dataclass
class Rows:
    """The tables of a package as text: each table's cells (Texts) by name.

    Every table is read, so that one that cannot be read is reported by every command (#13), but a
    row becomes a dict only for the tables a text is made from (of): at a million rows, most of the
    memory and time of `mmdata docs` went into dicts of rows no text reads (#22)."""

    tables: dict[str, Texts]
    _dicts: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)

    def of(self, table: str) -> list[dict[str, str]]:
        """The rows of table, each a dict from field to cell; none when the package has no such table."""
        if table not in self._dicts:
            texts = self.tables.get(table)
            self._dicts[table] = [] if texts is None else [dict(zip(texts.header, record, strict=True)) for record in texts.records()]
        return self._dicts[table]

    def count(self, table: str, column: str) -> Counter[str]:
        """How many rows of table hold each cell of column (empty when the table lacks the column); none without the table."""
        texts = self.tables.get(table)
        return Counter() if texts is None else Counter({cells[0]: n for cells, n in texts.counts([column]).items()})


def read_rows(source: Package | str | Path) -> Rows:
    """Every declared table of the package (opened, or at a folder), sorted by primary key; DocsError when one cannot be read."""
    pkg = open_package(source)
    pkg.refuse_ambiguous()
    problems: list[Problem] = list(pkg.problems)
    tables: dict[str, Texts] = {}
    raws = [pkg.readable(resource.path) for resource in pkg.usable]  # read once: by Arrow, or else by the exact reader
    arrow = worth_arrow(*(len(raw) for raw in raws if raw is not None))  # every table or none (#22)
    for n, resource in enumerate(pkg.usable):
        raw, raws[n] = raws[n], None  # each file's bytes let go once read
        columns = _arrow_read(raw, resource) if raw is not None and arrow else None
        if columns is not None:
            tables[resource.name] = columns
            continue
        parsed = pkg.parsed(resource, problems, raw)
        if parsed is None:
            continue
        found: list[Problem] = []  # the listings name columns by the schema: a header without them is reported (#13)
        if not header_ok(resource.path, parsed.header, resource.field_names, found):
            problems += found
            continue
        tables[resource.name] = Records(parsed.header, resource.sorted_texts(parsed.header, parsed.records))
    if problems:
        raise DocsError("; ".join(p.to_line() for p in problems) + "; run `mmdata validate` to see why")
    return Rows(tables)


def _arrow_read(raw: bytes, resource: Resource) -> Columns | None:
    """A table file (raw) read by the Arrow reader alone; None when the exact reader must read it (it then reports what is
    wrong)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..io.arrowcsv import arrow_texts

    fields = resource.field_names
    columns = arrow_texts(raw, fields)
    if columns is None:
        return None
    key = [k for k in resource.primary_key if k in fields]
    order = None
    if key:  # a stable sort, as Python's; texts compare byte by byte in UTF-8, which is code point order, as Python's
        table = pa.Table.from_arrays(columns, names=fields)
        order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in key])
    return Columns(fields, columns, order)


__all__ = ["Rows", "read_rows"]

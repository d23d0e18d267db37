"""The tables of a package as text, every cell as written and the rows in key order: what `mmdata docs` and
`mmdata release` make their texts from (the data dictionary, the listings, the README's counts).

Only csvfile is used to read the tables, so this stays free of pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DocsError, Problem
from ..io.csvfile import header_ok
from ..model.package import Package, open_package


@dataclass
class Rows:
    """The tables of a package as text: each table's header and its rows (every cell as written) in key order.

    Every table is read, so that one that cannot be read is reported by every command (#13), but a
    row becomes a dict only for the tables a text is made from (of): at a million rows, most of the
    memory and time of `mmdata docs` went into dicts of rows no text reads (#22)."""

    tables: dict[str, tuple[list[str], list[list[str]]]]
    _dicts: dict[str, list[dict[str, str]]] = field(default_factory=dict, repr=False)

    def of(self, table: str) -> list[dict[str, str]]:
        """The rows of table, each a dict from field to cell; none when the package has no such table."""
        if table not in self._dicts:
            header, records = self.tables.get(table, ([], []))
            self._dicts[table] = [dict(zip(header, record, strict=True)) for record in records]
        return self._dicts[table]


def read_rows(source: Package | str | Path) -> Rows:
    """Every declared table of the package (opened, or at a folder), sorted by primary key; DocsError when one cannot be read."""
    pkg = open_package(source)
    pkg.refuse_ambiguous()
    problems: list[Problem] = list(pkg.problems)
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    for resource in pkg.usable:
        parsed = pkg.parsed(resource, problems)
        if parsed is None:
            continue
        found: list[Problem] = []  # the listings name columns by the schema: a header without them is reported (#13)
        if not header_ok(resource.path, parsed.header, resource.field_names, found):
            problems += found
            continue
        tables[resource.name] = (parsed.header, resource.sorted_texts(parsed.header, parsed.records))
    if problems:
        raise DocsError("; ".join(p.to_line() for p in problems) + "; run `mmdata validate` to see why")
    return Rows(tables)


__all__ = ["Rows", "read_rows"]

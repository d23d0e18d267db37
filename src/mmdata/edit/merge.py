"""`mmdata merge-table`: a git merge driver that merges a table row by row, by key (#12).

`mmdata fmt` sorts rows by key, so two pull requests that add rows with different keys touch
different lines and git merges them cleanly, except when no existing row sorts between the two
new ones: both are then inserted at the same place and git's line merge reports a conflict. This
driver merges by key instead: a row added, changed or removed on one side only is taken from that
side; a row changed on both sides in the same way is taken once; a row changed differently on the
two sides, or changed on one and removed on the other, is a conflict. The result is in canonical
form (rows sorted by key). When the files cannot be merged by key (a header changed, a file does
not parse, a real conflict), git's own line merge runs and leaves its conflict markers.

Rows are matched by their first column, where every mmdata table's primary key starts (`mmdata validate` checks:
schema.key_problem).
Set up once per clone (CONTRIBUTING.md); ``.gitattributes`` names the driver for data/*.csv, and a
clone without it configured falls back to git's line merge.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import MergeConflict, Problem
from ..io.csvfile import canonical_csv, parse_csv_bytes
from ..io.files import read_file, write_file

DRIVER = "mmdata-table"


def merge_rows(base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """The three-way merge of a table by key, in canonical form; None when it cannot be merged so."""
    problems: list[Problem] = []
    parsed = [parse_csv_bytes("table", content, problems) for content in (base, ours, theirs)]
    tables = [p for p in parsed if p is not None]
    if problems or len(tables) != 3 or not tables[0].header == tables[1].header == tables[2].header:
        return None
    keyed = [k for k in (_by_key(t.records) for t in tables) if k is not None]
    if len(keyed) != 3:
        return None
    was, left, right = keyed
    merged = {}
    for key in set(was) | set(left) | set(right):
        b, o, t = was.get(key), left.get(key), right.get(key)
        if o == t:
            row = o
        elif o == b:
            row = t
        elif t == b:
            row = o
        else:
            return None  # changed differently on both sides, or changed on one side and removed on the other
        if row is not None:
            merged[key] = row
    return canonical_csv(tables[0].header, [merged[k] for k in sorted(merged)])


def _by_key(records: list[list[str]]) -> dict[str, list[str]] | None:
    keyed = {}
    for record in records:
        if not record or record[0] in keyed:
            return None  # a duplicate key: leave it to git and the validator
        keyed[record[0]] = record
    return keyed


def merge_files(base: str | Path, ours: str | Path, theirs: str | Path) -> None:
    """Merge as git asks a driver to: the result replaces ours.

    When the rows cannot be merged by key, ``git merge-file`` merges the lines and leaves its
    conflict markers in ours, and MergeConflict is raised when they conflict.
    """
    base, ours, theirs = Path(base), Path(ours), Path(theirs)
    merged = merge_rows(*(_read(path) for path in (base, ours, theirs)))
    if merged is not None:
        write_file(ours.parent, ours.name, merged)  # never through a link (#13)
        return
    done = subprocess.run(["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", str(ours), str(base), str(theirs)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise MergeConflict(f"{ours}: rows changed differently on both sides; resolve the conflict markers, then run `mmdata fmt`")


def _read(path: Path) -> bytes:
    """A version git hands the driver: a regular file of bounded size, read through no link (#13)."""
    content = read_file(path.parent, path.name)
    if content is None:
        raise MergeConflict(f"{path}: no such file")
    return content

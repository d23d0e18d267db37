"""A release archive's SHA256SUMS, checked against the archive's own bytes (#13).

`mmdata release` lists every file of the archive in SHA256SUMS. `mmdata validate` and
`mmdata.load` of an archive check that every listed file is there with that sha256 (so a schema,
a seed or an export changed after the release is found, not only a table, whose sha256
datapackage.json also records) and that no file is there unlisted. What this cannot catch: an
archive whose SHA256SUMS was rewritten to match its changed files; only the archive's own
published sha256 (`mmdata-data-X.Y.Z.zip.sha256`) proves that. An archive without SHA256SUMS is
checked against datapackage.json's checksums only. Standard library only.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from ..errors import DESCRIPTOR as DESCRIPTOR_LAYER
from ..errors import Code, Problem, UnsafeFile


def archive_name(version: str) -> str:
    """The file name of the release archive of a version (its record in releases/ is this name and .sha256)."""
    return f"mmdata-data-{version}.zip"


# Emitted for the package (model/package.py) and for a release archive against its SHA256SUMS (here).
FILE_MISSING = Code("file-missing", DESCRIPTOR_LAYER, "a file named by datapackage.json does not exist")
FILE_UNLISTED = Code("file-unlisted", DESCRIPTOR_LAYER,
                     "a file beside the tables or schemas that datapackage.json does not declare (no release holds it), "
                     "or a file of an archive that its SHA256SUMS does not list")
HASH_MISMATCH = Code("hash-mismatch", DESCRIPTOR_LAYER,
                     "a file's size or sha256 differs from what datapackage.json or an archive's SHA256SUMS records")

SUMS = "SHA256SUMS"
LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


class Archive(Protocol):
    """What is checked: the files of a release archive (snapshot.ZipSnapshot)."""

    names: set[str]

    def file(self, rel: str) -> bytes: ...

    def read(self, rel: str) -> bytes | None: ...


def sums_problems(snap: Archive) -> list[Problem]:
    """What differs between an archive's SHA256SUMS and its files; [] for an archive without SHA256SUMS
    (a folder or a revision has none to check: snapshot.Snapshot.sums_problems)."""
    if SUMS not in snap.names:
        return []
    problems: list[Problem] = []
    listed: dict[str, int] = {}  # the line that first lists each file
    again: dict[str, list[int]] = {}  # the lines that list it again: never read and hashed again (#23)
    for number, line in enumerate(snap.file(SUMS).decode("utf-8", "replace").splitlines(), 1):
        match = LINE.fullmatch(line)
        if match is None:
            problems.append(Problem(SUMS, number, None, HASH_MISMATCH, "not a line 'SHA256  FILE' as `mmdata release` writes them"))
            continue
        digest, name = match.groups()
        if name in listed:
            again.setdefault(name, []).append(number)
            continue
        listed[name] = number
        try:
            content = snap.read(name)
        except UnsafeFile as exc:
            problems.append(Problem(SUMS, number, None, exc.code, f"{name} {exc.reason}"))
            continue
        if content is None:
            problems.append(Problem(SUMS, number, None, FILE_MISSING, f"{name} is listed but not in the archive; use the archive as published"))
        elif hashlib.sha256(content).hexdigest() != digest:
            problems.append(Problem(SUMS, number, None, HASH_MISMATCH,
                                    f"{name} has sha256 {hashlib.sha256(content).hexdigest()}, not {digest} as listed: it was changed "
                                    "after the release; use the archive as published"))
    for name, lines in again.items():
        more = f" and {len(lines) - 1:,} more lines" if len(lines) > 1 else ""
        problems.append(Problem(SUMS, lines[0], None, HASH_MISMATCH, f"{name} is listed again (first at line {listed[name]}){more}; "
                                                                    f"{SUMS} lists each file once: use the archive as published"))
    for name in sorted(snap.names - set(listed) - {SUMS}):
        problems.append(Problem(name, None, None, FILE_UNLISTED, f"in the archive but not in {SUMS}, so nothing vouches for it; "
                                                                   "use the archive as published"))
    return problems

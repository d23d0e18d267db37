"""The commit phase of `mmdata release`: every file written, or every file put back, even after a crash.

Before the first write, a journal (dist/.release-journal.json) records each file the release
rewrites, as it was and the sha256 of what it becomes, and the archive it builds. Then the
archive, its .sha256 and the package's files are written, each atomically, and the journal is
removed last: that is the moment the release is complete. A failure in between puts every file
back at once; a crash (the process killed, the machine off) leaves the journal, and the next
`mmdata release` puts every file back before it starts, so the same command run again makes the
same release byte for byte. A file changed by hand since the crash is never overwritten: the
release is refused and says which file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import ReleaseRefused, WriteFailed
from .files import atomic_write, writable

#: The journal of a release in progress, relative to the package root.
JOURNAL = "dist/.release-journal.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sidecar_text(archive: Path, content: bytes) -> bytes:
    return f"{_sha256(content)}  {archive.name}\n".encode()


def commit(root: Path, version: str, files: dict[str, bytes], archive: Path, content: bytes) -> None:
    """Write the archive, its .sha256 and files (names relative to root); on failure, put everything back.

    Raises WriteFailed (naming the file that could not be written, and any that could not be put
    back) when a write fails; any other exception is raised as it is, after putting everything back.
    """
    sidecar = archive.with_name(archive.name + ".sha256")
    writes = [(archive, content), (sidecar, sidecar_text(archive, content)), *((root / n, d) for n, d in files.items())]
    journal = {
        "version": version,
        "archive": {"path": _rel(root, archive), "sha256": _sha256(content)},
        "sidecar": {"path": _rel(root, sidecar), "sha256": _sha256(sidecar_text(archive, content))},
        "files": {name: {"before": _encoded(root / name), "after": _sha256(data)} for name, data in files.items()},
    }
    current = root / JOURNAL
    try:  # never through a symbolic link (#13): mmdata.files refuses one before anything is written
        atomic_write(writable(root, JOURNAL), (json.dumps(journal, indent=1) + "\n").encode())
        for current, data in writes:
            atomic_write(writable(root, _rel(root, current)), data)
    except BaseException as exc:
        failed = undo(root, journal) if current != root / JOURNAL else []
        if not isinstance(exc, OSError) and not failed:
            raise
        what = f"cannot write {_rel(root, current)}: {exc.strerror or exc}" if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        if failed:
            raise WriteFailed(f"{what}; and could not put back {', '.join(failed)}, so the release is half-written "
                              f"(recorded in {JOURNAL}): run `mmdata release {version}` again to put them back and release") from exc
        raise WriteFailed(f"{what}; nothing was changed") from None
    with contextlib.suppress(OSError):  # the release is complete either way: see recover()
        (root / JOURNAL).unlink()


def recover(root: Path) -> None:
    """Finish what a crashed release left: put every file back as it was, or, when the release was
    complete and only its journal is left, remove the journal. No journal: nothing to do.

    Refuses (ReleaseRefused) when a file cannot be put back: it changed since the crash, or cannot be written.
    """
    path = root / JOURNAL
    if not path.is_file():
        return
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        version = str(journal["version"])
        if _complete(root, journal):
            path.unlink()
            return
        failed = undo(root, journal)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ReleaseRefused(f"{JOURNAL} (left by an interrupted release) cannot be read: {exc}; put back datapackage.json, "
                             f"CHANGELOG.md, CITATION.cff and README.md from git, then delete {JOURNAL}") from None
    if failed:
        raise ReleaseRefused(f"an interrupted release of {version} (recorded in {JOURNAL}) cannot be undone: could not put back "
                             f"{', '.join(failed)}; restore them from git (or keep them as they are), then delete {JOURNAL}")


def undo(root: Path, journal: dict[str, Any]) -> list[str]:
    """Put every file of journal back as it was; return those that could not be, each with why (empty: all done)."""
    failed, restore = [], {}
    for name, entry in journal["files"].items():  # first check every file, so that a refusal changes none
        before = None if entry["before"] is None else base64.b64decode(entry["before"], validate=True)
        try:
            now = (root / name).read_bytes() if (root / name).exists() else None
        except OSError as exc:
            failed.append(f"{name} ({exc.strerror or exc})")
            continue
        if now != before and (now is None or _sha256(now) != entry["after"]):
            failed.append(f"{name} (changed since the release began)")
        elif now != before:
            restore[name] = before
    if failed:
        return failed
    for name, before in restore.items():
        try:
            if before is None:
                (root / name).unlink()
            else:
                atomic_write(writable(root, name), before)
        except OSError as exc:
            failed.append(f"{name} ({exc.strerror or exc})")
    if failed:
        return failed  # the journal stays, and with it the archive: a later run tries again
    for entry in (journal["sidecar"], journal["archive"]):
        path = root / entry["path"]
        try:
            if path.is_file() and _sha256(path.read_bytes()) == entry["sha256"]:
                path.unlink()
        except OSError as exc:
            failed.append(f"{entry['path']} ({exc.strerror or exc})")
    if not failed:
        with contextlib.suppress(FileNotFoundError):
            (root / JOURNAL).unlink()
    return failed


def _complete(root: Path, journal: dict[str, Any]) -> bool:
    """Whether every file of the release was written: only the journal's removal was left to do."""
    expected = {str(root / e["path"]): e["sha256"] for e in (journal["archive"], journal["sidecar"])}
    expected.update({str(root / name): e["after"] for name, e in journal["files"].items()})
    return all(Path(p).is_file() and _sha256(Path(p).read_bytes()) == digest for p, digest in expected.items())


def _encoded(path: Path) -> str | None:
    return base64.b64encode(path.read_bytes()).decode("ascii") if path.exists() else None


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()

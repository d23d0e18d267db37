"""One transaction for every command that writes the package: every file written, or every file put
back, even after a crash (#13, #21).

`mmdata fmt`, `docs`, `add-source`, `add-row` and `release` (with `--rebuild` too) collect the new
bytes of every file they change in a Transaction, and nothing is written until the command has
checked everything. Then commit:

1. every path was checked when it was staged: package-relative, inside the package, never in
   .git, no symbolic link on its way, a regular file or none (files.unwritable);
2. a journal (JOURNAL, at the package root) records each file as it was and the sha256 of what it
   becomes;
3. the files are written, each atomically, in the order they were staged;
4. the journal is removed: that is the moment the command is complete.

A failure in between puts every file back at once. A crash (the process killed, the machine off)
leaves the journal, and the next command that writes the package, whichever it is, puts every
file back before it reads anything (recover), so the same command run again gives the same bytes.
A file changed by hand since the crash is never overwritten: the command is refused, naming it.

A journal found on disk is read as untrusted input (it may have been planted: committed to git,
unpacked from an archive): it is used only when it is mmdata's own, git does not track it, and
every path it names passes the checks of step 1. Otherwise every command that writes is refused,
naming the journal and the entry, and nothing is changed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import UnsafeFile, WriteFailed, WriteRefused
from .files import atomic_write, current, read_file, unwritable, writable
from .locking import package_lock

#: The journal of a command in progress, relative to the package root.
JOURNAL = ".mmdata-journal.json"
#: Where mmdata 1.0 kept the journal of a release in progress: recovered, or refused, the same way.
LEGACY = "dist/.release-journal.json"
#: The commands that write the package, as a journal names them.
COMMANDS = ("release", "release --rebuild", "fmt", "docs", "add-source", "add-row")
#: The largest journal read back: it holds the old bytes of every file a command rewrote.
MAX_JOURNAL_BYTES = 4 << 30
DIGEST = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sidecar_text(archive: Path, content: bytes) -> bytes:
    return f"{_sha256(content)}  {archive.name}\n".encode()


def unsafe_path(name: object) -> str | None:
    """Why name is not a file mmdata writes or records in a journal; None when it is one.

    A package-relative posix path, written in its normal form (no '.', no '//', no trailing '/'),
    without '..', a backslash, a NUL or a URL, outside .git, and not a journal itself.
    """
    if not isinstance(name, str) or not name:
        return "is not a file name"
    posix = PurePosixPath(name)
    if posix.is_absolute() or name[1:2] == ":":
        return "is an absolute path"
    if ".." in posix.parts:
        return "leaves the package folder (..)"
    if "\\" in name or "\x00" in name or "://" in name or posix.as_posix() != name:
        return "is not a package-relative path written a/b.csv"
    if posix.parts[0] == ".git":
        return "is inside .git"
    if name in (JOURNAL, LEGACY):
        return "is a journal"
    return None


class Transaction:
    """The new bytes of every file one command changes, written all or none by commit (see the module)."""

    def __init__(self, root: str | Path, command: str, version: str | None = None) -> None:
        self.root, self.command, self.version = Path(root), command, version
        self.files: dict[str, bytes] = {}

    def write(self, rel: str, data: bytes) -> None:
        """Stage rel to hold data (staged again, it keeps its place); WriteRefused, writing nothing, when
        rel is not a file mmdata may write (unsafe_path) or cannot be written safely (files.unwritable)."""
        why = unsafe_path(rel)
        if why is None:
            why = unwritable(self.root, rel)
        else:
            why = f"it {why}"
        if why is not None:
            raise WriteRefused(f"{rel}: not written: {why}")
        self.files[rel] = data

    def commit(self) -> list[str]:
        """Write every staged file through the journal; the names written, in order.

        Raises WriteFailed (naming the file that could not be written, and any that could not be put
        back) when a write fails; any other exception is raised as it is, after putting everything back.
        """
        if self.files:
            head = {"command": self.command, **({"version": self.version} if self.version else {})}
            _commit(self.root, head, self.files)
        return list(self.files)


@contextlib.contextmanager
def transaction(root: str | Path, command: str, version: str | None = None) -> Iterator[Transaction]:
    """Hold the package's write lock, finish what an interrupted command left (recover), collect the
    writes of the block and commit them when it ends; an exception in the block writes nothing."""
    with package_lock(root):
        recover(root)
        staged = Transaction(root, command, version)
        yield staged
        staged.commit()


def commit(root: Path, version: str, files: dict[str, bytes], archive: Path, content: bytes) -> None:
    """The release's writes: the archive, its .sha256, then files (names relative to root), all or none."""
    staged = Transaction(root, "release", version)
    staged.write(_rel(root, archive), content)
    staged.write(_rel(root, archive.with_name(archive.name + ".sha256")), sidecar_text(archive, content))
    for name, data in files.items():
        staged.write(name, data)
    staged.commit()


def _commit(root: Path, head: dict[str, str], files: dict[str, bytes]) -> None:
    record = {**head, "files": {name: {"before": _encoded(current(root, name)), "after": _sha256(data)} for name, data in files.items()}}
    at = JOURNAL
    try:  # never through a symbolic link (#13): files.writable refuses one
        atomic_write(writable(root, JOURNAL), (json.dumps(record, indent=1) + "\n").encode())
        for at, data in files.items():
            atomic_write(writable(root, at), data)
    except BaseException as exc:
        failed = undo(root, record) if at != JOURNAL else []
        if not isinstance(exc, OSError) and not failed:
            raise
        what = f"cannot write {at}: {exc.strerror or exc}" if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        if failed:
            raise WriteFailed(f"{what}; and could not put back {', '.join(failed)}, so {_half_written(head)}") from exc
        raise WriteFailed(f"{what}; nothing was changed") from None
    with contextlib.suppress(OSError):  # the command is complete either way: see recover()
        (root / JOURNAL).unlink()


def _half_written(head: dict[str, str]) -> str:
    if head["command"] == "release":
        return (f"the release is half-written (recorded in {JOURNAL}): "
                f"run `mmdata release {head['version']}` again to put them back and release")
    return (f"the package is half-written (recorded in {JOURNAL}): run `mmdata {head['command']}` again to put them "
            "back (any command that writes the package puts them back first)")


def _what(record: dict[str, Any]) -> str:
    return f"release of {record['version']}" if record["command"] == "release" else f"`mmdata {record['command']}`"


def _since(record: dict[str, Any]) -> str:
    return "the release" if record["command"] == "release" else f"`mmdata {record['command']}`"


def recover(root: str | Path) -> None:
    """Finish what an interrupted command left: put every file back as it was, or, when the command
    was complete and only its journal is left, remove the journal. No journal: nothing to do.

    Refuses (WriteRefused, nothing changed) a journal that is not mmdata's own (see the module), or
    one whose files cannot be put back: changed since the crash, or unwritable.
    """
    root = Path(root)
    for rel in (JOURNAL, LEGACY):
        record = _load(root, rel)
        if record is None:
            continue
        if _complete(root, record):
            (root / rel).unlink()
            continue
        failed = undo(root, record, rel)
        if failed:
            raise WriteRefused(f"an interrupted {_what(record)} (recorded in {rel}) cannot be undone: could not put back "
                               f"{', '.join(failed)}; restore them from git (or keep them as they are), then delete {rel}")


def _load(root: Path, rel: str) -> dict[str, Any] | None:
    """The journal at rel, checked; None when there is none; WriteRefused when it cannot be used."""
    nothing = f"nothing was changed; if no mmdata command was interrupted here, delete {rel}"
    try:
        raw = read_file(root, rel, MAX_JOURNAL_BYTES)
    except UnsafeFile as exc:
        raise WriteRefused(f"{exc}; a journal must be a regular file in the package: {nothing}") from None
    if raw is None:
        return None
    if _tracked(root, rel):
        raise WriteRefused(f"{rel}: is committed to git, but only an interrupted mmdata command leaves a journal, and it is "
                           f"never committed: nothing was changed; remove it (git rm {rel}) and commit")
    try:
        record = _record(json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WriteRefused(f"{rel}: cannot be read as mmdata's journal ({exc}); nothing was changed; if an mmdata command was "
                           f"interrupted, put back the files it was writing from git (`git status` lists them), then delete {rel}") from None
    for name in record["files"]:
        why = unsafe_path(name)
        why = f"it {why}" if why is not None else unwritable(root, name)
        if why is not None:
            raise WriteRefused(f"{rel}: names '{name[:200]}', which mmdata never writes: {why}; so mmdata did not write this "
                               f"journal: {nothing}")
    return record


def _record(document: Any) -> dict[str, Any]:
    """The command, version and files of a journal's JSON (the release journal of mmdata 1.0 too); ValueError when it is not one."""
    if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
        raise ValueError("no 'files' object")
    files = dict(document["files"])
    for key in ("archive", "sidecar"):  # mmdata 1.0 recorded a release's new files apart
        if key in document:
            entry = document[key]
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                raise ValueError(f"'{key}' has no path")
            files[entry["path"]] = {"before": None, "after": entry.get("sha256")}
    command = document.get("command", "release" if "archive" in document else None)
    if command not in COMMANDS:
        raise ValueError(f"unknown command {str(command)[:40]!r}")
    version = document.get("version")
    if command == "release" and not (isinstance(version, str) and VERSION.fullmatch(version)):
        raise ValueError("a release without its version")
    for name, entry in files.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("after"), str) or not DIGEST.fullmatch(entry["after"]):
            raise ValueError(f"'{name[:200]}' has no sha256 'after'")
        before = entry.get("before")
        if before is not None and not isinstance(before, str):
            raise ValueError(f"'{name[:200]}' has no 'before'")
        if before is not None:
            base64.b64decode(before, validate=True)  # binascii.Error is a ValueError
    return {"command": command, "version": version, "files": files}


def _tracked(root: Path, rel: str) -> bool:
    """Whether git tracks rel in the repository the package is in (False without git)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "ls-files", "--error-unmatch", "--", rel], capture_output=True, check=False)
    except OSError:
        return False
    return done.returncode == 0


def undo(root: Path, journal: dict[str, Any], rel: str = JOURNAL) -> list[str]:
    """Put every file of journal back as it was and remove the journal (rel); return those that could
    not be put back, each with why (empty: all done, the journal removed)."""
    failed, restore = [], {}
    for name, entry in journal["files"].items():  # first check every file, so that a refusal changes none
        before = None if entry["before"] is None else base64.b64decode(entry["before"], validate=True)
        try:
            now = read_file(root, name)
        except UnsafeFile as exc:
            failed.append(f"{name} ({exc.reason})")
            continue
        if now == before:
            continue
        if now is None or _sha256(now) != entry["after"]:
            failed.append(f"{name} (changed since {_since(journal)} began)")
        else:
            restore[name] = before
    if failed:
        return failed
    for name, content in restore.items():
        try:
            if content is None:
                (root / name).unlink()
            else:
                atomic_write(writable(root, name), content)
        except (OSError, WriteRefused) as exc:
            failed.append(f"{name} ({exc.strerror or exc})" if isinstance(exc, OSError) else f"{name} ({exc})")
    if not failed:  # else the journal stays: a later command tries again
        with contextlib.suppress(FileNotFoundError):
            (root / rel).unlink()
    return failed


def _complete(root: Path, journal: dict[str, Any]) -> bool:
    """Whether every file of the journal was written: only the journal's removal was left to do."""
    for name, entry in journal["files"].items():
        try:
            now = read_file(root, name)
        except UnsafeFile:
            return False
        if now is None or _sha256(now) != entry["after"]:
            return False
    return True


def _encoded(content: bytes | None) -> str | None:
    return None if content is None else base64.b64encode(content).decode("ascii")


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()

"""The one way mmdata opens a file of a package folder, to read it or to write it (#13).

Every command reads and writes package files through here, so one rule holds everywhere:

- no symbolic link is followed, inside the package or out of it: a path that passes through one
  (the file itself or a folder on the way) is refused, for reading and for writing, so that a
  folder, a release archive and a git revision (whose links are never followed either) hold the
  same files, and no command reads or overwrites a file outside the package;
- only regular files are read: a folder, a FIFO or a device where a file is expected is refused
  before it is opened, and the file is opened without blocking, so nothing hangs;
- no file larger than MAX_FILE_BYTES for its kind is read, and no archive entry expands past
  MAX_ENTRY_BYTES, nor all the entries of an archive past MAX_ARCHIVE_BYTES (see snapshot.py).

The package folder itself may be reached through a link (the user named it). Standard library only.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..errors import ENCODING_ERROR, FILE_ERROR, PATH_ERROR, UnsafeFile, WriteRefused

#: The largest file mmdata reads, per kind: a table (.csv), a JSON file (datapackage.json, a Table
#: Schema), any other file (a seed, a document). A larger file is refused, naming it.
MAX_FILE_BYTES = {"table": 1 << 30, "json": 64 << 20, "other": 256 << 20}
#: What one entry of a zip archive may expand to, and all the entries of an archive together.
MAX_ENTRY_BYTES = 1 << 30
MAX_ARCHIVE_BYTES = 2 << 30
#: Why a path through a symbolic link is refused, in a folder, an archive or a git revision alike.
LINK = "is reached through a symbolic link; mmdata follows no link: put the file itself there"


def kind(rel: str) -> str:
    """The kind of a package file, which sets how large it may be: table, json or other."""
    return "table" if rel.endswith(".csv") else "json" if rel.endswith(".json") else "other"


def limit(rel: str) -> int:
    return MAX_FILE_BYTES[kind(rel)]


def human(size: int) -> str:
    """A size in bytes as docs/maintaining.md states the limits: '1 GiB', '64 MiB'."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} bytes"


def too_large(rel: str, size: int | str, bound: int) -> UnsafeFile:
    return UnsafeFile(rel, f"is {size} bytes, more than the {human(bound)} mmdata reads from one {kind(rel)} file")


def _reason(exc: OSError) -> tuple[str, str]:
    if exc.errno == errno.ELOOP:
        return LINK, PATH_ERROR
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file", FILE_ERROR
    return f"cannot be opened: {exc.strerror}", FILE_ERROR


def check(root: Path, rel: str, bound: int | None = None) -> os.stat_result | None:
    """The status of root/rel when it is a regular file of a safe size (bound, else its kind's) reached
    through no link; None when there is no such file; UnsafeFile when it is there but must not be read."""
    parts = PurePosixPath(rel).parts
    path = Path(root)
    for i, part in enumerate(parts):
        path = path / part
        try:
            status = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise UnsafeFile(rel, *_reason(exc)) from None
        if stat.S_ISLNK(status.st_mode):
            on_the_way = "" if i == len(parts) - 1 else f" (its folder {'/'.join(parts[:i + 1])} is one)"
            raise UnsafeFile(rel, LINK.replace(";", f"{on_the_way};", 1), PATH_ERROR)
        if i < len(parts) - 1 and not stat.S_ISDIR(status.st_mode):
            return None
    if stat.S_ISDIR(status.st_mode):
        raise UnsafeFile(rel, "is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeFile(rel, "is not a regular file (a FIFO, a socket or a device); mmdata reads only regular files")
    bound = limit(rel) if bound is None else bound
    if status.st_size > bound:
        raise too_large(rel, status.st_size, bound)
    return status


def read_file(root: Path, rel: str, bound: int | None = None) -> bytes | None:
    """The bytes of the package file root/rel; None when there is none; UnsafeFile when it must not be
    read (larger than bound, else than its kind's limit)."""
    bound = limit(rel) if bound is None else bound
    if check(root, rel, bound) is None:
        return None
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(Path(root) / rel, flags)
    except OSError as exc:
        raise UnsafeFile(rel, *_reason(exc)) from None
    with os.fdopen(handle, "rb") as fh:
        status = os.fstat(fh.fileno())
        if not stat.S_ISREG(status.st_mode):  # replaced since check: never read a FIFO
            raise UnsafeFile(rel, "is not a regular file (a FIFO, a socket or a device); mmdata reads only regular files")
        # Its size and one byte more are asked for, not the bound: Python makes room for as many bytes as are asked for
        # (13,510 seeds of 3 KB took 0.72 s to read, 0.42 s so, #22). A file that grew since it was opened is read on.
        wanted = min(status.st_size, bound) + 1
        try:
            content = fh.read(wanted)
            if len(content) == wanted <= bound:
                content += fh.read(bound + 1 - wanted)
        except OSError as exc:
            raise UnsafeFile(rel, *_reason(exc)) from None
    if len(content) > bound:
        raise too_large(rel, f"more than {len(content) - 1}", bound)
    return content


def decoded(rel: str, content: bytes) -> str:
    """The text of a package file read as UTF-8; UnsafeFile (an encoding-error, with its line) when it is not UTF-8 (#23)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise UnsafeFile(rel, f"is not valid UTF-8 ({exc.reason}, line {line}); save the file as UTF-8", ENCODING_ERROR) from None


def write_file(root: Path, rel: str, content: bytes) -> None:
    """Write a package file atomically, never through a symbolic link: WriteRefused, changing nothing,
    when rel or a folder on its way is a link, or rel is there but is not a regular file."""
    atomic_write(writable(root, rel), content)


def writable(root: Path, rel: str) -> Path:
    """The path of package file rel, its folders made, once no link and nothing but a regular file is on its way (else WriteRefused)."""
    check_writable(root, rel)
    (Path(root) / rel).parent.mkdir(parents=True, exist_ok=True)
    return Path(root) / rel


def check_writable(root: Path, rel: str) -> None:
    """WriteRefused, changing nothing, when package file rel cannot be written safely (see unwritable)."""
    why = unwritable(root, rel)
    if why is not None:
        raise WriteRefused(f"{rel}: not written: {why}")


def unwritable(root: Path, rel: str) -> str | None:
    """Why package file rel cannot be written safely: a folder on its way or the file itself is a
    symbolic link, a folder on its way is not a folder, or the file is there but is not a regular
    file; None when it can be (folders that do not exist yet are made by writable)."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or any(part in (".", "..") for part in parts):
        return "is not a path inside the folder; mmdata writes nowhere else"  # a name such as '../x' (#23)
    path = Path(root)
    for i, part in enumerate(parts):
        path = path / part
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            return None  # created by writable
        if stat.S_ISLNK(status.st_mode):
            return (f"{'/'.join(parts[:i + 1])} is a symbolic link, and mmdata never writes through one; "
                    "replace the link by the file or folder itself")
        if not (stat.S_ISDIR if i < len(parts) - 1 else stat.S_ISREG)(status.st_mode):
            return f"{'/'.join(parts[:i + 1])} is not a regular {'folder' if i < len(parts) - 1 else 'file'}"
    return None


def atomic_write(path: Path, content: bytes) -> None:
    """Write content to path atomically: readers see the old file or the new one, never half.

    An existing regular file keeps its permissions; a new one gets 0644, and so does one that replaces
    a link (whose own mode, 0777, would make it world-writable, #23). A link at path is replaced,
    never followed (package files go through write_file, which refuses links first).
    """

    def put(handle: int, temporary: str) -> None:
        with os.fdopen(handle, "wb") as out:
            out.write(content)

    _replaced(path, put)


def move_file(root: Path, rel: str, source: str | Path) -> None:
    """Put the file at source (a file mmdata made, in a temporary folder) at package file rel, as write_file writes
    content: atomically, never through a symbolic link (WriteRefused), with the mode write_file gives. Renamed when both
    are on one filesystem, else copied and then removed: a file of hundreds of megabytes is never read into memory (#22)."""
    import shutil

    def put(handle: int, temporary: str) -> None:
        os.close(handle)
        try:
            os.replace(source, temporary)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.copyfile(source, temporary)
            os.unlink(source)

    _replaced(writable(root, rel), put)


def _replaced(path: Path, put: Callable[[int, str], None]) -> None:
    """Replace path by the file put makes of a new temporary file beside it (its handle, open for writing, and its
    path), with atomic_write's mode; the temporary file is removed when put fails."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        status = None
    mode = status.st_mode & 0o777 if status is not None and stat.S_ISREG(status.st_mode) else 0o644
    import tempfile  # here, not at the top: most commands read and never write, and tempfile imports shutil

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        put(handle, temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def current(root: Path, rel: str) -> bytes | None:
    """What a package file that a command may rewrite holds now (None when there is none); WriteRefused,
    before anything is written, when it is reached through a link or is not a regular file."""
    try:
        return read_file(root, rel)
    except UnsafeFile as exc:
        raise WriteRefused(f"{rel}: not written: it {exc.reason}") from None

"""One writer at a time: the commands that write a package (release, fmt, docs, add-source, add-row)
hold an exclusive lock on its folder while they check and write.

Two of them at once would each check the files, then write over what the other wrote: two
releases would both succeed and the changelog keep one of them; a fmt during a release would
change a table after its checksum was computed. The second command is refused at once, changing
nothing, and can simply be run again.

The lock is flock(2) on the package folder itself: no lock file is created, so none is left
behind, none shows in `git status`, and a killed process holds nothing (the kernel releases the
lock with the process). Where the platform or file system has no flock (Windows, some network
file systems), commands run unlocked, as before.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import PackageBusy

_held = threading.local()  # folders this thread holds: a command that calls another locks once


def busy_message(root: str | Path) -> str:
    return (f"another mmdata command (release, fmt, docs, add-source or add-row) is writing the package {root}; "
            "nothing was changed: run this one again when it has finished")


@contextmanager
def package_lock(root: str | Path) -> Iterator[None]:
    """Hold the package folder's write lock for the block; PackageBusy when another process holds it."""
    key = os.path.realpath(root)
    held: set[str] = getattr(_held, "folders", set())
    _held.folders = held
    if key in held:
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    fd = os.open(key, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise PackageBusy(busy_message(root)) from None
            # a file system without flock: run unlocked, as before
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # releases the lock


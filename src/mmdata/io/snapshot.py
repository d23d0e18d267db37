"""Where a package's bytes come from: a folder, a release archive, or a git revision.

This is the first step of the one way mmdata reads a package (model/package.py's open_package reads
the descriptor and schemas once, from a Snapshot): every command reads files through a Snapshot, which only ever hands out regular files inside the
package (no absolute paths, no ``..``, no URLs, no symbolic link: see files.py), each of a bounded
size; an archive entry is decompressed as a stream and refused once it expands past its bound,
whatever its header says. Files are read when asked for and not kept, so a large table is in
memory only while it is parsed. Standard library only.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import PATH_ERROR, SnapshotError, UnsafeFile
from . import files
from .sums import archive_name

DESCRIPTOR = "datapackage.json"
#: Where `mmdata release` records each release: releases/<archive>.sha256, committed with the release (#14).
RELEASE_RECORDS = "releases"
#: A released version as people name it: 1.0.0 or v1.0.0.
RELEASED_VERSION = re.compile(r"v?(\d+\.\d+\.\d+)")


def safe_relative_path(value: object) -> str | None:
    """Return why value is not a safe relative path inside the package, or None when it is."""
    if not isinstance(value, str) or not value:
        return "must be a relative path written as a string"
    if "\x00" in value:  # no file system takes one: Path would raise ValueError (#13)
        return f"'{value}' holds a NUL character; remove it"
    if "://" in value or value.startswith(("http:", "https:", "ftp:")):
        return f"'{value}' is a URL; the file must be inside the package"
    posix = PurePosixPath(value.replace("\\", "/"))
    if posix.is_absolute() or (len(value) > 1 and value[1] == ":"):
        return f"'{value}' is absolute; write it relative to the package folder"
    if ".." in posix.parts:
        return f"'{value}' leaves the package folder; remove the '..'"
    return None


class Snapshot:
    """A package's files, by package-relative posix path."""

    label: str  # what the user named: a folder, an archive, a revision
    root: Path | None = None  # the folder, when the package is one

    def _read(self, rel: str) -> bytes | None:
        raise NotImplementedError

    def _names(self) -> list[str]:
        raise NotImplementedError

    def _has(self, rel: str) -> bool:
        raise NotImplementedError

    def read(self, rel: str) -> bytes | None:
        """The content of a file of the package; None when there is no such file, or rel is unsafe.

        UnsafeFile when the file is there but must not be read: reached through a symbolic link,
        not a regular file, larger than its bound (files.py), or unreadable.
        """
        if safe_relative_path(rel) is not None:
            return None
        return self._read(_posix(rel))

    def exists(self, rel: str) -> bool:
        """Whether the package has the file rel, without reading it; UnsafeFile as for read."""
        return safe_relative_path(rel) is None and self._has(_posix(rel))

    def listing(self, folder: str) -> list[str]:
        """The files directly inside folder (package-relative paths), sorted."""
        return sorted(n for n in self._names() if PurePosixPath(n).parent == PurePosixPath(folder))

    def file(self, rel: str) -> bytes:
        content = self.read(rel)
        if content is None:
            raise SnapshotError(f"{self.label}: has no {rel}")
        return content


def _posix(rel: str) -> str:
    return str(PurePosixPath(rel.replace("\\", "/")))


class FolderSnapshot(Snapshot):
    def __init__(self, root: Path) -> None:
        self.label, self.root, self.folder = str(root), root, root

    def _has(self, rel: str) -> bool:
        return files.check(self.folder, rel) is not None

    def _read(self, rel: str) -> bytes | None:
        return files.read_file(self.folder, rel)

    def listing(self, folder: str) -> list[str]:
        """Every entry of folder but its subfolders: links, FIFOs and the like too, so that they are reported."""
        where = self.folder / folder
        if any((self.folder / part).is_symlink() for part in PurePosixPath(folder).parents) or where.is_symlink() or not where.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in where.iterdir() if p.is_symlink() or not p.is_dir())


class ZipSnapshot(Snapshot):
    def __init__(self, path: Path) -> None:
        self.label, self.path = str(path), path
        try:
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as exc:
            raise SnapshotError(f"{path}: not a readable zip archive: {exc}") from None
        declared = sum(i.file_size for i in infos)
        if declared > files.MAX_ARCHIVE_BYTES:
            raise SnapshotError(f"{path}: its entries expand to {declared} bytes, more than the "
                                f"{files.human(files.MAX_ARCHIVE_BYTES)} mmdata reads from one archive")
        top = [i.filename for i in infos if PurePosixPath(i.filename).name == DESCRIPTOR and len(PurePosixPath(i.filename).parts) <= 2]
        if not top:
            raise SnapshotError(f"{path}: no {DESCRIPTOR} in the archive")
        prefix = str(PurePosixPath(top[0]).parent)
        self.prefix = "" if prefix == "." else prefix + "/"
        self.infos = {i.filename[len(self.prefix):]: i for i in infos
                      if i.filename.startswith(self.prefix) and safe_relative_path(i.filename) is None}
        self.names = set(self.infos)
        self.expanded: dict[str, int] = {}  # bytes each entry read so far expanded to

    def _has(self, rel: str) -> bool:
        info = self.infos.get(rel)
        if info is None:
            return False
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeFile(rel, files.LINK, PATH_ERROR)
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # zip tools that record no file type leave it 0
            raise UnsafeFile(rel, "is not a regular file in the archive")
        bound = min(files.limit(rel), files.MAX_ENTRY_BYTES)
        if info.file_size > bound:
            raise files.too_large(rel, info.file_size, bound)
        return True

    def _read(self, rel: str) -> bytes | None:
        """The entry, decompressed as a stream and refused once it passes its bound (a header may lie)."""
        if not self._has(rel):
            return None
        bound = min(files.limit(rel), files.MAX_ENTRY_BYTES)
        chunks, size = [], 0
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.infos[rel]) as entry:
                while chunk := entry.read(1 << 20):
                    size += len(chunk)
                    if size > bound:
                        raise files.too_large(rel, f"more than {bound}", bound)
                    self.expanded[rel] = size
                    if sum(self.expanded.values()) > files.MAX_ARCHIVE_BYTES:
                        raise SnapshotError(f"{self.label}: its entries expand to more than the "
                                            f"{files.human(files.MAX_ARCHIVE_BYTES)} mmdata reads from one archive")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise UnsafeFile(rel, f"is damaged in the archive {self.label}: {exc}") from None
        return b"".join(chunks)

    def _names(self) -> list[str]:
        return sorted(self.names)


class GitSnapshot(Snapshot):
    def __init__(self, rev: str, repo: Path) -> None:
        self.label, self.repo, self.rev = rev, repo, rev
        self.commit = self._resolve(rev)
        self.entries: dict[str, tuple[str, str]] = {}  # path: (mode, size) as git records them
        for line in self._git("ls-tree", "-r", "-z", "-l", self.commit).decode("utf-8").split("\0"):
            if line:
                meta, name = line.split("\t", 1)
                mode, _, _, size = meta.split()
                self.entries[name] = (mode, size)
        self.names = set(self.entries)

    def _git(self, *args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, check=False)
        except OSError as exc:
            raise SnapshotError(f"{self.rev}: not a folder or archive, and git cannot run: {exc.strerror}") from None
        if done.returncode != 0:
            raise SnapshotError(f"{self.rev}: not a folder, a zip archive or a git revision of {self.repo}")
        return done.stdout

    def _resolve(self, rev: str) -> str:
        """The commit of rev: a revision git knows; else, for a version (1.0.0 or v1.0.0), its tag
        vX.Y.Z or the commit that added its release record, so that a clone without tags pins
        releases too (#19)."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
        except SnapshotError:
            version = RELEASED_VERSION.fullmatch(rev)
            if version is None:
                raise
        tag = subprocess.run(["git", "-C", str(self.repo), "rev-parse", "--verify", "--quiet", f"refs/tags/v{version[1]}^{{commit}}"],
                             capture_output=True, text=True, check=False)
        if tag.returncode == 0:
            return tag.stdout.strip()
        record = f"{RELEASE_RECORDS}/{archive_name(version[1])}.sha256"
        added = self._git("log", "--no-renames", "--diff-filter=A", "--format=%H", "--", record).decode().split()
        if not added:
            raise SnapshotError(f"{rev}: not a folder, a zip archive or a git revision of {self.repo}, and no release {version[1]} "
                                f"is recorded there (no git tag v{version[1]}, no {record})")
        commit = added[-1]  # the oldest: the release commit that wrote it
        try:
            recorded = json.loads(self._git("cat-file", "blob", f"{commit}:{DESCRIPTOR}")).get("version")
        except (SnapshotError, ValueError, AttributeError):
            recorded = None
        if recorded != version[1]:
            raise SnapshotError(f"{rev}: the commit {commit[:12]} that added {record} does not hold version {version[1]} in its {DESCRIPTOR}")
        return commit

    def _has(self, rel: str) -> bool:
        if rel not in self.entries:
            return False
        mode, size = self.entries[rel]
        if mode == "120000":
            raise UnsafeFile(rel, files.LINK, PATH_ERROR)
        if not mode.startswith("100"):
            raise UnsafeFile(rel, f"is not a regular file in {self.rev}")
        if int(size) > files.limit(rel):
            raise files.too_large(rel, size, files.limit(rel))
        return True

    def _read(self, rel: str) -> bytes | None:
        return self._git("cat-file", "blob", f"{self.commit}:{rel}") if self._has(rel) else None

    def _names(self) -> list[str]:
        return sorted(self.names)


def release_tags(repo: Path) -> list[tuple[str, str]]:
    """(tag, date) of each release tag vX.Y.Z of the git repository at repo, oldest version first, with its date in
    ISO 8601 (the tagger's, or the commit's for a lightweight tag); [] when repo is not a git repository or git cannot run (#20)."""
    try:
        done = subprocess.run(["git", "-C", str(repo), "for-each-ref", "--sort=version:refname",
                               "--format=%(refname:short)%09%(creatordate:iso-strict)", "refs/tags/v*"],
                              capture_output=True, check=False)
    except OSError:
        return []
    if done.returncode != 0:
        return []
    tags = [line.split("\t", 1) for line in done.stdout.decode("utf-8").splitlines() if "\t" in line]
    return [(tag, date) for tag, date in tags if re.fullmatch(r"v[0-9]+\.[0-9]+\.[0-9]+", tag)]


def open_snapshot(ref: str | Path, repo: str | Path = ".") -> Snapshot:
    """Read a package from a folder, a .zip release archive, or a git revision of repo (a released
    version, 1.0.0 or v1.0.0, names its release commit even where no tag exists: GitSnapshot)."""
    path = Path(ref)
    if path.is_dir():
        try:
            present = files.check(path, DESCRIPTOR) is not None
        except UnsafeFile as exc:
            raise SnapshotError(f"{path}: {exc}") from None
        if not present:
            raise SnapshotError(f"{path}: no {DESCRIPTOR}")
        return FolderSnapshot(path)
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise SnapshotError(f"{ref}: not a folder, a zip archive or a git revision")
        return ZipSnapshot(path)
    return git_snapshot(str(ref), Path(repo))


def git_snapshot(rev: str, repo: Path) -> Snapshot:
    """Read the package as it is at a git revision of repo."""
    snap = GitSnapshot(rev, repo)
    if DESCRIPTOR not in snap.names:
        raise SnapshotError(f"{rev}: has no {DESCRIPTOR}")
    return snap

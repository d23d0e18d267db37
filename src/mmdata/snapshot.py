"""Where a package's bytes come from: a folder, a release archive, or a git revision.

This is the first step of the one way mmdata reads a package (see package.py for the second):
every command reads files through a Snapshot, which only ever hands out files inside the
package (no absolute paths, no ``..``, no URLs, no symbolic link out of a folder). Files are read
when asked for and not kept, so a large table is in memory only while it is parsed. Standard
library only.
"""

from __future__ import annotations

import subprocess
import zipfile
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import SnapshotError

DESCRIPTOR = "datapackage.json"


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

    def read(self, rel: str) -> bytes | None:
        """The content of a file of the package; None when there is no such file, or rel is unsafe."""
        if safe_relative_path(rel) is not None:
            return None
        return self._read(str(PurePosixPath(rel.replace("\\", "/"))))

    def outside(self, rel: str) -> bool:
        """Whether a safe-looking path still resolves outside the package (a symbolic link in a folder)."""
        return False

    def exists(self, rel: str) -> bool:
        return self.read(rel) is not None

    def listing(self, folder: str) -> list[str]:
        """The files directly inside folder (package-relative paths), sorted."""
        return sorted(n for n in self._names() if PurePosixPath(n).parent == PurePosixPath(folder))

    def file(self, rel: str) -> bytes:
        content = self.read(rel)
        if content is None:
            raise SnapshotError(f"{self.label}: has no {rel}")
        return content

    @cached_property
    def descriptor(self) -> dict[str, Any]:
        return _json(self.label, DESCRIPTOR, self.file(DESCRIPTOR))

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def resources(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.descriptor.get("resources", []) if isinstance(r, dict) and "name" in r}

    def schema(self, name: str) -> dict[str, Any]:
        ref = self.resources()[name].get("schema")
        return ref if isinstance(ref, dict) else _json(self.label, str(ref), self.file(str(ref)))

    def table(self, name: str) -> Any:
        """The ParsedCsv of a table; SnapshotError when it cannot be parsed."""
        from .csvfile import parse_csv_bytes
        from .errors import Problem

        rel = str(self.resources()[name]["path"])
        problems: list[Problem] = []
        parsed = parse_csv_bytes(rel, self.file(rel), problems)
        if parsed is None:
            raise SnapshotError(f"{self.label}: " + "; ".join(p.to_line() for p in problems))
        return parsed


class FolderSnapshot(Snapshot):
    def __init__(self, root: Path) -> None:
        self.label, self.root, self.folder = str(root), root, root

    def outside(self, rel: str) -> bool:
        return not (self.folder / rel).resolve().is_relative_to(self.folder.resolve())

    def _read(self, rel: str) -> bytes | None:
        path = self.folder / rel
        return path.read_bytes() if path.is_file() and not self.outside(rel) else None

    def listing(self, folder: str) -> list[str]:
        where = self.folder / folder
        return sorted(f"{folder}/{p.name}" for p in where.iterdir() if p.is_file()) if where.is_dir() else []


class ZipSnapshot(Snapshot):
    def __init__(self, path: Path) -> None:
        self.label, self.path = str(path), path
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
        top = [n for n in names if PurePosixPath(n).name == DESCRIPTOR and len(PurePosixPath(n).parts) <= 2]
        if not top:
            raise SnapshotError(f"{path}: no {DESCRIPTOR} in the archive")
        prefix = str(PurePosixPath(top[0]).parent)
        self.prefix = "" if prefix == "." else prefix + "/"
        self.names = {n[len(self.prefix):] for n in names if n.startswith(self.prefix) and safe_relative_path(n) is None}

    def _read(self, rel: str) -> bytes | None:
        if rel not in self.names:
            return None
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.prefix + rel)

    def _names(self) -> list[str]:
        return sorted(self.names)


class GitSnapshot(Snapshot):
    def __init__(self, rev: str, repo: Path) -> None:
        self.label, self.repo, self.rev = rev, repo, rev
        self.commit = self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
        self.names = set(self._git("ls-tree", "-r", "-z", "--name-only", self.commit).decode("utf-8").split("\0")) - {""}

    def _git(self, *args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, check=False)
        except OSError as exc:
            raise SnapshotError(f"{self.rev}: not a folder or archive, and git cannot run: {exc.strerror}") from None
        if done.returncode != 0:
            raise SnapshotError(f"{self.rev}: not a folder, a zip archive or a git revision of {self.repo}")
        return done.stdout

    def _read(self, rel: str) -> bytes | None:
        return self._git("show", f"{self.commit}:{rel}") if rel in self.names else None

    def _names(self) -> list[str]:
        return sorted(self.names)


def _json(label: str, rel: str, raw: bytes) -> dict[str, Any]:
    from .jsonfile import read_json

    value, problems = read_json(rel, raw, "schema-error" if rel != DESCRIPTOR else "package-error")
    if problems:
        raise SnapshotError(f"{label}: " + "; ".join(p.to_line() for p in problems))
    if not isinstance(value, dict):
        raise SnapshotError(f"{label}: {rel} must hold a JSON object")
    return value


def declared_files(descriptor: dict[str, Any]) -> list[str]:
    """The package-relative files a descriptor names: tables, schemas and sources (seeds)."""
    names = [DESCRIPTOR]
    for resource in descriptor.get("resources", []):
        if isinstance(resource, dict):
            names += [v for v in (resource.get("path"), resource.get("schema")) if isinstance(v, str)]
    names += [s["path"] for s in descriptor.get("sources", []) if isinstance(s, dict) and isinstance(s.get("path"), str)]
    for name in names:
        if safe_relative_path(name) is not None:
            raise SnapshotError(f"{DESCRIPTOR} names an unsafe path: {safe_relative_path(name)}")
    return sorted(set(names))


def open_snapshot(ref: str | Path, repo: str | Path = ".") -> Snapshot:
    """Read a package from a folder, a .zip release archive, or a git revision of repo."""
    path = Path(ref)
    if path.is_dir():
        if not (path / DESCRIPTOR).is_file():
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

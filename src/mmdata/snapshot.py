"""A package as it is somewhere: a folder, a release archive, or a git revision.

Used by `mmdata diff`, by the schema guard of `mmdata release`, and by `mmdata.load`. Only the
files a package declares are read (datapackage.json, its tables and schemas, the seeds).
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from .csvfile import ParsedCsv, parse_csv_bytes
from .errors import Problem, SnapshotError
from .package import DESCRIPTOR, safe_relative_path


@dataclass
class Snapshot:
    label: str  # what the user named: a folder, an archive, a revision
    files: dict[str, bytes] = field(default_factory=dict)  # package-relative posix path -> content

    @cached_property
    def descriptor(self) -> dict[str, Any]:
        return _json(self.label, DESCRIPTOR, self.files[DESCRIPTOR])

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def resources(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.descriptor.get("resources", []) if isinstance(r, dict) and "name" in r}

    def schema(self, name: str) -> dict[str, Any]:
        ref = self.resources()[name].get("schema")
        return ref if isinstance(ref, dict) else _json(self.label, str(ref), self.file(str(ref)))

    def file(self, rel: str) -> bytes:
        try:
            return self.files[rel]
        except KeyError:
            raise SnapshotError(f"{self.label}: has no {rel}") from None

    def table(self, name: str) -> ParsedCsv:
        rel = str(self.resources()[name]["path"])
        problems: list[Problem] = []
        parsed = parse_csv_bytes(rel, self.file(rel), problems)
        if parsed is None:
            raise SnapshotError(f"{self.label}: " + "; ".join(p.to_line() for p in problems))
        return parsed


def _json(label: str, rel: str, raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"{label}: {rel} is not valid JSON: {exc}") from None
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
        return _from_folder(path)
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise SnapshotError(f"{ref}: not a folder, a zip archive or a git revision")
        return _from_zip(path)
    return git_snapshot(str(ref), Path(repo))


def _from_folder(root: Path) -> Snapshot:
    snap = Snapshot(str(root))
    if not (root / DESCRIPTOR).is_file():
        raise SnapshotError(f"{root}: no {DESCRIPTOR}")
    snap.files[DESCRIPTOR] = (root / DESCRIPTOR).read_bytes()
    for rel in declared_files(snap.descriptor):
        if (root / rel).is_file():
            snap.files[rel] = (root / rel).read_bytes()
    return snap


def _from_zip(path: Path) -> Snapshot:
    snap = Snapshot(str(path))
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        top = [n for n in names if PurePosixPath(n).name == DESCRIPTOR and len(PurePosixPath(n).parts) <= 2]
        if not top:
            raise SnapshotError(f"{path}: no {DESCRIPTOR} in the archive")
        prefix = str(PurePosixPath(top[0]).parent)
        prefix = "" if prefix == "." else prefix + "/"
        for name in names:
            if name.startswith(prefix) and safe_relative_path(name) is None:
                snap.files[name[len(prefix):]] = archive.read(name)
    return snap


def git_snapshot(rev: str, repo: Path) -> Snapshot:
    """Read the package as it is at a git revision of repo."""
    def git(*args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
        except OSError as exc:
            raise SnapshotError(f"{rev}: not a folder or archive, and git cannot run: {exc.strerror}") from None
        if done.returncode != 0:
            raise SnapshotError(f"{rev}: not a folder, a zip archive or a git revision of {repo}")
        return done.stdout

    commit = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    snap = Snapshot(rev)
    snap.files[DESCRIPTOR] = git("show", f"{commit}:{DESCRIPTOR}")
    listed = set(git("ls-tree", "-r", "--name-only", commit).decode("utf-8").splitlines())
    for rel in declared_files(snap.descriptor):
        if rel in listed:
            snap.files[rel] = git("show", f"{commit}:{rel}")
    return snap

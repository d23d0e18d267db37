"""The release archive, byte for byte: what it holds, its SHA256SUMS, and where a release records its sha256 (#14).

`mmdata release` builds it from the package it validated, and `mmdata release --rebuild` from the
files of a release as committed; both give it the export files (export.archive_exports) and get the
same bytes for the same inputs: sorted entries, fixed times and modes.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReleaseRefused, UnsafeFile
from ..io.files import read_file
from ..io.snapshot import FolderSnapshot, safe_relative_path
from ..model.package import DESCRIPTOR, declared_files
from ..model.publishing import archive_name

SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
#: Files of the repository that every release archive holds besides the declared ones: everything
#: the README and these documents link to, so that the archive is complete on its own.
EXTRA_FILES = ("README.md", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md", "CITATION.cff", "CONTRIBUTING.md",
               "docs/data-dictionary.md", "docs/curation.md", "docs/references.md", "docs/validation.md", "docs/exports.md",
               "docs/maintaining.md", "docs/performance.md")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
#: The committed record of every release: its archive's sha256 and the SHA256SUMS inside it (#14).
RECORDS = "releases"


@dataclass
class ReleaseResult:
    version: str
    archive: Path
    sha256: str
    summary: list[str]  # what changed since the previous release, as written into the changelog

    def lines(self, rebuilt: bool = False) -> list[str]:
        """What `mmdata release` prints: the archive, its sha256, the changes, and (unless rebuilt) what to do next."""
        done = [f"{'rebuilt' if rebuilt else 'released'} {self.version}: dist/{self.archive.name}", f"sha256 {self.sha256}", *self.summary]
        return done if rebuilt else [*done, f"next: commit, then tag: git add -A && git commit -m 'Release {self.version}' && git tag v{self.version}"]


def parse_version(text: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(text)
    if not match:
        raise ReleaseRefused(f"'{text}' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def record_paths(version: str) -> tuple[str, str]:
    """Where a release records, in the repository, its archive's sha256 and the archive's SHA256SUMS (#14)."""
    return f"{RECORDS}/{archive_name(version)}.sha256", f"{RECORDS}/{archive_name(version)}.SHA256SUMS"


def sha256_line(content: bytes, name: str) -> bytes:
    """The line `sha256sum` prints for content under name, which `sha256sum -c` checks."""
    return f"{hashlib.sha256(content).hexdigest()}  {name}\n".encode()


def archive_sums(content: bytes, version: str) -> bytes:
    """The SHA256SUMS file inside a release archive."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(f"mmdata-data-{version}/SHA256SUMS")


def read_regular(root: Path, name: str) -> bytes | None:
    """A file of the package, None when missing; refused when it is a link, not a regular file, or too large (#13)."""
    try:
        return read_file(root, name)
    except UnsafeFile as exc:
        raise ReleaseRefused(f"{exc}; a release holds only regular files from inside the package") from None


def archive_names(root: Path, descriptor: dict[str, Any], seeds: str) -> list[str]:
    """The files of the package at root that its release archive holds besides the exports and SHA256SUMS, sorted:
    the files descriptor declares, EXTRA_FILES and every file of seeds, the seeds' folder the sources schema names (#23)."""
    unsafe = safe_relative_path(seeds)
    if unsafe is not None:
        raise ReleaseRefused(f"the seeds' folder that the sources schema names (mmdata:folder) is not a folder of the package: {unsafe}")
    return sorted(set(declared_files(descriptor)) | set(EXTRA_FILES) | set(FolderSnapshot(root).listing(seeds)))


def git_would_change(root: Path, names: list[str]) -> tuple[list[str], list[str]]:
    """Which of the files names (relative to root) git would commit with other bytes than the work tree
    holds (it converts line endings: .gitattributes, core.autocrlf), and which git ignores; ([], [])
    when root is not in a git work tree (#23).

    An archive holds the work tree's bytes and is rebuilt from the release commit's: both must be
    the same bytes, or the release can never be rebuilt bit for bit.
    """
    if git_output(root, "rev-parse", "--is-inside-work-tree") != "true":
        return [], []
    present = [name for name in names if not (root / name).is_symlink() and (root / name).is_file()]  # the others are refused when read
    if not present:
        return [], []
    cleaned, raw = git_output(root, "hash-object", "--", *present), git_output(root, "hash-object", "--no-filters", "--", *present)
    converted = [] if cleaned is None or raw is None else [
        name for name, a, b in zip(present, cleaned.split(), raw.split(), strict=False) if a != b]
    ignored = set((git_output(root, "check-ignore", "--", *present) or "").splitlines())
    return converted, [name for name in present if name in ignored]


def git_output(root: Path, *args: str) -> str | None:
    """What git prints for args in the repository at root (stripped), or None when it fails or is not there."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def archive_bytes(root: Path, version: str, replaced: dict[str, bytes], descriptor: dict[str, Any], exports: dict[str, bytes],
                  seeds: str) -> bytes:
    """The release archive, byte for byte the same for the same inputs: sorted entries, fixed times and modes.

    It holds the files archive_names lists (the released descriptor's bytes are
    replaced[datapackage.json]), each as replaced gives it or as root holds it, the export files, and
    a SHA256SUMS of them all.
    """
    names = archive_names(root, descriptor, seeds)
    contents = {}
    for name in names:
        content = replaced[name] if name in replaced else read_regular(root, name)
        if content is None:
            raise ReleaseRefused(f"{name} is missing; every release holds it")
        contents[name] = content
    contents.update(exports)  # exports/: data.sqlite, metadata.json, Parquet, findings.csv (#11)
    contents["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(contents.items())).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(f"mmdata-data-{version}/{name}", date_time=FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name], compresslevel=9)
    return buffer.getvalue()


__all__ = ["DESCRIPTOR", "EXTRA_FILES", "FIXED_TIME", "RECORDS", "ReleaseResult", "archive_bytes", "archive_names", "archive_sums",
           "git_output", "git_would_change", "parse_version", "read_regular", "record_paths", "sha256_line"]

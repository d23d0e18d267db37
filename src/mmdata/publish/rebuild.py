"""`mmdata release VERSION --rebuild`: the archive of a release, rebuilt from its committed files
and compared byte for byte with the sha256 the release recorded (#14).

`mmdata release` commits, beside the version and checksums, ``releases/mmdata-data-VERSION.zip.sha256``
(the archive's own sha256) and ``releases/mmdata-data-VERSION.zip.SHA256SUMS`` (the sums of every
file inside it). A fresh clone of the tag vVERSION holds everything the archive is built from, so
rebuilding it there must give the recorded sha256; when it does not, the SHA256SUMS name the files
that differ.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from ..errors import ReleaseRefused, UnsafeFile
from ..io.files import read_file
from ..io.journal import Transaction, transaction
from ..io.snapshot import safe_relative_path
from ..io.sums import LINE
from ..model.package import DESCRIPTOR, checksum_mismatches, open_package, resource_objects
from ..model.publishing import archive_name
from .archive import ReleaseResult, archive_bytes, archive_names, archive_sums, git_would_change, parse_version, record_paths, sha256_line
from .export import archive_exports

DIGEST = re.compile(r"[0-9a-f]{64}")


def rebuild(root: str | Path, version: str) -> ReleaseResult:
    """Rebuild dist/mmdata-data-VERSION.zip from the files at root, which must be release VERSION as
    committed, and write it (with its .sha256) only when its sha256 is the recorded one.

    Refuses (ReleaseRefused, no file written) when the descriptor holds another version, the
    release's record is missing or unreadable, a table does not match its recorded checksum, or
    the rebuilt archive's sha256 differs from the recorded one (naming the files that differ).
    """
    root = Path(root)
    parse_version(version)
    with transaction(root, "release --rebuild") as staged:  # the lock held; an interrupted command put back first (#21)
        return _rebuild(root, version, staged)


def _rebuild(root: Path, version: str, staged: Transaction) -> ReleaseResult:
    pkg = open_package(root)  # once, under the lock; not validated again: the recorded sha256 vouches for every byte (#21)
    pkg.refuse_ambiguous()
    descriptor = pkg.descriptor
    if str(descriptor.get("version")) != version:
        raise ReleaseRefused(f"{DESCRIPTOR} holds version {descriptor.get('version', '(none)')}, not {version}; "
                             f"rebuild from the release's commit (git checkout v{version})")
    converted, _ = git_would_change(root, archive_names(root, descriptor, pkg.seeds))
    if converted:  # a checkout that converted line endings (#23): the work tree is not the commit
        raise ReleaseRefused(f"{', '.join(converted)}: the work tree holds other bytes than git commits (line endings converted: "
                             ".gitattributes, core.autocrlf), so the rebuild cannot match; clone again with "
                             "`git clone -c core.autocrlf=false`")
    record, sums = record_paths(version)
    recorded = _recorded_digest(_record(root, record), record, version)
    recorded_sums = _record(root, sums)
    for resource in resource_objects(descriptor):
        rel = str(resource.get("path"))
        if "hash" not in resource or checksum_mismatches(resource, read_file(root, rel) or b""):
            raise ReleaseRefused(f"{rel} does not match the sha256 recorded in {DESCRIPTOR}: these are not the files of release {version}")
    content = archive_bytes(root, version, {DESCRIPTOR: read_file(root, DESCRIPTOR) or b""}, descriptor, archive_exports(pkg, descriptor), pkg.seeds)
    digest = hashlib.sha256(content).hexdigest()
    if digest != recorded:
        raise ReleaseRefused(f"the rebuilt archive of release {version} has sha256 {digest}, but {record} records {recorded}"
                             f"{_differing(sums, recorded_sums, archive_sums(content, version))}")
    archive = root / "dist" / archive_name(version)
    staged.write(f"dist/{archive.name}", content)  # both or neither, never through a symbolic link (#13, #21)
    staged.write(f"dist/{archive.name}.sha256", sha256_line(content, archive.name))
    return ReleaseResult(version, archive, digest, [f"sha256 matches {record}"])


def _record(root: Path, rel: str) -> bytes | None:
    """A record of the release, read as every package file is: never through a link, only a regular file (#23)."""
    try:
        return read_file(root, rel)
    except UnsafeFile as exc:
        raise ReleaseRefused(f"{exc}; a release's record is a regular file of the repository") from None


def _recorded_digest(content: bytes | None, record: str, version: str) -> str:
    if content is None:
        raise ReleaseRefused(f"{record} is missing: release {version} is not recorded in this repository (`mmdata release {version}` writes it)")
    fields = content.decode("utf-8", errors="replace").split()
    if len(fields) != 2 or not DIGEST.fullmatch(fields[0]) or fields[1] != archive_name(version):
        raise ReleaseRefused(f"{record} is not a sha256 line for {archive_name(version)} ('<64 hex digits>  {archive_name(version)}')")
    return fields[0]


def _differing(sums: str, recorded_sums: bytes | None, rebuilt_sums: bytes) -> str:
    """'; files that differ: ...' from the recorded and the rebuilt SHA256SUMS, or why they cannot be named.

    Names are taken from the recorded SHA256SUMS only when every line of it is one that `mmdata
    release` writes, each naming a relative path: nothing else of the file is ever shown (#23).
    """
    if recorded_sums is None:
        return f"; {PurePosixPath(sums).name} is not recorded, so the files that differ cannot be named"
    old = _sums(recorded_sums)
    if old is None:
        return f"; {sums} is not a SHA256SUMS file as `mmdata release` writes it, so the files that differ cannot be named"
    new = _sums(rebuilt_sums) or {}
    names = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    if not names:
        return "; every file inside is the same, so the zip layout differs (another zlib or Python version?)"
    return f"; files that differ: {', '.join(names)}" + (" (another SQLite library writes other bytes)" if "exports/data.sqlite" in names else "")


def _sums(content: bytes) -> dict[str, str] | None:
    """The sha256 of each file a SHA256SUMS lists; None unless it is UTF-8 and every line is a well-formed one."""
    try:
        lines = content.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if lines[-1] != "":
        return None
    listed = {}
    for line in lines[:-1]:
        match = LINE.fullmatch(line)
        if match is None or safe_relative_path(match[2]) is not None:
            return None
        listed[match[2]] = match[1]
    return listed

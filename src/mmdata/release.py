"""`mmdata release VERSION`: a reproducible, checksummed release archive, or a refusal that changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diff import SchemaChange, diff_snapshots, schema_changes
from .errors import MmdataError
from .formatting import atomic_write
from .package import DESCRIPTOR, checksums, read_descriptor
from .snapshot import Snapshot, SnapshotError, declared_files, open_snapshot

SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
#: Files of the repository that every release archive holds besides the declared ones.
EXTRA_FILES = ("README.md", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md", "CITATION.cff", "docs/data-dictionary.md")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


class ReleaseRefused(MmdataError):
    """The release cannot be made as asked; nothing was changed."""


@dataclass
class ReleaseResult:
    version: str
    archive: Path
    sha256: str
    summary: list[str]  # what changed since the previous release, as written into the changelog


def parse_version(text: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(text)
    if not match:
        raise ReleaseRefused(f"'{text}' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def archive_name(version: str) -> str:
    return f"mmdata-data-{version}.zip"


def release(root: str | Path, version: str, today: dt.date | None = None) -> ReleaseResult:
    """Check everything, then write the version and checksums and build dist/mmdata-data-VERSION.zip.

    Refuses (ReleaseRefused, no file changed) when the version is not semantic or not greater than
    the current one, the archive or tag exists, the changelog has no Unreleased entry, the package
    does not validate, a table is not canonical, the data dictionary is stale, or a schema change
    needs a new major version.
    """
    root = Path(root)
    descriptor = read_descriptor(root)
    current = str(descriptor.get("version", "0.0.0"))
    if parse_version(version) <= parse_version(current):
        raise ReleaseRefused(f"version {version} is not greater than the current version {current}")
    archive = root / "dist" / archive_name(version)
    if archive.exists():
        raise ReleaseRefused(f"{archive.relative_to(root)} already exists; releases are never rebuilt under the same version")
    if _git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/v{version}") is not None:
        raise ReleaseRefused(f"git tag v{version} already exists")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8") if (root / "CHANGELOG.md").is_file() else ""
    unreleased = _unreleased(changelog)
    if not unreleased.strip():
        raise ReleaseRefused("CHANGELOG.md has no entry under '## Unreleased'; describe the change first")
    _refuse_unless_clean(root)
    previous = _previous_release(root, current)
    now = open_snapshot(root)
    summary = _summary(previous, now, current)
    if previous is not None:
        _schema_guard(previous, now, current, version)

    when = today or _release_date()
    files = {
        DESCRIPTOR: _descriptor_with_checksums(root, descriptor, version),
        "CHANGELOG.md": _changelog_with_release(changelog, version, when, summary).encode("utf-8"),
        "CITATION.cff": _citation(root, version, when),
    }
    content = _archive_bytes(root, version, files)
    _commit(root, files, archive, content)
    return ReleaseResult(version, archive, hashlib.sha256(content).hexdigest(), summary)


def _refuse_unless_clean(root: Path) -> None:
    from .docs import write_dictionary
    from .formatting import format_package
    from .validation import validate_package

    report = validate_package(root)
    if not report.valid:
        shown = "\n".join(p.to_line() for p in report.problems[:10])
        count = len(report.problems)
        raise ReleaseRefused(f"the package does not validate ({count} problem{'' if count == 1 else 's'}); run `mmdata validate`:\n{shown}")
    formatting = format_package(root, check=True)
    if formatting.changed or formatting.problems:
        raise ReleaseRefused(f"not in canonical form: {', '.join(formatting.changed) or 'unparseable files'}; run `mmdata fmt`")
    if not write_dictionary(root, check=True):
        raise ReleaseRefused("docs/data-dictionary.md is stale; run `mmdata docs`")


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _unreleased(changelog: str) -> str:
    match = re.search(r"^## Unreleased[ \t]*\n(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    return match.group(1) if match else ""


def _previous_release(root: Path, current: str) -> Snapshot | None:
    """The last release as published: its archive in dist/, or else its git tag; None if neither exists."""
    archive = root / "dist" / archive_name(current)
    for ref in ([archive] if archive.is_file() else []) + [f"v{current}"]:
        try:
            return open_snapshot(ref, repo=root)
        except SnapshotError:
            continue
    return None


def _summary(previous: Snapshot | None, now: Snapshot, current: str) -> list[str]:
    if previous is None:
        return [f"- {name}: {len(now.table(name).records)} rows (no earlier release to compare with)" for name in now.resources()]
    return [f"- {d.table}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed since {current}"
            for d in diff_snapshots(previous, now)]


def _schema_guard(previous: Snapshot, now: Snapshot, current: str, version: str) -> None:
    if parse_version(version)[0] > parse_version(current)[0]:
        return
    breaking = []
    for name in now.resources():
        if name in previous.resources():
            breaking += [c for c in schema_changes(name, previous.schema(name), now.schema(name)) if c.breaking]
    breaking += [SchemaChange(name, None, "table removed", True) for name in previous.resources() if name not in now.resources()]
    if breaking:
        lines = "\n".join(f"  {c.table}.{c.field}: {c.change}" if c.field else f"  {c.table}: {c.change}" for c in breaking)
        major = parse_version(current)[0] + 1
        raise ReleaseRefused(f"these schema changes break users' code and need a new major version ({major}.0.0):\n{lines}")


def _release_date() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()


def _descriptor_with_checksums(root: Path, descriptor: dict[str, Any], version: str) -> bytes:
    updated = dict(descriptor, version=version)
    updated["resources"] = [dict(r, **checksums((root / r["path"]).read_bytes())) for r in descriptor["resources"]]
    return (json.dumps(updated, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _changelog_with_release(changelog: str, version: str, when: dt.date, summary: list[str]) -> str:
    entry = f"## Unreleased\n\n## {version} ({when.isoformat()})\n"
    body = _unreleased(changelog).rstrip("\n")
    rows = "\n".join(["### Rows", *summary])
    return re.sub(r"^## Unreleased[ \t]*\n(.*?)(?=^## |\Z)", lambda m: f"{entry}{body}\n\n{rows}\n\n", changelog, count=1, flags=re.M | re.S)


def _citation(root: Path, version: str, when: dt.date) -> bytes:
    path = root / "CITATION.cff"
    if not path.is_file():
        raise ReleaseRefused("CITATION.cff is missing")
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^version: .*$", f'version: "{version}"', text, flags=re.M)
    text = re.sub(r"^date-released: .*$", f'date-released: "{when.isoformat()}"', text, flags=re.M)
    return text.encode("utf-8")


def _archive_bytes(root: Path, version: str, replaced: dict[str, bytes]) -> bytes:
    """The release archive, byte for byte the same for the same inputs: sorted entries, fixed times and modes."""
    descriptor = json.loads(replaced[DESCRIPTOR])
    names = sorted(set(declared_files(descriptor)) | set(EXTRA_FILES) | {f"seeds/{p.name}" for p in (root / "seeds").glob("*") if p.is_file()})
    contents = {}
    for name in names:
        if name in replaced:
            contents[name] = replaced[name]
        elif (root / name).is_file():
            contents[name] = (root / name).read_bytes()
        else:
            raise ReleaseRefused(f"{name} is missing; every release holds it")
    from .export import archive_exports

    contents.update(archive_exports(contents))  # exports/: data.sqlite, metadata.json, Parquet, findings.csv (#11)
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


def _commit(root: Path, files: dict[str, bytes], archive: Path, content: bytes) -> None:
    """Write the archive and the updated files; on any failure put every file back as it was."""
    originals = {name: (root / name).read_bytes() for name in files}
    archive.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for path, data in [(archive, content), (archive.with_name(archive.name + ".sha256"),
                                                 f"{hashlib.sha256(content).hexdigest()}  {archive.name}\n".encode())]:
            atomic_write(path, data)
            written.append(path)
        for name, data in files.items():
            atomic_write(root / name, data)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for name, data in originals.items():
            atomic_write(root / name, data)
        raise

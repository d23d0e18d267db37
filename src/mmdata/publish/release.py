"""`mmdata release VERSION`: a reproducible, checksummed release archive, or a refusal that changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from ..edit.diff import LEVELS, TableDiff, bump_kind, diff_packages, next_version, required_bump
from ..edit.generated import README, release_readme, zenodo_file
from ..edit.rows import read_rows
from ..errors import Problem, ReleaseRefused, UnsafeFile, multiline
from ..io import journal
from ..io.files import decoded
from ..io.jsonfile import PACKAGE_ERROR, dumps, read_json
from ..io.locking import package_lock
from ..io.snapshot import git_snapshot, open_snapshot
from ..model.package import DESCRIPTOR, Package, checksum_mismatches, checksums, open_package, resource_objects
from ..model.publishing import ZENODO, archive_name
from ..terminal import printable
from .archive import (
    EXTRA_FILES,
    FIXED_TIME,
    RECORDS,
    SEMVER,
    ReleaseResult,
    archive_bytes,
    archive_names,
    archive_sums,
    git_output,
    git_would_change,
    parse_version,
    read_regular,
    record_paths,
    sha256_line,
)

#: A dated entry in the changelog: written by a release.
RELEASED_ENTRY = re.compile(r"^## [0-9]+\.[0-9]+\.[0-9]+ \(", re.M)


def release(root: str | Path, version: str, today: dt.date | None = None, previous: str | Path | None = None) -> ReleaseResult:
    """Check everything, then write the version and checksums and build dist/mmdata-data-VERSION.zip.

    The previous release is the git tag vCURRENT, or else the commit that set datapackage.json's
    version to CURRENT, or the folder, archive or revision given as previous.

    The README's rows per source are written here, as of this release, and nowhere else (#12).

    Refuses (ReleaseRefused, no file changed) when the version is not semantic or not greater than
    the current one, the archive or tag exists, the changelog has no Unreleased entry, the package
    does not validate, a table is not canonical, a file `mmdata docs` generates is stale, a release was made
    before but cannot be found, or the changes since it need a larger version bump (see
    mmdata.diff.required_bump).
    """
    root = Path(root)
    when = today or release_date()  # before anything else: a bad SOURCE_DATE_EPOCH is refused at once
    with package_lock(root):
        journal.recover(root)  # a release interrupted by a crash is put back first, so that running it again succeeds
        return _release(root, version, when, previous)


def _release(root: Path, version: str, when: dt.date, previous: str | Path | None) -> ReleaseResult:
    pkg = open_package(root)  # once: validated, checked, compared and archived as it is read here (#21)
    pkg.refuse_ambiguous()
    descriptor = pkg.descriptor
    current = str(descriptor.get("version", "0.0.0"))
    if parse_version(version) <= parse_version(current):
        raise ReleaseRefused(f"version {version} is not greater than the current version {current}")
    archive = root / "dist" / archive_name(version)
    if (root / "dist").exists() and not (root / "dist").is_dir():
        raise ReleaseRefused("dist is not a folder: releases are written into the folder dist/; move the file dist away")
    if archive.exists():
        raise ReleaseRefused(f"{archive.relative_to(root)} already exists; releases are never rebuilt under the same version")
    if git_output(root, "rev-parse", "--verify", "--quiet", f"refs/tags/v{version}") is not None:
        raise ReleaseRefused(f"git tag v{version} already exists")
    if (root / record_paths(version)[0]).exists():
        raise ReleaseRefused(f"{record_paths(version)[0]} already exists; release {version} was made before")
    changelog = _text(root, "CHANGELOG.md")
    unreleased = _unreleased(changelog)
    if not unreleased.strip():
        raise ReleaseRefused("CHANGELOG.md has no entry under '## Unreleased'; describe the change first")
    if not (root / "CITATION.cff").is_file():  # before the generated files, one of which reads it
        raise ReleaseRefused("CITATION.cff is missing")
    _refuse_unless_clean(pkg)
    _refuse_unless_committed_as_is(root, archive_names(root, descriptor, pkg.seeds))  # a release rebuilds from its commit (#23)
    before = previous_release(root, current, previous, released=_released_before(descriptor, changelog))
    diffs = diff_packages(before, pkg) if before is not None else None
    summary = _summary(diffs, pkg, current)
    if diffs is not None:
        _version_guard(diffs, current, version)

    released = _descriptor_with_checksums(root, descriptor, version)
    files = {
        DESCRIPTOR: dumps(released).encode("utf-8"),
        "CHANGELOG.md": _changelog_with_release(changelog, version, when, summary).encode("utf-8"),
        "CITATION.cff": _citation(root, version, when),
    }
    readme = release_readme(pkg, version)  # its rows per source, written only here (#12), and the pinned release (#14)
    if readme is not None:
        files[README] = readme
    if (root / ZENODO).is_file():  # the new version, for Zenodo's DOI (#14)
        files[ZENODO] = zenodo_file(root, released, read_rows(pkg), files["CITATION.cff"].decode("utf-8"))
    from .export import archive_exports

    content = archive_bytes(root, version, files, released, archive_exports(pkg, released), pkg.seeds)
    record, sums = record_paths(version)
    files[record], files[sums] = sha256_line(content, archive.name), archive_sums(content, version)  # what a rebuild is checked against
    journal.commit(root, version, files, archive, content)
    return ReleaseResult(version, archive, hashlib.sha256(content).hexdigest(), summary)


def _refuse_unless_clean(pkg: Package) -> None:
    """Refuse a package that does not validate (validated here, once), is not canonical, or has stale generated files."""
    from ..edit.fmt import format_opened
    from ..edit.generated import generated_opened
    from ..rules.validate import validate_package

    report = validate_package(pkg)
    if not report.valid:
        shown = "\n".join(p.to_line() for p in report.problems[:10])
        count = len(report.problems)
        raise multiline(ReleaseRefused(f"the package does not validate ({count} problem{'' if count == 1 else 's'}); run `mmdata validate`:\n{shown}"))
    formatting = format_opened(pkg)
    if formatting.changed or formatting.problems:
        raise ReleaseRefused(f"not in canonical form: {', '.join(formatting.changed) or 'unparseable files'}; run `mmdata fmt`")
    stale = generated_opened(pkg).stale
    if stale:
        raise ReleaseRefused(f"{', '.join(stale)} {'is' if len(stale) == 1 else 'are'} stale; run `mmdata docs`")


def _text(root: Path, name: str) -> str:
    """A text file of the package as UTF-8 ('' when missing); refused as read_regular refuses, or when it is not UTF-8 (#23)."""
    content = read_regular(root, name) or b""
    try:
        return decoded(name, content)
    except UnsafeFile as exc:
        raise ReleaseRefused(str(exc)) from None


def _unreleased(changelog: str) -> str:
    match = re.search(r"^## Unreleased[ \t]*\n(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    return match.group(1) if match else ""


def _released_before(descriptor: dict[str, Any], changelog: str) -> bool:
    """Whether the committed files show an earlier release: recorded checksums, or a dated changelog entry."""
    recorded = any("hash" in r or "bytes" in r for r in resource_objects(descriptor))
    return recorded or RELEASED_ENTRY.search(changelog) is not None


def previous_release(root: Path, current: str, given: str | Path | None = None, released: bool = True) -> Package | None:
    """The release of version current, as committed: given (a folder, archive or revision), else the
    git tag vCURRENT, else the commit that set datapackage.json's version to current.

    None when there is none and no release was made before (released false). Refuses when a release
    was made but cannot be found, or when what is found is not version current exactly as released.
    """
    if given is not None:
        snap, where = open_package(open_snapshot(given, repo=root)), f"--previous {given}"
    elif not released:
        return None
    else:
        found = _committed_release(root, current)
        if found is None:
            raise ReleaseRefused(f"cannot find release {current}, the last one: there is no git tag v{current} and no commit "
                                 f"whose {DESCRIPTOR} has version {current}; give it with --previous ARCHIVE|REVISION")
        snap, where = found
    if snap.version != current:
        raise ReleaseRefused(f"{where} holds version {snap.version or '(none)'}, but {DESCRIPTOR} says the last release is {current}")
    for entry in snap.entries:
        if "name" not in entry.declared:
            continue
        resource = entry.declared
        rel = str(resource.get("path"))
        content = snap.snapshot.read(rel)
        if "hash" not in resource or content is None or checksum_mismatches(resource, content):
            raise ReleaseRefused(f"{where} is not release {current} as published: {rel} does not match a sha256 recorded in its "
                                 f"{DESCRIPTOR}; give the release with --previous ARCHIVE|REVISION")
    return snap


def _committed_release(root: Path, current: str) -> tuple[Package, str] | None:
    """The tag vCURRENT, or else the oldest commit whose descriptor has version current.

    Only a release sets the version, and only to a greater one, so the first commit that carries
    it is the release; later commits keep the version but may change the data.
    """
    if git_output(root, "rev-parse", "--verify", "--quiet", f"refs/tags/v{current}^{{commit}}") is not None:
        return open_package(git_snapshot(f"v{current}", root)), f"git tag v{current}"
    # Commits that changed a "version" line of the descriptor, oldest first.
    log = git_output(root, "log", "--reverse", "--format=%H", "-G", '"version"[[:space:]]*:', "--", DESCRIPTOR)
    for commit in (log or "").split():
        if _committed_version(root, commit) == current:
            return open_package(git_snapshot(commit, root)), f"commit {commit[:12]}"
    return None


def _committed_version(root: Path, commit: str) -> str | None:
    """The version in the descriptor of a commit; None when it cannot be read."""
    descriptor, _ = read_json(DESCRIPTOR, (git_output(root, "show", f"{commit}:{DESCRIPTOR}") or "null").encode("utf-8"), PACKAGE_ERROR)
    return str(descriptor.get("version")) if isinstance(descriptor, dict) else None


def _summary(diffs: list[TableDiff] | None, now: Package, current: str) -> list[str]:
    if diffs is None:
        return [f"- {r.name}: {_row_count(now, r.name)} rows (no earlier release to compare with)" for r in now.usable]
    return [f"- {d.table}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed since {current}" for d in diffs]


def _row_count(pkg: Package, name: str) -> int:
    problems: list[Problem] = []
    parsed = pkg.parsed(pkg.resources[name], problems)
    if parsed is None:  # cannot happen to a package that validated
        raise ReleaseRefused(f"{name} cannot be read: " + "; ".join(p.to_line() for p in problems))
    return len(parsed.records)


def _version_guard(diffs: list[TableDiff], current: str, version: str) -> None:
    """Refuse a version bump smaller than the changes since the last release need."""
    bump = required_bump(diffs)
    asked = bump_kind(parse_version(current), parse_version(version))
    if LEVELS.index(asked) >= LEVELS.index(bump.level):
        return
    lines = "\n".join(printable(f"  {r.level}: {r.change}") for r in bump.reasons if LEVELS.index(r.level) > LEVELS.index(asked))
    raise multiline(ReleaseRefused(f"{version} is a {asked} release, but the changes since {current} need a {bump.level} release "
                                   f"({next_version(parse_version(current), bump.level)} or later):\n{lines}"))


def release_date() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH (seconds since 1970-01-01 UTC) when it is set, for reproducible builds.

    Refuses a value that is not a whole number of seconds, or a day before the earliest a zip
    archive can date (1980-01-01) or after 9999-12-31.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not epoch:
        return dt.date.today()
    earliest, latest = dt.datetime(*FIXED_TIME, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    if not re.fullmatch(r"[0-9]{1,12}", epoch) or not earliest.timestamp() <= int(epoch) <= latest.timestamp():
        raise ReleaseRefused(f"SOURCE_DATE_EPOCH is {epoch!r}, but must be a whole number of seconds since 1970-01-01 UTC from "
                             f"{int(earliest.timestamp())} ({earliest.date()}) to {int(latest.timestamp())} ({latest.date()}); "
                             "set it to the release's time, for example with `date +%s`, or unset it to date the release today")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


def _descriptor_with_checksums(root: Path, descriptor: dict[str, Any], version: str) -> dict[str, Any]:
    """The released descriptor: the version, and the size and sha256 of every table (a new object; descriptor is unchanged)."""
    updated = dict(descriptor, version=version)
    updated["resources"] = [dict(r, **checksums(read_regular(root, r["path"]) or b"")) for r in descriptor["resources"]]
    return updated


def _changelog_with_release(changelog: str, version: str, when: dt.date, summary: list[str]) -> str:
    entry = f"## Unreleased\n\n## {version} ({when.isoformat()})\n"
    body = _unreleased(changelog).rstrip("\n")
    rows = "\n".join(["### Rows", *summary])
    return re.sub(r"^## Unreleased[ \t]*\n(.*?)(?=^## |\Z)", lambda m: f"{entry}{body}\n\n{rows}\n\n", changelog, count=1, flags=re.M | re.S)


def _citation(root: Path, version: str, when: dt.date) -> bytes:
    if read_regular(root, "CITATION.cff") is None:
        raise ReleaseRefused("CITATION.cff is missing")
    text = _text(root, "CITATION.cff")
    text = re.sub(r"^version: .*$", f'version: "{version}"', text, flags=re.M)
    text = re.sub(r"^date-released: .*$", f'date-released: "{when.isoformat()}"', text, flags=re.M)
    return text.encode("utf-8")


def _refuse_unless_committed_as_is(root: Path, names: list[str]) -> None:
    converted, ignored = git_would_change(root, names)
    if converted:
        raise ReleaseRefused(f"{', '.join(converted)}: git would commit other bytes than the work tree holds (it converts line "
                             "endings: .gitattributes, core.autocrlf), so the release could never be rebuilt from its commit; "
                             f"save the file{'s' if len(converted) > 1 else ''} with LF line endings")
    if ignored:
        raise ReleaseRefused(f"{', '.join(ignored)}: git ignores {'it' if len(ignored) == 1 else 'them'} (.gitignore), so the release "
                             f"commit would not hold {'it' if len(ignored) == 1 else 'them'}; stop ignoring {'it' if len(ignored) == 1 else 'them'}")


__all__ = ["EXTRA_FILES", "FIXED_TIME", "RECORDS", "SEMVER", "ReleaseResult", "archive_name", "archive_sums", "parse_version", "previous_release",
           "record_paths", "release", "release_date", "sha256_line"]

"""Helpers for tests that cut releases: repository copies, a maintainer's git steps, versions
derived from the shipped data's version (so that a real release breaks no test)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.diff import next_version
from mmdata.edit.generated import COUNTED, describe_source
from mmdata.edit.rows import read_rows as package_rows
from mmdata.io import journal
from mmdata.io.snapshot import Snapshot
from mmdata.publish.release import EXTRA_FILES, ReleaseResult, parse_version, release

from .conftest import ROOT, VERSION, copy_package, drop_column, without_checksums

DAY = dt.date(2026, 11, 21)
#: The repository files a release reads besides the package: every top-level entry of EXTRA_FILES, and .zenodo.json (#14).
REPO_FILES = sorted({name.split("/")[0] for name in EXTRA_FILES} | {".gitignore", ".zenodo.json"})
CHANGELOG = "# Changelog\n\n## Unreleased\n\n### Data\n- A test copy of the shipped package.\n"


def after(version: str, level: str) -> str:
    """The smallest version after version with a bump of level (patch, minor or major)."""
    return next_version(parse_version(version), level)


#: The first release a test cuts from a copy of the shipped package.
FIRST = after(VERSION, "minor")


def repo_copy(target: Path) -> Path:
    """The shipped package and the files a release needs, as if never released, outside git.

    Recorded checksums are dropped and the changelog holds only an Unreleased entry, so that a
    release of the real repository changes nothing here.
    """
    copy_package(ROOT, target)
    for name in REPO_FILES:
        src = ROOT / name
        shutil.copytree(src, target / name, dirs_exist_ok=True) if src.is_dir() else shutil.copy2(src, target / name)  # docs/ holds the package's references.md
    without_checksums(target)
    (target / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    return target


def all_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit(root: Path, message: str, tag: str | None = None) -> str:
    """Commit everything (dist/ is ignored), as a maintainer does after a release; return the commit."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    if tag:
        git(root, "tag", tag)
    return git(root, "rev-parse", "HEAD")


@dataclasses.dataclass(frozen=True)
class Released:
    """A repository copy released as FIRST on DAY and committed (not tagged), as a maintainer does.

    A release takes about a second and some forty tests start from this one, so it is made once per
    test run (the session fixture `released_template` in conftest.py) and never changed: a test takes
    its own copy (the fixture `released_copy`, or copy_release).
    """

    root: Path
    result: ReleaseResult
    #: What the release's commit phase was given (io/journal.commit): the files it writes, the archive's bytes.
    commit_phase: dict


def make_release(target: Path) -> Released:
    """Release FIRST on DAY from repo_copy(target), recording what the commit phase is given, then commit it."""
    root = repo_copy(target)
    given: dict = {}
    real = journal.commit

    def spy(root: Path, version: str, files: dict[str, bytes], archive: Path, content: bytes) -> None:
        given.update(files=files, content=content)
        real(root, version, files, archive, content)

    journal.commit = spy
    try:
        result = release(root, FIRST, today=DAY)
    finally:
        journal.commit = real
    commit(root, f"Release {FIRST}")
    return Released(root, result, given)


def copy_release(released: Released, target: Path, *, committed: bool = True, tag: bool = False) -> Path:
    """A copy of the released repository at target: committed (committed=False: as the release left it,
    with no .git), and tagged vFIRST when tag."""
    shutil.copytree(released.root, target, symlinks=True, ignore=None if committed else shutil.ignore_patterns(".git"))
    if tag:
        git(target, "tag", f"v{FIRST}")
    return target


def result_at(released: Released, root: Path) -> ReleaseResult:
    """What release() returned, for the copy of the release at root (its archive there)."""
    return dataclasses.replace(released.result, archive=root / released.result.archive.relative_to(released.root))


def add_changelog_line(root: Path, line: str) -> None:
    path = root / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## Unreleased\n", f"## Unreleased\n\n{line}\n", 1))


def canonical(root: Path) -> None:
    """`mmdata fmt` and `mmdata docs`, as a contributor runs them before a release."""
    assert CliRunner().invoke(cli, ["fmt", str(root)]).exit_code == 0
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0


def rewrite_table(root: Path, table: str, edit) -> None:
    """Rewrite data/TABLE.csv as edit(rows) returns it (rows include the header), then canonicalise."""
    path = root / f"data/{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(edit(rows))
    path.write_text(out.getvalue(), encoding="utf-8")
    canonical(root)


def remove_column(root: Path, table: str, column: str) -> None:
    """drop_column, then canonicalise."""
    drop_column(root, table, column)
    canonical(root)


def copy_row(root: Path, table: str, suffix: str = "-copy") -> str:
    """Add a copy of the table's first row under a new key; return the new key."""
    keys: list[str] = []

    def edit(rows: list[list[str]]) -> list[list[str]]:
        keys.append(rows[1][0] + suffix)
        return [*rows, [keys[0], *rows[1][1:]]]

    rewrite_table(root, table, edit)
    return keys[0]


def removable_row(root: Path, table: str) -> str:
    """The key of the last row of table (in file order) that can go alone and leave the package valid,
    checksums apart: not the only row that quotes a number of its seed, not a comparison another row
    needs. Tests that remove a row take it, whatever rows a contributor has added (#21)."""
    from mmdata import validate

    path = root / f"data/{table}.csv"
    original = path.read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    try:
        for i in range(len(lines) - 1, 0, -1):
            path.write_text("".join(lines[:i] + lines[i + 1:]), encoding="utf-8")
            if not [p for p in validate(root) if p.code != "hash-mismatch"]:
                return lines[i].split(",", 1)[0]
    finally:
        path.write_bytes(original)
    raise AssertionError(f"no row of {table} can be removed alone")


def refusal(root: Path, version: str, *options: str) -> str:
    """Run `mmdata release VERSION`, check that it exits 1 and changes nothing; return its stderr."""
    before = all_bytes(root)
    result = CliRunner().invoke(cli, ["release", version, str(root), *options])
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert all_bytes(root) == before  # nothing changed
    return result.stderr


def region(text: str, name: str) -> str:
    match = re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end -->", text, re.S)
    assert match, name
    return match.group(1)


def contents_lines(text: str) -> list[str]:
    return region(text, "contents").splitlines()[4:]


def assert_counts(root: Path | Snapshot, readme: str) -> None:
    """The README's rows per source are the counts of the tables at root (a folder, or a release read from git)."""
    rows = package_rows(root)
    table = contents_lines(readme)
    assert len(table) == len(rows.of("sources"))
    for source in rows.of("sources"):
        line = next(x for x in table if x.startswith(f"| `{source['source_id']}` |"))
        counts = [sum(r["source_id"] == source["source_id"] for r in rows.of(t)) for t in COUNTED]
        assert line.endswith(f"| {', '.join(map(str, counts))} |"), (line, counts)
        assert describe_source(source) in line, (line, describe_source(source))

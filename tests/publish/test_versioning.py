"""`mmdata release` enforces semantic versions against the last release, found from what is committed.

The last release is its git tag, or the commit that set datapackage.json's version, or --previous;
dist/ (git-ignored) is never needed. The changes since it decide the smallest allowed bump.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.model.package import checksums
from mmdata.publish.release import release

from ..conftest import VERSION, set_cell
from ..releases import DAY, FIRST, add_changelog_line, after, canonical, commit, copy_row, git, refusal, removable_row, remove_column, repo_copy

MINOR, MAJOR, PATCH = after(FIRST, "minor"), after(FIRST, "major"), after(FIRST, "patch")
NOT_FOUND = (f"Error: cannot find release {FIRST}, the last one: there is no git tag v{FIRST} and no commit whose "
             f"datapackage.json has version {FIRST}; give it with --previous ARCHIVE|REVISION\n")


def needs(asked: str, level: str, *reasons: str) -> str:
    """The refusal of a release that asks for a smaller bump than the changes need."""
    bumped = {"minor": MINOR, "major": MAJOR, "patch": PATCH}
    kind = next(k for k, v in bumped.items() if v == asked)
    return (f"Error: {asked} is a {kind} release, but the changes since {FIRST} need a {level} release ({bumped[level]} or later):\n"
            + "".join(f"  {r}\n" for r in reasons))


@pytest.fixture
def first_release(released_copy: Callable[..., Path]) -> Callable[..., Path]:
    """Makes a copy of the repository with FIRST released and committed (tagged if tag=True), dist/ gone, a change in the changelog."""

    def make(tag: bool = False) -> Path:
        root = released_copy(tag=tag)
        shutil.rmtree(root / "dist")
        add_changelog_line(root, "- a change (test).")
        return root

    return make


def released(root: Path, version: str, *options: str) -> None:
    result = CliRunner().invoke(cli, ["release", version, str(root), *options])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"released {version}: dist/mmdata-data-{version}.zip"


# ---------------------------------------------------------------- hole 1: the guard cannot be skipped
def test_guard_runs_without_dist_from_the_release_commit_issue_9(first_release: Callable[..., Path]) -> None:
    """The reproduction of the issue: release, delete dist/, remove a column, release a minor."""
    root = first_release()
    remove_column(root, "arms", "caveat")
    assert refusal(root, MINOR) == needs(MINOR, "major", "major: arms.caveat: removed (or renamed)")
    released(root, MAJOR)


def test_guard_runs_from_the_tag(first_release: Callable[..., Path]) -> None:
    root = first_release(tag=True)
    remove_column(root, "arms", "caveat")
    assert refusal(root, MINOR) == needs(MINOR, "major", "major: arms.caveat: removed (or renamed)")


def test_refuses_when_a_release_exists_but_cannot_be_found_issue_9(first_release: Callable[..., Path]) -> None:
    root = first_release()
    shutil.rmtree(root / ".git")
    remove_column(root, "arms", "caveat")
    assert refusal(root, MINOR) == NOT_FOUND
    assert refusal(root, MAJOR) == NOT_FOUND  # even a major version: the changelog's row counts need the release


def test_a_dated_changelog_entry_alone_shows_an_earlier_release(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    changelog = root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + f"\n## {VERSION} (2026-01-01)\n\n- the first release.\n")
    message = NOT_FOUND.replace(FIRST, VERSION)
    assert refusal(root, FIRST) == message


def test_previous_names_the_release_archive_issue_9(tmp_path: Path, released_copy: Callable[..., Path]) -> None:
    root = released_copy(committed=False)
    published = tmp_path / f"mmdata-data-{FIRST}.zip"
    shutil.copy2(root / f"dist/{published.name}", published)
    shutil.rmtree(root / "dist")
    add_changelog_line(root, "- a change (test).")
    remove_column(root, "arms", "caveat")
    assert refusal(root, MINOR, "--previous", str(published)) == needs(MINOR, "major", "major: arms.caveat: removed (or renamed)")
    released(root, MAJOR, "--previous", str(published))


def test_previous_must_be_the_last_release(tmp_path: Path, first_release: Callable[..., Path]) -> None:
    root = first_release()
    older = repo_copy(tmp_path / "older")
    assert refusal(root, MINOR, "--previous", str(older)) == (
        f"Error: --previous {older} holds version {VERSION}, but datapackage.json says the last release is {FIRST}\n")


def test_previous_that_cannot_be_read_exits_2(first_release: Callable[..., Path]) -> None:
    root = first_release()
    result = CliRunner().invoke(cli, ["release", MINOR, str(root), "--previous", "no-such-release"])
    assert (result.exit_code, result.stderr) == (2, f"Error: no-such-release: not a folder, a zip archive or a git revision of {root}\n")


def test_previous_release_is_the_commit_that_set_the_version_not_a_later_one(first_release: Callable[..., Path]) -> None:
    """Later commits keep the version but change the data: the diff is taken against the release commit."""
    root = first_release()
    copy_row(root, "outcomes")
    descriptor = root / "datapackage.json"
    descriptor.write_text(json.dumps(json.loads(descriptor.read_text()), indent=4) + "\n")  # touches the version line
    commit(root, "A row, and the descriptor reindented")
    assert refusal(root, PATCH) == needs(PATCH, "minor", "minor: outcomes: 1 row added")


def test_a_commit_whose_files_do_not_match_its_checksums_is_not_taken_for_the_release(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    commit(root, "before")
    release(root, FIRST, today=DAY)
    set_cell(root / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", "Edited after the release, committed with it.")
    sha = commit(root, f"Release {FIRST}, with an edit")
    canonical(root)  # drops the edited file's stale checksum, so that the package validates again
    add_changelog_line(root, "- a change (test).")
    assert refusal(root, MINOR) == (
        f"Error: commit {sha[:12]} is not release {FIRST} as published: data/arms.csv does not match a sha256 recorded in "
        "its datapackage.json; give the release with --previous ARCHIVE|REVISION\n")


def test_a_tag_on_another_version_is_refused(first_release: Callable[..., Path]) -> None:
    root = first_release()
    git(root, "checkout", "-q", "-b", "other")
    descriptor = root / "datapackage.json"
    descriptor.write_text(descriptor.read_text().replace(f'"version": "{FIRST}"', '"version": "0.0.1"'))
    commit(root, "another version", tag=f"v{FIRST}")
    git(root, "checkout", "-q", "-")
    add_changelog_line(root, "- a change (test).")
    assert refusal(root, MINOR) == f"Error: git tag v{FIRST} holds version 0.0.1, but datapackage.json says the last release is {FIRST}\n"


def test_the_first_release_needs_no_previous_one(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    commit(root, "never released")
    released(root, after(VERSION, "patch"))


# ---------------------------------------------------------------- hole 2: semantic versions are enforced
def test_a_row_added_needs_a_minor_version_issue_9(first_release: Callable[..., Path]) -> None:
    root = first_release()
    key = copy_row(root, "outcomes")
    assert refusal(root, PATCH) == needs(PATCH, "minor", "minor: outcomes: 1 row added")
    released(root, MINOR)
    assert key


def test_a_row_removed_needs_a_minor_version(first_release: Callable[..., Path]) -> None:
    root = first_release()
    path, key = root / "data/adverse_events.csv", removable_row(root, "adverse_events")
    path.write_text("".join(x for x in path.read_text().splitlines(keepends=True) if not x.startswith(key + ",")))
    canonical(root)
    assert refusal(root, PATCH) == needs(PATCH, "minor", "minor: adverse_events: 1 row removed")
    released(root, MINOR)


def test_a_column_added_needs_a_minor_version(first_release: Callable[..., Path]) -> None:
    root = first_release()
    schema_path = root / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"].append({"name": "note", "type": "string", "description": "A note added in a test, nothing more."})
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    arms = root / "data/arms.csv"
    arms.write_text("".join(line.rstrip("\n") + (",note\n" if i == 0 else ",\n") for i, line in enumerate(arms.read_text().splitlines(True))))
    canonical(root)
    assert refusal(root, PATCH) == needs(PATCH, "minor", "minor: arms.note: added")
    released(root, MINOR)


def test_a_corrected_value_is_a_patch(first_release: Callable[..., Path]) -> None:
    root = first_release()
    set_cell(root / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", "Corrected in a test.")
    canonical(root)
    released(root, PATCH)


@pytest.mark.parametrize("level", ["minor", "major"])
def test_a_larger_bump_than_needed_is_allowed(level: str, first_release: Callable[..., Path]) -> None:
    root = first_release()
    released(root, after(FIRST, level))


def test_a_removed_table_needs_a_major_version(first_release: Callable[..., Path]) -> None:
    """Reading the release and the package as snapshots: a table gone from the descriptor is breaking."""
    from mmdata.edit.diff import diff_packages, required_bump
    from mmdata.model.package import open_package

    root = first_release()
    descriptor = json.loads((root / "datapackage.json").read_text())
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "adverse_events"]
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    bump = required_bump(diff_packages(open_package("HEAD", repo=root), open_package(root)))
    assert (bump.level, [(r.level, r.change) for r in bump.reasons]) == ("major", [("major", "adverse_events: table removed")])


def test_the_release_commit_is_the_first_with_the_version_even_if_it_changed_back_later(first_release: Callable[..., Path]) -> None:
    root = first_release()
    descriptor = root / "datapackage.json"
    released_text = descriptor.read_text()
    descriptor.write_text(released_text.replace(f'"version": "{FIRST}"', '"version": "0.0.1"'))
    commit(root, "a version set by hand by mistake")
    descriptor.write_text(released_text)
    copy_row(root, "outcomes")
    commit(root, "the version put back, and a row")
    assert refusal(root, PATCH) == needs(PATCH, "minor", "minor: outcomes: 1 row added")


def test_a_refusal_names_only_the_changes_that_need_more_than_was_asked(first_release: Callable[..., Path]) -> None:
    root = first_release()
    copy_row(root, "outcomes")
    remove_column(root, "arms", "caveat")
    assert refusal(root, MINOR) == needs(MINOR, "major", "major: arms.caveat: removed (or renamed)")
    assert refusal(root, PATCH) == needs(PATCH, "major", "major: arms.caveat: removed (or renamed)", "minor: outcomes: 1 row added")


@pytest.mark.parametrize("recorded", [("bytes", "hash"), ("bytes",), ("hash",)])
def test_recorded_checksums_alone_show_an_earlier_release(recorded: tuple[str, ...], tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    path = root / "datapackage.json"
    descriptor = json.loads(path.read_text())
    resource = descriptor["resources"][0]
    digest = checksums((root / resource["path"]).read_bytes())  # true checksums, as a release writes them
    resource.update({key: digest[key] for key in recorded})
    path.write_text(json.dumps(descriptor, indent=2) + "\n")
    assert mmdata.validate(root) == []
    assert refusal(root, FIRST) == NOT_FOUND.replace(FIRST, VERSION)


def test_previous_without_a_version_is_refused(tmp_path: Path, first_release: Callable[..., Path]) -> None:
    root = first_release()
    older = repo_copy(tmp_path / "older")
    descriptor = json.loads((older / "datapackage.json").read_text())
    del descriptor["version"]
    (older / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    assert refusal(root, MINOR, "--previous", str(older)) == (
        f"Error: --previous {older} holds version (none), but datapackage.json says the last release is {FIRST}\n")


def test_previous_that_records_no_checksums_is_not_a_release(tmp_path: Path, first_release: Callable[..., Path]) -> None:
    root = first_release()
    unreleased = repo_copy(tmp_path / "unreleased")
    path = unreleased / "datapackage.json"
    path.write_text(path.read_text().replace(f'"version": "{VERSION}"', f'"version": "{FIRST}"'))
    assert refusal(root, MINOR, "--previous", str(unreleased)) == (
        f"Error: --previous {unreleased} is not release {FIRST} as published: data/sources.csv does not match a sha256 recorded in "
        "its datapackage.json; give the release with --previous ARCHIVE|REVISION\n")

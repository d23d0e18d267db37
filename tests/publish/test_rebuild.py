"""A release rebuilds bit for bit from a fresh clone of its tag (#14): `mmdata release VERSION --rebuild`
and `.ci/rebuild-release`, checked against the sha256 the release committed in releases/."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.publish.release import release

from ..conftest import ROOT
from ..releases import DAY, FIRST, Released, add_changelog_line, all_bytes, canonical, commit, git, refusal, repo_copy

NAME = f"mmdata-data-{FIRST}.zip"
RECORD = f"releases/{NAME}.sha256"
SUMS = f"releases/{NAME}.SHA256SUMS"
MMDATA = str(Path(sys.executable).with_name("mmdata"))


@pytest.fixture
def released_repo(released_copy: Callable[..., Path], released_template: Released) -> tuple[Path, str]:
    """A repository copy released as FIRST, committed and tagged as the maintainer does; its archive's sha256."""
    return released_copy(tag=True), released_template.result.sha256


def fresh_clone(root: Path, target: Path, ref: str = f"v{FIRST}") -> Path:
    subprocess.run(["git", "clone", "-q", "--branch", ref, f"file://{root}", str(target)], check=True, capture_output=True)
    return target


def rebuild(root: Path, version: str = FIRST):
    return CliRunner().invoke(cli, ["release", version, "--rebuild", str(root)])


def test_release_records_the_archive_sha256_and_its_sums_in_the_repository(released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    archive = (root / f"dist/{NAME}").read_bytes()
    assert (root / RECORD).read_text() == f"{digest}  {NAME}\n" == (root / f"dist/{NAME}.sha256").read_text()
    with zipfile.ZipFile(root / f"dist/{NAME}") as zipped:
        assert (root / SUMS).read_bytes() == zipped.read(f"mmdata-data-{FIRST}/SHA256SUMS")
        assert not [n for n in zipped.namelist() if "/releases/" in n]  # the record is not inside what it records
    assert hashlib.sha256(archive).hexdigest() == digest
    assert git(root, "ls-files", "releases") == f"{SUMS}\n{RECORD}"  # committed with the release


def test_a_fresh_clone_of_the_tag_rebuilds_the_same_archive(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    clone = fresh_clone(root, tmp_path / "clone")
    assert not (clone / "dist").exists()
    result = rebuild(clone)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout.splitlines() == [f"rebuilt {FIRST}: dist/{NAME}", f"sha256 {digest}", f"sha256 matches {RECORD}"]
    assert (clone / f"dist/{NAME}").read_bytes() == (root / f"dist/{NAME}").read_bytes()
    assert (clone / f"dist/{NAME}.sha256").read_text() == f"{digest}  {NAME}\n"


def test_a_changed_byte_is_a_mismatch_naming_the_file(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    clone = fresh_clone(root, tmp_path / "clone")
    readme = clone / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"mmdata", b"mmdatA", 1))
    before = all_bytes(clone)
    result = rebuild(clone)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    message = result.stderr.splitlines()
    assert len(message) == 1
    assert message[0].startswith(f"Error: the rebuilt archive of release {FIRST} has sha256 ")
    assert message[0].endswith(f", but {RECORD} records {digest}; files that differ: README.md")
    assert all_bytes(clone) == before  # nothing written


def test_without_the_recorded_sums_the_mismatch_says_so(released_repo: tuple[Path, str]) -> None:
    root, _ = released_repo
    (root / "LICENSE").write_text((root / "LICENSE").read_text() + "\n")
    (root / SUMS).unlink()
    assert rebuild(root).stderr.endswith(f"; {NAME}.SHA256SUMS is not recorded, so the files that differ cannot be named\n")


def test_a_table_that_is_not_the_released_one_is_refused(released_repo: tuple[Path, str]) -> None:
    root, _ = released_repo
    table = root / "data/arms.csv"
    table.write_bytes(table.read_bytes() + b"\n")
    result = rebuild(root)
    assert (result.exit_code, result.stderr) == (1, f"Error: data/arms.csv does not match the sha256 recorded in datapackage.json: "
                                                     f"these are not the files of release {FIRST}\n")


def test_another_version_than_the_checked_out_one_is_refused(released_repo: tuple[Path, str]) -> None:
    root, _ = released_repo
    result = rebuild(root, "9.9.9")
    assert (result.exit_code, result.stderr) == (1, f"Error: datapackage.json holds version {FIRST}, not 9.9.9; "
                                                     "rebuild from the release's commit (git checkout v9.9.9)\n")


def test_an_unrecorded_or_unreadable_record_is_refused(released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    (root / RECORD).write_text(f"{digest}  other.zip\n")
    assert rebuild(root).stderr == f"Error: {RECORD} is not a sha256 line for {NAME} ('<64 hex digits>  {NAME}')\n"
    (root / RECORD).write_text(f"{digest[:-1]}  {NAME}\n")  # one digit short
    assert rebuild(root).exit_code == 1
    (root / RECORD).unlink()
    result = rebuild(root)
    assert (result.exit_code, result.stderr) == (1, f"Error: {RECORD} is missing: release {FIRST} is not recorded in this repository "
                                                     f"(`mmdata release {FIRST}` writes it)\n")


def test_release_refuses_a_version_already_recorded(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "releases").mkdir()
    (root / RECORD).write_text("recorded\n")
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {RECORD} already exists; release {FIRST} was made before\n")


def ci_rebuild(repo: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MMDATA_BIN=MMDATA)
    return subprocess.run([str(ROOT / ".ci/rebuild-release"), str(repo)], capture_output=True, text=True, env=env, check=False)


def test_ci_script_passes_when_no_release_is_recorded(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "repo")
    commit(root, "Not released yet")
    done = ci_rebuild(root)
    assert (done.returncode, done.stdout) == (0, f"no release recorded in {root}/releases: nothing to rebuild\n"), done.stderr


def test_ci_script_rebuilds_every_recorded_release_without_tags_issue_23(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    """A clone carries no tag: each release recorded in releases/ is rebuilt from the commit that added its record."""
    root, digest = released_repo
    release_commit = git(root, "rev-parse", "HEAD")
    add_changelog_line(root, "- A later change.")
    commit(root, "A later commit")
    clone = subprocess.run(["git", "clone", "-q", "--no-tags", f"file://{root}", str(tmp_path / "clone")], check=True)
    clone = tmp_path / "clone"
    assert git(clone, "tag") == ""
    done = ci_rebuild(clone)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.splitlines() == [f"{FIRST}: release commit {release_commit[:12]}, fresh clone, rebuilding",
                                        f"rebuilt {FIRST}: dist/{NAME}", f"sha256 {digest}", f"sha256 matches {RECORD}"]


def test_ci_script_fails_when_a_recorded_release_does_not_rebuild_issue_23(released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    (root / "releases/mmdata-data-9.9.9.zip.sha256").write_text(f"{digest}  mmdata-data-9.9.9.zip\n")
    fake = commit(root, "A record for a release that was never made")
    done = ci_rebuild(root)
    assert done.returncode == 1
    assert done.stdout.splitlines()[4:] == [f"9.9.9: release commit {fake[:12]}, fresh clone, rebuilding"]
    assert done.stderr == f"Error: datapackage.json holds version {FIRST}, not 9.9.9; rebuild from the release's commit (git checkout v9.9.9)\n"


def test_ci_script_fails_when_a_record_changed_after_its_release_or_is_not_a_record_issue_23(released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    (root / RECORD).write_text(f"{'0' * 64}  {NAME}\n")
    (root / "releases/notes.txt").write_text("not a record\n")
    commit(root, "A record rewritten after its release")
    done = ci_rebuild(root)
    assert (done.returncode, done.stdout) == (1, ""), done.stdout
    assert done.stderr.splitlines() == [
        "releases/notes.txt is not a release record (releases/mmdata-data-X.Y.Z.zip.sha256 or .zip.SHA256SUMS)",
        f"{RECORD} changed after its release commit {git(root, 'rev-parse', 'HEAD~1')[:12]}: a published sha256 is never rewritten",
    ]


def test_ci_script_refuses_a_shallow_clone_issue_23(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    """A shallow clone's oldest commit seems to add every file: the release commits cannot be told."""
    root, _ = released_repo
    add_changelog_line(root, "- A later change.")
    commit(root, "A later commit")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True)
    done = ci_rebuild(shallow)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"{shallow} is a shallow clone, whose history cannot show which commit made each release; "
                           "clone with the full history (actions/checkout: fetch-depth: 0)\n")


def test_a_record_reached_through_a_link_is_refused_issue_23(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    """The record is read as every package file is (io/files.py): through no link, so nothing outside is read."""
    root, digest = released_repo
    outside = tmp_path / "outside.txt"
    outside.write_text(f"{digest}  {NAME}\n")  # even a well-formed line: a link is not the repository's record
    (root / RECORD).unlink()
    (root / RECORD).symlink_to(outside)
    before = all_bytes(root)
    result = rebuild(root)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {RECORD}: is reached through a symbolic link; mmdata follows no link: put the file itself there; "
                             "a release's record is a regular file of the repository\n")
    assert all_bytes(root) == before


def test_recorded_sums_through_a_link_or_malformed_are_never_echoed_issue_23(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    """A mismatch names the files that differ only from a well-formed SHA256SUMS of the repository itself."""
    root, _ = released_repo
    (root / "LICENSE").write_text((root / "LICENSE").read_text() + "\n")  # so that the rebuild differs
    secret = f"{'0' * 64}  root:x:0:0:secret\n"
    outside = tmp_path / "passwd"
    outside.write_text(secret)
    (root / SUMS).unlink()
    (root / SUMS).symlink_to(outside)
    result = rebuild(root)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "secret" not in result.stderr
    assert result.stderr == (f"Error: {SUMS}: is reached through a symbolic link; mmdata follows no link: put the file itself there; "
                             "a release's record is a regular file of the repository\n")
    (root / SUMS).unlink()
    (root / SUMS).write_text(secret + "not a line of sums\n")
    result = rebuild(root)
    assert "secret" not in result.stderr
    assert result.stderr.endswith(f"; {SUMS} is not a SHA256SUMS file as `mmdata release` writes it, so the files that differ "
                                  "cannot be named\n")


def test_release_refuses_a_file_git_would_commit_with_other_bytes_issue_23(tmp_path: Path) -> None:
    """With core.autocrlf, git commits a CRLF file with LF endings: an archive built from the work tree's bytes
    could then never be rebuilt from the release commit, so the release is refused, changing nothing."""
    root = repo_copy(tmp_path / "repo")
    commit(root, "Before the release")
    git(root, "config", "core.autocrlf", "true")
    curation = root / "docs/curation.md"
    curation.write_bytes(curation.read_bytes().replace(b"\n", b"\r\n"))  # an editor that saves CRLF
    assert refusal(root, FIRST) == (
        "Error: docs/curation.md: git would commit other bytes than the work tree holds (it converts line endings: "
        ".gitattributes, core.autocrlf), so the release could never be rebuilt from its commit; save the file with LF "
        "line endings\n")
    curation.write_bytes(curation.read_bytes().replace(b"\r\n", b"\n"))
    (root / ".gitignore").write_text((root / ".gitignore").read_text() + "docs/references.md\n")
    git(root, "rm", "-q", "--cached", "docs/references.md")
    assert refusal(root, FIRST) == ("Error: docs/references.md: git ignores it (.gitignore), so the release commit would not "
                                    "hold it; stop ignoring it\n")


def test_a_checkout_that_converted_line_endings_is_named_issue_23(tmp_path: Path, released_repo: tuple[Path, str]) -> None:
    root, _ = released_repo
    clone = fresh_clone(root, tmp_path / "clone")
    git(clone, "config", "core.autocrlf", "true")
    licence = clone / "LICENSE"
    licence.write_bytes(licence.read_bytes().replace(b"\n", b"\r\n"))  # as a checkout with core.autocrlf writes it
    before = all_bytes(clone)
    result = rebuild(clone)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: LICENSE: the work tree holds other bytes than git commits (line endings converted: "
                             ".gitattributes, core.autocrlf), so the rebuild cannot match; clone again with "
                             "`git clone -c core.autocrlf=false`\n")
    assert all_bytes(clone) == before


def test_a_clone_with_autocrlf_rebuilds_the_release_issue_23(tmp_path: Path) -> None:
    """.gitattributes keeps every text file LF in any work tree (eol=lf), whatever the clone's core.autocrlf."""
    root = repo_copy(tmp_path / "repo")
    (root / ".gitattributes").write_bytes((ROOT / ".gitattributes").read_bytes())
    digest = release(root, FIRST, today=DAY).sha256
    commit(root, f"Release {FIRST}", tag=f"v{FIRST}")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-c", "core.autocrlf=true", "--branch", f"v{FIRST}", f"file://{root}", str(clone)],
                   check=True, capture_output=True)
    assert b"\r\n" not in (clone / "LICENSE").read_bytes()
    result = rebuild(clone)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert result.stdout.splitlines()[1] == f"sha256 {digest}"


def test_the_archive_holds_the_seeds_of_the_folder_the_schema_names_issue_23(tmp_path: Path) -> None:
    """The seeds' folder is a fact of the sources schema (mmdata:folder), not a name the release assumes."""
    root = repo_copy(tmp_path / "repo")
    schema_path = root / "schemas/sources.schema.json"
    schema = json.loads(schema_path.read_text())
    field = next(f for f in schema["fields"] if f["name"] == "seed_file")
    field["mmdata:folder"], field["constraints"]["pattern"] = "documents", field["constraints"]["pattern"].replace("seeds/", "documents/")
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    (root / "seeds").rename(root / "documents")
    (root / "seeds").mkdir()
    (root / "seeds/notes.txt").write_text("a file of no release\n")  # outside the package's folders
    seeds = sorted(f"documents/{p.name}" for p in (root / "documents").iterdir())
    sources = root / "data/sources.csv"
    sources.write_text(sources.read_text().replace(",seeds/", ",documents/"))
    canonical(root)
    validated = CliRunner().invoke(cli, ["validate", str(root)])
    assert validated.exit_code == 0, validated.output
    release(root, FIRST, today=DAY)
    with zipfile.ZipFile(root / f"dist/{NAME}") as zipped:
        held = [n.split("/", 1)[1] for n in zipped.namelist()]
    assert [n for n in held if n.startswith(("documents/", "seeds/"))] == seeds

"""A release rebuilds bit for bit from a fresh clone of its tag (#14): `mmdata release VERSION --rebuild`
and `.ci/rebuild-release`, checked against the sha256 the release committed in releases/."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli

from ..conftest import ROOT
from ..releases import FIRST, Released, all_bytes, commit, git, repo_copy

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
    return CliRunner().invoke(cli, ["release", version, "--rebuild", "--package-dir", str(root)])


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
    result = CliRunner().invoke(cli, ["release", FIRST, "--package-dir", str(root)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {RECORD} already exists; release {FIRST} was made before\n")


def ci_rebuild(repo: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MMDATA_BIN=MMDATA)
    return subprocess.run([str(ROOT / ".ci/rebuild-release"), str(repo)], capture_output=True, text=True, env=env, check=False)


def test_ci_script_passes_without_tags(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "repo")
    commit(root, "Not released yet")
    done = ci_rebuild(root)
    assert (done.returncode, done.stdout) == (0, f"no release tag (v*) in {root}: nothing to rebuild\n"), done.stderr


def test_ci_script_rebuilds_every_tag_and_fails_on_a_mismatch(released_repo: tuple[Path, str]) -> None:
    root, digest = released_repo
    done = ci_rebuild(root)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.splitlines() == [f"v{FIRST}: fresh clone, rebuilding", f"rebuilt {FIRST}: dist/{NAME}", f"sha256 {digest}",
                                        f"sha256 matches {RECORD}"]
    (root / "LICENSE").write_text((root / "LICENSE").read_text() + "\n")
    commit(root, "A changed licence file, tagged as a release")
    git(root, "tag", "v9.9.9")  # a tag whose files are not the release it names
    done = ci_rebuild(root)
    assert done.returncode == 1
    assert done.stdout.splitlines()[4:] == ["v9.9.9: fresh clone, rebuilding"]
    assert done.stderr == f"Error: datapackage.json holds version {FIRST}, not 9.9.9; rebuild from the release's commit (git checkout v9.9.9)\n"

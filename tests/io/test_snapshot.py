"""One way to read a package: a folder, a release archive and a git revision validate alike (#10)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli

from ..conftest import copy_package, set_cell, summary


def zipped(package: Path, archive: Path, prefix: str = "mmdata-data-9.9.9/") -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(package).as_posix())
    return archive


def validate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_archive_reports_what_its_folder_reports_issue_10(package: Path, tmp_path: Path) -> None:
    line = set_cell(package / "data/arms.csv", "myeloma-xi-lenalidomide", "role", "experimentl")
    folder = validate(str(package))
    assert folder[0] == 1
    assert f"data/arms.csv:{line}:role: 'experimentl' is not an allowed value (did you mean 'experimental'?)" in folder[2]
    assert validate(str(zipped(package, tmp_path / "pkg.zip"))) == folder


def test_a_valid_archive_is_valid_issue_10(package: Path, tmp_path: Path) -> None:
    assert validate(str(zipped(package, tmp_path / "pkg.zip", prefix=""))) == (0, f"valid: {summary()} checked\n", "")


def test_a_seed_missing_from_the_archive_is_reported_issue_10(package: Path, tmp_path: Path) -> None:
    seed = sorted((package / "seeds").iterdir())[0]
    seed.unlink()
    code, _, stderr = validate(str(zipped(package, tmp_path / "pkg.zip")))
    assert code == 1
    assert f"seeds/{seed.name} does not exist; seeds/ must hold every source document [seed-missing]" in stderr


def test_a_revision_is_checked_as_committed_issue_10(tmp_path: Path) -> None:
    from ..conftest import ROOT

    repo = copy_package(ROOT, tmp_path / "repo")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    set_cell(repo / "data/arms.csv", "myeloma-xi-lenalidomide", "size", "-3")  # broken in the work tree only
    assert validate(str(repo))[0] == 1
    assert validate("--rev", "HEAD", str(repo)) == (0, f"valid: {summary()} checked\n", "")


def test_an_unknown_revision_or_a_file_that_is_no_archive_exits_2_issue_10(package: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a package")
    assert validate(str(tmp_path / "notes.txt")) == (2, "", f"Error: {tmp_path / 'notes.txt'}: not a folder, a zip archive or a git revision\n")
    code, stdout, stderr = validate("--rev", "no-such-revision", str(package))
    assert (code, stdout) == (2, "")
    assert stderr == f"Error: no-such-revision: not a folder, a zip archive or a git revision of {package}\n"


def released_repository(tmp_path: Path) -> Path:
    """A repository holding release 1.0.0 as `mmdata release` commits it (its record in releases/), no git tag, then one change."""
    from ..conftest import ROOT

    repo = copy_package(ROOT, tmp_path / "repo")
    shutil.copytree(ROOT / "releases", repo / "releases")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "Release 1.0.0"], check=True)
    set_cell(repo / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", "Changed after the release.")
    subprocess.run([*git, "commit", "-qam", "a caveat"], check=True)
    return repo


@pytest.mark.parametrize("version", ["1.0.0", "v1.0.0"])
def test_a_released_version_is_found_by_its_release_record_without_a_tag_issue_19(version: str, tmp_path: Path) -> None:
    repo = released_repository(tmp_path)
    result = CliRunner().invoke(cli, ["diff", version, str(repo), "--repo", str(repo)])
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:3] + lines[4:] == ["sources: no change", "studies: no change", "arms: 0 added, 0 removed, 1 changed", "outcomes: no change",
                                     "adverse_events: no change", "smallest version bump: patch", "  patch: arms: 1 row changed"]
    assert lines[3].startswith("  ~ myeloma-xi-lenalidomide: caveat: ") and lines[3].endswith(" -> 'Changed after the release.'")
    set_cell(repo / "data/arms.csv", "myeloma-xi-lenalidomide", "size", "-3")  # the work tree broken; the release is not
    assert validate("--rev", version, str(repo)) == (0, f"valid: {summary()} checked\n", "")


def test_a_version_never_released_is_named_as_such_issue_19(tmp_path: Path) -> None:
    repo = released_repository(tmp_path)
    result = CliRunner().invoke(cli, ["diff", "1.1.0", str(repo), "--repo", str(repo)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: 1.1.0: not a folder, a zip archive or a git revision of {repo}, and no release 1.1.0 is recorded there "
                             "(no git tag v1.1.0, no releases/mmdata-data-1.1.0.zip.sha256)\n")

"""`mmdata release`: reproducible archives, refusals that change nothing, the schema guard."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata import release as release_module
from mmdata.cli import cli
from mmdata.release import release

from .conftest import ROOT, copy_package, set_cell, shipped_rows

REPO_FILES = ("README.md", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md", "CITATION.cff", "docs")
DAY = dt.date(2026, 11, 21)


def repo_copy(target: Path) -> Path:
    """The package with the files a release needs besides the data."""
    copy_package(ROOT, target)
    for name in REPO_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, target / name)
    return target


def all_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git/" not in p.as_posix()}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


def add_changelog_line(root: Path, line: str) -> None:
    path = root / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## Unreleased\n", f"## Unreleased\n\n{line}\n", 1))


def test_archive_is_reproducible_and_checksummed(tmp_path: Path) -> None:
    first = release(repo_copy(tmp_path / "a"), "0.2.0", today=DAY)
    second = release(repo_copy(tmp_path / "b"), "0.2.0", today=DAY)
    assert first.archive.read_bytes() == second.archive.read_bytes()
    assert first.sha256 == second.sha256 == hashlib.sha256(first.archive.read_bytes()).hexdigest()
    assert (tmp_path / "a/dist/mmdata-data-0.2.0.zip.sha256").read_text() == f"{first.sha256}  mmdata-data-0.2.0.zip\n"
    with zipfile.ZipFile(first.archive) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert all(n.startswith("mmdata-data-0.2.0/") and ".." not in n.split("/") for n in names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        for required in ("datapackage.json", "data/outcomes.csv", "schemas/arms.schema.json", "seeds/002_ecc4a112612e7398.txt",
                         "README.md", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"):
            assert f"mmdata-data-0.2.0/{required}" in names
        sums = archive.read("mmdata-data-0.2.0/SHA256SUMS").decode().splitlines()
        for line in sums:
            digest, name = line.split("  ")
            assert hashlib.sha256(archive.read(f"mmdata-data-0.2.0/{name}")).hexdigest() == digest
        assert len(sums) == len(names) - 1


def test_release_records_version_and_checksums(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    result = CliRunner().invoke(cli, ["release", "0.2.0", "--package-dir", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "released 0.2.0: dist/mmdata-data-0.2.0.zip"
    descriptor = json.loads((root / "datapackage.json").read_text())
    assert descriptor["version"] == "0.2.0"
    for resource in descriptor["resources"]:
        content = (root / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert 'version: "0.2.0"' in (root / "CITATION.cff").read_text()
    changelog = (root / "CHANGELOG.md").read_text()
    assert "## Unreleased\n\n## 0.2.0 (" in changelog
    assert f"- outcomes: {shipped_rows('outcomes')} rows (no earlier release to compare with)" in changelog
    assert mmdata.validate(root) == []
    from frictionless import validate

    assert validate(str(root / "datapackage.json")).valid


def refusal(root: Path, version: str) -> str:
    before = all_bytes(root)
    result = CliRunner().invoke(cli, ["release", version, "--package-dir", str(root)])
    assert result.exit_code == 1
    assert all_bytes(root) == before  # nothing changed
    return result.stderr


@pytest.mark.parametrize(("version", "message"), [
    ("0.2", "Error: '0.2' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0\n"),
    ("v0.2.0", "Error: 'v0.2.0' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0\n"),
    ("0.1.0", "Error: version 0.1.0 is not greater than the current version 0.1.0\n"),
    ("0.0.9", "Error: version 0.0.9 is not greater than the current version 0.1.0\n"),
])
def test_refuses_bad_versions(version: str, message: str, tmp_path: Path) -> None:
    assert refusal(repo_copy(tmp_path / "pkg"), version) == message


def test_refuses_an_existing_archive(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "dist").mkdir()
    (root / "dist/mmdata-data-0.2.0.zip").write_bytes(b"old")
    assert refusal(root, "0.2.0") == "Error: dist/mmdata-data-0.2.0.zip already exists; releases are never rebuilt under the same version\n"


def test_refuses_an_existing_tag(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data")
    git(root, "tag", "v0.2.0")
    assert refusal(root, "0.2.0") == "Error: git tag v0.2.0 already exists\n"


def test_refuses_without_changelog_entry(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    text = (root / "CHANGELOG.md").read_text()
    head, rest = text.split("## Unreleased\n", 1)
    (root / "CHANGELOG.md").write_text(head + "## Unreleased\n\n## 0.1.0 (2026-11-01)\n" + rest)
    assert refusal(root, "0.2.0") == "Error: CHANGELOG.md has no entry under '## Unreleased'; describe the change first\n"


def test_refuses_an_invalid_package(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    line = set_cell(root / "data/arms.csv", "myeloma-xi-lenalidomide", "size", "many")
    assert refusal(root, "0.2.0") == (
        "Error: the package does not validate (1 problem); run `mmdata validate`:\n"
        f"data/arms.csv:{line}:size: 'many' is not a whole number [type-error]\n")


def test_refuses_stale_docs(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "docs/data-dictionary.md").write_text("old\n")
    assert refusal(root, "0.2.0") == "Error: docs/data-dictionary.md is stale; run `mmdata docs`\n"


def test_failure_midway_restores_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path / "pkg")
    before = all_bytes(root)
    real, calls = release_module.atomic_write, []

    def flaky(path: Path, data: bytes) -> None:
        calls.append(path.name)
        if path.name == "CHANGELOG.md" and calls.count("CHANGELOG.md") == 1:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(release_module, "atomic_write", flaky)
    with pytest.raises(OSError, match="disk full"):
        release(root, "0.2.0", today=DAY)
    assert all_bytes(root) == before
    assert not (root / "dist/mmdata-data-0.2.0.zip").exists()


def released_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Release 0.2.0, change data (one cell, one row removed, one added), release 0.3.0."""
    root = repo_copy(tmp_path / "pkg")
    release(root, "0.2.0", today=DAY)
    set_cell(root / "data/outcomes.csv", "myeloma-xi-pfs-median-ratio", "caveat", "A lay restatement of the two medians.")
    arms = root / "data/arms.csv"
    lines = arms.read_text().splitlines(keepends=True)
    removed = next(x for x in lines if x.startswith("cmrg-retrospective-group-4,"))
    arms.write_text("".join(x for x in lines if x is not removed))
    outcomes = root / "data/outcomes.csv"
    outcomes.write_text(outcomes.read_text() + outcomes.read_text().splitlines()[1].replace(
        "cmrg-retrospective-os-group-1,", "cmrg-retrospective-os-group-1-copy,", 1) + "\n")
    assert CliRunner().invoke(cli, ["fmt", str(root)]).exit_code == 0
    add_changelog_line(root, "- arms: removed cmrg-retrospective-group-4 (test).")
    release(root, "0.3.0", today=DAY)
    return root / "dist/mmdata-data-0.2.0.zip", root / "dist/mmdata-data-0.3.0.zip"


def test_diff_between_two_releases_lists_exactly_the_changed_rows(tmp_path: Path) -> None:
    old, new = released_pair(tmp_path)
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "sources: no change",
        "studies: no change",
        "arms: 0 added, 1 removed, 0 changed",
        "  - cmrg-retrospective-group-4",
        "outcomes: 1 added, 0 removed, 1 changed",
        "  + cmrg-retrospective-os-group-1-copy",
        "  ~ myeloma-xi-pfs-median-ratio: caveat: 'A lay restatement of the two medians (20 and 39 months), not a hazard ratio.' "
        "-> 'A lay restatement of the two medians.'",
        "adverse_events: no change",
    ]
    as_json = json.loads(CliRunner().invoke(cli, ["diff", "--format", "json", str(old), str(new)]).stdout)
    assert as_json["arms"]["removed"] == ["cmrg-retrospective-group-4"]
    assert as_json["outcomes"]["changed"]["myeloma-xi-pfs-median-ratio"]["caveat"][1] == "A lay restatement of the two medians."
    changelog = (tmp_path / "pkg/CHANGELOG.md").read_text()
    assert "- arms: 0 added, 1 removed, 0 changed since 0.2.0" in changelog


def test_schema_guard_requires_a_major_version(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    release(root, "0.2.0", today=DAY)
    schema_path = root / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "caveat"]
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")
    arms = root / "data/arms.csv"
    import csv
    import io

    rows = list(csv.reader(io.StringIO(arms.read_text())))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:-1] for r in rows])
    arms.write_text(out.getvalue())
    assert CliRunner().invoke(cli, ["fmt", str(root)]).exit_code == 0
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0
    add_changelog_line(root, "- arms: caveat column removed (test).")
    assert refusal(root, "0.3.0") == (
        "Error: these schema changes break users' code and need a new major version (1.0.0):\n"
        "  arms.caveat: removed (or renamed)\n")
    assert release(root, "1.0.0", today=DAY).version == "1.0.0"


def test_diff_reads_git_revisions_and_folders(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data")
    set_cell(root / "data/studies.csv", "myeloma-xi", "name", "Myeloma XI trial")
    result = CliRunner().invoke(cli, ["diff", "--repo", str(root), "HEAD", str(root)])
    assert result.exit_code == 0, result.output
    assert "  ~ myeloma-xi: name: 'Myeloma XI' -> 'Myeloma XI trial'" in result.stdout.splitlines()
    bad = CliRunner().invoke(cli, ["diff", "--repo", str(root), "no-such-rev", str(root)])
    assert (bad.exit_code, bad.stderr) == (2, f"Error: no-such-rev: not a folder, a zip archive or a git revision of {root}\n")

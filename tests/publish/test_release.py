"""`mmdata release`: reproducible archives, refusals that change nothing, the schema guard."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.edit.generated import contents_heading
from mmdata.errors import WriteFailed
from mmdata.io import journal as journal_module
from mmdata.model.publishing import PIN_REGIONS, render_pins
from mmdata.publish.release import release

from ..conftest import ROOT, TABLE_NAMES, VERSION, read_rows, row_count, set_cell
from ..releases import (
    DAY,
    FIRST,
    Released,
    add_changelog_line,
    after,
    all_bytes,
    assert_counts,
    canonical,
    commit,
    copy_row,
    refusal,
    region,
    removable_row,
    repo_copy,
)


def test_archive_is_reproducible_and_checksummed(tmp_path: Path, released_template: Released) -> None:
    first = released_template.result  # the same release, made elsewhere before
    second = release(repo_copy(tmp_path / "b"), FIRST, today=DAY)
    assert first.archive.read_bytes() == second.archive.read_bytes()
    assert first.sha256 == second.sha256 == hashlib.sha256(first.archive.read_bytes()).hexdigest()
    name = f"mmdata-data-{FIRST}.zip"
    assert (tmp_path / f"b/dist/{name}.sha256").read_text() == f"{first.sha256}  {name}\n"
    with zipfile.ZipFile(first.archive) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert all(n.startswith(f"mmdata-data-{FIRST}/") and ".." not in n.split("/") for n in names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        assert {(i.create_system, i.compress_type) for i in infos} == {(3, zipfile.ZIP_DEFLATED)}  # Unix modes, deflated
        for required in ("datapackage.json", "data/outcomes.csv", "schemas/arms.schema.json", "seeds/002_ecc4a112612e7398.txt",
                         "README.md", "LICENSE", "LICENSE-DATA.md", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"):
            assert f"mmdata-data-{FIRST}/{required}" in names
        sums = archive.read(f"mmdata-data-{FIRST}/SHA256SUMS").decode().splitlines()
        for line in sums:
            digest, file = line.split("  ")
            assert hashlib.sha256(archive.read(f"mmdata-data-{FIRST}/{file}")).hexdigest() == digest
        assert len(sums) == len(names) - 1


MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_archive_holds_everything_its_documents_link_to_issue_9(released_template: Released) -> None:
    """A reader of the archive alone can follow every link: the curation guide, the data dictionary..."""
    archive = released_template.result.archive
    with zipfile.ZipFile(archive) as zipped:
        files = {n.split("/", 1)[1]: zipped.read(n) for n in zipped.namelist()}
    links = []
    for name in [n for n in files if n.endswith(".md")]:
        for target in MARKDOWN_LINK.findall(files[name].decode("utf-8")):
            if "://" not in target and not target.startswith(("#", "mailto:")):
                links.append((name, posixpath.normpath(posixpath.join(posixpath.dirname(name), target.split("#")[0]))))
    assert {"docs/curation.md", "docs/data-dictionary.md", "CONTRIBUTING.md"} <= {target for _, target in links}
    assert [(name, target) for name, target in links if target not in files] == []


def test_release_records_version_and_checksums(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"released {FIRST}: dist/mmdata-data-{FIRST}.zip"
    descriptor = json.loads((root / "datapackage.json").read_text())
    assert descriptor["version"] == FIRST
    for resource in descriptor["resources"]:
        content = (root / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert f'version: "{FIRST}"' in (root / "CITATION.cff").read_text()
    changelog = (root / "CHANGELOG.md").read_text()
    assert f"## Unreleased\n\n## {FIRST} (" in changelog
    for table in TABLE_NAMES:
        assert f"- {table}: {row_count(table)} rows (no earlier release to compare with)" in changelog
    assert mmdata.validate(root) == []
    from frictionless import validate

    assert validate(str(root / "datapackage.json")).valid


@pytest.mark.parametrize(("version", "message"), [
    ("0.2", "Error: '0.2' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0\n"),
    ("v0.2.0", "Error: 'v0.2.0' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0\n"),
    ("01.2.0", "Error: '01.2.0' is not a semantic version MAJOR.MINOR.PATCH, for example 1.2.0\n"),
    (VERSION, f"Error: version {VERSION} is not greater than the current version {VERSION}\n"),
])
def test_refuses_bad_versions(version: str, message: str, tmp_path: Path) -> None:
    assert refusal(repo_copy(tmp_path / "pkg"), version) == message


def test_refuses_a_version_below_the_current_one(released_copy: Callable[..., Path]) -> None:
    root = released_copy(committed=False)
    add_changelog_line(root, "- nothing (test).")
    assert refusal(root, VERSION) == f"Error: version {VERSION} is not greater than the current version {FIRST}\n"


def test_refuses_an_existing_archive(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "dist").mkdir()
    (root / f"dist/mmdata-data-{FIRST}.zip").write_bytes(b"old")
    assert refusal(root, FIRST) == f"Error: dist/mmdata-data-{FIRST}.zip already exists; releases are never rebuilt under the same version\n"


def test_refuses_an_existing_tag(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    commit(root, "data", tag=f"v{FIRST}")
    assert refusal(root, FIRST) == f"Error: git tag v{FIRST} already exists\n"


def test_refuses_without_changelog_entry(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    text = (root / "CHANGELOG.md").read_text()
    head, rest = text.split("## Unreleased\n", 1)
    (root / "CHANGELOG.md").write_text(head + f"## Unreleased\n\n## {VERSION} (2026-11-01)\n" + rest)
    assert refusal(root, FIRST) == "Error: CHANGELOG.md has no entry under '## Unreleased'; describe the change first\n"


def test_refuses_an_invalid_package(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    line = set_cell(root / "data/arms.csv", "myeloma-xi-lenalidomide", "size", "many")
    assert refusal(root, FIRST) == (
        "Error: the package does not validate (1 problem); run `mmdata validate`:\n"
        f"data/arms.csv:{line}:size: 'many' is not a whole number [type-error]\n")


def test_refuses_files_not_in_canonical_form(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    arms = root / "data/arms.csv"
    arms.write_bytes(arms.read_bytes().replace(b"\n", b"\r\n"))
    assert refusal(root, FIRST) == "Error: not in canonical form: data/arms.csv; run `mmdata fmt`\n"


def test_refuses_stale_docs(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "docs/data-dictionary.md").write_text("old\n")
    assert refusal(root, FIRST) == "Error: docs/data-dictionary.md is stale; run `mmdata docs`\n"


@pytest.mark.parametrize("name", ["CITATION.cff", "LICENSE", "docs/curation.md"])
def test_refuses_when_a_file_every_release_holds_is_missing(name: str, tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / name).unlink()
    expected = "CITATION.cff is missing" if name == "CITATION.cff" else f"{name} is missing; every release holds it"
    assert refusal(root, FIRST) == f"Error: {expected}\n"


@pytest.mark.parametrize("failing", ["CHANGELOG.md", "README.md", ".zenodo.json", f"releases/mmdata-data-{FIRST}.zip.SHA256SUMS"])
def test_a_failed_write_restores_every_file(failing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file a release writes (README included, #12; the new records of #14 removed) is written in one all-or-nothing step."""
    root = repo_copy(tmp_path / "pkg")
    before = all_bytes(root)
    real = journal_module.atomic_write

    def flaky(path: Path, data: bytes) -> None:
        if path.relative_to(root).as_posix() == failing and data != before.get(failing):
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(journal_module, "atomic_write", flaky)
    with pytest.raises(WriteFailed, match="disk full; nothing was changed"):
        release(root, FIRST, today=DAY)
    assert all_bytes(root) == before
    assert not (root / f"dist/mmdata-data-{FIRST}.zip").exists()


def released_pair(root: Path) -> tuple[Path, Path, dict[str, str]]:
    """From FIRST released, committed and tagged at root: change one cell, remove a row and add one; release the next minor."""
    _, outcomes = read_rows(root / "data/outcomes.csv")
    facts = {"changed": outcomes[0][0], "removed": removable_row(root, "adverse_events"),
             "caveat": outcomes[0][read_rows(root / "data/outcomes.csv")[0].index("caveat")]}
    set_cell(root / "data/outcomes.csv", facts["changed"], "caveat", "Edited in a test.")
    events_file = root / "data/adverse_events.csv"
    events_file.write_text("".join(x for x in events_file.read_text().splitlines(keepends=True) if not x.startswith(facts["removed"] + ",")))
    facts["added"] = copy_row(root, "outcomes")
    add_changelog_line(root, "- a test release.")
    release(root, after(FIRST, "minor"), today=DAY)
    return root / f"dist/mmdata-data-{FIRST}.zip", root / f"dist/mmdata-data-{after(FIRST, 'minor')}.zip", facts


def test_diff_between_two_releases_lists_exactly_the_changed_rows(tmp_path: Path, released_copy: Callable[..., Path]) -> None:
    old, new, facts = released_pair(released_copy(tag=True))
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "sources: no change",
        "studies: no change",
        "arms: no change",
        "outcomes: 1 added, 0 removed, 1 changed",
        f"  + {facts['added']}",
        f"  ~ {facts['changed']}: caveat: {facts['caveat']!r} -> 'Edited in a test.'",
        "adverse_events: 0 added, 1 removed, 0 changed",
        f"  - {facts['removed']}",
        "smallest version bump: minor",
        "  minor: outcomes: 1 row added",
        "  minor: adverse_events: 1 row removed",
        "  patch: outcomes: 1 row changed",
    ]
    as_json = json.loads(CliRunner().invoke(cli, ["diff", "--format", "json", str(old), str(new)]).stdout)
    assert as_json["tables"]["adverse_events"]["removed"] == [facts["removed"]]
    assert as_json["tables"]["outcomes"]["changed"][facts["changed"]]["caveat"] == [facts["caveat"], "Edited in a test."]
    assert as_json["bump"] == {"level": "minor", "reasons": [
        {"level": "minor", "change": "outcomes: 1 row added"},
        {"level": "minor", "change": "adverse_events: 1 row removed"},
        {"level": "patch", "change": "outcomes: 1 row changed"},
    ]}
    changelog = (tmp_path / "pkg/CHANGELOG.md").read_text()
    assert f"- adverse_events: 0 added, 1 removed, 0 changed since {FIRST}" in changelog


def test_diff_reads_git_revisions_and_folders(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    commit(root, "data")
    set_cell(root / "data/studies.csv", "myeloma-xi", "name", "Myeloma XI trial")
    result = CliRunner().invoke(cli, ["diff", "--repo", str(root), "HEAD", str(root)])
    assert result.exit_code == 0, result.output
    assert "  ~ myeloma-xi: name: 'Myeloma XI (maintenance randomisation)' -> 'Myeloma XI trial'" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-2:] == ["smallest version bump: patch", "  patch: studies: 1 row changed"]
    bad = CliRunner().invoke(cli, ["diff", "--repo", str(root), "no-such-rev", str(root)])
    assert (bad.exit_code, bad.stderr) == (2, f"Error: no-such-rev: not a folder, a zip archive or a git revision of {root}\n")


def test_diff_of_identical_packages_needs_only_a_patch(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(ROOT)])
    assert result.stdout.splitlines() == [f"{t}: no change" for t in TABLE_NAMES] + ["smallest version bump: patch (no change)"]


def test_release_writes_the_changelog_entry_and_citation_exactly(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    descriptor = json.loads((root / "datapackage.json").read_text())
    descriptor["title"] += " – résumé"  # text the user wrote stays as written, not \u-escaped
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    canonical(root)  # the title is in the data dictionary
    release(root, FIRST, today=DAY)
    rows = "".join(f"- {t}: {row_count(t)} rows (no earlier release to compare with)\n" for t in TABLE_NAMES)
    assert (root / "CHANGELOG.md").read_text() == (
        f"# Changelog\n\n## Unreleased\n\n## {FIRST} (2026-11-21)\n\n### Data\n- A test copy of the shipped package.\n\n### Rows\n{rows}\n")
    citation = (root / "CITATION.cff").read_text()
    assert f'\nversion: "{FIRST}"\ndate-released: "2026-11-21"\n' in citation
    written = (root / "datapackage.json").read_text(encoding="utf-8")
    assert written == json.dumps(json.loads(written), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(written)["title"].endswith(" – résumé")


def test_release_date_comes_from_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    root = repo_copy(tmp_path / "pkg")
    release(root, FIRST)
    assert f"## {FIRST} (2026-01-01)" in (root / "CHANGELOG.md").read_text()
    assert 'date-released: "2026-01-01"' in (root / "CITATION.cff").read_text()


def test_refuses_an_invalid_package_showing_ten_problems(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    _, rows = read_rows(root / "data/outcomes.csv")
    lines = sorted(set_cell(root / "data/outcomes.csv", row[0], "population", "nobody") for row in rows[:11])
    message = refusal(root, FIRST).splitlines()
    assert message[0] == "Error: the package does not validate (11 problems); run `mmdata validate`:"
    assert [int(line.split(":")[1]) for line in message[1:]] == lines[:10]


def test_refuses_without_a_changelog(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "CHANGELOG.md").unlink()
    assert refusal(root, FIRST) == "Error: CHANGELOG.md has no entry under '## Unreleased'; describe the change first\n"


def test_a_package_without_a_version_releases_from_0_0_0(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    descriptor = json.loads((root / "datapackage.json").read_text())
    del descriptor["version"]
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    canonical(root)  # .zenodo.json has no version now (#14)
    assert refusal(root, "0.0.0") == "Error: version 0.0.0 is not greater than the current version 0.0.0\n"
    assert release(root, "0.0.1", today=DAY).version == "0.0.1"


def without_released_regions(text: str) -> str:
    """The README without the regions a release rewrites: its rows per source (#12) and its pinned release (#14)."""
    for name in ("contents", *PIN_REGIONS):
        text = text.replace(region(text, name), "")
    return text


def test_release_writes_the_rows_per_source_of_the_released_tables_issue_12(released_copy: Callable[..., Path]) -> None:
    """The README's rows per source are written by the release, as of that release, and by nothing
    between releases: a data pull request leaves README.md as it is."""
    readme = (ROOT / "README.md").read_text()  # what repo_copy copies, and the release rewrote
    root = released_copy(committed=False)
    first = (root / "README.md").read_text()
    assert region(first, "contents").splitlines()[0] == contents_heading(FIRST) == (
        f"Rows per source document in release {FIRST}, written by `mmdata release`:")
    assert_counts(root, first)
    assert without_released_regions(first) == without_released_regions(readme)  # nothing else
    assert {name: region(first, name) for name in PIN_REGIONS} == render_pins(FIRST, mmdata.DISTRIBUTION)  # the release it pins (#14)
    with zipfile.ZipFile(root / f"dist/mmdata-data-{FIRST}.zip") as archive:
        assert archive.read(f"mmdata-data-{FIRST}/README.md").decode() == first
    commit(root, f"Release {FIRST}", tag=f"v{FIRST}")

    _, outcomes = read_rows(root / "data/outcomes.csv")
    header = read_rows(root / "data/outcomes.csv")[0]
    source = outcomes[0][header.index("source_id")]
    copy_row(root, "outcomes")  # fmt and docs, as a contributor runs them
    assert (root / "README.md").read_text() == first
    add_changelog_line(root, "- one more outcome.")
    second = after(FIRST, "minor")
    release(root, second, today=DAY)
    now = (root / "README.md").read_text()
    assert region(now, "contents").splitlines()[0] == contents_heading(second)
    assert_counts(root, now)
    changed = [(a, b) for a, b in zip(region(first, "contents").splitlines(), region(now, "contents").splitlines(), strict=True) if a != b]
    assert [b.split("`")[1] for _, b in changed[1:]] == [source] and changed[0][1] == contents_heading(second)

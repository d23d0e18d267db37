"""`mmdata docs` generates every derived text that changes only with a source or a schema (#12):
the README's list of third-party documents, the list in LICENSE-DATA.md and the sources of
datapackage.json, besides the data dictionary; `mmdata docs --check` fails when any is stale. The
README's rows per source are written only by `mmdata release` (tests/publish/test_release.py), so a data
pull request touches only its rows and the changelog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.generated import contents_heading
from mmdata.edit.rows import read_rows
from mmdata.errors import ReleaseRefused
from mmdata.model.package import checksum_mismatches
from mmdata.publish.release import previous_release

from ..conftest import ROOT, copy_package, set_cell
from ..conftest import read_rows as csv_rows
from ..releases import FIRST, all_bytes, assert_counts, git, region, repo_copy

GENERATED = ("docs/data-dictionary.md", "README.md", "LICENSE-DATA.md", "datapackage.json")


def repository(target: Path) -> Path:
    """The package with the files mmdata docs generates into."""
    copy_package(ROOT, target)
    for name in ("README.md", "LICENSE-DATA.md", "docs"):
        shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True) if (ROOT / name).is_dir() else shutil.copy2(ROOT / name, target / name)
    return target


def test_readme_and_licence_hold_the_generated_regions() -> None:
    readme, licence = (ROOT / "README.md").read_text(), (ROOT / "LICENSE-DATA.md").read_text()
    sources = csv_rows(ROOT / "data/sources.csv")[1]
    for text in (region(readme, "seeds"), region(licence, "seeds")):
        assert [line.split("`")[1] for line in text.splitlines()] == sorted(row[1] for row in sources)
    heading, blank, *table = region(readme, "contents").splitlines()
    assert heading.startswith("Rows per source document ") and blank == ""
    assert table[0].startswith("| source | document |") and table[1].startswith("| --- |")
    listed = [line.split("`")[1] for line in table[2:]]  # sources added since the last release are not listed yet
    assert listed and set(listed) <= {row[0] for row in sources}


def test_contents_counts_the_rows_of_the_last_release() -> None:
    """The table counts the tables of the release its heading names, the version in datapackage.json:
    the tables as they are when none changed since (every checksum recorded and matching), and between
    releases, when they have moved on, the tables as that release committed them, found as `mmdata
    release` finds it (its tag, or the commit that set the version, checked against its checksums)."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    readme = (ROOT / "README.md").read_text()
    assert region(readme, "contents").splitlines()[0] == contents_heading(descriptor["version"])
    if all("hash" in r and not checksum_mismatches(r, (ROOT / r["path"]).read_bytes()) for r in descriptor["resources"]):
        assert_counts(ROOT, readme)  # released, and nothing changed since
        return
    repository = Path(git(ROOT, "rev-parse", "--show-toplevel"))
    try:
        release = previous_release(repository, descriptor["version"])
    except ReleaseRefused as exc:
        pytest.fail(f"{exc}: this clone must hold the last release (git fetch --unshallow --tags)")
    assert release is not None
    assert_counts(release, readme)


def test_descriptor_lists_every_seed_from_sources_csv() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    rows = read_rows(ROOT).of("sources")
    assert [s["path"] for s in descriptor["sources"]] == sorted(r["seed_file"] for r in rows)
    assert all(s["title"].endswith(": third-party text, not covered by the dataset's licence") for s in descriptor["sources"])


def test_a_new_row_leaves_the_readme_as_it_is(tmp_path: Path) -> None:
    """add-row, fmt and docs, as a contributor adds an outcome: README.md is byte-identical."""
    root = repository(tmp_path / "pkg")
    header, outcomes = csv_rows(root / "data/outcomes.csv")
    cells = {h: c for h, c in zip(header, outcomes[0], strict=True) if c}
    cells["outcome_id"] += "-one-more"
    before = (root / "README.md").read_bytes()
    sets = [f"--set={h}={c}" for h, c in cells.items()]
    added = CliRunner().invoke(cli, ["add-row", "outcomes", *sets, str(root)])
    assert added.exit_code == 0, added.output
    assert cells["outcome_id"] in (root / "data/outcomes.csv").read_text()
    for args in (["fmt", str(root)], ["docs", str(root)], ["docs", "--check", str(root)], ["validate", str(root)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert "wrote README.md" not in result.stdout
    assert (root / "README.md").read_bytes() == before


def test_docs_neither_writes_nor_checks_the_rows_per_source(tmp_path: Path) -> None:
    root = repository(tmp_path / "pkg")
    readme = root / "README.md"
    readme.write_text(readme.read_text().replace("| source | document |", "| source (edited) | document |", 1))
    before = readme.read_bytes()
    assert CliRunner().invoke(cli, ["docs", "--check", str(root)]).exit_code == 0
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0
    assert readme.read_bytes() == before


def test_a_hand_edit_of_a_generated_list_is_stale(tmp_path: Path) -> None:
    root = repository(tmp_path / "pkg")
    licence = root / "LICENSE-DATA.md"
    licence.write_text(licence.read_text().replace("- `seeds/", "- `seeds/x", 1))
    descriptor = json.loads((root / "datapackage.json").read_text())
    descriptor["sources"].pop()
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    check = CliRunner().invoke(cli, ["docs", "--check", str(root)])
    assert (check.exit_code, check.stdout) == (1, "docs/data-dictionary.md is current\nREADME.md is current\n")
    assert check.stderr == ("LICENSE-DATA.md is stale; run `mmdata docs` and commit the result\n"
                            "datapackage.json is stale; run `mmdata docs` and commit the result\n")
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0
    assert all_bytes(root)["LICENSE-DATA.md"] == (ROOT / "LICENSE-DATA.md").read_bytes()
    assert all_bytes(root)["datapackage.json"] == (ROOT / "datapackage.json").read_bytes()


def test_a_changed_source_row_changes_every_list(tmp_path: Path) -> None:
    root = repository(tmp_path / "pkg")
    key = csv_rows(root / "data/sources.csv")[1][0][0]
    set_cell(root / "data/sources.csv", key, "outlet", "A Renamed Outlet")
    result = CliRunner().invoke(cli, ["docs", str(root)])
    assert {f"wrote {n}" for n in GENERATED[1:]} <= set(result.stdout.splitlines())  # the dictionary too when its example changed
    for name in GENERATED[1:]:
        assert "A Renamed Outlet" in (root / name).read_text()


def test_an_unknown_region_is_an_error_and_changes_nothing(tmp_path: Path) -> None:
    root = repository(tmp_path / "pkg")
    readme = root / "README.md"
    readme.write_text(readme.read_text() + "\n<!-- generated: totals -->\n<!-- end -->\n")
    before = all_bytes(root)
    result = CliRunner().invoke(cli, ["docs", str(root)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: README.md: unknown generated region 'totals'; known: contents, seeds, scope, pin-pip, pin-git, pin-archive\n"
    assert all_bytes(root) == before


def test_a_package_without_readme_generates_the_rest(package: Path) -> None:
    result = CliRunner().invoke(cli, ["docs", "--check", str(package)])
    assert (result.exit_code, result.stdout) == (1, "datapackage.json is current\n")
    assert result.stderr == "docs/data-dictionary.md is stale; run `mmdata docs` and commit the result\n"  # no docs/ in a bare package


def test_the_descriptor_layout_is_its_own(tmp_path: Path) -> None:
    """Only its sources are generated: a descriptor indented otherwise is current, and kept as it is."""
    root = repository(tmp_path / "pkg")
    descriptor = root / "datapackage.json"
    descriptor.write_text(json.dumps(json.loads(descriptor.read_text()), indent=4) + "\n")
    before = descriptor.read_bytes()
    assert CliRunner().invoke(cli, ["docs", "--check", str(root)]).exit_code == 0
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0
    assert descriptor.read_bytes() == before


def test_docs_reports_a_header_that_lacks_columns_issue_13(package: Path) -> None:
    path = package / "data/sources.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")  # the header line dropped
    result = CliRunner().invoke(cli, ["docs", "--check", str(package)])
    code, stderr = result.exit_code, result.stderr
    assert code == 2
    assert stderr.startswith("Error: data/sources.csv:1:source_id: column 'source_id' is missing from the header [header-error]; ")
    assert "internal error" not in stderr


@pytest.mark.parametrize("marker", ["<!-- end -->", "<!-- generated: seeds -->\n"])
def test_a_cell_holding_a_region_marker_cannot_end_or_open_a_region_issue_23(marker: str, tmp_path: Path) -> None:
    """A title with `<!-- end -->` once made `docs` grow the README on every run: generated text never holds a marker."""
    root = repository(tmp_path / "pkg")
    key = csv_rows(root / "data/sources.csv")[1][0][0]
    set_cell(root / "data/sources.csv", key, "title", f"A title {marker} that goes on")
    assert CliRunner().invoke(cli, ["docs", str(root)]).exit_code == 0
    once = all_bytes(root)
    assert CliRunner().invoke(cli, ["docs", str(root)]).stdout.count("wrote") == 0  # a second run has nothing to write
    check = CliRunner().invoke(cli, ["docs", "--check", str(root)])
    assert (check.exit_code, check.stderr) == (0, "")
    assert all_bytes(root) == once
    for name in ("README.md", "LICENSE-DATA.md"):
        text = once[name].decode()
        assert text.count("<!-- end -->") == (ROOT / name).read_text().count("<!-- end -->")
        line = next(line for line in region(text, "seeds").splitlines() if f"(`{key}`)" in line)
        assert f"A title &lt;!--{marker[4:].split(chr(10))[0]} that goes on" in line.replace("\n", " ")


@pytest.mark.parametrize("name", ["CITATION.cff", "README.md", "LICENSE-DATA.md", "CHANGELOG.md"])
def test_a_document_that_is_not_utf8_is_an_encoding_error_issue_23(name: str, tmp_path: Path) -> None:
    """The texts docs, site and release read besides the tables (CITATION.cff, the README...) are UTF-8 or refused, located."""
    root = repo_copy(tmp_path / "pkg")
    path = root / name
    line = path.read_bytes().count(b"\n") + 2
    path.write_bytes(path.read_bytes() + b"\nna\xefve\n")
    error = f"Error: {name}: is not valid UTF-8 (invalid continuation byte, line {line}); save the file as UTF-8\n"
    before = all_bytes(root)

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args))
        return result.exit_code, result.stderr

    assert run("docs", "--check", str(root)) == ((2, error) if name != "CHANGELOG.md" else (0, ""))  # docs reads no changelog
    assert run("release", FIRST, str(root)) == (1 if name == "CHANGELOG.md" else 2, error)
    assert run("site", "--out", str(tmp_path / "site"), str(root)) == ((2, error) if name == "CITATION.cff" else (0, ""))  # the site reads the citation only
    assert all_bytes(root) == before

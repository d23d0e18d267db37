"""`mmdata docs` generates every derived text (#12): the README's rows per source and list of
third-party documents, the list in LICENSE-DATA.md and the sources of datapackage.json, besides the
data dictionary; `mmdata docs --check` fails when any is stale."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.generated import COUNTED, describe_source, read_rows

from .conftest import ROOT, copy_package, set_cell
from .conftest import read_rows as csv_rows
from .releases import all_bytes

GENERATED = ("docs/data-dictionary.md", "README.md", "LICENSE-DATA.md", "datapackage.json")


def repository(target: Path) -> Path:
    """The package with the files mmdata docs generates into."""
    copy_package(ROOT, target)
    for name in ("README.md", "LICENSE-DATA.md", "docs"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, target / name)
    return target


def region(text: str, name: str) -> str:
    match = re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end -->", text, re.S)
    assert match, name
    return match.group(1)


def test_readme_and_licence_hold_the_generated_regions() -> None:
    readme, licence = (ROOT / "README.md").read_text(), (ROOT / "LICENSE-DATA.md").read_text()
    sources = csv_rows(ROOT / "data/sources.csv")[1]
    for text in (region(readme, "seeds"), region(licence, "seeds")):
        assert [line.split("`")[1] for line in text.splitlines()] == sorted(row[1] for row in sources)
    table = region(readme, "contents").splitlines()
    assert len(table) == 2 + len(sources)


def test_contents_counts_the_rows_of_each_source() -> None:
    rows = read_rows(ROOT)
    table = region((ROOT / "README.md").read_text(), "contents").splitlines()[2:]
    for source in rows.of("sources"):
        line = next(x for x in table if x.startswith(f"| `{source['source_id']}` |"))
        counts = [sum(r["source_id"] == source["source_id"] for r in rows.of(t)) for t in COUNTED]
        assert line.endswith(f"| {', '.join(map(str, counts))} |")
        assert describe_source(source) in line


def test_descriptor_lists_every_seed_from_sources_csv() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    rows = read_rows(ROOT).of("sources")
    assert [s["path"] for s in descriptor["sources"]] == sorted(r["seed_file"] for r in rows)
    assert all(s["title"].endswith(": third-party text, not covered by the dataset's licence") for s in descriptor["sources"])


def test_a_new_row_makes_the_counts_stale_and_docs_rewrites_only_its_line(tmp_path: Path) -> None:
    root = repository(tmp_path / "pkg")
    header, outcomes = csv_rows(root / "data/outcomes.csv")
    first = outcomes[0]
    (root / "data/outcomes.csv").write_text((root / "data/outcomes.csv").read_text() + ",".join(
        [first[0] + "-copy", *('"' + c.replace('"', '""') + '"' for c in first[1:])]) + "\n")
    before = (root / "README.md").read_text()
    check = CliRunner().invoke(cli, ["docs", "--check", str(root)])
    assert check.exit_code == 1
    assert check.stderr == "README.md is stale; run `mmdata docs` and commit the result\n"
    write = CliRunner().invoke(cli, ["docs", str(root)])
    assert write.exit_code == 0
    assert "wrote README.md\n" in write.stdout
    after = (root / "README.md").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    source = first[header.index("source_id")]
    assert len(changed) == 1 and changed[0][1].startswith(f"| `{source}` |")
    assert CliRunner().invoke(cli, ["docs", "--check", str(root)]).exit_code == 0


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
    assert result.stderr == "Error: README.md: unknown generated region 'totals'; known: contents, seeds\n"
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

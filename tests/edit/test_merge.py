"""Two data pull requests never conflict (#12), proved in a temporary git repository: each branch
adds a row to outcomes.csv with `mmdata add-row`, runs `mmdata fmt` and adds a changelog bullet,
after a release recorded the tables' checksums.

fmt sorts rows by key, so rows with different keys land on different lines, and git's own line
merge takes both as long as an unchanged line lies between them. Two rows with no existing row
between them are inserted at the same place, which git's line merge calls a conflict; the
mmdata-table merge driver (`mmdata merge-table`, named in .gitattributes) merges them by key."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.edit.merge import merge_rows
from mmdata.model.package import checksums

from ..conftest import ROOT, build_fixture, read_rows

CHANGELOG = "# Changelog\n\n## Unreleased\n\n### Data\n- The base (test).\n"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=check)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The tiny package after a release: checksums recorded, committed on main, with the repository's .gitattributes."""
    root = build_fixture("_base", tmp_path / "repo")
    descriptor = json.loads((root / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        resource.update(checksums((root / resource["path"]).read_bytes()))
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")
    shutil.copy2(ROOT / ".gitattributes", root / ".gitattributes")
    (root / "CHANGELOG.md").write_text(CHANGELOG)
    assert mmdata.validate(root) == []
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Release 0.1.0")
    return root


def copy_of(repo: Path, key: str, new_key: str) -> list[str]:
    """--set options for a copy of an outcome row under another key: a valid row with the same quote."""
    header, rows = read_rows(repo / "data/outcomes.csv")
    row = next(r for r in rows if r[0] == key)
    return [a for column, cell in zip(header, row, strict=True) if cell
            for a in ("--set", f"{column}={new_key if column == 'outcome_id' else cell}")]


def pull_request(repo: Path, branch: str, key: str, new_key: str) -> None:
    """A contributor's branch: one outcome row, fmt, a changelog bullet, one commit."""
    git(repo, "checkout", "-q", "-b", branch, "main")
    added = CliRunner().invoke(cli, ["add-row", "outcomes", str(repo), *copy_of(repo, key, new_key)])
    assert added.exit_code == 0, added.output
    assert CliRunner().invoke(cli, ["fmt", str(repo)]).exit_code == 0
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + f"- outcomes: {new_key} (#{branch}).\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"Add {new_key}")
    git(repo, "checkout", "-q", "main")


def merge_both(repo: Path) -> list[subprocess.CompletedProcess[str]]:
    return [git(repo, "merge", "--no-edit", "-q", branch, check=False) for branch in ("one", "two")]


def assert_merged(repo: Path, *new_keys: str) -> None:
    keys = [r[0] for r in read_rows(repo / "data/outcomes.csv")[1]]
    assert set(new_keys) <= set(keys) and keys == sorted(keys)
    assert mmdata.validate(repo) == []
    assert CliRunner().invoke(cli, ["fmt", "--check", str(repo)]).exit_code == 0
    changelog = (repo / "CHANGELOG.md").read_text()
    assert all(f"- outcomes: {k} " in changelog for k in new_keys) and "<<<<" not in changelog
    resources = {r["name"]: r for r in json.loads((repo / "datapackage.json").read_text())["resources"]}
    assert "hash" not in resources["outcomes"] and all("hash" in r for n, r in resources.items() if n != "outcomes")


@pytest.mark.parametrize(("first", "second"), [
    ("trial-a-pfs-drug-copy", "trial-a-pfs-placebo-copy"),  # two existing rows between them
    ("trial-a-pfs-drug-x", "trial-a-pfs-hr-x"),  # one existing row between them: the least git needs
])
def test_rows_apart_merge_with_plain_git(repo: Path, first: str, second: str) -> None:
    pull_request(repo, "one", "trial-a-pfs-drug", first)
    pull_request(repo, "two", "trial-a-pfs-placebo", second)
    assert [m.returncode for m in merge_both(repo)] == [0, 0]  # no merge driver configured
    assert_merged(repo, first, second)


def test_adjacent_rows_conflict_in_plain_git_and_merge_with_the_driver(repo: Path) -> None:
    pull_request(repo, "one", "trial-a-pfs-drug", "trial-a-pfs-drug-a")
    pull_request(repo, "two", "trial-a-pfs-drug", "trial-a-pfs-drug-b")
    plain = merge_both(repo)
    assert plain[0].returncode == 0 and plain[1].returncode != 0
    assert "CONFLICT (content): Merge conflict in data/outcomes.csv" in plain[1].stdout  # both rows go in after the same line
    git(repo, "merge", "--abort")
    git(repo, "config", "merge.mmdata-table.driver", f"{sys.executable} -m mmdata merge-table %O %A %B")
    assert git(repo, "merge", "--no-edit", "-q", "two", check=False).returncode == 0
    assert_merged(repo, "trial-a-pfs-drug-a", "trial-a-pfs-drug-b")


def test_the_driver_refuses_a_row_changed_differently_on_both_sides(repo: Path) -> None:
    git(repo, "config", "merge.mmdata-table.driver", f"{sys.executable} -m mmdata merge-table %O %A %B")
    for branch, caveat in (("one", "First reading."), ("two", "Second reading.")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        header, rows = read_rows(repo / "data/outcomes.csv")
        text = (repo / "data/outcomes.csv").read_text()
        line = next(x for x in text.splitlines() if x.startswith("trial-a-pfs-hr,"))
        (repo / "data/outcomes.csv").write_text(text.replace(line, line + caveat))
        git(repo, "commit", "-qam", caveat)
        git(repo, "checkout", "-q", "main")
    merged = merge_both(repo)
    assert merged[0].returncode == 0 and merged[1].returncode != 0
    assert "<<<<<<< ours" in (repo / "data/outcomes.csv").read_text()


HEADER = b"k,v\n"


@pytest.mark.parametrize(("base", "ours", "theirs", "expected"), [
    (b"a,1\nc,3\n", b"a,1\nb,2\nc,3\n", b"a,1\nbb,9\nc,3\n", b"a,1\nb,2\nbb,9\nc,3\n"),  # both add at the same place
    (b"a,1\nb,2\n", b"a,1\n", b"a,1\nb,2\n", b"a,1\n"),  # removed on one side
    (b"a,1\nb,2\n", b"a,1\nb,5\n", b"a,1\nb,5\n", b"a,1\nb,5\n"),  # the same change on both sides
    (b"a,1\nb,2\n", b"a,1\nb,5\n", b"a,7\nb,2\n", b"a,7\nb,5\n"),  # different rows changed
    (b"a,1\nb,2\n", b"a,1\nb,5\n", b"a,1\nb,6\n", None),  # one row changed differently: a conflict
    (b"a,1\nb,2\n", b"a,1\n", b"a,1\nb,6\n", None),  # removed on one side, changed on the other: a conflict
])
def test_merge_rows(base: bytes, ours: bytes, theirs: bytes, expected: bytes | None) -> None:
    result = merge_rows(HEADER + base, HEADER + ours, HEADER + theirs)
    assert result == (None if expected is None else HEADER + expected)


def test_merge_rows_leaves_a_changed_header_to_git() -> None:
    assert merge_rows(b"k,v\na,1\n", b"k,w\na,1\n", b"k,v\na,2\n") is None


FIELDS = [{"name": "a"}, {"name": "b"}]


@pytest.mark.parametrize(("written", "problem"), [
    ({"primaryKey": "a"}, None),  # a key written as one name
    ({"primaryKey": ["a"]}, None),
    ({"primaryKey": ["a", "b"]}, None),  # a first column that is not unique: the driver leaves the file to git
    ({"primaryKey": "b"}, 'primaryKey "b" does not start with the table\'s first field "a"'),  # as written
    ({"primaryKey": ["b", "a"]}, 'primaryKey ["b", "a"] does not start with the table\'s first field "a"'),
    ({}, "the table declares no primaryKey"),
    ({"primaryKey": []}, "the table declares no primaryKey"),
    ({"mmdata:role": "finding"}, None),  # named by role_problem: a table of findings is keyed by one column
    ({"mmdata:role": "arm"}, "the table declares no primaryKey"),
    ({"primaryKey": 5}, None),  # not a key as Table Schema writes one: the standard's problem alone
    ({"primaryKey": ["c"]}, None),  # a key naming no field: likewise
    ({"fields": 5}, None),
])
def test_a_key_the_merge_driver_would_not_match_rows_by_is_a_schema_error(written: dict, problem: str | None) -> None:
    # The driver sees three versions of a file and no schema: it matches rows by their first column. A table keyed
    # otherwise, or not at all, passed `mmdata validate`; only a test of the shipped schemas knew the rule.
    from mmdata.model.schema import key_problem

    found = key_problem({"fields": FIELDS, **written})
    assert (None if found is None else found[:len(problem or "")]) == problem


def test_merge_table_command_leaves_conflict_markers_and_exits_1(tmp_path: Path) -> None:
    paths = []
    for name, body in (("base", b"a,1\n"), ("ours", b"a,2\n"), ("theirs", b"a,3\n")):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(HEADER + body)
    result = CliRunner().invoke(cli, ["merge-table", *map(str, paths)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {paths[1]}: rows changed differently on both sides; resolve the conflict markers, then run `mmdata fmt`\n"
    assert "<<<<<<< ours\na,2\n=======\na,3\n>>>>>>> theirs\n" in paths[1].read_text()


def test_merge_table_command_merges_by_key(tmp_path: Path) -> None:
    paths = []
    for name, body in (("base", b"a,1\nc,3\n"), ("ours", b"a,1\nb,2\nc,3\n"), ("theirs", b"a,1\nbb,9\nc,3\n")):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(HEADER + body)
    result = CliRunner().invoke(cli, ["merge-table", *map(str, paths)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert paths[1].read_bytes() == HEADER + b"a,1\nb,2\nbb,9\nc,3\n"


@pytest.mark.parametrize(("key", "said"), [
    (5, "at property 'primaryKey"),
    ("no_such_field", "no_such_field"),
])
def test_a_key_the_standard_refuses_is_named_once(tmp_path: Path, key: object, said: str) -> None:
    # A primaryKey that is not a list of names, or names no field, is the Table Schema standard's problem alone: not
    # also said to be missing or not first.
    from ..conftest import apply_patch

    pkg = build_fixture("_base", tmp_path / "pkg")
    apply_patch(pkg, [{"file": "schemas/arms.schema.json", "pointer": "/primaryKey", "value": key}])
    found = [p for p in mmdata.validate(pkg) if p.path == "schemas/arms.schema.json"]
    assert len(found) == 1 and said in found[0].message, found


def test_a_key_problem_is_reported_beside_another_problem_of_its_schema(tmp_path: Path) -> None:
    # One run reports every problem: a schema with a type mmdata cannot read and no key gets both, as with a bad role.
    from ..conftest import apply_patch

    pkg = build_fixture("_base", tmp_path / "pkg")
    apply_patch(pkg, [{"file": "schemas/arms.schema.json", "pointer": "/primaryKey", "remove": True},
                      {"file": "schemas/arms.schema.json", "pointer": "/fields/size/type", "value": "date"}])
    found = {p.column: p.message for p in mmdata.validate(pkg) if p.path == "schemas/arms.schema.json"}
    assert sorted(found) == ["primaryKey", "size"], found
    assert "'date' is not supported" in found["size"] and found["primaryKey"].startswith("the table declares no primaryKey")

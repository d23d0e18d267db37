"""The one transaction every command writes through (#21): a journal found on disk is read as hostile
input (#23), a failure or a crash in any command is put back by the next command that writes."""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.errors import WriteFailed, WriteRefused
from mmdata.io import journal
from mmdata.io.journal import JOURNAL, LEGACY, Transaction, recover, transaction, unsafe_path

from ..conftest import build_fixture
from ..releases import all_bytes


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


#: Every command that writes the package, as the command line takes it (the package folder last).
WRITERS = [["fmt"], ["docs"], ["add-row", "arms", "--set", "name=x"],
           ["add-source", "LICENSE", "--id", "x", "--type", "lay-summary"], ["release", "9.0.0"],
           ["release", "9.0.0", "--rebuild"]]


def refusals(pkg: Path, *outside: Path) -> set[str]:
    """Run every command that writes: each must exit 1 with one line on stderr and change nothing, in the
    package or in the files outside; the set of the lines."""
    before = all_bytes(pkg), [p.read_bytes() for p in outside]
    lines = set()
    for command in WRITERS:
        result = CliRunner().invoke(cli, [*command, str(pkg)])
        assert (result.exit_code, result.stdout, result.stderr.count("\n")) == (1, "", 1), (command, result.output)
        lines.add(result.stderr)
    assert (all_bytes(pkg), [p.read_bytes() for p in outside]) == before
    return lines


# ---------------------------------------------------------------- planted journals (#23)
def test_a_planted_release_journal_overwrites_and_deletes_nothing_issue_23(pkg: Path, tmp_path: Path) -> None:
    """The journal of mmdata 1.0, committed: it names ../victim.txt (to be "put back") and an absolute path
    (to be "removed" as the release's archive). Every command that writes refuses it, changing nothing."""
    victim, absolute = tmp_path / "victim.txt", tmp_path / "absolute.txt"
    victim.write_bytes(b"the victim's own text\n")
    absolute.write_bytes(b"a file anywhere\n")
    (pkg / "dist").mkdir()
    (pkg / LEGACY).write_text(json.dumps({
        "version": "9.0.0",
        "archive": {"path": str(absolute), "sha256": sha(absolute.read_bytes())},
        "sidecar": {"path": "dist/x.sha256", "sha256": "0" * 64},
        "files": {"../victim.txt": {"before": b64(b"overwritten\n"), "after": sha(victim.read_bytes())}},
    }))
    assert refusals(pkg, victim, absolute) == {
        f"Error: {LEGACY}: names '../victim.txt', which mmdata never writes: it leaves the package folder (..); so mmdata did not "
        f"write this journal: nothing was changed; if no mmdata command was interrupted here, delete {LEGACY}\n"}
    (pkg / LEGACY).write_text(json.dumps({"version": "9.0.0", "archive": {"path": str(absolute), "sha256": sha(absolute.read_bytes())},
                                          "sidecar": {"path": "dist/x.sha256", "sha256": "0" * 64}, "files": {}}))
    assert refusals(pkg, victim, absolute) == {
        f"Error: {LEGACY}: names '{absolute}', which mmdata never writes: it is an absolute path; so mmdata did not "
        f"write this journal: nothing was changed; if no mmdata command was interrupted here, delete {LEGACY}\n"}


@pytest.mark.parametrize(("name", "why"), [
    ("../victim.txt", "it leaves the package folder (..)"),
    ("/etc/victim.txt", "it is an absolute path"),
    ("C:/victim.txt", "it is an absolute path"),
    ("data/../../victim.txt", "it leaves the package folder (..)"),
    ("data\\arms.csv", "it is not a package-relative path written a/b.csv"),
    ("./data/arms.csv", "it is not a package-relative path written a/b.csv"),
    ("data//arms.csv", "it is not a package-relative path written a/b.csv"),
    ("https://example.org/x", "it is not a package-relative path written a/b.csv"),
    ("data/arms.csv\x00", "it is not a package-relative path written a/b.csv"),
    (".git/hooks/post-checkout", "it is inside .git"),
    (JOURNAL, "it is a journal"),
    (LEGACY, "it is a journal"),
    ("", "it is not a file name"),
])
def test_a_journal_naming_a_path_outside_the_package_is_refused_issue_23(name: str, why: str, pkg: Path) -> None:
    (pkg / JOURNAL).write_text(json.dumps({"command": "fmt", "files": {name: {"before": b64(b"x\n"), "after": "0" * 64}}}))
    shown = name.replace("\x00", "\\x00")
    assert refusals(pkg) == {f"Error: {JOURNAL}: names '{shown}', which mmdata never writes: {why}; so mmdata did not write this "
                             f"journal: nothing was changed; if no mmdata command was interrupted here, delete {JOURNAL}\n"}


def test_a_journal_naming_a_path_through_a_link_is_refused_issue_23(pkg: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "arms.csv").write_bytes(b"outside\n")
    os.symlink(outside, pkg / "linked")
    (pkg / JOURNAL).write_text(json.dumps({"command": "docs", "files": {"linked/arms.csv": {"before": None, "after": sha(b"outside\n")}}}))
    assert refusals(pkg, outside / "arms.csv") == {
        f"Error: {JOURNAL}: names 'linked/arms.csv', which mmdata never writes: linked is a symbolic link, and mmdata never writes "
        "through one; replace the link by the file or folder itself; so mmdata did not write this journal: nothing was changed; "
        f"if no mmdata command was interrupted here, delete {JOURNAL}\n"}


def test_a_journal_that_is_a_link_is_refused_issue_23(pkg: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.json").write_text(json.dumps({"command": "fmt", "files": {}}))
    os.symlink(tmp_path / "elsewhere.json", pkg / JOURNAL)
    assert refusals(pkg, tmp_path / "elsewhere.json") == {
        f"Error: {JOURNAL}: is reached through a symbolic link; mmdata follows no link: put the file itself there; a journal must be "
        f"a regular file in the package: nothing was changed; if no mmdata command was interrupted here, delete {JOURNAL}\n"}


def test_a_journal_committed_to_git_is_refused_issue_23(pkg: Path) -> None:
    """Only an interrupted command leaves a journal, never committed: one that git tracks was planted."""
    arms = (pkg / "data/arms.csv").read_bytes()
    (pkg / JOURNAL).write_text(json.dumps({"command": "fmt", "files": {"data/arms.csv": {"before": b64(b"planted\n"), "after": sha(arms)},
                                                                       "data/new.csv": {"before": None, "after": "0" * 64}}}))
    git = ["git", "-C", str(pkg), "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "planted"], check=True)
    assert refusals(pkg) == {f"Error: {JOURNAL}: is committed to git, but only an interrupted mmdata command leaves a journal, and it "
                             f"is never committed: nothing was changed; remove it (git rm {JOURNAL}) and commit\n"}
    (pkg / ".git/info/exclude").write_text(f"{JOURNAL}\n")
    subprocess.run([*git, "rm", "-q", "--cached", JOURNAL], check=True)
    recover(pkg)  # untracked, it is taken for mmdata's own: its file put back
    assert (pkg / "data/arms.csv").read_bytes() == b"planted\n" and not (pkg / JOURNAL).exists()


@pytest.mark.parametrize(("content", "why"), [
    (b"not json\n", "Expecting value: line 1 column 1 (char 0)"),
    (b"[]", "no 'files' object"),
    (b'{"files": {}}', "unknown command 'None'"),
    (b'{"command": "rm -rf", "files": {}}', "unknown command 'rm -rf'"),
    (b'{"command": "release", "files": {}}', "a release without its version"),
    (b'{"command": "release", "version": "1.0", "files": {}}', "a release without its version"),
    (b'{"command": "fmt", "files": {"a.csv": 1}}', "'a.csv' has no sha256 'after'"),
    (b'{"command": "fmt", "files": {"a.csv": {"after": "00"}}}', "'a.csv' has no sha256 'after'"),
    (b'{"command": "fmt", "files": {"a.csv": {"before": 1, "after": "' + b"0" * 64 + b'"}}}', "'a.csv' has no 'before'"),
    (b'{"command": "fmt", "files": {"a.csv": {"before": "@@", "after": "' + b"0" * 64 + b'"}}}',
     "Only base64 data is allowed"),
    (b'{"version": "1.0.0", "archive": {"sha256": "00"}, "files": {}}', "'archive' has no path"),
    (b'{"version": "1.0.0", "archive": [], "files": {}}', "'archive' has no path"),
    (b"\xff", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
])
def test_a_journal_that_is_not_one_is_refused_issue_23(content: bytes, why: str, pkg: Path) -> None:
    (pkg / JOURNAL).write_bytes(content)
    assert refusals(pkg) == {f"Error: {JOURNAL}: cannot be read as mmdata's journal ({why}); nothing was changed; if an mmdata command "
                             f"was interrupted, put back the files it was writing from git (`git status` lists them), then delete {JOURNAL}\n"}


# ---------------------------------------------------------------- the transaction
@pytest.mark.parametrize(("name", "why"), [("../x.csv", "it leaves the package folder (..)"), ("/x.csv", "it is an absolute path"),
                                           (JOURNAL, "it is a journal"), (".git/config", "it is inside .git")])
def test_a_transaction_never_stages_a_path_outside_the_package_issue_21(name: str, why: str, pkg: Path) -> None:
    with pytest.raises(WriteRefused) as refused:
        Transaction(pkg, "fmt").write(name, b"x")
    assert str(refused.value) == f"{name}: not written: {why}"


def test_a_transaction_checks_every_path_before_it_writes_any_issue_21(pkg: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path, pkg / "linked")
    before = all_bytes(pkg)
    with pytest.raises(WriteRefused) as refused, transaction(pkg, "fmt") as staged:
        staged.write("data/arms.csv", b"new\n")
        staged.write("linked/x.csv", b"new\n")
    assert str(refused.value) == ("linked/x.csv: not written: linked is a symbolic link, and mmdata never writes through one; "
                                  "replace the link by the file or folder itself")
    assert all_bytes(pkg) == before and list(tmp_path.iterdir()) == [pkg]


def test_an_exception_in_the_block_writes_nothing_issue_21(pkg: Path) -> None:
    before = all_bytes(pkg)
    with pytest.raises(KeyError), transaction(pkg, "fmt") as staged:
        staged.write("data/arms.csv", b"new\n")
        raise KeyError("stop")
    assert all_bytes(pkg) == before


def test_a_file_staged_twice_keeps_its_place_and_its_last_bytes_issue_21(pkg: Path) -> None:
    with transaction(pkg, "docs") as staged:
        staged.write("a.md", b"1")
        staged.write("b.md", b"2")
        staged.write("a.md", b"3")
    assert staged.commit() == ["a.md", "b.md"]
    assert ((pkg / "a.md").read_bytes(), (pkg / "b.md").read_bytes(), (pkg / JOURNAL).exists()) == (b"3", b"2", False)


class Killed(BaseException):
    """Stands for SIGKILL: raised at a write, with nothing put back afterwards."""


def crash(monkeypatch: pytest.MonkeyPatch, pkg: Path, at: str) -> None:
    """Make the first write of at raise Killed, and nothing be put back (as when the process is killed)."""
    real = journal.atomic_write

    def write(path: Path, data: bytes) -> None:
        if path == pkg / at:
            raise Killed
        real(path, data)

    monkeypatch.setattr(journal, "atomic_write", write)
    monkeypatch.setattr(journal, "undo", lambda root, record: [])


def test_a_crashed_fmt_is_put_back_by_the_next_docs_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arms = pkg / "data/arms.csv"
    arms.write_bytes(arms.read_bytes().replace(b"\n", b"\r\n"))  # not canonical: fmt rewrites both tables...
    (pkg / "data/studies.csv").write_bytes((pkg / "data/studies.csv").read_bytes().replace(b"\n", b"\r\n"))
    before = all_bytes(pkg)
    crash(monkeypatch, pkg, "data/arms.csv")  # ...killed at the second table (studies, then arms)
    with pytest.raises(Killed):
        CliRunner().invoke(cli, ["fmt", str(pkg)], catch_exceptions=False)
    monkeypatch.undo()
    assert (pkg / JOURNAL).is_file() and (pkg / "data/studies.csv").read_bytes() != before["data/studies.csv"]
    reference = build_fixture("_base", pkg.parent / "reference")
    for name in ("data/arms.csv", "data/studies.csv"):
        (reference / name).write_bytes(before[name])
    assert CliRunner().invoke(cli, ["docs", str(reference)]).exit_code == 0
    assert CliRunner().invoke(cli, ["docs", str(pkg)]).exit_code == 0
    assert all_bytes(pkg) == all_bytes(reference)  # as if fmt had never run


def test_a_file_changed_since_the_crash_is_never_overwritten_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arms = pkg / "data/arms.csv"
    arms.write_bytes(arms.read_bytes().replace(b"\n", b"\r\n"))
    crash(monkeypatch, pkg, JOURNAL + "-never")  # killed just before the journal is removed
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    CliRunner().invoke(cli, ["fmt", str(pkg)], catch_exceptions=False)
    monkeypatch.undo()
    arms.write_bytes(b"edited by hand\n")
    before = all_bytes(pkg)
    with pytest.raises(WriteRefused) as refused:
        recover(pkg)
    assert str(refused.value) == (f"an interrupted `mmdata fmt` (recorded in {JOURNAL}) cannot be undone: could not put back "
                                  f"data/arms.csv (changed since `mmdata fmt` began); restore them from git (or keep them as they are), "
                                  f"then delete {JOURNAL}")
    assert all_bytes(pkg) == before


def test_a_complete_command_leaves_only_its_journal_to_remove_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    with transaction(pkg, "docs") as staged:
        staged.write("new.md", b"new\n")
    monkeypatch.undo()
    assert (pkg / JOURNAL).is_file()
    recover(pkg)
    assert not (pkg / JOURNAL).exists() and (pkg / "new.md").read_bytes() == b"new\n"


def test_a_failed_write_names_the_file_and_a_failed_rollback_says_how_to_finish_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = (pkg / "data/arms.csv").read_bytes()
    real = journal.atomic_write

    def write(path: Path, data: bytes) -> None:
        if path.name == "studies.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        if path.name == "arms.csv" and data == original:
            raise PermissionError(errno.EACCES, "Permission denied")
        real(path, data)

    monkeypatch.setattr(journal, "atomic_write", write)
    with pytest.raises(WriteFailed) as failed, transaction(pkg, "add-row") as staged:
        staged.write("data/arms.csv", b"new\n")
        staged.write("data/studies.csv", b"new\n")
    assert str(failed.value) == ("cannot write data/studies.csv: No space left on device; and could not put back data/arms.csv "
                                 f"(Permission denied), so the package is half-written (recorded in {JOURNAL}): run `mmdata add-row` "
                                 "again to put them back (any command that writes the package puts them back first)")
    monkeypatch.undo()
    recover(pkg)
    assert (pkg / "data/arms.csv").read_bytes() == original and not (pkg / JOURNAL).exists()


def test_a_legacy_release_journal_left_by_a_crash_is_put_back_issue_21(pkg: Path) -> None:
    """A release of mmdata 1.0 killed half-way: its archive removed, its files put back, by any command that writes."""
    descriptor = (pkg / "datapackage.json").read_bytes()
    (pkg / "dist").mkdir()
    (pkg / "dist/a.zip").write_bytes(b"archive")
    (pkg / "datapackage.json").write_bytes(b"{}\n")
    (pkg / LEGACY).write_text(json.dumps({
        "version": "9.0.0", "archive": {"path": "dist/a.zip", "sha256": sha(b"archive")},
        "sidecar": {"path": "dist/a.zip.sha256", "sha256": sha(b"sums")},
        "files": {"datapackage.json": {"before": b64(descriptor), "after": sha(b"{}\n")}}}))
    recover(pkg)
    assert (pkg / "datapackage.json").read_bytes() == descriptor
    assert sorted(p.name for p in (pkg / "dist").iterdir()) == []


def test_unsafe_path_accepts_the_files_mmdata_writes_issue_21() -> None:
    for name in ("datapackage.json", "data/arms.csv", "seeds/901_0123456789abcdef.txt", ".zenodo.json", "dist/mmdata-data-1.0.0.zip",
                 "releases/mmdata-data-1.0.0.zip.sha256", "docs/data-dictionary.md", "a..b.md"):
        assert unsafe_path(name) is None, name


def test_a_crashed_add_row_is_put_back_by_the_next_fmt_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = all_bytes(pkg)
    crash(monkeypatch, pkg, "data/arms.csv")
    with pytest.raises(Killed):
        CliRunner().invoke(cli, ["add-row", "arms", "--set", "arm_id=trial-a-b", "--set", "study_id=trial-a", "--set", "name=B",
                                 "--set", "intervention=Lenalidomide", "--set", "role=experimental", "--set", "source_id=test-doc",
                                 "--set", "quote=60 received the drug", str(pkg)], catch_exceptions=False)
    monkeypatch.undo()
    assert json.loads((pkg / JOURNAL).read_text())["command"] == "add-row"
    result = CliRunner().invoke(cli, ["fmt", str(pkg)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert all_bytes(pkg) == before

"""`mmdata release` under hostile conditions (#13): a failed write or a crash at any step of the commit
phase leaves a package from which the same command makes the same release; bad SOURCE_DATE_EPOCH,
dist/ that is a file, a second writer at once: refused with `Error: ...`, nothing changed."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.errors import WriteFailed
from mmdata.io import journal
from mmdata.io.journal import JOURNAL
from mmdata.io.locking import busy_message, package_lock
from mmdata.model.publishing import archive_name
from mmdata.publish.release import release, release_date

from ..releases import DAY, FIRST, Released, all_bytes, refusal, repo_copy

ARCHIVE = f"dist/{archive_name(FIRST)}"
#: Every file the commit phase writes, in the order it writes them.
STEPS = [JOURNAL, ARCHIVE, f"{ARCHIVE}.sha256", "datapackage.json", "CHANGELOG.md", "CITATION.cff", "README.md"]


class Killed(BaseException):
    """Stands for SIGKILL: raised at a write, with nothing put back afterwards."""


@pytest.fixture
def reference(released_template: Released) -> dict:
    """An uninterrupted release of FIRST on DAY: every byte of the package after it, and what its commit phase was given."""
    return {"bytes": all_bytes(released_template.root), **released_template.commit_phase}


def failing_at(monkeypatch: pytest.MonkeyPatch, root: Path, step: str, error: BaseException) -> None:
    """Make the commit phase's first write of step raise error; later writes (putting files back) work."""
    real = journal.atomic_write
    failed: list[Path] = []

    def write(path: Path, data: bytes) -> None:
        if path == root / step and not failed:
            failed.append(path)
            raise error
        real(path, data)

    monkeypatch.setattr(journal, "atomic_write", write)


def commit_phase(root: Path, reference: dict) -> None:
    journal.commit(root, FIRST, reference["files"], root / ARCHIVE, reference["content"])


@pytest.mark.parametrize("step", STEPS)
def test_a_failed_write_at_any_step_puts_every_file_back_issue_13(step: str, reference: dict, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path / "pkg")
    before = all_bytes(root)
    failing_at(monkeypatch, root, step, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(WriteFailed) as raised:
        commit_phase(root, reference)
    assert str(raised.value) == f"cannot write {step}: No space left on device; nothing was changed"
    assert all_bytes(root) == before  # the journal and the archive included


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_then_the_same_command_makes_the_same_release_issue_13(step: str, reference: dict, tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path / "pkg")
    failing_at(monkeypatch, root, step, Killed())
    monkeypatch.setattr(journal, "undo", lambda root, entries: [])  # killed: nothing is put back
    with pytest.raises(Killed):
        commit_phase(root, reference)
    monkeypatch.undo()
    assert (root / JOURNAL).is_file() == (step != JOURNAL)
    assert release(root, FIRST, today=DAY).version == FIRST
    assert all_bytes(root) == reference["bytes"]


def test_a_crash_after_the_last_write_leaves_a_complete_release_issue_13(reference: dict, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed just before the journal is removed: the release is complete, and the next run only removes the journal."""
    root = repo_copy(tmp_path / "pkg")
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    commit_phase(root, reference)
    monkeypatch.undo()
    assert (root / JOURNAL).is_file()
    assert refusal_after_recovery(root) == f"Error: version {FIRST} is not greater than the current version {FIRST}\n"
    assert all_bytes(root) == reference["bytes"]


def refusal_after_recovery(root: Path) -> str:
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    assert (result.exit_code, result.stdout) == (1, "")
    return result.stderr


def test_a_real_sigkill_during_the_commit_phase_then_the_same_command_succeeds_issue_13(reference: dict, tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from mmdata.io import journal\n"
        "from mmdata.publish.release import release\n"
        "real = journal.atomic_write\n"
        "def write(path, data):\n"
        "    if path.name == 'CHANGELOG.md':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    real(path, data)\n"
        "journal.atomic_write = write\n"
        f"release(Path(sys.argv[1]), {FIRST!r}, today=__import__('datetime').date({DAY.year}, {DAY.month}, {DAY.day}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    assert (root / JOURNAL).is_file() and (root / ARCHIVE).is_file()  # half-written: the descriptor, not the changelog
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)], env={"SOURCE_DATE_EPOCH": "1795219200"})
    assert result.exit_code == 0, result.output  # 1795219200 is DAY, 2026-11-21
    assert all_bytes(root) == reference["bytes"]


def test_a_rollback_that_fails_names_the_file_and_a_retry_finishes_issue_13(reference: dict, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path / "pkg")
    original = (root / "datapackage.json").read_bytes()
    real = journal.atomic_write

    def write(path: Path, data: bytes) -> None:
        if path.name == "README.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        if path.name == "datapackage.json" and data == original:
            raise PermissionError(errno.EACCES, "Permission denied")
        real(path, data)

    monkeypatch.setattr(journal, "atomic_write", write)
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)], env={"SOURCE_DATE_EPOCH": "1795219200"})
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: cannot write README.md: No space left on device; and could not put back datapackage.json (Permission denied), "
        f"so the release is half-written (recorded in {JOURNAL}): run `mmdata release {FIRST}` again to put them back and release\n")
    monkeypatch.undo()
    assert release(root, FIRST, today=DAY).version == FIRST
    assert all_bytes(root) == reference["bytes"]


def test_a_file_edited_since_the_crash_is_never_overwritten_issue_13(reference: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_copy(tmp_path / "pkg")
    failing_at(monkeypatch, root, "README.md", Killed())
    monkeypatch.setattr(journal, "undo", lambda root, entries: [])
    with pytest.raises(Killed):
        commit_phase(root, reference)
    monkeypatch.undo()
    with (root / "CHANGELOG.md").open("a") as changelog:
        changelog.write("- a line written by hand after the crash\n")
    before = all_bytes(root)
    assert refusal_after_recovery(root) == (
        f"Error: an interrupted release of {FIRST} (recorded in {JOURNAL}) cannot be undone: could not put back CHANGELOG.md "
        f"(changed since the release began); restore them from git (or keep them as they are), then delete {JOURNAL}\n")
    assert all_bytes(root) == before


def test_a_failed_write_is_an_error_line_with_exit_2_issue_13(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dist/ read-only (or a full disk): the journal, the first write, fails; nothing changed."""
    root = repo_copy(tmp_path / "pkg")
    failing_at(monkeypatch, root, JOURNAL, PermissionError(errno.EACCES, "Permission denied"))
    before = all_bytes(root)
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: cannot write {JOURNAL}: Permission denied; nothing was changed\n"
    assert all_bytes(root) == before


def test_refuses_dist_that_is_a_file_issue_13(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "dist").write_text("not a folder\n")
    assert refusal(root, FIRST) == "Error: dist is not a folder: releases are written into the folder dist/; move the file dist away\n"


EPOCH_RANGE = ("must be a whole number of seconds since 1970-01-01 UTC from 315532800 (1980-01-01) to 253402300799 (9999-12-31); "
               "set it to the release's time, for example with `date +%s`, or unset it to date the release today")


@pytest.mark.parametrize("epoch", ["abc", "1e9", "-1", " 1795219200", "+1795219200", "1_795_219_200", "1795219200.5",
                                   "315532799", "253402300800", "9" * 5000, "0"])
def test_refuses_a_source_date_epoch_that_is_not_a_day_a_release_can_have_issue_13(epoch: str, tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert refusal(repo_copy(tmp_path / "pkg"), FIRST) == f"Error: SOURCE_DATE_EPOCH is {epoch!r}, but {EPOCH_RANGE}\n"


@pytest.mark.parametrize(("epoch", "day"), [("315532800", dt.date(1980, 1, 1)), ("253402300799", dt.date(9999, 12, 31)),
                                            ("1795219200", DAY), ("", None)])
def test_source_date_epoch_at_its_limits_issue_13(epoch: str, day: dt.date | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert release_date() == (day or dt.date.today())


def test_a_second_writer_is_refused_while_the_first_holds_the_lock_issue_13(tmp_path: Path) -> None:
    """Another process holds the package's lock (as a running release does): release, fmt, docs, add-row and
    add-source are each refused with one line, exit 1, nothing changed."""
    root = repo_copy(tmp_path / "pkg")
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\nsys.stdin.read()\n", str(root)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = all_bytes(root)
        for args in (["release", FIRST, str(root)], ["fmt", str(root)], ["docs", str(root)],
                     ["add-row", "arms", "--set", "name=x", str(root)],
                     ["add-source", str(root / "LICENSE"), "--id", "x", "--type", "lay-summary", str(root)]):
            result = CliRunner().invoke(cli, args)
            assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {busy_message(root)}\n"), args
        assert all_bytes(root) == before
        for args in (["fmt", "--check", str(root)], ["docs", "--check", str(root)], ["validate", str(root)]):
            assert CliRunner().invoke(cli, args).exit_code == 0, args  # readers are never blocked
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    assert CliRunner().invoke(cli, ["fmt", str(root)]).exit_code == 0  # the lock went with the process


def test_the_refusal_says_nothing_was_changed_and_to_run_again_issue_13() -> None:
    assert busy_message("/data/pkg") == ("another mmdata command (release, fmt, docs, add-source or add-row) is writing the package "
                                         "/data/pkg; nothing was changed: run this one again when it has finished")


def test_the_lock_is_taken_once_per_thread_and_released_issue_13(tmp_path: Path) -> None:
    with package_lock(tmp_path), package_lock(tmp_path / "."):  # reentrant: add-source calls add-row
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
    finally:
        os.close(fd)

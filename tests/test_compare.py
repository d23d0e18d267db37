"""benchmarks/compare.py: `mmdata validate --format json` of two versions of the validator, compared byte for byte (#21)."""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT

COMPARE = ROOT / "benchmarks/compare.py"
#: What compare.py reads of a tree: the validator, the fixtures and their builder, the generator, the shipped package.
PARTS = ("src", "tests", "benchmarks", "datapackage.json", "data", "schemas", "seeds")
CASES = ["shipped", *(f"fixture/{p.name}" for p in sorted(FIXTURES.iterdir()) if p.is_dir() and not p.name.startswith("_"))]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
                          check=True, capture_output=True, text=True)
    return done.stdout


def compare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(COMPARE), *args], capture_output=True, text=True)


def case_lines(stdout: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in re.finditer(r"^(same|DIFFERENT) +(\S+) ", stdout, re.M)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This tree as it is now (uncommitted changes included), committed in a repository of its own."""
    target = tmp_path_factory.mktemp("compare") / "repo"
    target.mkdir()
    for part in PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, target / part)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "the tree under test")
    return target


def test_a_tree_compared_with_itself_is_the_same_issue_21(repo: Path, tmp_path: Path) -> None:
    """The shipped package and a mutated package (the fixtures are compared in the next test; every fixture
    at once costs a minute, and the full comparison is recorded in docs/performance.md)."""
    done = compare("--base", "HEAD", "--head", str(repo), "--rows", "2000", "--mutated", "1", "--only", "[sm]*",
                   "--work", str(tmp_path / "work"))
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    cases = [case for case in [*CASES, "mutated-1"] if fnmatch.fnmatchcase(case, "[sm]*")]
    assert case_lines(done.stdout) == [("same", case) for case in cases]
    assert f"\n{len(cases)} cases: {len(cases)} same, 0 DIFFERENT; base " in done.stdout
    mutated = re.search(r"^same +mutated-1 +exit 1, problems (\d+), codes (\d+) ", done.stdout, re.M)
    assert mutated and int(mutated[1]) >= 40 and int(mutated[2]) >= 15  # the mutations make many codes fire at many lines
    assert git(repo, "worktree", "list").count("\n") == 1  # the base's worktree is gone


def test_a_changed_message_is_different_and_exits_1_unless_its_code_is_ignored_issue_21(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    typed = clone / "src/mmdata/model/schema.py"
    source = typed.read_text(encoding="utf-8")
    assert source.count("is not an allowed value{") == 1  # the enum-error message; move this test with it
    typed.write_text(source.replace("is not an allowed value{", "is not an allowed value at all{"), encoding="utf-8")
    git(clone, "commit", "-q", "-am", "a throwaway change of a message")
    changed = git(clone, "rev-parse", "HEAD").strip()
    git(clone, "checkout", "-q", "HEAD~1")
    args = ["--base", changed, "--head", str(clone), "--mutated", "0", "--only", "fixture/enum-*", "--work", str(tmp_path / "work")]

    done = compare(*args)
    assert (done.returncode, done.stderr) == (1, ""), done.stdout + done.stderr
    assert case_lines(done.stdout) == [("DIFFERENT", "fixture/enum-error"), ("DIFFERENT", "fixture/enum-suggestion")]
    assert "\n2 cases: 0 same, 2 DIFFERENT (fixture/enum-error, fixture/enum-suggestion); base " in done.stdout
    diff = (tmp_path / "work/out/fixture-enum-error/diff.txt").read_text(encoding="utf-8").splitlines()
    assert diff[:3] == ["fixture/enum-error: exit 1 (base), 1 (head)", "--- base stdout", "+++ head stdout"]
    removed = [line[1:] for line in diff[3:] if line.startswith("-")]
    added = [line[1:] for line in diff[3:] if line.startswith("+")]
    assert len(removed) == len(added) == 1
    assert removed[0] == added[0].replace("is not an allowed value;", "is not an allowed value at all;") != added[0]

    # --ignore-codes, on the very outputs of this run (a second run of both versions would cost their start-up again)
    spec = importlib.util.spec_from_file_location("compare_under_test", COMPARE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    for case in ("fixture-enum-error", "fixture-enum-suggestion"):
        out = tmp_path / "work/out" / case
        base, head = (module.Run(1, 0.0, (out / f"{v}.stdout").read_bytes(), (out / f"{v}.stderr").read_bytes()) for v in ("base", "head"))
        assert module.comparable(base, set()) != module.comparable(head, set())
        assert module.comparable(base, {"enum-error"}) == module.comparable(head, {"enum-error"}) == (0, b"[]\n", b"")
        assert module.comparable(head, {"unit-mismatch"})[1] == head.stdout  # another code: nothing taken out

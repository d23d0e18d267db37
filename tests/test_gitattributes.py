"""The repository's .gitattributes, tried in a temporary git repository: seeds keep their bytes and
a pull request shows their text (#19)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .conftest import ROOT


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "core.autocrlf=true", *args],
                          capture_output=True, text=True, check=True).stdout


def test_a_new_seed_reads_as_text_in_a_diff_and_keeps_its_bytes_issue_19(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    shutil.copy2(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    git(tmp_path, "add", ".gitattributes")
    git(tmp_path, "commit", "-qm", "attributes")
    seed = b"Lenalidomide maintenance\r\nalmost 2,000 patients\r\n"
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/005_0123456789abcdef.txt").write_bytes(seed)
    git(tmp_path, "add", "seeds")
    shown = git(tmp_path, "diff", "--cached", "--", "seeds")
    assert "Binary files" not in shown
    assert "+Lenalidomide maintenance\n+almost 2,000 patients\n" in shown  # text mode reads CRLF as LF
    git(tmp_path, "commit", "-qm", "seed")
    blob = subprocess.run(["git", "-C", str(tmp_path), "cat-file", "blob", "HEAD:seeds/005_0123456789abcdef.txt"],
                          capture_output=True, check=True).stdout
    assert blob == seed  # committed byte for byte, even with core.autocrlf=true
    assert git(tmp_path, "check-attr", "text", "diff", "--", "seeds/005_0123456789abcdef.txt").splitlines() == [
        "seeds/005_0123456789abcdef.txt: text: unset", "seeds/005_0123456789abcdef.txt: diff: set"]

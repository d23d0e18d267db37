"""A release archive's SHA256SUMS (io/sums.py): bounded work on a hostile one (#23)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.io.snapshot import ZipSnapshot, open_snapshot
from mmdata.io.sums import sums_problems

from ..releases import FIRST, Released


def test_a_line_repeated_in_sha256sums_is_read_once_issue_23(tmp_path: Path, released_template: Released,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 MB archive whose SHA256SUMS repeated one line tied up validate for over 60 s: each line read and hashed its file."""
    archive, repeated = tmp_path / "repeated.zip", 5_000
    prefix = f"mmdata-data-{FIRST}/"
    with zipfile.ZipFile(released_template.result.archive) as src, zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == prefix + "SHA256SUMS":
                lines = data.decode().splitlines(keepends=True)
                first = next(line for line in lines if line.endswith("  data/outcomes.csv\n"))
                data = (first * repeated + "".join(lines)).encode()
            dst.writestr(info, data)
    read: list[str] = []
    original = ZipSnapshot.read
    monkeypatch.setattr(ZipSnapshot, "read", lambda self, rel, *a, **k: read.append(rel) or original(self, rel, *a, **k))
    problems = sums_problems(open_snapshot(archive))
    assert read.count("data/outcomes.csv") == 1
    assert [(p.path, p.row, p.code, p.message) for p in problems] == [
        ("SHA256SUMS", 2, "hash-mismatch", f"data/outcomes.csv is listed again (first at line 1) and {repeated - 1:,} more lines; "
                                           "SHA256SUMS lists each file once: use the archive as published")]
    result = CliRunner().invoke(cli, ["validate", str(archive)])
    assert result.exit_code == 1
    assert result.stderr == (f"SHA256SUMS:2: data/outcomes.csv is listed again (first at line 1) and {repeated - 1:,} more lines; "
                             "SHA256SUMS lists each file once: use the archive as published [hash-mismatch]\n")

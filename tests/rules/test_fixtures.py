"""Golden files: each tests/fixtures/<case>/ breaks the tiny base package in one way, and its
expected.txt holds exactly what `mmdata validate` prints on stderr.

A case is a patch.json of small changes (table, key, column, value; or a JSON pointer into
datapackage.json or a schema) applied to tests/fixtures/_base at test time, plus whole files
only where the bytes matter (see conftest.build_fixture).

To rewrite the expected files after a deliberate change of wording, run
``MMDATA_UPDATE_GOLDEN=1 pytest tests/rules/test_fixtures.py``: every case rewrites its expected.txt
and then fails, so that a run with the switch set can never pass. Unset it, review the diff
line by line, and run the tests again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata import CODES
from mmdata.cli import cli

from ..conftest import FIXTURES, build_fixture

#: Set to rewrite every expected.txt from what validate prints now (the golden test then fails).
UPDATE = "MMDATA_UPDATE_GOLDEN"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_base_package_is_valid(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(build_fixture("_base", tmp_path))])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "valid: 5 tables, 10 rows, 1 seed checked\n"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(build_fixture(case, tmp_path / "pkg"))])
    expected_file = FIXTURES / case / "expected.txt"
    if os.environ.get(UPDATE):
        expected_file.write_text(result.stderr, encoding="utf-8")
        pytest.fail(f"{UPDATE} is set: rewrote {expected_file.relative_to(FIXTURES)}; unset it, review the diff and run again")
    expected = expected_file.read_text(encoding="utf-8")
    assert result.stderr == expected
    fatal = expected.startswith("Error: ")
    assert result.exit_code == (2 if fatal else 1)
    if not fatal:
        count = len(expected.splitlines())
        assert re.fullmatch(rf"invalid: {count} problems? \(.*\)\n", result.stdout)


def test_every_code_has_a_golden_case() -> None:
    """CODES is derived from the declarations (errors.Code): a newly declared code fails here, by name, until a case shows it."""
    shown = set()
    for case in CASES:
        shown |= set(re.findall(r"\[([a-z-]+)\]$", (FIXTURES / case / "expected.txt").read_text(), re.M))
    assert sorted(set(CODES) - shown) == [], "declared codes that no tests/fixtures/<case>/expected.txt shows"
    assert sorted(shown - set(CODES)) == [], "codes in expected.txt files that no module declares"

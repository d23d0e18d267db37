"""The shipped data: `mmdata validate` finds no problem (#21).

This is the only test over the shipped rows, and it holds no copy of them. Every rule of the
curation guide is a rule of the validator, with a code, a place and a fix (tests/rules/test_curation.py
tests them on the tiny fixture package): a contributor who adds a source through the documented
commands meets them there, never here. The values themselves are not pinned by a test: the
released tables are recorded with their sha256, and `mmdata diff` shows every changed cell.
"""

from __future__ import annotations

from click.testing import CliRunner

from mmdata.cli import cli

from .conftest import ROOT, summary


def test_mmdata_validate_is_clean() -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT)])
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", f"valid: {summary()} checked\n")

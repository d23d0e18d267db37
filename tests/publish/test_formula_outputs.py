"""Outputs stay safe whatever a cell holds (#13): findings.csv neutralises formula-like text for
spreadsheets, the site escapes HTML; the package is built directly, bypassing validation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import mmdata.publish.export
import mmdata.publish.site
from mmdata.model.package import open_package
from mmdata.publish.export import _text, export_files, spreadsheet_safe
from mmdata.publish.site import build_site

from ..conftest import set_cell

OUTCOMES = "data/outcomes.csv"
KEY = "myeloma-xi-pfs-median-lenalidomide"
HOSTILE = '=HYPERLINK("http://example.com/x","click")'


@pytest.fixture
def unchecked(package: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped package, exported without validation, so that a cell validation refuses reaches the outputs: the
    package is opened and handed on as if it had validated."""
    for module in (mmdata.publish.export, mmdata.publish.site):
        monkeypatch.setattr(module, "validated", open_package)
    return package


def findings_rows(package: Path) -> dict[str, dict[str, str]]:
    text = export_files(package, ("csv",))["findings.csv"].decode("utf-8")
    return {row["finding_id"]: row for row in csv.DictReader(io.StringIO(text))}


# A carriage return is left out: csvfile.canonical_csv writes a lone CR unquoted (reported in #13, another part).
@pytest.mark.parametrize(("cell", "written"), [
    (HOSTILE, "'" + HOSTILE), ("+1", "'+1"), ("-2 points", "'-2 points"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("a=1", "a=1"), (" =1", " =1"), ("'=1", "'=1"),
])
def test_findings_csv_neutralises_formula_like_text_issue_13(cell: str, written: str, unchecked: Path) -> None:
    set_cell(unchecked / OUTCOMES, KEY, "caveat", "START")
    path = unchecked / OUTCOMES
    path.write_text(path.read_text(encoding="utf-8").replace(",START", "," + _quoted(cell)), encoding="utf-8", newline="")
    assert findings_rows(unchecked)[KEY]["caveat"] == written


def test_findings_csv_keeps_negative_numbers_as_numbers_issue_13(unchecked: Path) -> None:
    set_cell(unchecked / OUTCOMES, KEY, "ci_lower", "-0.5")
    assert findings_rows(unchecked)[KEY]["ci_lower"] == "-0.5"


def test_the_site_shows_a_hostile_cell_as_text_issue_13(unchecked: Path, tmp_path: Path) -> None:
    set_cell(unchecked / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", HOSTILE + " <script>alert(1)</script>")
    build_site(unchecked, tmp_path / "s")
    html = (tmp_path / "s/studies/myeloma-xi.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and 'href="http://example.com/x"' not in html
    assert "=HYPERLINK(&#34;http://example.com/x&#34;,&#34;click&#34;) &lt;script&gt;alert(1)&lt;/script&gt;" in html


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def test_findings_csv_cells_are_the_same_read_once_per_distinct_text_issue_22() -> None:
    """findings.csv's cells are made column by column, each distinct text once (#22): the same cells as one at a time,
    a repeated formula-like text neutralised every time, numbers as _text writes them (-0.0 is not 0.0)."""
    rows = [("=1+1", None, 1.0, 3, "a"), ("=1+1", "@x", -0.0, 3, "a"), ("b", "@x", 0.0, None, "+2"), ("=1+1", "", 2.5, 0, "a")]
    one_at_a_time = [[spreadsheet_safe(_text(v)) if isinstance(v, str) else _text(v) for v in row] for row in rows]
    assert mmdata.publish.export._csv_cells(rows) == one_at_a_time
    assert [row[0] for row in one_at_a_time] == ["'=1+1", "'=1+1", "b", "'=1+1"]
    assert [row[2] for row in one_at_a_time] == ["1", "-0", "0", "2.5"]
    assert mmdata.publish.export._csv_cells([]) == []

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


@pytest.mark.parametrize("split", [1, 2, 5])
def test_findings_csv_lines_are_the_cells_one_at_a_time_issue_22(split: int) -> None:
    """findings.csv is made a batch at a time from Arrow arrays (#22): the same lines as canonical_csv writes of the cells
    made one at a time (a formula-like text neutralised every time, an allowed value too, numbers as _text writes them:
    -0.0 is not 0.0, 1.0 is 1), missing values empty, cells with a comma, quote or line break quoted."""
    from mmdata.io.csvfile import canonical_lines
    from mmdata.model.schema import resource_of
    from mmdata.publish.export import arrow_arrays, csv_lines

    resource = resource_of({"fields": [{"name": "t", "type": "string"}, {"name": "u", "type": "string"},
                                       {"name": "x", "type": "number"}, {"name": "n", "type": "integer"},
                                       {"name": "e", "type": "string", "constraints": {"enum": ["a", "-b", "c,d"]}}]}, "t")
    rows = [("=1+1", None, 1.0, 3, "a"), ("=1+1", "@x", -0.0, 3, "-b"), ("b", "@x", 0.0, None, "c,d"), ("=1+1", "", 2.5, 0, None),
            ('say "hi", then\nstop', "\rx", 1e-05, -7, "a"), ("-0", "\tq", 1e16, 2**53, "a"), ("x", "y", -0.0, -1, "a"), ("é", "z", 0.1, 1, "a")]
    one_at_a_time = [[spreadsheet_safe(v) if isinstance(v, str) else _text(v) for v in row] for row in rows]
    numbers: list[dict] = [{} for _ in resource.fields]
    made = b""
    for at in range(0, len(rows), split):  # batches of split rows, one cache of number texts for all
        columns = list(zip(*rows[at:at + split], strict=True))
        made += csv_lines(arrow_arrays(columns, resource), columns, resource, numbers)
    assert made == canonical_lines(one_at_a_time).encode("utf-8")
    assert [row[0] for row in one_at_a_time][:4] == ["'=1+1", "'=1+1", "b", "'=1+1"]
    assert [row[2] for row in one_at_a_time] == ["1", "-0", "0", "2.5", "1e-05", "1e+16", "-0", "0.1"]
    assert [row[4] for row in one_at_a_time][:3] == ["a", "'-b", "c,d"]
    empty = [(), (), (), (), ()]
    assert csv_lines(arrow_arrays(empty, resource), empty, resource, numbers) == b""


def test_the_arrow_patterns_of_findings_csv_are_the_python_rules_over_every_code_point_issue_22() -> None:
    # csv_lines quotes and neutralises cells with RE2 patterns (#22): the same cells as canonical_csv's quoting and
    # spreadsheet_safe, for every character at the start, the middle and the end of a cell.
    import pyarrow as pa
    import pyarrow.compute as pc

    from mmdata.io.canonical import QUOTED_CELL
    from mmdata.io.csvfile import _NEEDS_QUOTES
    from mmdata.publish.export import FORMULA_START
    from mmdata.rules.celltext import FORMULA_STARTS

    characters = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    for cells in ([c + "x" for c in characters], ["x" + c + "x" for c in characters], ["x" + c for c in characters]):
        arrow = pa.array(cells, pa.string())
        assert pc.match_substring_regex(arrow, QUOTED_CELL).to_pylist() == [_NEEDS_QUOTES.search(c) is not None for c in cells]
        assert pc.match_substring_regex(arrow, FORMULA_START).to_pylist() == [c.startswith(FORMULA_STARTS) for c in cells]


def test_a_value_outside_the_allowed_values_is_refused_not_dropped_issue_22() -> None:
    # The export numbers allowed values through Arrow (#22), which would make any other value missing: it is refused.
    from mmdata.errors import ExportError
    from mmdata.model.schema import resource_of
    from mmdata.publish.export import arrow_arrays

    resource = resource_of({"fields": [{"name": "e", "type": "string", "constraints": {"enum": ["a", "b"]}}]}, "t")
    assert arrow_arrays([("b", None, "a")], resource)[0].indices.to_pylist() == [1, None, 0]
    with pytest.raises(ExportError, match=r"^t.e holds a value outside its allowed values; run `mmdata validate`$"):
        arrow_arrays([("a", "c")], resource)

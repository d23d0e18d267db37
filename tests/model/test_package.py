"""Reading CSV files: line numbers that match the file whatever its shape."""

from __future__ import annotations

from pathlib import Path

import mmdata

from ..conftest import build_fixture


def where(problems: list[mmdata.Problem]) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.path, p.row, p.column, p.code) for p in problems]


def test_crlf_endings_keep_line_numbers(tmp_path: Path) -> None:
    pkg = build_fixture("type-error", tmp_path)
    arms = pkg / "data/arms.csv"
    arms.write_bytes(arms.read_bytes().replace(b"\n", b"\r\n"))
    assert where(mmdata.validate(pkg))[:2] == [
        ("data/arms.csv", 2, "size", "type-error"),
        ("data/arms.csv", 3, "size", "minimum-error"),
    ]


def test_byte_order_mark_is_read_as_utf8(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    arms.write_bytes(b"\xef\xbb\xbf" + arms.read_bytes())
    assert mmdata.validate(pkg) == []


def test_cell_spanning_lines_shifts_later_rows(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    text = arms.read_text().replace("60 received the drug,", '60 received the drug,"first line\nsecond line"', 1)
    arms.write_text(text.replace("control,60,", "control,six,"))
    assert where(mmdata.validate(pkg)) == [("data/arms.csv", 4, "size", "type-error")]


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    lines = arms.read_text().splitlines(keepends=True)
    arms.write_text(lines[0] + "\n\n" + lines[1] + lines[2].replace("control,60,", "control,six,"))
    assert where(mmdata.validate(pkg)) == [
        ("data/arms.csv", 2, None, "blank-row"),
        ("data/arms.csv", 3, None, "blank-row"),
        ("data/arms.csv", 5, "size", "type-error"),
    ]


def test_empty_file_is_reported_not_crashed(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    (pkg / "data/adverse_events.csv").write_text("")
    assert where(mmdata.validate(pkg)) == [("data/adverse_events.csv", 1, None, "header-error")]


def test_folder_in_place_of_a_file(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    (pkg / "data/arms.csv").unlink()
    (pkg / "data/arms.csv").mkdir()
    problems = mmdata.validate(pkg)
    assert [p.to_line() for p in problems][0] == (
        "datapackage.json:resources/2/path: 'data/arms.csv' is a folder, not a file [file-error]"
    )


def test_type_error_hides_no_other_check(tmp_path: Path) -> None:
    """One unreadable cell leaves the column's other cells and the other rows' rules checked."""
    pkg = build_fixture("_base", tmp_path)
    outcomes = pkg / "data/outcomes.csv"
    text = outcomes.read_text().replace("median,12.5,months", "median,12.5 months,months")
    outcomes.write_text(text.replace("median,8,months", "median,8,percent"))
    assert where(mmdata.validate(pkg)) == [
        ("data/outcomes.csv", 2, "value", "type-error"),
        ("data/outcomes.csv", 4, "unit", "unit-mismatch"),
    ]


def test_problems_come_in_layer_order(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    outcomes = pkg / "data/outcomes.csv"
    text = outcomes.read_text().replace("0.41,0.56,0.001", "0.56,0.41,0.001")  # layer 4
    text = text.replace("trial-a-placebo,,all,", "trial-a-placebo,,everyone,")  # layer 2
    outcomes.write_text(text.replace("12.5 months with the drug", "12.5 months with a drug"))  # layer 5
    assert [p.code for p in mmdata.validate(pkg)] == ["enum-error", "ci-order", "quote-not-in-seed"]

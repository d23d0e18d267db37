"""`mmdata fmt`: a file saved by a spreadsheet comes back canonical, byte for byte."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.fmt import format_package

from ..conftest import ROOT, TABLE_NAMES, build_fixture

OTHERS = len(TABLE_NAMES) - 1  # tables left as they are when one is changed


def spreadsheet_copy(path: Path, quoting: int = csv.QUOTE_MINIMAL) -> None:
    """Save as a spreadsheet might: BOM, CRLF, two columns swapped, rows reversed."""
    with path.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    swap = [1, 0, *range(2, len(header))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=quoting)
    writer.writerow([header[i] for i in swap])
    writer.writerows([[row[i] for i in swap] for row in reversed(rows)])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def test_spreadsheet_save_comes_back_byte_for_byte(package: Path) -> None:
    committed = (ROOT / "data/outcomes.csv").read_bytes()
    spreadsheet_copy(package / "data/outcomes.csv")
    assert (package / "data/outcomes.csv").read_bytes() != committed
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"reformatted data/outcomes.csv\n1 file reformatted, {OTHERS} already canonical\n", "")
    assert (package / "data/outcomes.csv").read_bytes() == committed


def test_fully_quoted_file_comes_back(package: Path) -> None:
    committed = (ROOT / "data/studies.csv").read_bytes()
    spreadsheet_copy(package / "data/studies.csv", csv.QUOTE_ALL)
    assert format_package(package).changed == ["data/studies.csv"]
    assert (package / "data/studies.csv").read_bytes() == committed


def test_check_changes_nothing_and_exits_1(package: Path) -> None:
    spreadsheet_copy(package / "data/arms.csv")
    before = (package / "data/arms.csv").read_bytes()
    result = CliRunner().invoke(cli, ["fmt", "--check", str(package)])
    assert (result.exit_code, result.stdout) == (1, f"would reformat data/arms.csv\n1 file would be reformatted, {OTHERS} already canonical\n")
    assert (package / "data/arms.csv").read_bytes() == before


def test_shipped_data_is_canonical() -> None:
    result = CliRunner().invoke(cli, ["fmt", "--check", str(ROOT)])
    assert (result.exit_code, result.stdout) == (0, f"0 files would be reformatted, {len(TABLE_NAMES)} already canonical\n")


def test_cells_keep_their_exact_text(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    text = arms.read_text().replace("60 received the drug,", '60 received the drug,"  spaced, ""quoted""\nand 1.50 kept  "')
    arms.write_text(text.replace("\n", "\r\n"))
    format_package(pkg)
    with arms.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][-2] == '  spaced, "quoted"\r\nand 1.50 kept  '  # the caveat; the line break inside the cell is text
    assert arms.read_bytes().count(b"\r\n") == 1  # every line ending is LF again


def test_unparseable_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    pkg = build_fixture("encoding-error", tmp_path)
    before = (pkg / "data/outcomes.csv").read_bytes()
    result = CliRunner().invoke(cli, ["fmt", str(pkg)])
    assert result.exit_code == 1
    assert result.stderr == (
        "data/outcomes.csv:4:quote: byte 0xe9 is not valid UTF-8; save the file as UTF-8 "
        "(it may have been saved as Latin-1 or Windows-1252) [encoding-error] (left untouched)\n")
    assert result.stdout == "0 files reformatted, 4 already canonical, 1 file left untouched\n"  # the fixture's five tables
    assert (pkg / "data/outcomes.csv").read_bytes() == before


def test_blank_lines_are_removed(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    arms = pkg / "data/arms.csv"
    committed = arms.read_bytes()
    arms.write_bytes(committed.replace(b"\n", b"\n\n", 1))
    assert format_package(pkg).changed == ["data/arms.csv"]
    assert arms.read_bytes() == committed


def test_a_canonical_package_is_told_without_parsing_it_cell_by_cell_issue_22(package: Path, monkeypatch) -> None:
    # The common case, every table canonical already, is answered whole columns at a time (canonical.as_written):
    # the csv module's parse, ten seconds at a million rows, runs only for a file that may need rewriting.
    import pytest

    pytest.importorskip("pyarrow")
    import mmdata.edit.fmt as fmt

    parsed: list[str] = []
    real = fmt.parse_csv_bytes
    monkeypatch.setattr(fmt, "parse_csv_bytes", lambda rel, *args: parsed.append(rel) or real(rel, *args))
    sizes = {f"data/{t}.csv": (package / f"data/{t}.csv").stat().st_size for t in TABLE_NAMES}
    largest = max(sizes.values())
    monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", largest + 1)  # every file smaller: the csv module reads each
    assert format_package(package, check=True).unchanged == list(sizes)
    assert parsed == list(sizes)
    parsed.clear()
    monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", largest)  # one file of exactly ARROW_FROM bytes: Arrow tells every file
    assert format_package(package, check=True).unchanged == list(sizes)
    assert parsed == []
    monkeypatch.setattr("mmdata.io.canonical.ARROW_FROM", 0)
    parsed.clear()
    assert format_package(package, check=True).unchanged == list(sizes)
    spreadsheet_copy(package / "data/arms.csv")
    assert format_package(package, check=True).changed == ["data/arms.csv"]
    assert parsed == ["data/arms.csv", "data/arms.csv"]  # the file, then its canonical text read back (nothing is lost)


@pytest.mark.parametrize("check", [True, False])
def test_a_schema_that_repeats_a_field_name_is_refused_and_its_table_left_as_it_is(package: Path, check: bool) -> None:
    # fmt matched columns by name: the second of two columns of one name took the first's place, and the rewritten file
    # read back as the rewritten rows, so nothing noticed a cell lost. Now fmt names the schema and changes nothing there.
    import json

    schema_path = package / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"].append(dict(schema["fields"][-1]))
    schema_path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    name = schema["fields"][-1]["name"]
    arms = package / "data/arms.csv"
    rows = list(csv.reader(io.StringIO(arms.read_text(encoding="utf-8"))))
    rows[0].append(name)
    for n, row in enumerate(rows[1:]):
        row.append(f"other {n}")
    arms.write_text("".join(",".join(f'"{c}"' if "," in c else c for c in row) + "\n" for row in rows), encoding="utf-8")
    before = arms.read_bytes()
    result = CliRunner().invoke(cli, ["fmt", *(["--check"] if check else []), str(package)])
    assert result.exit_code == 1
    assert result.stderr == (f"schemas/arms.schema.json: names of the fields are not unique ({name}); fmt cannot tell those "
                             "columns of data/arms.csv apart: give each field its own name [schema-error] (left untouched)\n")
    assert arms.read_bytes() == before

"""A table's bytes read by the same schema are read and checked once per process (io/memo.py), and nothing else
is ever served from memory: changed bytes, a changed schema or another reader are worked on again (#21)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mmdata
import mmdata.io.arrow
import mmdata.rules.validate
from mmdata.io.memo import Memo
from mmdata.model.package import READS
from mmdata.rules.validate import CELL_CHECKS

from ..conftest import TABLE_NAMES, read_rows, set_cell


def made() -> tuple[int, int]:
    """How many tables were read, and how many checked, not taken from memory, so far in this process."""
    return READS.made, CELL_CHECKS.made


def report(pkg: Path) -> list[str]:
    return [p.to_line() for p in mmdata.validate(pkg)]


@pytest.fixture
def cold(package: Path) -> Path:
    READS.clear()
    CELL_CHECKS.clear()
    return package


def test_the_same_tables_are_read_and_checked_once_and_give_the_same_problems(cold: Path) -> None:
    start = made()
    first, before = report(cold), made()
    assert before == (start[0] + len(TABLE_NAMES), start[1] + len(TABLE_NAMES))  # cold: every table read and checked
    assert report(cold) == first
    assert made() == before  # every table taken from memory
    key = read_rows(cold / "data/outcomes.csv")[1][0][0]
    line = set_cell(cold / "data/outcomes.csv", key, "unit", "fortnights")
    changed = report(cold)
    assert made() == (before[0] + 1, before[1] + 1)  # the changed table only, read and checked again
    new = [p for p in changed if p not in first]
    assert len(new) == 1 and new[0].startswith(f"data/outcomes.csv:{line}:unit: 'fortnights' is not an allowed value"), new
    assert new[0].endswith(" [enum-error]")


def test_the_same_bytes_under_a_changed_schema_are_checked_again(cold: Path) -> None:
    assert not [p for p in report(cold) if p.endswith("[enum-error]")]
    schema_path = cold / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    role = next(f for f in schema["fields"] if f["name"] == "role")
    roles = role["constraints"]["enum"]
    used = sorted({row[read_rows(cold / "data/arms.csv")[0].index("role")] for row in read_rows(cold / "data/arms.csv")[1]})
    role["constraints"]["enum"] = [r for r in roles if r != used[0]]  # a role the arms use is no longer allowed
    schema_path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    before = made()
    found = [p for p in report(cold) if p.endswith("[enum-error]")]
    assert found and all(p.startswith("data/arms.csv:") and f"'{used[0]}' is not an allowed value" in p for p in found)
    assert made()[1] == before[1] + 1  # arms.csv, the same bytes, checked by its new schema


def test_another_reader_reads_again(cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, before = report(cold), made()
    monkeypatch.setattr(mmdata.io.arrow, "arrow_available", lambda: False)
    monkeypatch.setattr(mmdata.rules.validate, "arrow_available", lambda: False)
    assert report(cold) == first
    assert made() == (before[0] + len(TABLE_NAMES), before[1] + len(TABLE_NAMES))  # the exact reader, for every table


def test_what_a_caller_changes_reaches_no_other_caller(cold: Path) -> None:
    """A validated package hands its typed tables on (export, site, load): a caller that writes into them, or into the
    read cells, changes nothing that the next validation is given, and the file lines cannot be written at all."""
    pkg = mmdata.open_package(cold)
    first = [p.to_line() for p in mmdata.validate(pkg)]
    assert pkg.typed is not None
    table, typed = pkg.typed["outcomes"]
    typed.loc[typed.index[0], "unit"] = "fortnights"
    table.frame.loc[table.frame.index[0], "unit"] = "fortnights"
    with pytest.raises(ValueError, match="read-only"):
        table.lines[0] = 99
    with pytest.raises(ValueError, match="read-only"):
        table.broken[0] = True
    again = mmdata.open_package(cold)
    assert [p.to_line() for p in mmdata.validate(again)] == first
    assert again.typed is not None and again.typed["outcomes"][1]["unit"].iloc[0] != "fortnights"
    assert again.typed["outcomes"][0].frame["unit"].iloc[0] != "fortnights"


def test_a_large_file_is_never_kept_and_the_oldest_result_goes_first() -> None:
    memo = Memo(entries=2, largest=4)
    calls: list[bytes] = []

    def work(content: bytes) -> int:
        return memo.get(content, "key", lambda: calls.append(content) or len(calls))

    assert [work(b"1234"), work(b"1234"), work(b"12345"), work(b"12345")] == [1, 1, 2, 3]  # 4 bytes kept, 5 not (equal bound)
    assert memo.get(b"1234", "other key", lambda: 0) == 0  # another key, other work
    assert work(b"ab") == 4 and work(b"1234") == 5  # two entries kept: b"1234" with "key" went first
    assert memo.made == 6


def test_the_same_bytes_under_a_schema_that_names_other_columns_are_read_again(cold: Path) -> None:
    first = report(cold)
    schema_path = cold / "schemas/arms.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][2]["name"] = "label"  # the file's header still says name
    schema_path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    before = made()
    found = [p for p in report(cold) if p not in first]
    assert made()[0] == before[0] + 1  # arms.csv read again
    assert any(p.startswith("data/arms.csv:1:") and p.endswith("[header-error]") for p in found), found

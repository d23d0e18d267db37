"""The cell rules (rules/cells.py): work bounded by the cells, not by the problems pandera would list (#23)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import mmdata
import mmdata.rules.cells as cells
from mmdata.errors import Problem
from mmdata.io.frames import read_cells
from mmdata.model.schema import Table
from mmdata.model.typed import typed_frame

from ..conftest import ROOT, apply_patch, read_rows, set_cell

ARMS = "data/arms.csv"


def arms(body: bytes) -> list[Problem]:
    """The problems check_cells finds in data/arms.csv with body under its header."""
    arms = mmdata.open_package(ROOT).resources["arms"]
    header = (ROOT / ARMS).read_bytes().split(b"\n", 1)[0]
    read = read_cells(ARMS, header + b"\n" + body, arms.field_names, arms.missing_values, [])
    assert read is not None
    table = Table(arms, read.frame, read.lines, read.broken)
    typed, _, _ = typed_frame(table)
    return cells.check_cells(table, typed)


def test_empty_required_cells_are_found_without_a_pandera_failure_each_issue_23(monkeypatch: pytest.MonkeyPatch) -> None:
    """2 million rows of one filled cell gave pandera 12 million failure cases (a gigabyte) before one problem was worded:
    required cells are checked at once, column by column, with the same problems."""
    listed: list[int] = []
    translate = cells._translate
    monkeypatch.setattr(cells, "_translate", lambda table, failures, specs: listed.append(len(failures)) or translate(table, failures, specs))
    rows = 2_000
    problems = arms(b"".join(b"a%d,,,,,,,,,\n" % i for i in range(rows)))
    required = ["intervention", "name", "quote", "role", "source_id", "study_id"]
    assert sorted((p.row, p.column, p.code, p.message) for p in problems) == sorted(
        (line, column, "required-error", "empty, but this field is required") for line in range(2, rows + 2) for column in required)
    assert sum(listed) == 0  # no failure case for a missing required cell


def test_a_required_cell_of_whitespace_or_unreadable_is_not_reported_twice_issue_23() -> None:
    problems = arms(b'a1,s, ,x,cohort-group,12x,,src,"The quote, quoted.",\n')
    assert sorted((p.row, p.column, p.code) for p in problems) == []  # typed_frame reports the whitespace and the size


def test_allowed_value_suggestions_are_once_per_distinct_value_and_bounded_issue_23(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.errors as errors

    calls: list[str] = []
    original = errors.Suggester._closest
    monkeypatch.setattr(errors.Suggester, "_closest", lambda self, value: calls.append(value) or original(self, value))
    distinct = errors.SUGGESTIONS + 50
    body = b"".join(b"a%d,s,n,x,controls-%d,,,src,q,\n" % (i, i % distinct) for i in range(2 * distinct))
    problems = [p for p in arms(body) if p.code == "enum-error"]
    assert len(problems) == 2 * distinct
    assert len(calls) == errors.SUGGESTIONS
    messages = {p.value: p.message for p in problems}
    allowed = "use one of: experimental, control, cohort-group"
    assert messages["controls-1"] == f"'controls-1' is not an allowed value (did you mean 'control'?); {allowed}"
    assert messages[f"controls-{distinct - 1}"] == f"'controls-{distinct - 1}' is not an allowed value; {allowed}"


def test_pandera_checks_the_types_the_cell_reader_built_issue_21() -> None:
    """pandera does not coerce: a column the cell reader built in another type than its field's is a bug, said as one,
    never a problem of the data nor a column silently converted."""
    arms = mmdata.open_package(ROOT).resources["arms"]
    header = (ROOT / ARMS).read_bytes().split(b"\n", 1)[0]
    read = read_cells(ARMS, header + b'\na1,s,n,x,control,12,,src,"The quote, quoted.",\n', arms.field_names, arms.missing_values, [])
    assert read is not None
    table = Table(arms, read.frame, read.lines, read.broken)
    typed, problems, _ = typed_frame(table)
    assert problems == [] and cells.check_cells(table, typed) == []
    expected = {f.name: f.dtype for f in arms.fields}
    assert expected["size"] == "Int64"
    for wrong in (typed.astype({"size": "Float64"}), typed.drop(columns="caveat"), typed.assign(extra=typed["name"])):
        with pytest.raises(TypeError, match=re.escape(f"data/arms.csv: the cells were not read as the types ({expected}); please report this bug")):
            cells.check_cells(table, wrong)


def test_a_byte_order_mark_opening_the_first_row_is_reported_not_dropped_issue_22(package) -> None:
    # An editor can put U+FEFF at the start of a line; Arrow's parser dropped it at the start of the first data row,
    # so `validate` called such a package valid. The file now goes to the exact reader, which keeps the character.
    arms = package / "data/arms.csv"
    raw = arms.read_bytes()
    start = raw.index(b"\n") + 1
    arms.write_bytes(raw[:start] + "\ufeff".encode() + raw[start:])
    first = raw[start:raw.index(b",", start)].decode()
    problems = [p for p in mmdata.validate(package) if p.path == "data/arms.csv"]
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "arm_id", "invisible-character"), (2, "arm_id", "pattern-error")]
    assert problems[1].message == f"'\ufeff{first}' does not match the pattern ^[a-z0-9]+(-[a-z0-9]+)*$"


def test_a_pattern_of_alternatives_is_matched_whole_issue_22(package) -> None:
    """A Table Schema pattern matches the whole cell, whatever it is made of: ^a|b$ is matched as ^(?:a|b)$ would be.
    pandas took ^a|b$ for anchored already, and Arrow's engine, which it hands such a pattern, accepted a cell that
    only starts with a match."""
    apply_patch(package, [{"file": "schemas/arms.schema.json", "pointer": "/fields/source_id/constraints/pattern", "value": "^[a-z0-9-]+|QQQ$"}])
    keys = [row[0] for row in read_rows(package / "data/arms.csv")[1]]
    cells = ("x QQQ", "QQQ x")  # the first only starts with a match of ^[a-z0-9-]+, the second only ends with one of QQQ$
    lines = [set_cell(package / "data/arms.csv", key, "source_id", cell) for key, cell in zip(keys, cells, strict=False)]
    problems = [p for p in mmdata.validate(package) if p.code == "pattern-error"]
    assert [(p.path, p.row, p.column, p.message) for p in problems] == [
        ("data/arms.csv", line, "source_id", f"'{cell}' does not match the pattern ^[a-z0-9-]+|QQQ$") for line, cell in zip(lines, cells, strict=True)]


def test_a_pattern_opening_with_flags_is_matched_as_python_matches_it_issue_22(package) -> None:
    """A pattern that opens with (?i) is matched as Python's re matches it (rules/patterns.py leaves ignoring case to
    it): the pattern as written, whose \\s holds a vertical tab."""
    pattern = "(?i)[a-z0-9-]+(\\s[a-z0-9-]+)?"
    apply_patch(package, [{"file": "schemas/arms.schema.json", "pointer": "/fields/source_id/constraints/pattern", "value": pattern}])
    keys = [row[0] for row in read_rows(package / "data/arms.csv")[1]]
    lines = [set_cell(package / "data/arms.csv", key, "source_id", cell) for key, cell in zip(keys, ("ABC\x0bdef", "abc def!"), strict=False)]
    problems = [p for p in mmdata.validate(package) if p.code == "pattern-error"]
    assert [(p.path, p.row, p.column, p.message) for p in problems] == [
        ("data/arms.csv", lines[1], "source_id", f"'abc def!' does not match the pattern {pattern}")]


def test_failing_cells_are_read_as_frame_at_reads_them_issue_22() -> None:
    """Each failure case's cell, taken a column at a time, is what frame.at gives; none for a case without a row or of a
    column the frame lacks (a whole-frame failure); frame.at's KeyError for a row the frame lacks."""
    frame = pd.DataFrame({"a": pd.array(["x", None, "z", "w"], dtype="string[pyarrow]"), "b": ["1", "2", "3", "4"]},
                         index=[10, 11, 12, 13])
    failures = pd.DataFrame({"column": ["a", "b", "a", "gone", None, "a", "b"], "index": [12, 10, 11, 10, 13, float("nan"), 10]})
    got = cells._cells(frame, failures)
    assert got == [frame.at[12, "a"], frame.at[10, "b"], frame.at[11, "a"], None, None, None, frame.at[10, "b"]]
    assert got[2] is pd.NA and got[0] == "z" and got[1] == got[6] == "1"
    with pytest.raises(KeyError):
        cells._cells(frame, pd.DataFrame({"column": ["a"], "index": [99]}))

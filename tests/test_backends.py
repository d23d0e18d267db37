"""benchmarks/backends.py: pandera's pandas backend against its polars backend, with the same checks (#22)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT, TABLE_NAMES, apply_patch, read_rows, row_count, set_cell


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backends_under_test", ROOT / "benchmarks/backends.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


backends = _module()
HEADER = ["| table | rows | pandas s | to polars s | polars s | (to polars + polars) / pandas | failing cells (pandas / polars when not the same) | same |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
ROW = re.compile(r"\| (\S+) \| ([\d,]+) \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d\d \| ([\d,]+(?: / [\d,]+)?) \| (yes|\*\*no\*\*) \|")


def rows_of(out: str) -> list[tuple[str, int, str, str]]:
    """Each table's line as (table, rows, failing cells, same); the header checked first."""
    lines = out.splitlines()
    assert lines[:2] == HEADER
    found = [ROW.fullmatch(line) for line in lines[2:]]
    assert all(found), lines
    return [(m[1], int(m[2].replace(",", "")), m[3], m[4]) for m in found if m]


def broken(package: Path) -> int:
    """The package with outcome cells each check fails: a value not allowed, a number above its maximum and one below
    its minimum, a text not matching its pattern, and a key given to two rows (two failing cells). Their number."""
    path = package / "data/outcomes.csv"
    keys = [row[0] for row in read_rows(path)[1]]
    set_cell(path, keys[0], "population", "nobody")
    set_cell(path, keys[1], "p_value", "1.5")
    set_cell(path, keys[2], "time_value", "-1")
    set_cell(path, keys[5], "study_id", "not a key")
    set_cell(path, keys[3], "outcome_id", keys[4])
    return 6


def test_both_backends_pass_the_shipped_package(capsys: pytest.CaptureFixture[str]) -> None:
    assert backends.main([str(ROOT), "--repeat", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert rows_of(out) == [(name, row_count(name), "0", "yes") for name in TABLE_NAMES]


def test_both_backends_find_the_same_failing_cells(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = broken(package)
    assert backends.main([str(package), "--repeat", "2"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert rows_of(out) == [(name, row_count(name, package), str(failing) if name == "outcomes" else "0", "yes") for name in TABLE_NAMES]


@pytest.mark.parametrize("edit", [lambda p: p.removeprefix("^").removesuffix("$"), lambda p: p.removesuffix("$") + "|QQQ$"], ids=["unanchored", "alternatives"])
def test_a_pattern_is_matched_whole_and_a_one_column_key_is_unique(edit: Callable[[str], str], package: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """As mmdata reads a Table Schema: a pattern matches the whole cell whether or not it is anchored, and whatever its
    alternatives (^a|b$ as ^(?:a|b)$), and a one-column primary key is unique without a unique constraint. Both
    backends still find the same failing cells."""
    schema = json.loads((package / "schemas/outcomes.schema.json").read_text(encoding="utf-8"))
    pattern = next(f for f in schema["fields"] if f["name"] == "study_id")["constraints"]["pattern"]
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/study_id/constraints/pattern", "value": edit(pattern)},
                          {"file": "schemas/outcomes.schema.json", "pointer": f"/fields/{schema['primaryKey'][0]}/constraints/unique", "remove": True}])
    failing = broken(package)
    assert backends.main([str(package), "--repeat", "1"]) == 0
    assert rows_of(capsys.readouterr().out)[TABLE_NAMES.index("outcomes")][2:] == (str(failing), "yes")


def test_a_failure_of_no_row_always_differs_and_a_longer_key_is_one_column() -> None:
    """A check that could not run, or a column not of its type, fails with no row, in words each backend has its own:
    kept, so that the backends differ. A repeat of a longer key is named by the pandas backend on each of its columns,
    by the polars backend on none: one cell of the column "(key)"."""
    import pandas as pd

    cases = pd.DataFrame({"schema_context": ["DataFrameSchema", "DataFrameSchema", "Column", "Column", "Column"],
                          "column": ["a", "b", "a", "b", "c"],
                          "check": ["multiple_fields_uniqueness", "multiple_fields_uniqueness", "isin(['x'])", "str_matches('^(?!z)')", "field_uniqueness"],
                          "check_number": [None, None, 1, 0, None], "index": [4, 4, 4, None, 2]})
    assert backends.failures(cases) == {("(key)", 4, "unique"), ("a", 4, "check 1"), ("b", -1, "str_matches('^(?!z)')"), ("c", 2, "unique")}


def test_the_failing_cells_name_column_row_and_kind(package: Path) -> None:
    """What each backend found, as the comparison sees it: the frame's row (from 0) of each cell."""
    broken(package)
    keys = [row[0] for row in read_rows(package / "data/outcomes.csv")[1]]
    import pandera.errors
    import polars as pl

    from mmdata.model.package import open_package
    from mmdata.model.typed import typed_frame

    pkg = open_package(package)
    resource = pkg.resources["outcomes"]
    typed = typed_frame(pkg.table(resource, pkg.file(resource.path), []))[0]
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        backends.polars_schema(resource).validate(pl.from_pandas(typed), lazy=True)
    twice = [i for i, key in enumerate(keys) if keys.count(key) > 1]
    assert len(twice) == 2
    assert backends.failures(raised.value.failure_cases) == {  # the checks counted from 0 in the schema's order
        ("population", 0, "check 0"), ("p_value", 1, "check 1"), ("time_value", 2, "check 0"), ("study_id", 5, "check 0"),
        *(("outcome_id", i, "unique") for i in twice)}


def test_different_failing_cells_fail_the_run(package: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A polars schema that checks less finds fewer failing cells: the table says so, and the script exits 1."""
    import pandera.polars as pap

    broken(package)
    monkeypatch.setattr(backends, "polars_schema", lambda resource: pap.DataFrameSchema({}))
    assert backends.main([str(package), "--repeat", "1"]) == 1
    out, err = capsys.readouterr()
    assert err == "the backends found different failing cells\n"
    assert [(name, cells, same) for name, _, cells, same in rows_of(out)] == [
        (name, "6 / 0", "**no**") if name == "outcomes" else (name, "0", "yes") for name in TABLE_NAMES]


def test_as_many_failing_cells_but_other_ones_differ(package: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The cells are compared, not their numbers: one cell found by each backend, not the same one, is a difference."""
    broken(package)
    monkeypatch.setattr(backends, "failures", lambda cases: {("population", 1 if type(cases).__module__.startswith("polars") else 0, "check 0")})
    assert backends.main([str(package), "--repeat", "1"]) == 1
    assert rows_of(capsys.readouterr().out)[TABLE_NAMES.index("outcomes")][2:] == ("1 / 1", "**no**")


def test_empty_cells_of_a_unique_field_are_not_repeats(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As the pandas backend has it (validate reports the empty required keys, once each, as required-errors)."""
    path = package / "data/outcomes.csv"
    keys = [row[0] for row in read_rows(path)[1]]
    for key in keys[:2]:
        set_cell(path, key, "outcome_id", "")
    assert backends.main([str(package), "--repeat", "1"]) == 0
    assert rows_of(capsys.readouterr().out)[TABLE_NAMES.index("outcomes")][2:] == ("0", "yes")


def test_lengths_a_longer_key_and_a_value_with_a_pattern_too(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Schemas edited for the checks the shipped ones do not hold: a shortest length only, a longest only, both (counted
    in characters, not bytes), a primary key of two columns, and allowed values beside a pattern."""
    outcomes = "schemas/outcomes.schema.json"
    apply_patch(package, [{"file": outcomes, "pointer": "/fields/finding/constraints", "value": {"minLength": 40}},
                          {"file": outcomes, "pointer": "/fields/caveat/constraints", "value": {"maxLength": 60}},
                          {"file": outcomes, "pointer": "/fields/quote/constraints/minLength", "value": 50},
                          {"file": outcomes, "pointer": "/fields/quote/constraints/maxLength", "value": 120},
                          {"file": outcomes, "pointer": "/fields/population/constraints/pattern", "value": "^[a-z0-9-]+$"},
                          {"file": "schemas/arms.schema.json", "pointer": "/primaryKey", "value": ["study_id", "role"]}])
    path = package / "data/outcomes.csv"
    header, rows = read_rows(path)
    set_cell(path, rows[0][0], "population", "nobody")  # allowed by the pattern, not by the values
    set_cell(path, rows[1][0], "quote", "é" * 120)  # 120 characters, 240 bytes
    header, rows = read_rows(path)
    cell = {name: [row[header.index(name)] for row in rows] for name in ("finding", "caveat", "quote")}
    outcomes = (1 + sum(0 < len(v) < 40 for v in cell["finding"]) + sum(len(v) > 60 for v in cell["caveat"])
                + sum(len(v) and not 50 <= len(v) <= 120 for v in cell["quote"]))
    arm_header, arm_rows = read_rows(package / "data/arms.csv")
    pairs = [(row[arm_header.index("study_id")], row[arm_header.index("role")]) for row in arm_rows]
    arms = sum(pairs.count(pair) > 1 for pair in pairs)
    assert outcomes > 3 and arms > 1  # each edit fails some cells
    assert backends.main([str(package), "--repeat", "1"]) == 0
    found = {name: (cells, same) for name, _, cells, same in rows_of(capsys.readouterr().out)}
    assert (found["outcomes"], found["arms"]) == ((str(outcomes), "yes"), (str(arms), "yes"))


def test_a_table_that_cannot_be_read_is_said_and_the_others_measured(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (package / "data/arms.csv").write_text('arm_id,study_id\n"a quoted cell never closed\n', encoding="utf-8")
    assert backends.main([str(package), "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = 2 + TABLE_NAMES.index("arms")
    assert lines[at] == "| arms | cannot be read | | | | | | |"
    assert rows_of("\n".join(lines[:at] + lines[at + 1:])) == [(name, row_count(name, package), "0", "yes") for name in TABLE_NAMES if name != "arms"]


def test_repeat_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        backends.main(["--repeat", "0"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.endswith("error: --repeat must be 1 or more\n")

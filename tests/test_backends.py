"""benchmarks/backends.py: pandera's pandas backend against its polars backend, with the same checks (#22)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT, TABLE_NAMES, read_rows, row_count, set_cell


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backends_under_test", ROOT / "benchmarks/backends.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


backends = _module()
HEADER = ["| table | rows | pandas s | to polars s | polars s | (to polars + polars) / pandas | failing cells | same |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
ROW = re.compile(r"\| (\S+) \| ([\d,]+) \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d{3} \| \d+\.\d\d \| ([\d,]+) \| (yes|\*\*no\*\*) \|")


def rows_of(out: str) -> list[tuple[str, int, int, str]]:
    """Each table's line as (table, rows, failing cells, same); the header checked first."""
    lines = out.splitlines()
    assert lines[:2] == HEADER
    found = [ROW.fullmatch(line) for line in lines[2:]]
    assert all(found), lines
    return [(m[1], int(m[2].replace(",", "")), int(m[3].replace(",", "")), m[4]) for m in found if m]


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
    assert rows_of(out) == [(name, row_count(name), 0, "yes") for name in TABLE_NAMES]


def test_both_backends_find_the_same_failing_cells(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = broken(package)
    assert backends.main([str(package), "--repeat", "2"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert rows_of(out) == [(name, row_count(name, package), failing if name == "outcomes" else 0, "yes") for name in TABLE_NAMES]


def test_a_pattern_is_matched_whole_and_a_one_column_key_is_unique(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As mmdata reads a Table Schema: a pattern matches the whole cell whether or not it is anchored, and a one-column
    primary key is unique without a unique constraint. Both backends still find the same failing cells."""
    path = package / "schemas/outcomes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in schema["fields"]}
    fields["study_id"]["constraints"]["pattern"] = fields["study_id"]["constraints"]["pattern"].removeprefix("^").removesuffix("$")
    del fields[schema["primaryKey"][0]]["constraints"]["unique"]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    failing = broken(package)
    assert backends.main([str(package), "--repeat", "1"]) == 0
    assert rows_of(capsys.readouterr().out)[TABLE_NAMES.index("outcomes")][2:] == (failing, "yes")


def test_the_frames_own_checks_are_not_compared() -> None:
    """A failure of the frame's checks (its dtypes; a longer key's repeats) is not a cell of a column: the backends
    name those differently, and they are left out."""
    import pandas as pd

    cases = pd.DataFrame({"schema_context": ["DataFrameSchema", "Column", "Column"], "column": ["a", "a", "b"],
                          "check": ["multiple_fields_uniqueness", "isin", "dtype('Int64')"], "index": [4, 4, None]})
    assert backends.failures(cases) == {("a", 4, "value")}


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
    assert backends.failures(raised.value.failure_cases) == {
        ("population", 0, "value"), ("p_value", 1, "value"), ("time_value", 2, "value"), ("study_id", 5, "value"),
        *(("outcome_id", i, "unique") for i in twice)}


def test_different_failing_cells_fail_the_run(package: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A polars schema that checks less finds fewer failing cells: the table says so, and the script exits 1."""
    import pandera.polars as pap

    broken(package)
    monkeypatch.setattr(backends, "polars_schema", lambda resource: pap.DataFrameSchema({}))
    assert backends.main([str(package), "--repeat", "1"]) == 1
    out, err = capsys.readouterr()
    assert err == "the backends found different failing cells\n"
    assert [(name, same) for name, _, _, same in rows_of(out)] == [(name, "**no**" if name == "outcomes" else "yes") for name in TABLE_NAMES]


def test_a_table_that_cannot_be_read_is_said_and_the_others_measured(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (package / "data/arms.csv").write_text('arm_id,study_id\n"a quoted cell never closed\n', encoding="utf-8")
    assert backends.main([str(package), "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = 2 + TABLE_NAMES.index("arms")
    assert lines[at] == "| arms | cannot be read | | | | | | |"
    assert rows_of("\n".join(lines[:at] + lines[at + 1:])) == [(name, row_count(name, package), 0, "yes") for name in TABLE_NAMES if name != "arms"]


def test_repeat_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        backends.main(["--repeat", "0"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.endswith("error: --repeat must be 1 or more\n")

"""`mmdata.load()`: typed tables from the installed data, a folder or a release archive."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.loading import IntegrityError
from mmdata.release import release

from .conftest import ROOT, build_fixture, shipped_rows
from .test_release import repo_copy

TABLES = ["sources", "studies", "arms", "outcomes", "adverse_events"]


def declared_dtypes(table: str) -> dict[str, str]:
    schema = json.loads((ROOT / f"schemas/{table}.schema.json").read_text())
    kinds = {"string": "string", "integer": "Int64", "number": "Float64"}
    return {f["name"]: "category" if "enum" in f.get("constraints", {}) else kinds[f["type"]] for f in schema["fields"]}


def test_load_all_tables_with_declared_types() -> None:
    tables = mmdata.load()
    assert list(tables) == TABLES
    for name, frame in tables.items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == declared_dtypes(name)
        assert len(frame) == len(pd.read_csv(ROOT / f"data/{name}.csv"))


def test_load_one_table_keeps_values_and_missing_cells() -> None:
    outcomes = mmdata.load("outcomes").set_index("outcome_id")
    assert outcomes.loc["mccarthy-2017-meta-analysis-pfs-median-lenalidomide", "value"] == 52.8
    not_reached = outcomes.loc["mccarthy-2017-meta-analysis-os-median-lenalidomide"]
    assert pd.isna(not_reached["value"]) and not_reached["qualifier"] == "not-reached"
    assert list(outcomes["qualifier"].cat.categories) == ["about", "almost", "more-than", "not-reached"]


def test_unknown_table_is_a_clear_error() -> None:
    with pytest.raises(mmdata.MmdataError, match="no table named 'outcome'; the tables are sources, studies, arms, outcomes, adverse_events"):
        mmdata.load("outcome")


def test_load_from_a_release_archive_verifies_checksums(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    archive = release(root, "0.2.0", today=dt.date(2026, 11, 21)).archive
    assert mmdata.data_version(archive) == "0.2.0"
    assert len(mmdata.load("arms", path=archive)) == shipped_rows("arms")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data/arms.csv"):
                data = data.replace(b"1000", b"1001")
            dst.writestr(info, data)
    with pytest.raises(IntegrityError, match=r"data/arms.csv does not match datapackage.json: recorded hash sha256:"):
        mmdata.load("arms", path=tampered)
    assert len(mmdata.load("outcomes", path=tampered)) == shipped_rows("outcomes")  # the other files are intact


def test_fmt_records_new_checksums_after_an_edit(tmp_path: Path) -> None:
    pkg = build_fixture("hash-mismatch", tmp_path)
    assert [p.code for p in mmdata.validate(pkg)] == ["hash-mismatch", "hash-mismatch"]
    result = CliRunner().invoke(cli, ["fmt", str(pkg)])
    assert (result.exit_code, result.stdout) == (0, "reformatted datapackage.json\n1 file reformatted, 5 already canonical\n")
    assert mmdata.validate(pkg) == []


def test_wheel_ships_the_data(tmp_path: Path) -> None:
    """A wheel built from the source tree carries the package and loads it once installed."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheel"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "wheel").glob("mmdata-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"mmdata/_data/datapackage.json", "mmdata/_data/data/outcomes.csv", "mmdata/_data/schemas/arms.schema.json",
            "mmdata/_data/seeds/004_7db8f42d336497c5.txt", "mmdata/_data/LICENSE-DATA.md"} <= names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    code = ("import mmdata; t = mmdata.load(); "
            f"print(mmdata.__file__.startswith({str(target)!r}), mmdata.data_version(), {{k: len(v) for k, v in t.items()}}, t['arms']['size'].dtype)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(target), "PATH": ""}, cwd=tmp_path)
    version = json.loads((ROOT / "datapackage.json").read_text())["version"]
    counts = {name: shipped_rows(name) for name in ("sources", "studies", "arms", "outcomes", "adverse_events")}
    assert done.stdout == f"True {version} {counts} Int64\n"

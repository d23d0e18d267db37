"""`mmdata export`: typed SQLite and Parquet, the findings view, byte-identical rebuilds (#11)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import sqlite3
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import mmdata
from mmdata.cli import cli
from mmdata.model.schema import resource_of
from mmdata.publish import export as export_module
from mmdata.publish import findings as view
from mmdata.publish.export import ExportError, export_files
from mmdata.publish.sqlite import table_sql

from ..conftest import ROOT, build_fixture, read_rows, set_cell, shared

TABLES = ["sources", "studies", "arms", "outcomes", "adverse_events"]
SQL_TYPES = {"string": "text", "integer": "integer", "number": "real"}


def schema(table: str) -> dict:
    return json.loads((ROOT / f"schemas/{table}.schema.json").read_text())


def schemas() -> dict[str, dict]:
    return {t: schema(t) for t in TABLES}


def view_schema() -> dict:
    """The findings view's Table Schema, as the exports generate it from the package's tables."""
    return view.findings_schema(mmdata.open_package(ROOT).resources)


def view_parts() -> list[tuple[str, str]]:
    return view.parts(mmdata.open_package(ROOT).resources)


@pytest.fixture(scope=shared("module"))
def files() -> dict[str, bytes]:
    return export_files(ROOT)


@pytest.fixture(scope=shared("module"))
def db(files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("export") / "data.sqlite"
    path.write_bytes(files["data.sqlite"])
    return sqlite3.connect(path)


def test_files_of_an_export(files: dict[str, bytes]) -> None:
    assert list(files) == sorted(["data.sqlite", "metadata.json", "findings.csv"] + [f"parquet/{t}.parquet" for t in [*TABLES, "findings"]])


def test_rebuilding_gives_the_same_bytes(files: dict[str, bytes]) -> None:
    again = export_files(ROOT)
    assert {k: hashlib.sha256(v).hexdigest() for k, v in again.items()} == {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


@pytest.mark.parametrize("table", TABLES)


def test_sqlite_cells_have_the_schema_types_and_null_for_missing(db: sqlite3.Connection, table: str) -> None:
    header, rows = read_rows(ROOT / f"data/{table}.csv")
    for i, field in enumerate(schema(table)["fields"]):
        name = field["name"]
        types = dict(db.execute(f'SELECT typeof("{name}"), count(*) FROM "{table}" GROUP BY 1').fetchall())
        empty = sum(1 for r in rows if r[i] == "")
        assert types.get("null", 0) == empty, name
        assert set(types) - {"null"} <= {SQL_TYPES[field["type"]]}, name


def test_numbers_compare_as_numbers_issue_11(db: sqlite3.Connection) -> None:
    outcomes = mmdata.load("outcomes")
    expected = int((outcomes["value"] > 30).sum())
    assert db.execute("SELECT count(*) FROM outcomes WHERE value > 30").fetchone() == (expected,)


@pytest.mark.parametrize("table", TABLES)


def test_sqlite_keys_come_from_the_schema(db: sqlite3.Connection, table: str) -> None:
    spec = schema(table)
    pk = [row[1] for row in sorted(db.execute(f'PRAGMA table_info("{table}")').fetchall(), key=lambda r: r[5]) if row[5]]
    assert pk == spec["primaryKey"]
    declared = sorted((fk["fields"], fk["reference"]["resource"] or table, fk["reference"]["fields"]) for fk in spec.get("foreignKeys", []))
    found = sorted((row[3], row[2], row[4]) for row in db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall())
    assert found == declared
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_checks_allowed_values_and_required_cells(files: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "data.sqlite"
    path.write_bytes(files["data.sqlite"])
    conn = sqlite3.connect(path)
    arm = conn.execute("SELECT * FROM arms LIMIT 1").fetchone()
    columns = [r[1] for r in conn.execute('PRAGMA table_info("arms")')]
    for column, value, check in (("role", "treatment", "CHECK constraint"), ("size", 0, "CHECK constraint"), ("name", None, "NOT NULL")):
        row = list(arm)
        row[columns.index("arm_id")] = "new-arm"
        row[columns.index(column)] = value
        with pytest.raises(sqlite3.IntegrityError, match=check):
            conn.execute(f"INSERT INTO arms VALUES ({', '.join('?' * len(row))})", row)



#: (table, column, bound, value): every bound of the shipped schemas, the value on it and the nearest beyond it.
BOUNDS = [(table, f["name"], kind, f["constraints"][kind]) for table in TABLES for f in schema(table)["fields"]
          for kind in ("minimum", "maximum") if kind in f.get("constraints", {})]


@pytest.mark.parametrize(("table", "column", "kind", "bound"), BOUNDS)


def test_sqlite_accepts_a_value_on_its_bound_and_refuses_one_beyond_issue_23(files: dict[str, bytes], tmp_path: Path, table: str,
                                                                            column: str, kind: str, bound: float) -> None:
    path = tmp_path / "data.sqlite"
    path.write_bytes(files["data.sqlite"])
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    key = schema(table)["primaryKey"]
    step = 1 if isinstance(bound, int) else 0.001
    for suffix, value, accepted in (("on", bound, True), ("beyond", bound + (step if kind == "maximum" else -step), False)):
        row = list(conn.execute(f'SELECT * FROM "{table}" LIMIT 1').fetchone())
        row[columns.index(key[0])] = f"bound-{suffix}"
        row[columns.index(column)] = value
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(row))})'
        if accepted:
            conn.execute(insert, row)
        else:
            with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
                conn.execute(insert, row)
    assert conn.execute(f'SELECT "{column}" FROM "{table}" WHERE "{key[0]}" LIKE \'bound-%\'').fetchall() == [(bound,)]


def test_sqlite_equal_bounds_admit_exactly_their_value_issue_23() -> None:
    resource = resource_of({"fields": [{"name": "id", "type": "string"},
                                       {"name": "n", "type": "integer", "constraints": {"minimum": 3, "maximum": 3}},
                                       {"name": "x", "type": "number", "constraints": {"minimum": 0.5, "maximum": 0.5}}],
                            "primaryKey": ["id"]}, "t")
    conn = sqlite3.connect(":memory:")
    conn.execute(table_sql(resource))
    conn.execute("INSERT INTO t VALUES ('a', 3, 0.5)")
    for n, x in ((2, 0.5), (4, 0.5), (3, 0.499), (3, 0.501)):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute("INSERT INTO t VALUES ('b', ?, ?)", (n, x))
    assert conn.execute("SELECT * FROM t").fetchall() == [("a", 3, 0.5)]


def test_columns_table_describes_every_column(db: sqlite3.Connection) -> None:
    rows = db.execute("SELECT table_name, column_name, type, unit, description FROM _columns ORDER BY rowid").fetchall()
    every = dict(schemas(), findings=view_schema())
    assert rows[:-3] == [(t, f["name"], f["type"], f.get("unit"), f["description"]) for t, s in every.items() for f in s["fields"]]
    assert [r[:2] for r in rows[-3:]] == [("row_warnings", "table_name"), ("row_warnings", "row_id"), ("row_warnings", "warning")]
    tables = db.execute("SELECT name, kind, rows FROM _tables ORDER BY rowid").fetchall()
    assert tables == [(t, "table", len(read_rows(ROOT / f"data/{t}.csv")[1])) for t in TABLES] + [
        ("findings", "view", sum(len(read_rows(ROOT / f"data/{t}.csv")[1]) for t, _ in view_parts())),
        ("row_warnings", "view", sum(len(row.get("warnings", "").split()) for t in TABLES for row in read_dicts(t)))]


def read_dicts(table: str) -> list[dict[str, str]]:
    header, rows = read_rows(ROOT / f"data/{table}.csv")
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_warnings_view_has_one_row_per_code_of_each_row_issue_20(db: sqlite3.Connection) -> None:
    got = db.execute("SELECT table_name, row_id, warning FROM row_warnings").fetchall()
    expected = sorted((t, next(iter(row.values())), code) for t in TABLES for row in read_dicts(t) for code in row.get("warnings", "").split())
    assert got == expected
    assert ("outcomes", "myeloma-xi-os-3y-transplanted-observation", "arm-inferred") in got
    assert len(got) == 73  # the codes of the shipped rows, as the data dictionary counts them


def test_datasette_facets_on_each_warning_code_issue_20(files: dict[str, bytes]) -> None:
    tables = json.loads(files["metadata.json"])["databases"]["data"]["tables"]
    assert tables["row_warnings"]["facets"] == ["warning", "table_name"]
    assert "warnings" in tables["findings"]["columns"] and "study_warnings" in tables["findings"]["columns"]


def test_findings_view_joins_without_collisions(db: sqlite3.Connection) -> None:
    cursor = db.execute("SELECT * FROM findings")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    assert names == [f["name"] for f in view_schema()["fields"]]
    assert len(names) == len(set(names))
    assert {"study_name", "study_design", "study_pooled_in", "arm_name", "arm_role", "comparator_arm_name", "comparator_arm_role",
            "source_title"} <= set(names)
    arms = {r["arm_id"]: r for r in mmdata.load("arms").astype(object).to_dict("records")}
    studies = {r["study_id"]: r for r in mmdata.load("studies").astype(object).to_dict("records")}
    keys = sorted((t, k) for t, key in view_parts() for k in mmdata.load(t)[key])
    assert [(r["finding_table"], r["finding_id"]) for r in rows] == keys
    for r in rows:
        assert r["study_name"] == studies[r["study_id"]]["name"]
        assert r["study_pooled_in"] == (None if pd.isna(studies[r["study_id"]]["pooled_in"]) else studies[r["study_id"]]["pooled_in"])
        for prefix in ("arm", "comparator_arm"):
            arm = arms.get(r[f"{prefix}_id"])
            assert (r[f"{prefix}_name"], r[f"{prefix}_role"]) == ((arm["name"], arm["role"]) if arm else (None, None))


def test_median_pfs_per_study_in_one_query_issue_11(db: sqlite3.Connection) -> None:
    """The issue's question, answered without a merge: which median PFS each study reports per arm."""
    rows = db.execute("SELECT study_name, arm_role, value, qualifier FROM findings WHERE endpoint = 'progression-free-survival' "
                      "AND statistic = 'median' AND comparator_arm_id IS NULL ORDER BY study_name, arm_role").fetchall()
    outcomes = mmdata.load("outcomes")
    chosen = outcomes[(outcomes["endpoint"] == "progression-free-survival") & (outcomes["statistic"] == "median") & outcomes["comparator_arm_id"].isna()]
    assert len(rows) == len(chosen) > 0


def test_load_findings_equals_the_view(db: sqlite3.Connection) -> None:
    frame = mmdata.load("findings")
    assert list(frame.columns) == [d[0] for d in db.execute("SELECT * FROM findings").description]
    from_db = pd.read_sql_query("SELECT * FROM findings", db)
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == from_db.astype(object).where(from_db.notna(), None).values.tolist()
    spec = {f["name"]: f for f in view_schema()["fields"]}
    for name, dtype in frame.dtypes.items():
        field = spec[name]
        expected = "category" if "enum" in field.get("constraints", {}) else {"string": "string", "integer": "Int64", "number": "Float64"}[field["type"]]
        assert str(dtype) == expected, name
    outcomes = mmdata.load("outcomes")
    for name in set(outcomes.columns) & set(frame.columns):
        if str(outcomes[name].dtype) != "category":
            assert frame[name].dtype == outcomes[name].dtype, name


def test_findings_csv_is_the_view(files: dict[str, bytes], db: sqlite3.Connection) -> None:
    rows = list(csv.reader(io.StringIO(files["findings.csv"].decode("utf-8"))))
    cursor = db.execute("SELECT * FROM findings")
    assert rows[0] == [d[0] for d in cursor.description]
    as_text = [["" if v is None else (format(v, "g") if isinstance(v, float) and v == int(v) else str(v)) for v in r] for r in cursor.fetchall()]
    assert rows[1:] == as_text
    loaded = pd.read_csv(io.BytesIO(files["findings.csv"]), dtype=str, keep_default_na=False)
    outcomes = pd.read_csv(ROOT / "data/outcomes.csv", dtype=str, keep_default_na=False).set_index("outcome_id")
    mine = loaded[loaded["finding_table"] == "outcomes"].set_index("finding_id")
    for column in ("value", "time_value", "ci_lower", "ci_upper", "p_value", "quote"):  # numbers keep the text of the source table
        assert mine[column].to_dict() == outcomes.loc[mine.index, column].to_dict(), column


@pytest.mark.parametrize("table", [*TABLES, "findings"])


def test_parquet_types_and_descriptions_come_from_the_schema(files: dict[str, bytes], table: str) -> None:
    parquet = pq.read_table(io.BytesIO(files[f"parquet/{table}.parquet"]))
    spec = view_schema() if table == "findings" else schema(table)
    kinds = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}
    assert parquet.schema.names == [f["name"] for f in spec["fields"]]
    for field in spec["fields"]:
        arrow = parquet.schema.field(field["name"])
        cons = field.get("constraints", {})
        if "enum" in cons:
            assert arrow.type == pa.dictionary(pa.int32(), pa.string())
            assert json.loads(arrow.metadata[b"enum"]) == cons["enum"]
        else:
            assert arrow.type == kinds[field["type"]]
        assert arrow.nullable == (not cons.get("required") and field["name"] not in spec["primaryKey"])
        assert arrow.metadata[b"description"].decode() == field["description"]
    expected = mmdata.load(table)
    got = parquet.to_pandas()
    for name in expected.columns:
        left = expected[name].astype(object).where(expected[name].notna(), None).tolist()
        right = got[name].astype(object).where(got[name].notna(), None).tolist()
        assert left == right, (table, name)


def test_release_archive_carries_the_exports(released_template) -> None:
    from ..releases import FIRST

    result = released_template.result
    with zipfile.ZipFile(result.archive) as archive:
        names = archive.namelist()
        inside = {n.removeprefix(f"mmdata-data-{FIRST}/exports/"): archive.read(n) for n in names if "/exports/" in n}
    assert inside == export_files(result.archive.parent.parent)
    assert json.loads(inside["metadata.json"])["about"] == f"mmdata {FIRST}"
    assert [n for n in names if n.endswith((".py", ".pyc")) or "/plugins/" in n] == []  # an archive of data carries no code (#19)


def test_export_command_writes_the_chosen_formats(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(out), "--format", "sqlite", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"wrote {out}/data.sqlite\nwrote {out}/findings.csv\nwrote {out}/metadata.json\nwrote {out}/plugins/mmdata_cells.py\n"
                             f"4 files written to {out}\n")
    assert sorted(p.name for p in out.iterdir()) == ["data.sqlite", "findings.csv", "metadata.json", "plugins"]
    csv_only = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(tmp_path / "csv"), "--format", "csv"])
    assert (csv_only.exit_code, sorted(p.name for p in (tmp_path / "csv").iterdir())) == (0, ["findings.csv"])  # the plugin goes with data.sqlite


@pytest.mark.parametrize(("table", "key", "column", "value"), [
    ("arms", "myeloma-xi-lenalidomide", "study_id", "no-such-study"),  # a dangling key
    ("outcomes", "ifm-2005-02-relapse-3y-relative", "qualifier", "roughly"),  # "about 2" must not become an exact 2
    ("outcomes", "ifm-2005-02-relapse-3y-relative", "value", "abc"),  # a cell that cannot be typed
])


def test_export_refuses_an_invalid_package_and_writes_nothing(package: Path, tmp_path: Path, table: str, key: str, column: str,
                                                             value: str) -> None:
    set_cell(package / f"data/{table}.csv", key, column, value)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", str(package), "--to", str(out)])
    assert (result.exit_code, result.stdout) == (1, "")  # refused, as an invalid package is
    problems = len(mmdata.validate(package))
    assert problems >= 1
    assert result.stderr == (f"Error: {package}: the package is not valid ({problems} problem{'' if problems == 1 else 's'}); "
                             "nothing was written. Run `mmdata validate` to see them\n")
    assert not out.exists()
    with pytest.raises(mmdata.LoadError) as caught:  # the findings view is built from the typed tables, with no validation (#21)
        mmdata.load("findings", path=package)
    if column == "study_id":  # the tables load, but the view's join would lose the arm
        assert str(caught.value) == (f"{package}: cannot build the findings view: foreign keys do not resolve in ['arms']; "
                                     "run `mmdata validate`")
    else:  # the same error as loading the table
        with pytest.raises(mmdata.LoadError) as table_error:
            mmdata.load(table, path=package)
        assert (str(caught.value), caught.value.problems) == (str(table_error.value), table_error.value.problems)


def test_export_to_a_folder_that_cannot_be_made_is_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(blocker / "sub"), "--format", "csv"])
    assert (result.exit_code, result.stdout) == (2, "")  # misuse, refused before anything is read or written (#19)
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '--to': {blocker} is a file, not a folder; give a folder inside a folder"
    assert blocker.read_text() == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize(("name", "words"), [
    ("findings", "'findings' is the name of the findings view, which the exports make of the tables; rename the resource"),
    ("row_warnings", "'row_warnings' is the name of the warnings view, which the exports make of the tables; rename the resource"),
    ("_columns", "a table is named '_columns', which the exports reserve for a description table; rename the resource"),
    ("_tables", "a table is named '_tables', which the exports reserve for a description table; rename the resource"),
])
def test_a_table_named_like_an_export_object_is_refused(name: str, words: str) -> None:
    # Tables a program hands the database (validation reports the first two, in the same words, and the others by their names).
    from mmdata.publish.sqlite import check_names

    resources = mmdata.open_package(ROOT).resources
    with pytest.raises(ExportError) as raised:
        check_names(dict(resources, **{name: resources["arms"]}))
    assert str(raised.value) == words


def test_findings_view_column_collisions_are_refused() -> None:
    import dataclasses

    from mmdata.model.schema import Field
    from mmdata.publish.sqlite import check_names

    resources = mmdata.open_package(ROOT).resources
    outcomes = resources["outcomes"]
    resources["outcomes"] = dataclasses.replace(outcomes, fields=(*outcomes.fields, Field("study_name")))
    with pytest.raises(ExportError, match="two columns named study_name"):
        check_names(resources)


@pytest.mark.parametrize(("form", "what"), [("parquet", "Parquet"), ("csv", "CSV")])
def test_parquet_or_csv_without_pyarrow_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, form: str,
                                                             what: str) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(tmp_path), "--format", form])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {what} output needs pyarrow, which is not installed; "
                             "install the export extra: pip install 'mmdata[export]'\n")
    assert list(tmp_path.iterdir()) == []
    assert export_module.DEFAULT_FORMATS == ("sqlite", "parquet", "csv")  # fhir only when asked for (#20)
    assert export_module.FORMATS == ("sqlite", "parquet", "csv", "fhir")


@pytest.mark.parametrize("form", ["sqlite", "fhir"])
def test_sqlite_or_fhir_needs_no_pyarrow_issue_22(tmp_path: Path, form: str) -> None:
    # The export's Arrow pool (io.arrow.arrow_pool) is no reason to need pyarrow: without it, SQLite and FHIR are
    # written. pyarrow is refused before pandas is imported, as where it is not installed (pandas then stores its
    # texts without it), so in a process of its own.
    import subprocess
    import sys

    out = tmp_path / "out"
    code = ("import sys\nsys.modules['pyarrow'] = None\nfrom click.testing import CliRunner\nfrom mmdata.cli import cli\n"
            f"result = CliRunner().invoke(cli, ['export', {str(ROOT)!r}, '--to', {str(out)!r}, '--format', {form!r}])\n"
            "print(result.exit_code)\nprint(result.stdout, end='')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    written = [p for p in out.rglob("*") if p.is_file()]
    code_line, *wrote, summary = done.stdout.splitlines()
    assert (code_line, summary) == ("0", f"{len(written)} file{'s' if len(written) > 1 else ''} written to {out}")
    assert sorted(wrote) == sorted(f"wrote {p}" for p in written)
    assert (out / ("data.sqlite" if form == "sqlite" else export_module.fhir.FILE)).is_file()


# ---------------------------------------------------------------- nothing written outside the folder named (#23)
def outside_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("link", ["parquet", "metadata.json"])


def test_export_writes_through_no_link_in_its_folder_issue_23(link: str, tmp_path: Path) -> None:
    """`export --to build` with build/parquet a link wrote the Parquet files into the folder it points to; a
    build/metadata.json link was replaced by a file with the link's mode, world-writable."""
    out, outside = tmp_path / "build", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "metadata.json").write_text("mine\n")
    (out / link).symlink_to(outside if link == "parquet" else outside / "metadata.json")
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(out)])
    assert (result.exit_code, result.stdout) == (1, "")
    first = "parquet/adverse_events.parquet" if link == "parquet" else "metadata.json"
    assert result.stderr == (f"Error: {out / first}: not written: {link} is a symbolic link, and mmdata never writes through one; "
                             "replace the link by the file or folder itself; nothing was exported\n")
    assert outside_tree(outside) == {"metadata.json": b"mine\n"}
    assert sorted(p.name for p in out.iterdir()) == [link]  # nothing written beside it either


def test_export_files_are_not_world_writable_issue_23(tmp_path: Path) -> None:
    from mmdata.io.files import atomic_write

    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    atomic_write(tmp_path / "link", b"x")  # a link replaced, as atomic_write documents: its mode (0777) is not kept
    assert ((tmp_path / "link").is_symlink(), (tmp_path / "link").stat().st_mode & 0o777) == (False, 0o644)
    out = tmp_path / "build"
    assert CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(out)]).exit_code == 0
    modes = {str(p.relative_to(out)): p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()}
    assert set(modes.values()) == {0o644}
    assert "metadata.json" in modes


@pytest.mark.parametrize("to", [".", "data", "schemas/sub", "seeds"])


def test_export_into_the_packages_own_folders_is_refused_issue_23(to: str, package: Path) -> None:
    """`export --to data` wrote data.sqlite and parquet/ into data/, and the package no longer validated."""
    before = outside_tree(package)
    result = CliRunner().invoke(cli, ["export", str(package), "--to", str(package / to)])
    assert (result.exit_code, result.stdout) == (2, "")
    folder = to.split("/")[0]
    assert result.stderr == (f"Error: {package / to}: is the package folder; export to a folder of its own (the default is build/)\n"
                             if to == "." else
                             f"Error: {package / to}: is inside the package's folder {folder}/, whose files the export would change; "
                             "export to a folder of its own (the default is build/)\n")
    assert outside_tree(package) == before
    assert CliRunner().invoke(cli, ["export", str(package), "--to", str(package / "build"), "--format", "csv"]).exit_code == 0  # build/ is not the package's


def test_sqlite_allowed_values_holding_quotes_stay_literals_issue_23() -> None:
    allowed = ["it's", "'); DROP TABLE t; --", 'say "no"']
    resource = resource_of({"fields": [{"name": "v", "type": "string", "constraints": {"enum": allowed}}]}, "t")
    conn = sqlite3.connect(":memory:")
    conn.execute(table_sql(resource))
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in allowed])
    for value in ("its", "it''s", "'"):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute("INSERT INTO t VALUES (?)", (value,))
    assert conn.execute("SELECT v FROM t").fetchall() == [(v,) for v in allowed]


def test_sqlite_keys_uniques_and_descriptions_of_a_table_issue_23() -> None:
    resource = resource_of({"fields": [{"name": "id", "type": "string", "constraints": {"unique": True}, "description": "The key."},
                                       {"name": "code", "type": "string", "constraints": {"unique": True}, "description": "A code,\n  unique."},
                                       {"name": "note", "type": "string"}], "primaryKey": ["id"]}, "t")
    assert table_sql(resource) == ('CREATE TABLE "t" (\n  "id" TEXT NOT NULL, -- The key.\n  "code" TEXT UNIQUE, -- A code, unique.\n  "note" TEXT,\n'
                                   '  PRIMARY KEY ("id")\n)')
    without_key = resource_of({"fields": [{"name": "v", "type": "integer"}]}, "u")
    assert table_sql(without_key) == 'CREATE TABLE "u" (\n  "v" INTEGER\n)'


def test_a_package_whose_studies_have_no_warnings_column_keeps_its_findings_view_issue_20() -> None:
    """A package from before the warnings column (a release's, rebuilt) gets the view it had: no study_warnings."""
    from mmdata.model.schema import resource_of

    resources = {}
    for name, schema in schemas().items():
        if name == "studies":
            schema = dict(schema, fields=[f for f in schema["fields"] if f["name"] != "warnings"])
        resources[name] = resource_of(schema, name)
    names = view.findings_resource(resources).field_names
    assert "study_warnings" not in names and "study_pooled_in" in names
    assert '"study"."warnings"' not in view.view_sql(resources)
    assert "study_warnings" in view.findings_resource({n: resource_of(s, n) for n, s in schemas().items()}).field_names


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


@pytest.mark.parametrize("batch", [1, 2, 7, "rows", "rows+1"])
def test_rows_read_back_in_batches_of_any_size_give_the_same_files_issue_22(files: dict[str, bytes], batch: int | str,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The export reads each table back a batch of rows at a time (#22): every batch size gives the same bytes, a batch
    # exactly as long as a table (then the next read is empty) included.
    rows = len(read_rows(ROOT / "data/arms.csv")[1])
    monkeypatch.setattr(export_module, "BATCH", {"rows": rows, "rows+1": rows + 1}.get(str(batch), batch))
    assert _hashes(export_files(ROOT)) == _hashes(files)


@pytest.mark.parametrize("emptied", [["adverse_events"], ["adverse_events", "outcomes"]])
def test_a_table_with_no_rows_is_exported_with_its_columns_issue_22(package: Path, emptied: list[str]) -> None:
    for table in emptied:
        path = package / f"data/{table}.csv"
        path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    # Curation refuses a package whose seeds state findings no table has: the files are made unvalidated.
    found = export_module._files(mmdata.open_package(package), export_module.DEFAULT_FORMATS)[0]
    for table in emptied:
        parquet = pq.read_table(io.BytesIO(found[f"parquet/{table}.parquet"]))
        assert parquet.num_rows == 0 and parquet.column_names == [f["name"] for f in schema(table)["fields"]]
    outcomes = len(read_rows(package / "data/outcomes.csv")[1])
    assert pq.read_table(io.BytesIO(found["parquet/findings.parquet"])).num_rows == outcomes
    lines = found["findings.csv"].decode("utf-8").splitlines()
    assert len(lines) == outcomes + 1 and lines[0] == ",".join(f["name"] for f in view_schema()["fields"])


@pytest.mark.parametrize(("table", "field"), [("outcomes", "direction"), ("adverse_events", "unit")])
def test_a_view_column_of_allowed_values_in_one_finding_table_only_is_exported_as_texts(package: Path, tmp_path: Path, table: str,
                                                                                       field: str) -> None:
    """With the allowed values of one finding table's column removed (the other's kept), the package stayed valid and the
    export stopped with an internal error: Arrow could not put the column's values and the other's codes in one column."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": f"schemas/{table}.schema.json", "pointer": f"/fields/{field}/constraints/enum", "remove": True}])
    result = CliRunner().invoke(cli, ["export", str(package), "--to", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "out/data.sqlite")
    try:
        cursor = db.execute("SELECT * FROM findings")
        names = [d[0] for d in cursor.description]
        from_db = [["" if v is None else (format(v, "g") if isinstance(v, float) and v == int(v) else str(v)) for v in r] for r in cursor]
    finally:
        db.close()
    rows = list(csv.reader(io.StringIO((tmp_path / "out/findings.csv").read_text(encoding="utf-8"))))
    assert rows == [names, *from_db]
    column = pq.read_table(tmp_path / "out/parquet/findings.parquet").column(field)
    assert column.type == pa.string()
    for finding_table in ("outcomes", "adverse_events"):  # each finding's text, from either table, as its table has it
        header, cells = read_rows(package / f"data/{finding_table}.csv")
        if field in header:
            assert {r[1]: r[names.index(field)] for r in rows[1:] if r[0] == finding_table} == {c[0]: c[header.index(field)] for c in cells}
    assert column.to_pylist() == [r[names.index(field)] or None for r in rows[1:]]


def test_the_findings_view_is_counted_from_its_tables_only_when_its_joins_are_on_keys_issue_22() -> None:
    # _tables counts the findings view as the sum of its finding tables (#22), which holds only when every join
    # matches at most one row: on the joined table's primary key, or on a unique field.
    import dataclasses

    resources = mmdata.open_package(ROOT).resources
    assert view.one_row_each(resources)
    arms = resources["arms"]

    def arm_id_unique(unique: bool) -> tuple:
        return tuple(dataclasses.replace(f, constraints=dataclasses.replace(f.constraints, unique=unique)) if f.name == "arm_id" else f
                     for f in arms.fields)

    assert view.one_row_each(dict(resources, arms=dataclasses.replace(arms, fields=arm_id_unique(False))))  # its primary key
    keyed_by_name = dataclasses.replace(arms, primary_key=("name",))
    assert not view.one_row_each(dict(resources, arms=dataclasses.replace(keyed_by_name, fields=arm_id_unique(False))))
    assert view.one_row_each(dict(resources, arms=dataclasses.replace(keyed_by_name, fields=arm_id_unique(True))))
    assert view.one_row_each({k: v for k, v in resources.items() if k != "arms"})  # a table the view does not join


def test_check_constraints_are_skipped_only_for_tables_validation_checked_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # Validation checks every allowed value, minimum and maximum; the database of a valid package does not check its
    # CHECK constraints again while the rows go in (#22), but keeps them for every later insert. A package no validation
    # vouches for is checked by SQLite as before.
    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as db_module

    pkg = mmdata.open_package(ROOT)
    tables = typed_tables(pkg)
    bad = dict(tables, outcomes=tables["outcomes"].astype({"statistic": "string"}))
    bad["outcomes"].loc[0, "statistic"] = "not-a-statistic"
    with pytest.raises(ExportError, match=r"^the tables break a constraint of their schemas \(CHECK constraint failed: statistic\); run `mmdata validate`$"):
        db_module.database(bad, pkg.resources)
    db_module.database(bad, pkg.resources, checked=True).close()  # the caller vouches for the values: SQLite does not look
    conn = db_module.database(tables, pkg.resources, checked=True)
    try:
        row = conn.execute("SELECT * FROM outcomes LIMIT 1").fetchone()
        columns = [c[1] for c in conn.execute("PRAGMA table_info(outcomes)")]
        changed = [f"{row[i]}-changed" if name == "outcome_id" else "not-a-statistic" if name == "statistic" else row[i]
                   for i, name in enumerate(columns)]
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(f"INSERT INTO outcomes VALUES ({', '.join('?' * len(columns))})", changed)
    finally:
        conn.close()
    seen: list[bool] = []
    real = export_module.database
    monkeypatch.setattr(export_module, "database", lambda t, r, checked=False: seen.append(checked) or real(t, r, checked))
    export_files(ROOT, ("sqlite",))
    export_module._files(mmdata.open_package(ROOT), ("sqlite",))
    assert seen == [True, False]


def test_the_export_allocates_in_the_readers_pool_and_leaves_the_programs_issue_22(program_pool: Any,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Called from a program (not a command, which names the pool for its process), the export's Arrow columns are made
    # in jemalloc (io.arrow.arrow_pool: 15.1 s against 1.3 s at a million rows); the program's default pool is its own after.
    seen = []
    made = export_module._made

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(program_pool.default_memory_pool().backend_name)
        return made(*args, **kwargs)

    monkeypatch.setattr(export_module, "_made", spy)
    export_files(ROOT, ("parquet",))
    assert seen == ["jemalloc"]
    assert program_pool.default_memory_pool().backend_name == "system"


class _Closing:
    """A connection that records, when it is closed, what the test asks (the rest is the connection's own)."""

    def __init__(self, conn: sqlite3.Connection, on_close: Any) -> None:
        self._conn, self._on_close = conn, on_close

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def close(self) -> None:
        self._on_close()
        self._conn.close()


@pytest.mark.parametrize("into", [False, True])
def test_the_full_text_index_is_made_while_the_other_files_are_made_issue_22(into: bool, files: dict[str, bytes], tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite lets go of the GIL while it makes the index (7 s at a million rows): the Parquet files and findings.csv are
    # made meanwhile, and the SQLite file is the same. Made one after the other, the index would wait for a file in vain.
    # So too when `mmdata export` has the SQLite file moved into its folder rather than read back (into).
    from mmdata.publish import sqlite as sqlite_module

    making, indexing = threading.Event(), threading.Event()
    overlapped: list[bool] = []  # the index found a Parquet file being made
    began: list[bool] = []  # the first Parquet file found the index begun
    index, parquet = sqlite_module.index_text, export_module.parquet_file

    def slow_index(*args: Any) -> None:
        indexing.set()
        overlapped.append(making.wait(timeout=20))
        index(*args)

    def parquet_file(*args: Any) -> bytes:
        making.set()
        if not began:
            began.append(indexing.wait(timeout=20))
        return parquet(*args)

    monkeypatch.setattr(sqlite_module, "index_text", slow_index)
    monkeypatch.setattr(export_module, "parquet_file", parquet_file)
    if into:
        made = {str(p.relative_to(tmp_path)): p.read_bytes() for p in export_module.export(ROOT, tmp_path) if p.suffix != ".py"}
    assert _hashes(made if into else export_files(ROOT)) == _hashes(files)
    assert (overlapped, began) == ([True], [True])


def test_a_table_read_back_is_read_after_the_index_is_made_issue_22(files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    # A table the typed columns cannot make is read back from the database: then nothing is made beside the index.
    from mmdata.publish import sqlite as sqlite_module

    steps: list[str] = []
    index, batches = sqlite_module.index_text, export_module._batches
    monkeypatch.setattr(sqlite_module, "index_text", lambda *args: (time.sleep(0.2), index(*args), steps.append("index")))
    monkeypatch.setattr(export_module, "_batches", lambda *args: (steps.append("read"), batches(*args))[1])
    monkeypatch.setattr(export_module, "_made", lambda *args: {})
    assert _hashes(export_files(ROOT)) == _hashes(files)
    assert steps == ["index"] + ["read"] * 6  # five tables and the findings view, each read back after the index


def test_an_error_beside_the_index_is_raised_once_the_index_is_done_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # The database is closed only after the index has been made: never under a thread still writing it.
    from mmdata.publish import sqlite as sqlite_module

    done: list[str] = []
    index, database = sqlite_module.index_text, export_module.database

    def slow_index(*args: Any) -> None:
        try:
            time.sleep(0.3)
            index(*args)
        finally:
            done.append("index")

    monkeypatch.setattr(sqlite_module, "index_text", slow_index)
    monkeypatch.setattr(export_module, "database", lambda *args, **kwargs: _Closing(database(*args, **kwargs), lambda: done.append("closed")))
    monkeypatch.setattr(export_module, "parquet_file", lambda table: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        export_files(ROOT)
    assert done == ["index", "closed"]


def full_disk_index(conn: sqlite3.Connection, resources: Any) -> None:
    """A stand-in for sqlite.index_text that meets a full disk, as SQLite says it."""
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite's own errors carry it
    raise full


def test_an_error_of_the_index_is_the_exports_error_issue_22(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never a SQLite file without its index: the index's own error ends the export, worded for the command line when it
    # says the file cannot be written, and the database's temporary folder is removed.
    from mmdata.publish import sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "index_text", full_disk_index)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ExportError) as raised:
        export_files(ROOT)
    assert re.fullmatch(rf"the SQLite database cannot be written in the temporary folder {re.escape(str(tmp_path))}/mmdata-\w+ "
                        r"\(database or disk is full\); free some room there, or set TMPDIR to a folder with more room",
                        str(raised.value))
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_the_database_is_built_is_said_and_nothing_is_written_issue_22(tmp_path: Path,
                                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # A file that cannot grow, as the process's file size limit makes it (Python ignores the signal it would send; SQLite
    # calls it an I/O error, and a full disk "database or disk is full"): the command says where, writes nothing, and
    # leaves no temporary folder.
    import resource

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 4096, limits[1]))
    try:
        result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(tmp_path / "out")])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    assert result.exit_code == 2
    assert re.fullmatch(rf"Error: the SQLite database cannot be written in the temporary folder {re.escape(str(tmp_path))}/mmdata-\w+ "
                        r"\(disk I/O error\); free some room there, or set TMPDIR to a folder with more room\n", result.output)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scratch", [None, "/var/scratch"])
def test_a_full_disk_names_sqlites_own_scratch_folder_when_one_is_set_issue_22(scratch: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite writes VACUUM's copy of the database in SQLITE_TMPDIR when it is set, not in the export's folder: a full
    # disk may be that one.
    import sqlite3

    from mmdata.publish.sqlite import unwritten

    if scratch is None:
        monkeypatch.delenv("SQLITE_TMPDIR", raising=False)
    else:
        monkeypatch.setenv("SQLITE_TMPDIR", scratch)
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL
    said = str(unwritten("/tmp/mmdata-x", error))
    words = "the SQLite database cannot be written in the temporary folder /tmp/mmdata-x (database or disk is full); free some " \
            "room there, or set TMPDIR to a folder with more room"
    assert said == words + ("" if scratch is None else
                            " (SQLite writes its scratch files in SQLITE_TMPDIR, /var/scratch: free some room there too, or unset it)")


def test_a_database_file_sqlite_cannot_open_is_said_and_leaves_no_temporary_folder_issue_22(tmp_path: Path,
                                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as sqlite_module

    def cannot_open(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        error = sqlite3.OperationalError("unable to open database file")
        error.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN
        raise error

    pkg = mmdata.open_package(ROOT)
    tables = typed_tables(pkg)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sqlite3, "connect", cannot_open)
    with pytest.raises(ExportError, match=r"^the SQLite database cannot be written in the temporary folder .*/mmdata-\w+ "
                                          r"\(unable to open database file\); free some room there"):
        sqlite_module.database(tables, pkg.resources)
    assert list(tmp_path.iterdir()) == []


def test_a_database_file_that_cannot_be_made_is_said_and_leaves_no_temporary_folder_issue_22(tmp_path: Path,
                                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as sqlite_module

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    pkg = mmdata.open_package(ROOT)
    tables = typed_tables(pkg)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sqlite_module, "open", refused, raising=False)  # the module's own calls of open
    with pytest.raises(ExportError, match=rf"^cannot make the SQLite database in the temporary folder {re.escape(str(tmp_path))}/mmdata-\w+ "
                                          r"\(Permission denied\); set TMPDIR to a folder you can write to$"):
        sqlite_module.database(tables, pkg.resources)
    assert list(tmp_path.iterdir()) == []


def test_any_other_error_of_sqlite_is_not_said_to_be_the_disks_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only SQLite's errors about writing its file are worded as the temporary folder's: any other is a bug, and stays one.
    from mmdata.publish import sqlite as sqlite_module

    def broken(conn: sqlite3.Connection, resources: Any) -> None:
        conn.execute("SELECT * FROM nowhere")

    monkeypatch.setattr(sqlite_module, "index_text", broken)
    with pytest.raises(sqlite3.OperationalError, match="^no such table: nowhere$"):
        export_files(ROOT)


def test_an_io_error_that_is_memory_is_not_said_to_be_the_disks_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLITE_IOERR_NOMEM is an I/O error by its primary code, but memory ran out, not the folder's room.
    from mmdata.publish import sqlite as sqlite_module

    def broken(conn: sqlite3.Connection, resources: Any) -> None:
        error = sqlite3.OperationalError("disk I/O error")
        error.sqlite_errorcode = sqlite3.SQLITE_IOERR_NOMEM
        raise error

    monkeypatch.setattr(sqlite_module, "index_text", broken)
    with pytest.raises(sqlite3.OperationalError, match="^disk I/O error$"):
        export_files(ROOT)


def test_a_package_without_a_table_of_findings_is_refused_by_validation_and_the_export(package: Path, tmp_path: Path) -> None:
    # The findings view stacks the tables marked as findings: with none, the export was an internal error, then refused
    # it while `mmdata validate` found the package valid; validation now reports it, so the export refuses it unwritten.
    from mmdata.model.schema import NO_FINDINGS
    from mmdata.publish.sqlite import check_names

    for table in ("outcomes", "adverse_events"):
        path = package / f"schemas/{table}.schema.json"
        descriptor = json.loads(path.read_text())
        del descriptor["mmdata:role"]
        path.write_text(json.dumps(descriptor, indent=2) + "\n")
    checked = CliRunner().invoke(cli, ["validate", str(package)])
    assert checked.exit_code == 1
    assert checked.stderr.splitlines() == [f"datapackage.json: {NO_FINDINGS} [schema-error]"]
    assert NO_FINDINGS.startswith('no table is marked as findings ("mmdata:role": "finding" in its schema)')
    result = CliRunner().invoke(cli, ["export", str(package), "--to", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {package}: the package is not valid (1 problem); nothing was written. "
                                          "Run `mmdata validate` to see them"]
    assert not (tmp_path / "out").exists()
    with pytest.raises(ExportError) as raised:  # tables a program hands the database, unvalidated: the same words
        check_names(mmdata.open_package(package).resources)
    assert str(raised.value) == NO_FINDINGS


def in_memory_file(tables: dict[str, pd.DataFrame], resources: Any) -> bytes:
    """The SQLite file as the export made it up to 1.0.0: the database built in memory, compacted, indexed, serialised."""
    from mmdata.publish import sqlite as sqlite_module

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA page_size = 4096")
        sqlite_module.build(conn, tables, resources, checked=True)
        conn.execute("VACUUM")
        sqlite_module.index_text(conn, resources)
        return conn.serialize()
    finally:
        conn.close()


def test_the_sqlite_file_is_the_database_compacted_then_indexed(files: dict[str, bytes]) -> None:
    # The steps and their order decide the bytes a rebuilt release must match: VACUUM, the full-text index, the file. The
    # database is built in a file now (#22); its file is byte for byte the one the same database built in memory gives.
    from mmdata.model.load import typed_tables

    pkg = mmdata.open_package(ROOT)
    assert in_memory_file(typed_tables(pkg), pkg.resources) == files["data.sqlite"]
    assert (files["data.sqlite"][24:28], files["data.sqlite"][92:100]) == (bytes(4), bytes(8))


def searched_rows(conn: Any, table: str, words: str) -> list[int]:
    return [row[0] for row in conn.execute(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? ORDER BY rowid", (words,))]


@pytest.mark.parametrize("table", ["studies", "arms", "outcomes", "adverse_events"])
def test_the_full_text_index_gathers_its_terms_64_mib_at_a_time_and_finds_every_row_issue_22(db: sqlite3.Connection, table: str) -> None:
    # FTS5 wrote its index in segments of 1 MiB of terms and merged them: at a million rows, twice the time (#22).
    from mmdata.publish import sqlite as sqlite_module

    assert db.execute(f"SELECT v FROM {table}_fts_config WHERE k = 'hashsize'").fetchone() == (64 * 1024 * 1024,)
    assert sqlite_module.FTS_HASH_BYTES == 64 * 1024 * 1024
    db.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('integrity-check')")  # raises when the index and the table differ
    columns = sqlite_module.searched(mmdata.open_package(ROOT).resources)[table]
    first = next(cell for cell, in db.execute(f"SELECT {columns[0]} FROM {table} ORDER BY rowid") if cell)
    word = max(re.findall(r"[A-Za-z]+", first), key=len)  # a word of the first row's cell: found there, and wherever else it is
    found = searched_rows(db, table, word)
    like = " OR ".join(f"{c} LIKE ?" for c in columns)
    assert found and set(found) <= {row[0] for row in db.execute(f"SELECT rowid FROM {table} WHERE {like}", [f"%{word}%"] * len(columns))}


@pytest.mark.parametrize(("code", "raised"), [(sqlite3.SQLITE_ERROR, False), (sqlite3.SQLITE_INTERRUPT, True)])
def test_a_sqlite_without_the_index_size_option_still_gets_the_same_index_issue_22(code: int, raised: bool) -> None:
    # An older SQLite may not know FTS5's hashsize (SQLITE_ERROR, "SQL logic error"): the index is made with its own size,
    # the same rows found. Any other error (an interrupt) is the index's, raised.
    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as sqlite_module

    pkg = mmdata.open_package(ROOT)
    conns = [sqlite3.connect(":memory:", isolation_level=None) for _ in range(2)]  # indexed as this SQLite can, and as an older one
    for conn in conns:
        sqlite_module.build(conn, typed_tables(pkg), pkg.resources, checked=True)

    class Older:
        def execute(self, sql: str) -> Any:
            if "'hashsize'" in sql:
                error = sqlite3.OperationalError("SQL logic error" if code == sqlite3.SQLITE_ERROR else "interrupted")
                error.sqlite_errorcode = code  # type: ignore[attr-defined]
                raise error
            return conns[1].execute(sql)

    sqlite_module.index_text(conns[0], pkg.resources)
    if raised:
        with pytest.raises(sqlite3.OperationalError, match="^interrupted$"):
            sqlite_module.index_text(Older(), pkg.resources)  # type: ignore[arg-type]
        return
    sqlite_module.index_text(Older(), pkg.resources)  # type: ignore[arg-type]
    assert conns[1].execute("SELECT count(*) FROM outcomes_fts_config WHERE k = 'hashsize'").fetchone() == (0,)
    for words in ("lenalidomide", "survival", "maintenance", "progression free"):
        assert searched_rows(conns[1], "outcomes", words) == searched_rows(conns[0], "outcomes", words)
        assert searched_rows(conns[0], "outcomes", words)


def test_a_database_of_many_pages_built_in_a_file_gives_the_file_built_in_memory_issue_22(tmp_path: Path,
                                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Thousands of rows over thousands of pages (the outcomes copied under new keys): the same bytes either way, the
    # header's counts of writes and the library's version as 0; the temporary folder is gone once the file is taken.
    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as sqlite_module

    pkg = mmdata.open_package(ROOT)
    tables = typed_tables(pkg)
    outcomes = tables["outcomes"]
    copies = [outcomes.assign(outcome_id=outcomes["outcome_id"] + f"-{i}") for i in range(300)]
    tables = dict(tables, outcomes=pd.concat(copies, ignore_index=True))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    conn = sqlite_module.database(tables, pkg.resources, checked=True)
    assert [p.name for p in tmp_path.iterdir()] == [Path(conn.folder.name).name]
    sqlite_module.made_file(conn, pkg.resources)
    made = conn.file()
    assert list(tmp_path.iterdir()) == []
    assert len(made) > 1000 * 4096
    assert made == in_memory_file(tables, pkg.resources)


@pytest.mark.parametrize(("formats", "what"), [
    ((), "data.sqlite and findings.csv"),  # made in a temporary folder and moved into the export's (#22)
    (("sqlite", "parquet"), "data.sqlite"),
    (("parquet",), "the SQLite database"),  # the database the Parquet files are read from, in a folder of its own
])
def test_an_export_with_no_temporary_folder_says_so_and_writes_nothing_issue_22(formats: tuple[str, ...], what: str, tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(tmp_path / "out"), *(f"--format={f}" for f in formats)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"Error: cannot make a temporary folder for {what} (No such file or directory); "
                                          "set TMPDIR to a folder you can write to"]
    assert not (tmp_path / "out").exists()


def test_export_moves_its_sqlite_file_and_findings_csv_into_place_never_reading_them_back_issue_22(
        files: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # At a million rows, the export read its 645 MB SQLite file back into memory and joined findings.csv's 579 MB of
    # lines, then wrote both: they are made in a temporary folder and moved into --to, the same bytes.
    from mmdata.publish import sqlite as sqlite_module

    def never(self: Any) -> bytes:
        raise AssertionError("the SQLite file was read into memory")

    monkeypatch.setattr(sqlite_module.Database, "file", never)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    written = export_module.export(ROOT, tmp_path / "out")
    made = {str(p.relative_to(tmp_path / "out")): p.read_bytes() for p in written}
    plugin = made.pop("plugins/mmdata_cells.py")
    assert made == files and plugin == sqlite_module.datasette_plugin(mmdata.open_package(ROOT).resources).encode("utf-8")
    assert written == sorted(written) and list((tmp_path / "scratch").iterdir()) == []  # the temporary folder is removed


@pytest.mark.parametrize("when", ["opened", "written", "closed"])
def test_findings_csv_that_cannot_be_written_in_the_temporary_folder_is_said_and_nothing_is_written_issue_22(
        when: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    opened = builtins.open

    class Full:  # a disk that fills up while findings.csv is written: the error names no file
        def __init__(self, path: Any) -> None:
            self.file = opened(path, "wb")

        def write(self, data: bytes) -> int:
            if when == "written":
                raise OSError(28, "No space left on device")
            return self.file.write(data)

        def close(self) -> None:
            self.file.close()
            if when == "closed":
                raise OSError(28, "No space left on device")

    def full(path: Any, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("findings.csv"):
            if when == "opened":
                raise OSError(28, "No space left on device")
            return Full(path)
        return opened(path, *args, **kwargs)

    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    monkeypatch.setattr(builtins, "open", full)
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(tmp_path / "out")])
    monkeypatch.setattr(builtins, "open", opened)
    assert (result.exit_code, result.stdout) == (2, "")
    folder = re.fullmatch(r"Error: findings.csv cannot be written in the temporary folder (\S+) \(No space left on device\); "
                          r"free some room there, or set TMPDIR to a folder with more room\n", result.stderr)
    assert folder is not None and Path(folder[1]).parent == tmp_path / "scratch"  # the folder, and only the file that failed
    assert (tmp_path / "out").exists() is False and list((tmp_path / "scratch").iterdir()) == []


def test_any_other_os_error_of_the_export_is_not_said_to_be_the_temporary_folders_issue_22(tmp_path: Path,
                                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # pyarrow's errors of input and output are OSErrors too: one while a Parquet file is made is raised as it is.
    def broken(table: Any) -> bytes:
        raise pa.ArrowIOError("the Parquet writer failed")

    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    monkeypatch.setattr(export_module, "parquet_file", broken)
    with pytest.raises(pa.ArrowIOError, match="^the Parquet writer failed$"):
        export_module.export(ROOT, tmp_path / "out")
    assert (tmp_path / "out").exists() is False and list((tmp_path / "scratch").iterdir()) == []


def test_a_refused_export_leaves_no_temporary_file_issue_22(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "metadata.json").symlink_to(tmp_path / "elsewhere.json")  # refused after data.sqlite and findings.csv were made
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(out)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {out}/metadata.json: not written: metadata.json is a symbolic link, and mmdata "
                                                    "never writes through one; replace the link by the file or folder itself; nothing was exported\n")
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json"] and list((tmp_path / "scratch").iterdir()) == []


def test_a_database_that_breaks_a_constraint_leaves_no_temporary_folder_issue_22(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.model.load import typed_tables
    from mmdata.publish import sqlite as sqlite_module

    pkg = mmdata.open_package(ROOT)
    tables = typed_tables(pkg)
    twice = dict(tables, outcomes=pd.concat([tables["outcomes"], tables["outcomes"].head(1)], ignore_index=True))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ExportError, match=r"^the tables break a constraint of their schemas \(UNIQUE constraint failed: outcomes\.outcome_id\)"):
        sqlite_module.database(twice, pkg.resources)
    assert list(tmp_path.iterdir()) == []


def test_the_site_makes_the_tables_parquet_then_the_view_then_the_index_beside_its_pages_issue_22(monkeypatch: pytest.MonkeyPatch,
                                                                                                   tmp_path: Path) -> None:
    # The site keeps the findings view: beside it, the index raised the site's peak memory by 470 MB at a million rows;
    # and a table's Parquet file made while the view's columns were held was the site's peak. Made before the view, the
    # index held up the site for 7 to 12 s: it is made while the site's block (its pages) runs, and the file put in place after.
    from mmdata.publish import columns as columns_module
    from mmdata.publish import sqlite as sqlite_module

    steps: list[str] = []
    begun = threading.Event()
    index, parquet, view = sqlite_module.index_text, export_module.parquet_file, columns_module.view_columns

    def slow_index(*args: Any) -> None:
        steps.append("index begun")
        begun.set()
        time.sleep(0.2)
        index(*args)
        steps.append("index made")

    monkeypatch.setattr(sqlite_module, "index_text", slow_index)
    monkeypatch.setattr(export_module, "parquet_file", lambda table: (steps.append(table.schema.metadata[b"name"].decode()), parquet(table))[1])
    monkeypatch.setattr(columns_module, "view_columns", lambda *args: (steps.append("view"), view(*args))[1])
    frame = export_module.arrow_frame
    monkeypatch.setattr(export_module, "arrow_frame", lambda *args: (steps.append("frame"), frame(*args))[1])
    pkg = mmdata.open_package(ROOT)
    with export_module.files_and_findings(pkg, {"data.sqlite": tmp_path / "data.sqlite"}, AssertionError) as (files, _):
        assert begun.wait(timeout=20)
        steps.append("block")
        assert not (tmp_path / "data.sqlite").exists()
    assert steps == [*pkg.resources, "view", "findings", "frame", "index begun", "block", "index made"]
    alone = export_module.export_files(ROOT)
    assert (tmp_path / "data.sqlite").read_bytes() == alone.pop("data.sqlite")
    assert files == alone


#: A statement that runs for about half a minute: it stands in for the index where a test needs one stopped.
LONG_STATEMENT = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c"


def long_index(outcome: list[str], running: threading.Event | None = None, delay: float = 0.0) -> Any:
    """A stand-in for sqlite.index_text: after delay seconds, it runs LONG_STATEMENT (running set while it runs) and
    appends how it ended to outcome: "finished", or SQLite's error ("interrupted")."""
    def index(conn: sqlite3.Connection, resources: Any) -> None:
        time.sleep(delay)
        if running is not None:
            conn.set_progress_handler(lambda: running.set() and 0, 1000)
        try:
            conn.execute(LONG_STATEMENT).fetchone()
            outcome.append("finished")
        except sqlite3.OperationalError as exc:
            outcome.append(str(exc))
        finally:
            conn.set_progress_handler(None, 0)
    return index


@pytest.mark.parametrize("error", [RuntimeError("a page failed"), OSError(28, "No space left on device"), sqlite3.OperationalError("full")])
def test_an_error_of_the_sites_block_stops_the_index_and_is_raised_as_it_is_issue_22(error: Exception, monkeypatch: pytest.MonkeyPatch,
                                                                                    tmp_path: Path) -> None:
    # The site's pages run while the index is made: a page that fails interrupts the index, its error is raised as it
    # is (an OSError is not the export's, a SQLite error not the database's), and neither the SQLite file nor its
    # temporary folder is left. A statement that would run for half a minute stands in for the index.
    from mmdata.publish import sqlite as sqlite_module

    running = threading.Event()
    outcome: list[str] = []
    if isinstance(error, sqlite3.Error):
        error.sqlite_errorcode = sqlite3.SQLITE_FULL  # what unwritten would word as the database's, were it taken for it
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(sqlite_module, "index_text", long_index(outcome, running))
    with pytest.raises(type(error)) as raised:
        with export_module.files_and_findings(mmdata.open_package(ROOT), {"data.sqlite": tmp_path / "data.sqlite"},
                                              lambda exc: AssertionError(f"refused {exc}")):
            assert running.wait(timeout=20)
            raise error
    assert raised.value is error
    assert outcome == ["interrupted"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"] and list((tmp_path / "tmp").iterdir()) == []


def test_a_block_that_fails_before_the_index_runs_a_statement_still_stops_it_issue_22(monkeypatch: pytest.MonkeyPatch,
                                                                                       tmp_path: Path) -> None:
    # SQLite's interrupt stops the statement running, not one begun after it: a page that fails at once, before the
    # index's first statement, must not wait for the whole index (a second review found it ran on to its end).
    from mmdata.publish import sqlite as sqlite_module

    outcome: list[str] = []
    monkeypatch.setattr(sqlite_module, "index_text", long_index(outcome, delay=0.2))  # the block has failed by then
    with pytest.raises(RuntimeError, match="a page failed"):
        with export_module.files_and_findings(mmdata.open_package(ROOT), {"data.sqlite": tmp_path / "data.sqlite"}, AssertionError):
            failed = time.perf_counter()
            raise RuntimeError("a page failed")
    assert outcome == ["interrupted"]
    assert time.perf_counter() - failed < 5  # the statement runs for half a minute when not stopped
    assert not (tmp_path / "data.sqlite").exists()


def test_the_block_holds_neither_the_view_nor_the_tables_it_was_made_of_issue_22(tmp_path: Path) -> None:
    # The site lets go of the view's frame, the files and the finding tables while its pages are made: files_and_findings
    # must not keep them alive meanwhile (a million rows' view and outcomes are hundreds of MB each).
    import gc
    import weakref

    from mmdata.rules.validate import validated

    pkg = validated(ROOT)
    with export_module.files_and_findings(pkg, {"data.sqlite": tmp_path / "data.sqlite"}, AssertionError) as (files, found):
        assert pkg.frames is not None and pkg.typed is not None  # the typed tables the export was made of, as the site holds them
        held = [weakref.ref(found), weakref.ref(pkg.frames["outcomes"])]
        del files, found
        pkg.frames.pop("outcomes")
        pkg.typed.pop("outcomes")
        gc.collect()
        assert [ref() is None for ref in held] == [True, True]


def test_a_sqlite_file_put_in_place_with_no_view_kept_is_indexed_once_issue_22(tmp_path: Path) -> None:
    # _made_files puts the SQLite file where into says whether or not the view is kept: made beside the other files,
    # its index was begun a second time (a second review found it; no caller asks for it yet).
    with export_module._made_files(mmdata.open_package(ROOT), export_module.DEFAULT_FORMATS, into={"data.sqlite": tmp_path / "data.sqlite"}) as handed:
        files = handed.pop("files")
    alone = export_files(ROOT)
    assert (tmp_path / "data.sqlite").read_bytes() == alone.pop("data.sqlite")
    assert files == alone


def test_the_sites_own_errors_are_refused_and_the_indexs_is_the_exports_issue_22(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # files_and_findings' own OSError (findings.csv written where the site asks) is what refused makes of it; the index's
    # error, met once the block has run, is the export's (unwritten), and no SQLite file is put in place.
    from mmdata.publish import sqlite as sqlite_module

    with pytest.raises(RuntimeError, match=r"^refused .*No such file or directory"):
        with export_module.files_and_findings(mmdata.open_package(ROOT), {"findings.csv": tmp_path / "missing" / "findings.csv"},
                                              lambda exc: RuntimeError(f"refused {exc}")):
            pytest.fail("the block runs only once the files are made")

    monkeypatch.setattr(sqlite_module, "index_text", full_disk_index)
    ran = []
    with pytest.raises(ExportError, match=r"^the SQLite database cannot be written in the temporary folder .*\(database or disk is full\)"):
        with export_module.files_and_findings(mmdata.open_package(ROOT), {"data.sqlite": tmp_path / "data.sqlite"}, AssertionError):
            ran.append("block")
    assert ran == ["block"] and not (tmp_path / "data.sqlite").exists()


def test_ctrl_c_while_the_index_is_made_stops_it_before_the_database_is_closed_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # A KeyboardInterrupt ends a wait for a thread at once: the index is interrupted, and waited for, before the
    # database is closed under it (a second review found it).
    from mmdata.publish import sqlite as sqlite_module

    done: list[str] = []
    index, database = sqlite_module.index_text, export_module.database
    release = threading.Event()

    def slow_index(conn: Any, resources: Any) -> None:
        try:
            release.wait(timeout=20)
            index(conn, resources)
        finally:
            done.append("index")

    waits = []
    real_wait = sqlite_module.wait

    def wait_then_interrupt(futures: Any, timeout: float | None = None) -> Any:
        waits.append(len(waits))
        if len(waits) == 1:
            raise KeyboardInterrupt  # Ctrl-C while the export waits for the index
        release.set()
        return real_wait(futures, timeout=timeout)

    monkeypatch.setattr(sqlite_module, "index_text", slow_index)
    monkeypatch.setattr(sqlite_module, "wait", wait_then_interrupt)
    monkeypatch.setattr(export_module, "database", lambda *args, **kwargs: _Closing(database(*args, **kwargs), lambda: done.append("closed")))
    with pytest.raises(KeyboardInterrupt):
        export_files(ROOT)
    assert done == ["index", "closed"] and len(waits) >= 2  # after Ctrl-C, the wait interrupts the index again until it stops


def test_a_view_read_back_beside_tables_made_is_read_after_the_index_issue_22(files: dict[str, bytes],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # When only the findings view cannot be made from the typed columns, it is read back from the database: after the
    # index, never beside it (a second review found no test held this).
    from mmdata.publish import columns
    from mmdata.publish import sqlite as sqlite_module

    steps: list[str] = []
    index, batches = sqlite_module.index_text, export_module._batches
    monkeypatch.setattr(sqlite_module, "index_text", lambda *args: (time.sleep(0.2), index(*args), steps.append("index")))
    monkeypatch.setattr(export_module, "_batches", lambda conn, name, resource: (steps.append(f"read {name}"), batches(conn, name, resource))[1])
    monkeypatch.setattr(columns, "view_columns", lambda *args: None)
    assert _hashes(export_files(ROOT)) == _hashes(files)
    assert steps == ["index", f"read {view.NAME}"]


def test_an_error_beside_the_index_stops_the_index_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # The index is of no use once another file failed: it is interrupted (SQLite lets another thread do it), and the error
    # is raised without waiting seconds for it. A statement that would run for half a minute stands in for the index.
    from mmdata.publish import sqlite as sqlite_module

    running = threading.Event()
    outcome: list[str] = []

    def failing(table: Any) -> bytes:
        assert running.wait(timeout=20)
        raise RuntimeError("disk full")

    monkeypatch.setattr(sqlite_module, "index_text", long_index(outcome, running))
    monkeypatch.setattr(export_module, "parquet_file", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        export_files(ROOT)
    assert outcome == ["interrupted"]


_CELLS = {"string": st.one_of(st.none(), st.text(max_size=6)), "integer": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
          "number": st.one_of(st.none(), st.floats(allow_nan=False), st.just(-0.0), st.just(float("nan")))}


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from(sorted(_CELLS)), storage=st.sampled_from(["pyarrow", "python"]))
def test_a_typed_column_goes_into_the_database_as_the_values_one_at_a_time_give_issue_22(data: st.DataObject, kind: str,
                                                                                          storage: str) -> None:
    # Arrow converts a column in its field's dtype all at once: the same Python values, of the same types, as the
    # conversion one value at a time (a NaN, which no valid table holds, missing in both; -0.0 kept; texts of either storage).
    from mmdata.model.schema import DTYPES
    from mmdata.publish.sqlite import python_values

    cells = data.draw(st.lists(_CELLS[kind], max_size=30))
    field = resource_of({"fields": [{"name": "c", "type": kind}]}, "t").fields[0]
    if kind == "number":  # a Float64 column that holds NaN itself, not only missing values
        column = pd.Series(pd.arrays.FloatingArray(pd.array([0.0 if c is None else c for c in cells], dtype="float64").to_numpy(),
                                                   pd.array([c is None for c in cells], dtype=bool).to_numpy()))
    else:
        column = pd.Series(pd.array(cells, dtype=pd.StringDtype(storage) if kind == "string" else DTYPES[kind]))
    one_at_a_time = [None if pd.isna(v) else field.python_type(v) for v in column.astype(object)]
    converted = python_values(column, field)
    assert [(type(v), repr(v)) for v in converted] == [(type(v), repr(v)) for v in one_at_a_time]


def test_a_column_in_another_dtype_is_converted_one_value_at_a_time_issue_22() -> None:
    # A field typed integer whose column is not Int64 (only a caller's own frame can be): its values become ints.
    from mmdata.publish.sqlite import python_values

    field = resource_of({"fields": [{"name": "c", "type": "integer"}]}, "t").fields[0]
    converted = python_values(pd.Series([1.0, None, 3.0]), field)
    assert converted == [1, None, 3] and [type(v) for v in converted] == [int, type(None), int]


@pytest.mark.parametrize(("kind", "column"), [("string", pd.array(["a", None], dtype=pd.StringDtype("pyarrow"))),
                                              ("string", pd.array(["a", None], dtype=pd.StringDtype("python"))),
                                              ("integer", pd.array([1, None], dtype="Int64")), ("number", pd.array([0.5, None], dtype="Float64"))])
def test_each_typed_column_is_converted_by_arrow_not_a_value_at_a_time_issue_22(kind: str, column: Any,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The columns the reader builds take Arrow's way: no value is converted by the field's Python type.
    from mmdata.model.schema import Field
    from mmdata.publish.sqlite import python_values

    field = resource_of({"fields": [{"name": "c", "type": kind}]}, "t").fields[0]
    monkeypatch.setattr(Field, "python_type", property(lambda self: pytest.fail("converted one value at a time")))
    assert python_values(pd.Series(column), field) == [column[0], None]


_KEY_TEXTS = st.one_of(st.none(), st.sampled_from(["", "a", "a-1", "a-10", "a-2", "A", "é", "e\u0301", "\U0001f600", "z", "a\x00"]),
                       st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=4))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_KEY_TEXTS, _KEY_TEXTS), max_size=40), composite=st.booleans(), chunked=st.booleans(),
       storage=st.sampled_from(["pyarrow", "python"]))
def test_rows_go_into_the_database_in_the_order_sorted_rows_gives_issue_22(rows: list[tuple[str | None, str | None]], composite: bool,
                                                                           chunked: bool, storage: str) -> None:
    # Arrow sorts the key texts (missing as ''), stably: the order of Resource.sorted_rows (Python's sort of each row's
    # key texts), equal keys kept in the frame's order, texts beyond ASCII by code point, each cell with its own row.
    from mmdata.publish.sqlite import key_order, records

    resource = resource_of({"fields": [{"name": "k"}, {"name": "j"}, {"name": "n", "type": "integer"}],
                            "primaryKey": ["k", "j"] if composite else ["k"]}, "t")
    text = pd.StringDtype(storage)
    frame = pd.DataFrame({"k": pd.array([k for k, _ in rows], dtype=text), "j": pd.array([j for _, j in rows], dtype=text),
                          "n": pd.array(list(range(len(rows))), dtype="Int64")}, index=[10 * n + 7 for n in range(len(rows))])
    if chunked and len(rows) > 1:  # columns held in two chunks, as a file read a block at a time is
        frame = pd.concat([frame.iloc[: len(rows) // 2], frame.iloc[len(rows) // 2:]])
    expected = resource.sorted_rows(resource.field_names, [(k, j, n) for n, (k, j) in enumerate(rows)])
    assert list(records(frame, resource)) == expected
    assert (key_order(frame, resource) is None) == (not rows)  # Arrow sorts every table with rows


def test_a_key_arrow_does_not_hold_as_text_is_sorted_by_python_issue_22() -> None:
    # An integer key sorts by its text, as row_key reads it ('10' before '9'); a table without a key keeps its order.
    from mmdata.publish.sqlite import key_order, records

    resource = resource_of({"fields": [{"name": "n", "type": "integer"}, {"name": "s"}], "primaryKey": ["n"]}, "t")
    frame = pd.DataFrame({"n": pd.array([9, 10, None, 1], dtype="Int64"), "s": pd.array(["a", "b", "c", "d"], dtype="string")})
    assert key_order(frame, resource) is None
    assert list(records(frame, resource)) == [(None, "c"), (1, "d"), (10, "b"), (9, "a")]
    keyless = resource_of({"fields": [{"name": "n", "type": "integer"}, {"name": "s"}]}, "t")
    assert key_order(frame, keyless) is None
    assert list(records(frame, keyless)) == [(9, "a"), (10, "b"), (None, "c"), (1, "d")]
    # An integer key held as text (only a caller's own frame can be) sorts by its values' text too, not as written.
    as_text = frame.assign(n=pd.array(["10", "9", "007", "+8"], dtype="string"))
    assert key_order(as_text, resource) is None
    assert list(records(as_text, resource)) == [(10, "a"), (7, "c"), (8, "d"), (9, "b")]


def test_rows_sorted_by_arrow_are_made_as_they_are_inserted_issue_22() -> None:
    # No list of the rows is kept: the database takes them one at a time, in key order.
    from mmdata.publish.sqlite import records

    resource = resource_of({"fields": [{"name": "k"}, {"name": "v", "type": "number"}], "primaryKey": ["k"]}, "t")
    frame = pd.DataFrame({"k": pd.array(["b", "a", None], dtype="string"), "v": pd.array([2.0, None, -0.0], dtype="Float64")})
    rows = records(frame, resource)
    assert not isinstance(rows, list | tuple)
    assert list(rows) == [(None, -0.0), ("a", None), ("b", 2.0)]


def test_a_table_named_split_is_read_by_the_warnings_view_not_taken_for_its_query_issue_22() -> None:
    # The view's recursive query was named split: a table of that name was read as the query itself, and the export never
    # ended (a second review found it). Its name is now one no table can have.
    from mmdata.model.schema import Field, Resource
    from mmdata.publish import warningview

    resources = {"split": Resource("split", "", (Field("split_id"), Field("warnings", warnings=True)), ("split_id",))}
    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE "split" (split_id TEXT, warnings TEXT)')
    conn.execute("INSERT INTO \"split\" VALUES ('s1', 'a b')")
    conn.execute(warningview.view_sql(resources))
    steps = []
    conn.set_progress_handler(lambda: len(steps) > 10_000 or steps.append(1), 100)  # a query that loops is stopped, not waited for
    assert conn.execute(f"SELECT * FROM {warningview.NAME}").fetchall() == [("split", "s1", "a"), ("split", "s1", "b")]


@pytest.mark.parametrize("columns", [("term", "meaning"), ("rowid", "oid")])
def test_a_table_without_a_key_is_exported_in_the_order_of_its_file(package: Path, columns: tuple[str, str]) -> None:
    # Validation refuses a table with no primaryKey (schema.key_problem); the export of a package it was not asked to
    # validate puts such a table's rows in the file's order (by SQLite's rowid, under a name no column takes), where an
    # empty ORDER BY had stopped it with an internal error.
    (package / "schemas/glossary.schema.json").write_text(json.dumps({"fields": [
        {"name": columns[0], "type": "string", "constraints": {"required": True}}, {"name": columns[1], "type": "string"}]}))
    rows = [["PFS", "progression-free survival"], ["OS", "overall survival"], ["CR", ""]]  # not in the order of either column
    (package / "data/glossary.csv").write_text("\n".join(",".join(r) for r in [list(columns), *rows]) + "\n")
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "glossary", "path": "data/glossary.csv", "profile": "tabular-data-resource", "encoding": "utf-8",
                                    "schema": "schemas/glossary.schema.json"})
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    assert [(p.path, p.column, p.code) for p in mmdata.validate(package)] == [("schemas/glossary.schema.json", "primaryKey", "schema-error")]
    found = export_module._files(mmdata.open_package(package), export_module.DEFAULT_FORMATS)[0]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data.sqlite").write_bytes(found["data.sqlite"])
        with contextlib.closing(sqlite3.connect(Path(folder) / "data.sqlite")) as conn:
            assert conn.execute(f'SELECT "{columns[0]}", "{columns[1]}" FROM glossary').fetchall() == [
                ("PFS", "progression-free survival"), ("OS", "overall survival"), ("CR", None)]
    assert pq.read_table(io.BytesIO(found["parquet/glossary.parquet"])).to_pylist() == [
        dict(zip(columns, (key, meaning or None), strict=True)) for key, meaning in rows]


@pytest.mark.parametrize("case", ["view-column-missing", "view-column-name", "view-column-type", "view-column-unit"])
def test_load_findings_of_tables_the_view_cannot_be_made_of_is_a_load_error_with_validations_words(tmp_path: Path, case: str) -> None:
    # mmdata.load("findings") builds the view without validating: a column it takes that a schema lacks was a KeyError,
    # one of two types a ValueError; now the LoadError its documentation names, with the field-errors validate reports.
    pkg = build_fixture(case, tmp_path / "pkg")
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("findings", path=pkg)
    field_errors = [p for p in mmdata.validate(pkg) if p.code == "field-error"]
    assert len(field_errors) == 1 and caught.value.problems == field_errors
    assert str(caught.value) == (f"{pkg}: cannot build the findings view; fix these (`mmdata validate` lists every problem):\n"
                                 f"{field_errors[0].to_line()}")

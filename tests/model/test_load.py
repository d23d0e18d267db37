"""`mmdata.load()`: typed tables from the installed data, a folder or a release archive."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import mmdata
import mmdata.errors
from mmdata.cli import cli

from ..conftest import ROOT, TABLE_NAMES, VERSION, build_fixture, copy_package, read_rows, row_count, set_cell
from ..releases import FIRST, Released

KINDS = {"string": "string", "integer": "Int64", "number": "Float64"}


def schema_of(table: str) -> dict:
    return json.loads((ROOT / f"schemas/{table}.schema.json").read_text())


def declared_dtypes(table: str) -> dict[str, str]:
    """Categories for text fields with allowed values; otherwise the nullable dtype of the type."""
    return {f["name"]: "category" if "enum" in f.get("constraints", {}) and f["type"] == "string" else KINDS[f["type"]]
            for f in schema_of(table)["fields"]}


def test_load_all_tables_with_declared_types() -> None:
    tables = mmdata.load()
    assert list(tables) == TABLE_NAMES
    for name, frame in tables.items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == declared_dtypes(name)
        assert len(frame) == row_count(name)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_load_returns_what_the_files_say(table: str) -> None:
    """Every cell of every table: its text, read as its declared type; only empty cells are missing."""
    frame = mmdata.load(table)
    header, rows = read_rows(ROOT / f"data/{table}.csv")
    fields = {f["name"]: f for f in schema_of(table)["fields"]}
    assert list(frame.columns) == header
    for i, row in enumerate(rows):
        for column, text in zip(header, row, strict=True):
            value = frame.at[i, column]
            if text == "":
                assert pd.isna(value), (table, i, column)
            elif fields[column]["type"] == "string":
                assert value == text, (table, i, column)
            else:
                assert value == (int(text) if fields[column]["type"] == "integer" else float(text)), (table, i, column)
    enums = {name: f["constraints"]["enum"] for name, f in fields.items() if "enum" in f.get("constraints", {})}
    assert {name: list(frame[name].cat.categories) for name in enums} == enums


def test_unknown_table_is_a_clear_error() -> None:
    names = ", ".join(TABLE_NAMES)
    with pytest.raises(mmdata.MmdataError, match=f"^no table named 'outcome'; the tables are {names}$"):
        mmdata.load("outcome")


def test_load_from_a_release_archive_verifies_checksums(tmp_path: Path, released_template: Released) -> None:
    archive = released_template.result.archive  # read, never changed
    assert mmdata.data_version(archive) == FIRST
    assert len(mmdata.load("arms", path=archive)) == row_count("arms")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data/arms.csv"):
                data = data.replace(b"1000", b"1001")
            if not info.filename.endswith("SHA256SUMS"):  # without it, only datapackage.json's checksums vouch (#13)
                dst.writestr(info, data)
    with pytest.raises(mmdata.IntegrityError, match=r"data/arms.csv does not match datapackage.json: recorded hash sha256:"):
        mmdata.load("arms", path=tampered)
    assert len(mmdata.load("outcomes", path=tampered)) == row_count("outcomes")  # the other files are intact


def test_fmt_drops_stale_checksums_after_an_edit_issue_12(tmp_path: Path) -> None:
    pkg = build_fixture("hash-mismatch", tmp_path)
    assert [p.code for p in mmdata.validate(pkg)] == ["hash-mismatch", "hash-mismatch"]
    result = CliRunner().invoke(cli, ["fmt", str(pkg)])
    assert (result.exit_code, result.stdout) == (0, f"reformatted datapackage.json\n1 file reformatted, {len(TABLE_NAMES)} already canonical\n")
    assert mmdata.validate(pkg) == []
    arms = next(r for r in json.loads((pkg / "datapackage.json").read_text())["resources"] if r["name"] == "arms")
    assert "bytes" not in arms and "hash" not in arms  # releases write checksums; fmt never does


# ---------------------------------------------------------------- hole 3: load never loses a value
def load_error(pkg: Path, table: str) -> mmdata.LoadError:
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load(table, path=pkg)
    return caught.value


HEAD = "cannot load without losing values; fix these (`mmdata validate` lists every problem):"


def test_a_value_outside_its_allowed_values_is_an_error_not_missing_issue_9(package: Path) -> None:
    line = set_cell(package / "data/arms.csv", "myeloma-xi-observation", "role", "contrl")
    error = load_error(package, "arms")
    assert str(error) == (f"{package}: {HEAD}\ndata/arms.csv:{line}:role: 'contrl' is not an allowed value (did you mean 'control'?); "
                          "use one of: experimental, control, cohort-group [enum-error]")
    assert [(p.path, p.row, p.column, p.code, p.value) for p in error.problems] == [("data/arms.csv", line, "role", "enum-error", "contrl")]


def test_a_bad_number_is_an_error_naming_file_line_and_column_issue_9(package: Path) -> None:
    line = set_cell(package / "data/outcomes.csv", "myeloma-xi-pfs-median-lenalidomide", "value", "39 months")
    assert str(load_error(package, "outcomes")) == (
        f"{package}: {HEAD}\ndata/outcomes.csv:{line}:value: '39 months' is not a number (digits, '.' for decimals, "
        "no thousands separator) [type-error]")


@pytest.mark.parametrize(("column", "text", "kind"), [
    ("size", "99999999999999999999", "the whole number"),
    ("size", "-9223372036854775809", "the whole number"),
])
def test_an_integer_too_large_to_keep_is_an_error(column: str, text: str, kind: str, package: Path) -> None:
    line = set_cell(package / "data/arms.csv", "myeloma-xi-lenalidomide", column, text)
    assert [(p.row, p.column, p.code, p.message) for p in load_error(package, "arms").problems] == [
        (line, column, "type-error", f"'{text}' is beyond {kind}s mmdata keeps exactly (-9007199254740992 to 9007199254740992); "
                                     "check the number, or store it as text in another column if it is right")]


@pytest.mark.parametrize("text", ["1e400", "-1e400", "1e-400"])
def test_a_number_too_large_or_small_to_keep_is_an_error(text: str, package: Path) -> None:
    line = set_cell(package / "data/outcomes.csv", "myeloma-xi-pfs-median-lenalidomide", "value", text)
    assert [(p.row, p.column, p.code) for p in load_error(package, "outcomes").problems] == [(line, "value", "type-error")]


@pytest.mark.parametrize(("text", "expected"), [("9007199254740992", 9007199254740992), ("+7", 7), ("007", 7)])
def test_large_and_signed_integers_keep_their_value(text: str, expected: int, package: Path) -> None:
    set_cell(package / "data/arms.csv", "myeloma-xi-lenalidomide", "size", text)
    arms = mmdata.load("arms", path=package).set_index("arm_id")
    assert arms.at["myeloma-xi-lenalidomide", "size"] == expected


@pytest.mark.parametrize(("text", "expected"), [("0", 0.0), ("0.0e5", 0.0), ("-.5", -0.5), ("1e300", 1e300)])
def test_numbers_at_the_edges_keep_their_value(text: str, expected: float, package: Path) -> None:
    set_cell(package / "data/outcomes.csv", "myeloma-xi-pfs-median-lenalidomide", "value", text)
    outcomes = mmdata.load("outcomes", path=package).set_index("outcome_id")
    assert outcomes.at["myeloma-xi-pfs-median-lenalidomide", "value"] == expected


def test_a_row_with_a_missing_cell_is_an_error_not_padded(package: Path) -> None:
    arms = package / "data/arms.csv"
    lines = arms.read_text().splitlines(keepends=True)
    arms.write_text("".join(lines[:2]) + lines[2].rsplit(",", 1)[0] + "\n" + "".join(lines[3:]))
    assert [(p.row, p.code) for p in load_error(package, "arms").problems] == [(3, "missing-cell")]


def test_many_problems_are_all_kept_and_five_shown(package: Path) -> None:
    _, rows = read_rows(package / "data/outcomes.csv")
    lines = [set_cell(package / "data/outcomes.csv", row[0], "value", "x") for row in rows[:7]]
    error = load_error(package, "outcomes")
    assert [p.row for p in error.problems] == lines
    assert str(error).splitlines()[1:] == [p.to_line() for p in error.problems[:5]] + ["... and 2 more"]


def test_an_unsupported_type_is_an_error(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    path.write_text(path.read_text().replace('"type": "integer"', '"type": "date"', 1))
    assert str(load_error(package, "arms")) == f"{package}: data/arms.csv: fields of a type mmdata cannot load: size (date)"


def test_an_empty_cell_is_missing_in_every_type(tmp_path: Path) -> None:
    pkg = build_fixture("_base", tmp_path)
    outcomes = mmdata.load("outcomes", path=pkg)
    assert outcomes.isna().any().any()  # the fixture has empty cells of every kind
    header, rows = read_rows(pkg / "data/outcomes.csv")
    for i, row in enumerate(rows):
        assert [pd.isna(outcomes.iat[i, j]) for j in range(len(header))] == [cell == "" for cell in row]


def test_data_version_of_a_folder_and_an_archive_issue_9(released_template: Released) -> None:
    assert mmdata.data_version(path=ROOT) == VERSION == mmdata.data_version()
    assert mmdata.data_version(path=released_template.result.archive) == FIRST
    assert mmdata.data_version(path=released_template.root) == FIRST


def test_data_version_of_a_folder_without_a_package_is_a_clear_error_issue_9(tmp_path: Path) -> None:
    with pytest.raises(mmdata.SnapshotError, match=f"^{re.escape(str(tmp_path))}: no datapackage.json$"):
        mmdata.data_version(tmp_path)
    with pytest.raises(mmdata.SnapshotError, match="no such package folder or release archive$"):
        mmdata.data_version(tmp_path / "nowhere")
    with pytest.raises(mmdata.SnapshotError, match="no such package folder or release archive$"):
        mmdata.load(path=tmp_path / "nowhere")


def test_data_version_requires_a_version(tmp_path: Path) -> None:
    pkg = copy_package(ROOT, tmp_path / "pkg")
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    del descriptor["version"]
    (pkg / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(mmdata.SnapshotError, match="datapackage.json records no version$"):
        mmdata.data_version(pkg)


def test_every_error_a_user_may_catch_is_importable_from_mmdata_issue_9() -> None:
    import mmdata.cli
    import mmdata.edit.dictionary
    import mmdata.io.snapshot  # noqa: F401 - every module that raises, imported so that its classes exist
    import mmdata.model.load
    import mmdata.publish.release

    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    errors = {cls for cls in subclasses(mmdata.MmdataError) if cls.__module__.startswith("mmdata")}
    assert {cls.__name__ for cls in errors} >= {"IntegrityError", "LoadError", "SnapshotError", "ReleaseRefused", "PackageReadError"}
    assert [cls.__name__ for cls in errors if getattr(mmdata, cls.__name__, None) is not cls or cls.__name__ not in mmdata.__all__] == []
    assert all(inspect.getdoc(cls) and len(inspect.getdoc(cls).splitlines()) == 1 for cls in errors)
    assert mmdata.model.load.IntegrityError is mmdata.IntegrityError is mmdata.errors.IntegrityError


def test_every_name_of_all_is_there_and_no_other_issue_22() -> None:
    """The errors of mmdata.__all__ are imported from mmdata.errors when first asked for; a fresh process sees them all,
    dir() lists them before (all of __all__ but CODES, which would import pandas for help()) and, after, no other name
    but the modules the imports made;
    a name of mmdata.errors outside __all__ is not mmdata's."""
    code = ("import mmdata\nbefore = dir(mmdata)\nfrom mmdata import *  # noqa: F403\n"
            "print([n for n in mmdata.__all__ if n not in globals()], mmdata.Problem is mmdata.errors.Problem)\n"
            "print(sorted(set(mmdata.__all__) - set(before)), [n for n in set(dir(mmdata)) - set(before) if type(getattr(mmdata, n)) is not type(mmdata)])\n"
            "for name in ('Problems', 'EXIT_INTERNAL', 'Code'):\n"
            "    try:\n        getattr(mmdata, name)\n    except AttributeError as e:\n        print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[] True", "['CODES'] []", "module 'mmdata' has no attribute 'Problems'",
                                        "module 'mmdata' has no attribute 'EXIT_INTERNAL'", "module 'mmdata' has no attribute 'Code'"]


def test_wheel_ships_the_data(tmp_path: Path) -> None:
    """A wheel built from the source tree carries the package and loads it once installed."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "wheel"), str(ROOT)],
                   check=True, capture_output=True)
    distribution = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    wheel = next((tmp_path / "wheel").glob(f"{distribution.replace('-', '_')}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"mmdata/_data/datapackage.json", "mmdata/_data/data/outcomes.csv", "mmdata/_data/schemas/arms.schema.json",
            "mmdata/_data/seeds/004_7db8f42d336497c5.txt", "mmdata/_data/LICENSE-DATA.md"} <= names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    code = ("import mmdata; t = mmdata.load(); "
            f"print(mmdata.__file__.startswith({str(target)!r}), mmdata.__version__, mmdata.data_version(), "
            "{k: len(v) for k, v in t.items()}, t['arms']['size'].dtype)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(target), "PATH": ""}, cwd=tmp_path)
    counts = {name: row_count(name) for name in TABLE_NAMES}
    assert done.stdout == f"True {VERSION} {VERSION} {counts} Int64\n"


def test_the_source_tree_reached_through_a_link_reads_its_own_version(tmp_path: Path) -> None:
    """The version and the allowed values the help lists are read beside the source tree mmdata is in, also when its
    package folder is reached through a symbolic link (nothing beside the link is read)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mmdata").symlink_to(ROOT / "src" / "mmdata")
    (tmp_path / "datapackage.json").write_text('{"version": "9.9.9"}')  # a decoy where the link's parents lead
    code = "import mmdata.about as about; print(about.__file__.startswith(sys.argv[1]), about.__version__, about.allowed_values('sources', 'document_type'))"
    done = subprocess.run([sys.executable, "-c", f"import sys; {code}", str(tmp_path)], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(tmp_path / "src"), "PATH": ""}, cwd=tmp_path)
    schema = json.loads((ROOT / "schemas" / "sources.schema.json").read_text())
    allowed = next(f["constraints"]["enum"] for f in schema["fields"] if f["name"] == "document_type")
    assert done.stdout == f"True {VERSION} {allowed}\n"


def test_exactly_five_problems_are_all_shown(package: Path) -> None:
    _, rows = read_rows(package / "data/outcomes.csv")
    for row in rows[:5]:
        set_cell(package / "data/outcomes.csv", row[0], "value", "x")
    error = load_error(package, "outcomes")
    assert str(error).splitlines()[1:] == [p.to_line() for p in error.problems]
    assert len(error.problems) == 5


def test_a_header_that_does_not_fit_the_schema_is_an_error(package: Path) -> None:
    arms = package / "data/arms.csv"
    arms.write_text(arms.read_text().replace("arm_id,", "arm,", 1))
    assert str(load_error(package, "arms")) == (
        f"{package}: {HEAD}\ndata/arms.csv:1:arm: column 'arm' is not in the schema; remove it or add it to the schema [header-error]\n"
        "data/arms.csv:1:arm_id: column 'arm_id' is missing from the header [header-error]")


def test_a_field_without_a_type_is_text(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    schema = json.loads(path.read_text())
    for field in schema["fields"]:
        if field["name"] in ("role", "name"):
            del field["type"]
    path.write_text(json.dumps(schema, indent=2) + "\n")
    arms = mmdata.load("arms", path=package)
    assert (str(arms["role"].dtype), str(arms["name"].dtype)) == ("category", "string")


def test_every_field_of_an_unsupported_type_is_named(package: Path) -> None:
    path = package / "schemas/arms.schema.json"
    schema = json.loads(path.read_text())
    for field in schema["fields"]:
        if field["name"] in ("size", "name"):
            field["type"] = "date" if field["name"] == "size" else "boolean"
    path.write_text(json.dumps(schema, indent=2) + "\n")
    assert str(load_error(package, "arms")) == f"{package}: data/arms.csv: fields of a type mmdata cannot load: name (boolean), size (date)"


def test_a_tampered_file_names_the_archive(tmp_path: Path) -> None:
    pkg = build_fixture("hash-mismatch", tmp_path)
    with pytest.raises(mmdata.IntegrityError) as caught:
        mmdata.load("arms", path=pkg)
    assert re.fullmatch(rf"{re.escape(str(pkg))}: data/arms\.csv does not match datapackage\.json: recorded (bytes|hash) \S+, found \S+", str(caught.value))


def test_the_bundled_data_is_found_in_the_wheel_layout_or_the_source_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.model.load

    module = tmp_path / "site/mmdata/model/load.py"
    module.parent.mkdir(parents=True)
    monkeypatch.setattr(mmdata.model.load, "__file__", str(module))
    with pytest.raises(mmdata.MmdataError, match=r"^this installation holds no data package; pass path= to mmdata\.load$"):
        mmdata.model.load.bundled_root()
    copy_package(ROOT, tmp_path / "site/mmdata/_data")
    assert mmdata.model.load.bundled_root() == tmp_path / "site/mmdata/_data"
    assert mmdata.data_version() == VERSION


def zipped(root: Path, target: Path) -> Path:
    """The package folder root as a zip archive without SHA256SUMS, as a hand-made archive is."""
    with zipfile.ZipFile(target, "w") as out:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            out.write(path, f"pkg/{path.relative_to(root)}")
    return target


def test_findings_of_an_inconsistent_archive_is_mmdatas_own_error_issue_23(package: Path, tmp_path: Path) -> None:
    """load("findings") builds the view from tables no validation checked: a key twice, or two columns SQLite cannot tell
    apart, is a LoadError naming the archive, never an sqlite3 error."""
    arms = package / "data/arms.csv"
    header, first, rest = arms.read_text(encoding="utf-8").split("\n", 2)
    arms.write_text("\n".join([header, first, first, rest]), encoding="utf-8")
    archive = zipped(package, tmp_path / "twice.zip")
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("findings", path=archive)
    assert str(caught.value) == (f"{archive}: cannot build the findings view: the tables break a constraint of their schemas "
                                 "(UNIQUE constraint failed: arms.arm_id); run `mmdata validate`")
    arms.write_text("\n".join([header + ",Caveat", first + ",", rest.replace("\n", ",\n")]), encoding="utf-8")
    schema = package / "schemas/arms.schema.json"
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["fields"].append({"name": "Caveat", "type": "string"})
    schema.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    archive = zipped(package, tmp_path / "case.zip")
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("findings", path=archive)
    assert str(caught.value) == (f"{archive}: cannot build the findings view: the tables cannot be joined into the findings view "
                                 "(duplicate column name: Caveat); run `mmdata validate`")

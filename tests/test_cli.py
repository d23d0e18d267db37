"""The command line as a user runs it: exit codes and exact output lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli

from .conftest import ROOT, VERSION, build_fixture, set_cell, summary


def test_shipped_package_is_valid() -> None:
    result = CliRunner().invoke(cli, ["validate", str(ROOT)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == f"valid: {summary()} checked\n"


def test_validate_defaults_to_the_current_directory(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = set_cell(package / "data/arms.csv", "myeloma-xi-lenalidomide", "size", "1001")
    monkeypatch.chdir(package)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"data/arms.csv:{line}:size: 1001 does not occur in the quote; quote the passage that states it, "
        "or correct the number [number-not-in-quote]\n"
    )
    assert result.stdout == f"invalid: 1 problem ({summary()} checked)\n"


def test_json_format_prints_exactly_the_library_result(tmp_path: Path) -> None:
    pkg = build_fixture("type-error", tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(pkg)])
    assert result.exit_code == 1
    assert result.stderr == ""
    assert json.loads(result.stdout) == [p.to_dict() for p in mmdata.validate(pkg)]
    assert json.loads(result.stdout)[0] == {
        "path": "data/arms.csv", "row": 2, "column": "size", "code": "type-error",
        "message": "'sixty' is not a whole number", "value": "sixty",
    }


def test_json_format_of_a_valid_package_is_an_empty_list() -> None:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(ROOT)])
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_folder_without_descriptor_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}/datapackage.json: no datapackage.json here; give the package folder\n"
    assert result.stdout == ""


def test_descriptor_that_is_not_an_object_exits_2(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("[]\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (2, "Error: datapackage.json: must hold a JSON object, not list\n")


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["validate", "--format", "xml", str(ROOT)])
    assert result.exit_code == 2
    assert "'xml' is not one of 'text', 'json'" in result.stderr


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"mmdata, version {mmdata.__version__}\n")


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["validate", "-h"]])
def test_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert "Example:" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["validate", "--help"]])
def test_help_and_version_do_not_load_the_data_stack(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from mmdata.cli import cli\n"
        "try:\n"
        f"    cli({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('pandas', 'pandera', 'frictionless', 'numpy') if m in sys.modules)\n"
        "print('loaded:', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == "loaded: []"


def test_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mmdata", "validate", str(build_fixture("_base", tmp_path))],
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "valid: 5 tables, 10 rows, 1 seed checked\n", "")


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


# Each command, with the library function it calls (made to fail) and its arguments.
COMMANDS = [
    ("mmdata.rules.validate", "validate_package", ["validate", str(ROOT)]),
    ("mmdata.edit.fmt", "format_package", ["fmt", "--check", str(ROOT)]),
    ("mmdata.edit.generated", "write_generated", ["docs", "--check", str(ROOT)]),
    ("mmdata.edit.add", "add_source", ["add-source", str(ROOT / "LICENSE"), "--id", "x", "--type", "lay-summary", "--package-dir", str(ROOT)]),
    ("mmdata.edit.add", "add_row", ["add-row", "arms", "--set", "name=x", "--package-dir", str(ROOT)]),
    ("mmdata.edit.quote", "find_passages", ["quote", "x", "words", "--package-dir", str(ROOT)]),
    ("mmdata.publish.release", "release", ["release", "9.9.9", "--package-dir", str(ROOT)]),
    ("mmdata.edit.diff", "diff_packages", ["diff", str(ROOT), str(ROOT)]),
]


@pytest.mark.parametrize(("module", "function", "args"), COMMANDS)
def test_a_bug_is_an_internal_error_with_exit_3_issue_9(module: str, function: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.delenv("MMDATA_DEBUG", raising=False)
    monkeypatch.setattr(importlib.import_module(module), function, broken)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == "Error: internal error, please report it: RuntimeError: boom (run again with MMDATA_DEBUG=1 to see the traceback)\n"


def test_debug_shows_the_traceback_of_an_internal_error_issue_9(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.rules.validate

    monkeypatch.setenv("MMDATA_DEBUG", "1")
    monkeypatch.setattr(mmdata.rules.validate, "validate_package", broken)
    result = CliRunner().invoke(cli, ["validate", str(ROOT)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 3
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-2:] == ["RuntimeError: boom", "Error: internal error, please report it: RuntimeError: boom"]


@pytest.mark.parametrize("args", [["validate", "{pkg}"], ["fmt", "{pkg}"], ["docs", "{pkg}"], ["release", "9.9.9", "--package-dir", "{pkg}"],
                                  ["add-row", "arms", "--set", "name=x", "--package-dir", "{pkg}"], ["quote", "x", "y", "--package-dir", "{pkg}"],
                                  ["add-source", str(ROOT / "LICENSE"), "--id", "x", "--type", "t", "--package-dir", "{pkg}"]])
def test_unreadable_descriptor_exits_2_in_every_command_issue_9(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("{not json\n")
    result = CliRunner().invoke(cli, [a.format(pkg=tmp_path) for a in args])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: datapackage.json:1: invalid JSON at column 2: Expecting property name enclosed in double quotes\n"


def test_a_file_that_cannot_be_read_is_an_error_not_a_bug_issue_9(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.rules.validate

    def denied(root: str) -> None:
        raise PermissionError(13, "Permission denied", "data/arms.csv")

    monkeypatch.setattr(mmdata.rules.validate, "validate_package", denied)
    result = CliRunner().invoke(cli, ["validate", str(ROOT)])
    assert (result.exit_code, result.stderr) == (2, "Error: data/arms.csv: Permission denied\n")


def test_exit_codes_are_documented_issue_9() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Exit status: 0 valid, 1 invalid or refused, 2 when the package or another input cannot be read or the command is misused, " \
           "3 on an internal error (a bug in mmdata: please report it; `MMDATA_DEBUG=1` shows the traceback)." in " ".join(readme.split())


def test_github_format_annotates_file_line_and_column(tmp_path: Path) -> None:
    pkg = build_fixture("foreign-key", tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--format", "github", str(pkg)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"::error file={pkg}/data/outcomes.csv,line=4,col=3,title=foreign-key::arm_id: 'trial-a-placbo' is not a key "
        "of arms.arm_id (did you mean 'trial-a-placebo'?)",
        "invalid: 1 problem (5 tables, 10 rows, 1 seed checked)",
    ]


def test_github_format_paths_are_repository_relative_from_the_package_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = build_fixture("percentage-range", tmp_path)
    monkeypatch.chdir(pkg)
    result = CliRunner().invoke(cli, ["validate", "--format", "github"])
    assert result.stdout.splitlines()[0] == (
        "::error file=data/adverse_events.csv,line=2,col=8,title=percentage-range::value: 500 is not a percentage between 0 and 100")


#: The year and version a release writes into CITATION.cff, read from it (a release changes them, not the test).
_RELEASED = re.search(r'^date-released: "?([0-9]{4})', (ROOT / "CITATION.cff").read_text(encoding="utf-8"), re.M)
CITE_YEAR = _RELEASED.group(1) if _RELEASED else "n.d."
CITE_APA = (f"mmdata maintainers. ({CITE_YEAR}). mmdata: curated findings on lenalidomide maintenance therapy in multiple myeloma "
            f"(Version {VERSION}) [Data set]. https://pypi.org/project/mmdata-lenalidomide/")
CITE_BIBTEX = f"""@misc{{mmdata_{VERSION.replace(".", "_")},
  author = {{{{mmdata maintainers}}}},
  title = {{mmdata: curated findings on lenalidomide maintenance therapy in multiple myeloma}},
  year = {{{CITE_YEAR}}},
  version = {{{VERSION}}},
  note = {{Data set}},
  url = {{https://pypi.org/project/mmdata-lenalidomide/}},
}}"""


def test_cite_prints_apa_and_bibtex_from_citation_cff_issue_19() -> None:
    result = CliRunner().invoke(cli, ["cite", str(ROOT)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"APA:\n{CITE_APA}\n\nBibTeX:\n{CITE_BIBTEX}\n"
    assert CliRunner().invoke(cli, ["cite", "--format", "bibtex", str(ROOT)]).stdout == CITE_BIBTEX + "\n"
    assert CliRunner().invoke(cli, ["cite", "--format", "apa", str(ROOT)]).stdout == CITE_APA + "\n"


def test_cite_escapes_bibtex_and_names_a_doi_issue_19(tmp_path: Path) -> None:
    (tmp_path / "CITATION.cff").write_text('cff-version: 1.2.0\ntitle: "Rates & ranks: 50% of_all"\nauthors:\n  - name: "Ann Smith"\n'
                                           '  - name: "Bo Li"\nversion: "2.1.0"\ndate-released: "2027-01-02"\ndoi: 10.5281/zenodo.99\n')
    result = CliRunner().invoke(cli, ["cite", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "APA:", "Ann Smith, & Bo Li. (2027). Rates & ranks: 50% of_all (Version 2.1.0) [Data set]. https://doi.org/10.5281/zenodo.99", "",
        "BibTeX:", "@misc{rates_ranks_2_1_0,", "  author = {{Ann Smith} and {Bo Li}},", r"  title = {Rates \& ranks: 50\% of\_all},",
        "  year = {2027},", "  version = {2.1.0},", "  note = {Data set},", "  doi = {10.5281/zenodo.99},",
        "  url = {https://doi.org/10.5281/zenodo.99},", "}"]


def test_cite_without_citation_cff_says_where_it_looked_issue_19(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cite", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {tmp_path}/CITATION.cff: no such file; the citation of the dataset is written there\n"


def test_cite_refuses_a_citation_cff_that_is_not_utf8_with_its_line_issue_19(tmp_path: Path) -> None:
    (tmp_path / "CITATION.cff").write_bytes(b'cff-version: 1.2.0\ntitle: "Caf\xe9"\n')
    result = CliRunner().invoke(cli, ["cite", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: CITATION.cff: is not valid UTF-8 (invalid continuation byte, line 2); save the file as UTF-8\n"

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

from .conftest import ROOT, VERSION, build_fixture, read_rows, set_cell, summary


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
    ("mmdata.edit.add", "add_source", ["add-source", str(ROOT / "LICENSE"), "--id", "x", "--type", "lay-summary", str(ROOT)]),
    ("mmdata.edit.add", "add_row", ["add-row", "arms", "--set", "name=x", str(ROOT)]),
    ("mmdata.edit.quote", "find_passages", ["quote", "x", "words", "--package-dir", str(ROOT)]),
    ("mmdata.publish.release", "release", ["release", "9.9.9", str(ROOT)]),
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


@pytest.mark.parametrize("args", [["validate", "{pkg}"], ["fmt", "{pkg}"], ["docs", "{pkg}"], ["release", "9.9.9", "{pkg}"],
                                  ["add-row", "arms", "--set", "name=x", "{pkg}"], ["quote", "x", "y", "--package-dir", "{pkg}"],
                                  ["add-source", str(ROOT / "LICENSE"), "--id", "x", "--type", "t", "{pkg}"]])
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


def test_exit_codes_are_documented_for_every_command_issue_9_issue_19() -> None:
    readme = " ".join((ROOT / "docs/validation.md").read_text(encoding="utf-8").split())
    assert "Exit status: 0 valid, 1 invalid or refused, 2 when the package or another input cannot be read or the command is misused " \
           "(an unknown option, table, column or source; an output folder whose parent does not exist or is a file), " \
           "3 on an internal error (a bug in mmdata: please report it; `MMDATA_DEBUG=1` shows the traceback)." in readme
    listed = readme.split("Every command (", 1)[1].split(") ends the same way.", 1)[0]
    assert sorted(name.strip("`") for name in listed.split(", ")) == sorted(cli.commands)


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


TOP_HELP = """Usage: mmdata [OPTIONS] COMMAND [ARGS]...

  Read, check, contribute to and publish mmdata, curated findings on
  lenalidomide maintenance in multiple myeloma. PACKAGE_DIR is the package
  folder; by default, here.

  Run `mmdata COMMAND --help` for a command's arguments and examples.

  Example:

      mmdata validate
      mmdata export --to build

Options:
  --version   Show the version and exit.
  -h, --help  Show this message and exit.

Read and check:
  validate  Check a package and report every problem.
  diff      Show what changed between two versions, and the bump it needs.
  export    Write SQLite, Parquet and CSV files for analysts.
  cite      Print how to cite the dataset (APA, BibTeX).

Contribute:
  quote        Find the passages of a source that hold some words.
  add-source   Add a source document and its sources row.
  add-row      Add one row to a table.
  fmt          Rewrite the tables in canonical form.
  merge-table  Merge a table by key (git's merge driver).

Publish:
  docs     Regenerate the data dictionary and other derived texts.
  site     Build the static website.
  release  Release a version: checksums, changelog, archive.
"""


def test_top_level_help_groups_the_commands_by_who_uses_them_issue_19() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="mmdata")
    assert (result.exit_code, result.stdout, result.stderr) == (0, TOP_HELP, "")
    from mmdata.cli import GROUPS

    assert sorted(name for _, names in GROUPS for name in names) == sorted(cli.commands)  # a new command joins a group


@pytest.mark.parametrize(("command", "example"), [
    ("add-source", 'mmdata add-source summary.txt --id nejm-2012-summary --type lay-summary --title "Lenalidomide after transplant"'),
    ("merge-table", 'git config merge.mmdata-table.driver ".venv/bin/mmdata merge-table %O %A %B"'),
    ("add-row", "mmdata add-row arms --set study_id=myeloma-xi --set name=Lenalidomide --set role=experimental"),
])
def test_examples_print_verbatim_so_they_paste_issue_19(command: str, example: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert f"      {example}" in result.stdout.splitlines()


def test_add_source_help_lists_the_allowed_types_issue_19() -> None:
    lines = CliRunner().invoke(cli, ["add-source", "--help"]).stdout.splitlines()
    types = json.loads((ROOT / "schemas/sources.schema.json").read_text())["fields"]
    allowed = next(f for f in types if f["name"] == "document_type")["constraints"]["enum"]
    assert f"  --type [{'|'.join(allowed)}]" in lines


@pytest.mark.parametrize("command", [["release", "9.9.9"], ["add-row", "arms", "--set", "name=x"],
                                     ["add-source", str(ROOT / "LICENSE"), "--id", "x", "--type", "lay-summary"]])
def test_the_package_is_the_last_argument_and_package_dir_still_works_with_a_warning_issue_19(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("{not json\n")
    positional = CliRunner().invoke(cli, [*command, str(tmp_path)])
    old = CliRunner().invoke(cli, [*command, "--package-dir", str(tmp_path)])
    assert (positional.exit_code, old.exit_code) == (2, 2)  # both reached the package, which cannot be read
    assert old.stderr == (f"Warning: --package-dir is deprecated; give the package as the last argument: mmdata {command[0]} ... {tmp_path}\n"
                          + positional.stderr)
    other = tmp_path / "other"
    other.mkdir()
    twice = CliRunner().invoke(cli, [*command, str(other), "--package-dir", str(tmp_path)])
    assert twice.exit_code == 2
    assert twice.stderr.splitlines()[-1] == f"Error: the package is given twice, as {other} and --package-dir {tmp_path}; give it once"


@pytest.mark.parametrize(("command", "option"), [("site", "--out"), ("export", "--to")])
def test_an_output_folder_in_a_missing_folder_is_refused_issue_19(command: str, option: str, tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "out"
    result = CliRunner().invoke(cli, [command, str(ROOT), option, str(target)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (f"Error: Invalid value for '{option}': {tmp_path / 'nonexistent' / 'dir'} does not exist; "
                                              "create it first, or give a folder inside one that exists")
    assert not (tmp_path / "nonexistent").exists()
    (tmp_path / "inside").mkdir()
    assert CliRunner().invoke(cli, [command, str(ROOT), option, str(tmp_path / "inside" / "out"), *(["--format", "csv"] if command == "export" else [])]
                              ).exit_code == 0  # a folder inside one that exists is made


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["add-source", "--help"], ["release", "--help"]])
def test_help_and_version_load_no_data_library_issue_19(args: list[str]) -> None:
    code = ("import sys\nfrom mmdata.cli import cli\n"
            f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pandera', 'frictionless', 'numpy', 'pyarrow'}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "[]\n"


@pytest.mark.parametrize(("environ", "platform", "expected"), [
    ({}, "linux", {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc", "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:200,muzzy_decay_ms:0"}),
    ({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}, "linux", {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}),  # the user's choice stands
    ({"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}, "linux",  # jemalloc named by the user: set as when mmdata names it
     {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc", "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:200,muzzy_decay_ms:0"}),
    ({"JE_ARROW_MALLOC_CONF": "dirty_decay_ms:0"}, "linux",  # the user's jemalloc setting stands
     {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc", "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:0"}),
    ({}, "darwin", {}), ({}, "win32", {}),  # no jemalloc in every wheel there: pyarrow would print a warning
])
def test_commands_name_arrows_memory_pool_on_linux_issue_22(environ: dict[str, str], platform: str, expected: dict[str, str]) -> None:
    from mmdata.io.arrow import command_memory_pool

    command_memory_pool(environ, platform)
    assert environ == expected


def test_a_command_allocates_with_jemalloc_and_a_library_caller_keeps_its_pool_issue_22() -> None:
    import os

    pytest.importorskip("pyarrow")
    if not sys.platform.startswith("linux"):
        pytest.skip("the pool is named on Linux only")
    pools = []
    for code in ("from mmdata.cli import cli\ntry:\n    cli(['validate'], standalone_mode=False)\nexcept SystemExit:\n    pass\n",
                 "import mmdata\nmmdata.load('arms')\n", ""):  # a command, the library, pyarrow alone
        code += "import os, pyarrow\nprint(pyarrow.default_memory_pool().backend_name, os.environ.get('JE_ARROW_MALLOC_CONF'))"
        env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "JE_ARROW_MALLOC_CONF")}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
        assert "<jemalloc>" not in done.stderr  # jemalloc takes the setting: it warns of a pair it rejects, in every command
        pools.append(done.stdout.splitlines()[-1])
    command, library, alone = pools
    # the command's jemalloc hands freed pages back as they decay; a program calling the library keeps its own settings
    assert (command, library, alone.split()[1]) == ("jemalloc dirty_decay_ms:200,muzzy_decay_ms:0", alone, "None")


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_many_problems_are_printed_a_chunk_at_a_time_as_line_by_line_issue_22(package: Path, monkeypatch: pytest.MonkeyPatch,
                                                                               fmt: str) -> None:
    """validate prints its problems ECHO_LINES lines at a time: the same lines, in order, at and across a chunk's end."""
    import mmdata.cli
    from mmdata.rules.render import as_github
    from mmdata.rules.render import summary as summary_line

    outcomes = package / "data/outcomes.csv"
    for key in [row[0] for row in read_rows(outcomes)[1][:3]]:  # three rows, at least a problem each
        set_cell(outcomes, key, "unit", "fortnights")
    report = mmdata.validate_report(package)
    assert len({p.row for p in report.problems}) == 3
    lines = [p.to_line() for p in report.problems] if fmt == "text" else [*as_github(report.problems, str(package)), summary_line(report)]
    # each line alone, chunks and a part, the problems' lines as one chunk (github: the summary is echoed on its own),
    # every line as one chunk, one part
    for chunk in (1, 2, len(report.problems), len(lines), 1000):
        monkeypatch.setattr(mmdata.cli, "ECHO_LINES", chunk)
        result = CliRunner().invoke(cli, ["validate", "--format", fmt, str(package)])
        assert result.exit_code == 1
        assert (result.stderr if fmt == "text" else result.stdout).splitlines() == lines
        assert (result.stderr if fmt == "text" else result.stdout).endswith("\n")

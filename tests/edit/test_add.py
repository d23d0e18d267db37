"""`mmdata add-source`, `mmdata quote` and `mmdata add-row` (#12): exact output, and every refusal
changes nothing. They work on the tiny fixture package, so no fact of the shipped data is typed here."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.edit.add import make_key
from mmdata.io.journal import JOURNAL
from mmdata.rules.numbers import quote_numbers

from ..conftest import ROOT, build_fixture, read_rows
from ..releases import all_bytes, repo_copy

DOCUMENT = ("Trial B: a made-up note.\n\nIn trial B, 40 patients took part: 20 received the drug\n"
            "and 20 received placebo.\nAt three years, 75% of patients on the drug were alive.\n")
STUDY = ["--set", "name=Trial B", "--set", "design=randomised-trial", "--set", "blinding=open-label", "--set", "comparator=placebo",
         "--set", "setting=post-autologous-transplant", "--set", "size=40", "--set", "source_id=trial-b-doc",
         "--set", "quote=In trial B, 40 patients took part"]
ARM = ["--set", "study_id=trial-b", "--set", "name=Drug", "--set", "intervention=Lenalidomide", "--set", "role=experimental",
       "--set", "size=20", "--set", "source_id=trial-b-doc", "--set", "quote=20 received the drug"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "trial-b.txt"
    path.write_bytes(DOCUMENT.encode("utf-8"))
    return path


def refused(pkg: Path, *args: str, code: int = 1) -> str:
    """Run a command that must refuse: exit 1 (2 for misuse), nothing on stdout, no file of the package changed; its stderr."""
    before = all_bytes(pkg)
    result = run(*args)
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert all_bytes(pkg) == before
    return result.stderr


# ---------------------------------------------------------------- add-source
def test_add_source_copies_records_and_lists_the_document(pkg: Path, document: Path) -> None:
    digest = hashlib.sha256(DOCUMENT.encode()).hexdigest()
    seed = f"seeds/901_{digest[:16]}.txt"  # the next number after 900, and the start of the sha256
    result = run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", "--title", "Trial B",
                 "--summarises", "Made up.", str(pkg))
    assert (result.exit_code, result.stderr) == (0, "")
    note = "Third-party text kept verbatim only so that quotes can be checked; not covered by the dataset's CC-BY-4.0 licence."
    assert result.stdout == (f"copied {document} to {seed} (sha256 {digest})\n"
                             f"added data/sources.csv:3: trial-b-doc,{seed},{digest},Trial B,lay-summary,,,,,Made up.,{note},,,\n"
                             "wrote datapackage.json\n")
    assert (pkg / seed).read_bytes() == document.read_bytes()
    # What is left is the work still to do (#21): the document's numbers, until rows quote them.
    assert [(p.path, p.row, p.code, p.value) for p in mmdata.validate(pkg)] == [
        (seed, 3, "number-not-quoted", "20"), (seed, 3, "number-not-quoted", "40"),
        (seed, 5, "number-not-quoted", "3"), (seed, 5, "number-not-quoted", "75")]
    sources = mmdata.load("sources", path=pkg)
    assert list(sources["source_id"]) == ["test-doc", "trial-b-doc"]
    descriptor = (pkg / "datapackage.json").read_text()
    assert f'"path": "{seed}"' in descriptor and 'Lay summary \\"Trial B\\"' in descriptor


def test_add_source_regenerates_the_readme_and_licence_lists(pkg: Path, document: Path) -> None:
    for name in ("README.md", "LICENSE-DATA.md"):
        (pkg / name).write_text("# x\n\n<!-- generated: seeds -->\n<!-- end -->\n")
    result = run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", str(pkg))
    assert result.stdout.splitlines()[2:] == ["wrote README.md", "wrote LICENSE-DATA.md", "wrote datapackage.json"]
    assert "(`trial-b-doc`): Lay summary." in (pkg / "README.md").read_text()
    assert run("docs", "--check", str(pkg)).exit_code == 1  # a bare fixture has no data dictionary; the rest is current
    assert "README.md is current\nLICENSE-DATA.md is current\ndatapackage.json is current\n" in run("docs", "--check", str(pkg)).stdout


def test_add_source_refuses_a_document_already_there(pkg: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.txt"
    copy.write_bytes((pkg / "seeds/900_00000000000000aa.txt").read_bytes())
    assert refused(pkg, "add-source", str(copy), "--id", "again", "--type", "lay-summary", str(pkg)) == (
        f"Error: {copy} is already in the package as seeds/900_00000000000000aa.txt (source test-doc)\n")


def test_add_source_refuses_an_unlisted_copy_in_seeds(pkg: Path, document: Path) -> None:
    (pkg / "seeds/950_unlisted.txt").write_bytes(document.read_bytes())
    assert refused(pkg, "add-source", str(document), "--id", "b", "--type", "lay-summary", str(pkg)) == (
        f"Error: {document} is already in the package as seeds/950_unlisted.txt\n")


def test_add_source_refuses_a_used_id(pkg: Path, document: Path) -> None:
    assert refused(pkg, "add-source", str(document), "--id", "test-doc", "--type", "lay-summary", str(pkg)) == (
        "Error: source_id 'test-doc' is already used in data/sources.csv; choose another\n")


@pytest.mark.parametrize(("content", "why"), [
    (b"caf\xe9 au lait\n", "not UTF-8 text (byte 0xe9 at offset 3); save the document as UTF-8 text, changing nothing else"),
    (b"text\x00with a NUL\n", "a binary file (it holds NUL bytes); save the document as UTF-8 text"),
    (b" \n\n", "the document is empty"),
])
def test_add_source_refuses_what_is_not_text(pkg: Path, tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    assert refused(pkg, "add-source", str(path), "--id", "b", "--type", "lay-summary", str(pkg)) == f"Error: {path}: {why}\n"


def test_add_source_refuses_an_invalid_row_and_removes_the_copy(pkg: Path, document: Path) -> None:
    assert refused(pkg, "add-source", str(document), "--id", "B Doc", "--type", "blog", str(pkg)) == (
        "Error: nothing written: with this row the package would have 2 new problems:\n"
        "data/sources.csv:2:document_type: 'blog' is not an allowed value; use one of: lay-summary, patient-blog, abstract-page [enum-error]\n"
        "data/sources.csv:2:source_id: 'B Doc' does not match the pattern ^[a-z0-9]+(-[a-z0-9]+)*$ [pattern-error]\n")
    assert sorted(p.name for p in (pkg / "seeds").iterdir()) == ["900_00000000000000aa.txt"]


# ---------------------------------------------------------------- quote
def test_quote_exact_then_loose_then_fuzzy(pkg: Path) -> None:
    sentence = ("The median progression-free survival was 12.5 months with the drug and 8 months with placebo, "
                "a hazard ratio of 0.48 (95% CI 0.41 to 0.56; p = 0.001).")
    numbers = "  numbers: 12.5, 8, 0.48, 95, 0.41, 0.56, 0.001\n"
    seed = "seeds/900_00000000000000aa.txt"
    exact = run("quote", "--package-dir", str(pkg), "test-doc", "12.5", "months")
    assert (exact.exit_code, exact.stdout, exact.stderr) == (0, f"{seed}: 1 exact match\n{sentence}\n{numbers}", "")
    loose = run("quote", "--package-dir", str(pkg), "test-doc", "MEDIAN   progression-free")
    assert loose.stdout == f"{seed}: 1 loose match\n{sentence}\n{numbers}"
    fuzzy = run("quote", "--package-dir", str(pkg), "test-doc", "hazard", "ratoi")
    assert fuzzy.stdout == f"{seed}: 1 fuzzy match\n{sentence}\n{numbers}"


def test_quote_spans_a_line_break_and_every_passage_is_in_the_seed(pkg: Path) -> None:
    result = run("quote", "--package-dir", str(pkg), "test-doc", "drug", "and", "60")
    assert result.stdout == ("seeds/900_00000000000000aa.txt: 1 exact match\n"
                             "In trial A, 120 patients took part: 60 received the drug and 60 received placebo.\n"
                             "  numbers: 120, 60, 60\n")


def test_quote_numbers_are_the_validators(pkg: Path) -> None:
    from mmdata.edit.quote import find_passages

    result = find_passages(pkg, "test-doc", "two years")
    [passage] = result.passages
    assert passage.text == "Over two years, 5% of patients on the drug developed a second cancer."
    assert [float(n) for n in passage.numbers] == list(quote_numbers(pd.Series([passage.text], dtype="string"))["number"])
    assert passage.numbers == ["2", "5"]


def test_quote_refusals(pkg: Path) -> None:
    assert refused(pkg, "quote", "--package-dir", str(pkg), "test-dc", "drug", code=2) == (  # misuse, like an unknown option (#19)
        "Error: no source 'test-dc' in data/sources.csv (did you mean 'test-doc'?); one of: test-doc\n")
    assert refused(pkg, "quote", "--package-dir", str(pkg), "test-doc", "xylophone") == (
        "Error: no passage of seeds/900_00000000000000aa.txt shares a word with 'xylophone'\n")
    assert run("quote", "--package-dir", str(pkg), "test-doc").exit_code == 2  # WORDS are required


# ---------------------------------------------------------------- add-row
def test_add_row_makes_the_key_and_keeps_every_other_line(pkg: Path) -> None:
    before = (pkg / "data/arms.csv").read_text().splitlines()
    result = run("add-row", "arms", str(pkg), "--set", "study_id=trial-a", "--set", "name=Low dose",
                 "--set", "intervention=Lenalidomide", "--set", "role=experimental", "--set", "source_id=test-doc", "--set", "quote=60 received the drug")
    line = "trial-a-low-dose,trial-a,Low dose,Lenalidomide,experimental,,,test-doc,60 received the drug,,"
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"added data/arms.csv:3: {line}\n", "")
    assert (pkg / "data/arms.csv").read_text().splitlines() == [before[0], before[1], line, before[2]]  # in key order
    assert run("fmt", "--check", str(pkg)).exit_code == 0
    assert mmdata.validate(pkg) == []


def test_add_row_refuses_a_row_with_problems_and_lists_them(pkg: Path) -> None:
    assert refused(pkg, "add-row", "outcomes", str(pkg), "--set", "study_id=trial-a", "--set", "arm_id=trial-a-drg",
                   "--set", "population=all", "--set", "endpoint=overall-survival", "--set", "statistic=median", "--set", "value=13",
                   "--set", "unit=percent", "--set", "source_id=test-doc", "--set", "quote=12.5 months with the drug") == (
        "Error: nothing written: with this row the package would have 3 new problems:\n"
        "data/outcomes.csv:2:arm_id: 'trial-a-drg' is not a key of arms.arm_id (did you mean 'trial-a-drug'?) [foreign-key]\n"
        "data/outcomes.csv:2:unit: unit percent does not fit statistic median; use months or years [unit-mismatch]\n"
        "data/outcomes.csv:2:value: 13 does not occur in the quote; quote the passage that states it, or correct the number [number-not-in-quote]\n")


def test_add_row_refuses_what_it_causes_elsewhere(pkg: Path) -> None:
    assert refused(pkg, "add-row", "arms", str(pkg), "--set", "study_id=trial-a", "--set", "name=Extra",
                   "--set", "intervention=Lenalidomide", "--set", "role=experimental", "--set", "size=60",
                   "--set", "source_id=test-doc", "--set", "quote=60 received the drug") == (
        "Error: nothing written: with this row the package would have 1 new problem:\n"
        "data/studies.csv:3:size: its arms add up to 180 patients, more than the study's 120 [arms-exceed-study]\n")


def test_add_row_refuses_a_key_in_use(pkg: Path) -> None:
    assert refused(pkg, "add-row", "arms", str(pkg), "--set", "arm_id=trial-a-drug", "--set", "study_id=trial-a",
                   "--set", "name=Again", "--set", "intervention=Lenalidomide", "--set", "role=experimental",
                   "--set", "source_id=test-doc", "--set", "quote=60 received the drug") == (
        "Error: nothing written: with this row the package would have 1 new problem:\n"
        "data/arms.csv:3:arm_id: 'trial-a-drug' already appears on line 2; arm_id must be unique [primary-key]\n")


def test_add_row_usage_errors(pkg: Path) -> None:
    assert refused(pkg, "add-row", "arm", str(pkg), "--set", "name=x", code=2) == (  # misuse (#19)
        "Error: no table 'arm' (did you mean 'arms'?); one of: sources, studies, arms, outcomes, adverse_events\n")
    assert refused(pkg, "add-row", "arms", str(pkg), "--set", "nme=x", code=2) == (
        "Error: no column 'nme' in arms (did you mean 'name'?)\n")
    assert refused(pkg, "add-row", "sources", str(pkg), "--set", "title=x") == (
        "Error: give the key of a sources row: it has no rule to make one\n")
    misuse = run("add-row", "arms", str(pkg), "--set", "name")
    assert (misuse.exit_code, misuse.stderr.splitlines()[-1]) == (2, "Error: Invalid value for '--set': 'name' is not COLUMN=VALUE")


def test_add_row_refuses_a_table_not_in_canonical_form(pkg: Path) -> None:
    header, rows = read_rows(pkg / "data/arms.csv")
    (pkg / "data/arms.csv").write_text(",".join([header[1], header[0], *header[2:]]) + "\n")
    assert refused(pkg, "add-row", "arms", str(pkg), "--set", "name=x") == (
        "Error: data/arms.csv is not in canonical form or cannot be read; run `mmdata fmt` and `mmdata validate` first\n")


@pytest.mark.parametrize(("table", "row", "key"), [
    ("studies", {"name": "Myeloma XI (UK)"}, "myeloma-xi-uk"),
    ("arms", {"study_id": "s", "name": "Low dose"}, "s-low-dose"),
    ("outcomes", {"study_id": "s", "endpoint": "overall-survival", "statistic": "percentage", "time_value": "3", "time_unit": "years",
                  "arm_id": "s-drug", "comparator_arm_id": "s-placebo"}, "s-overall-survival-percentage-3y-drug-vs-placebo"),
    ("adverse_events", {"study_id": "s", "event": "second-primary-malignancy", "statistic": "count", "arm_id": "other-arm"},
     "s-second-primary-malignancy-count-other-arm"),
])
def test_key_rule(table: str, row: dict, key: str) -> None:
    """The parts of a key are the schema's mmdata:keyParts (#21)."""
    resource = mmdata.open_package(ROOT).resources[table]
    assert make_key(resource, row, set()) == key
    assert make_key(resource, row, {key}) == f"{key}-2"
    assert make_key(resource, row, {key, f"{key}-2"}) == f"{key}-3"


# ---------------------------------------------------------------- writing through one transaction (#21, #23)
#: Characters that str.splitlines breaks a line at but a CSV file holds as text inside a cell.
SPLITLINES = "\u2028\u2029\x85\x0c\x0b\x1c\x1d\x1e"
NEW_ARM = ["--set", "study_id=trial-a", "--set", "name=Z", "--set", "intervention=Lenalidomide", "--set", "role=experimental",
           "--set", "source_id=test-doc", "--set", "quote=60 received the drug"]


def test_add_row_inserts_at_the_parsers_record_offset_issue_23(pkg: Path) -> None:
    """Before the insertion point, an unquoted cell holding every character str.splitlines breaks at and a
    quoted cell over two lines: the new row goes in exactly before the next key, every other byte kept."""
    header = (pkg / "data/arms.csv").read_bytes().split(b"\n", 1)[0]
    drug = f'trial-a-drug,trial-a,Drug{SPLITLINES}x,Lenalidomide,experimental,60,,test-doc,60 received the drug,"One line,\nand{SPLITLINES}two",\n'
    placebo = "trial-a-placebo,trial-a,Placebo,Placebo,control,60,,test-doc,60 received the drug and 60 received placebo,,\n"
    (pkg / "data/arms.csv").write_bytes(header + b"\n" + drug.encode() + placebo.encode())
    before = all_bytes(pkg)
    result = run("add-row", "arms", str(pkg), "--set", "study_id=trial-a", "--set", "name=Low dose",
                 "--set", "intervention=Lenalidomide", "--set", "role=experimental", "--set", "source_id=test-doc", "--set", "quote=60 received the drug")
    line = "trial-a-low-dose,trial-a,Low dose,Lenalidomide,experimental,,,test-doc,60 received the drug,,"
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"added data/arms.csv:4: {line}\n", "")  # line 4: the caveat spans 2 and 3
    assert (pkg / "data/arms.csv").read_bytes() == header + b"\n" + drug.encode() + line.encode() + b"\n" + placebo.encode()
    assert {n: d for n, d in all_bytes(pkg).items() if n != "data/arms.csv"} == {n: d for n, d in before.items() if n != "data/arms.csv"}
    assert [row[0] for row in read_rows(pkg / "data/arms.csv")[1]] == ["trial-a-drug", "trial-a-low-dose", "trial-a-placebo"]


def test_add_row_at_the_end_after_a_line_without_its_line_break_issue_21(pkg: Path) -> None:
    content = (pkg / "data/arms.csv").read_bytes()
    (pkg / "data/arms.csv").write_bytes(content.rstrip(b"\n"))
    result = run("add-row", "arms", str(pkg), "--set", "arm_id=trial-a-zz", *NEW_ARM)
    line = "trial-a-zz,trial-a,Z,Lenalidomide,experimental,,,test-doc,60 received the drug,,"
    assert (result.exit_code, result.stdout) == (0, f"added data/arms.csv:4: {line}\n")
    assert (pkg / "data/arms.csv").read_bytes() == content + line.encode() + b"\n"


def test_add_row_refuses_when_the_file_would_not_read_back_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inserted row is checked by parsing the file again: a wrong offset is refused, nothing written."""
    from mmdata.edit import add

    monkeypatch.setattr(add, "record_offsets", lambda raw, lines: [line - 1 for line in lines])  # inside the header
    assert refused(pkg, "add-row", "arms", str(pkg), "--set", "arm_id=trial-a-b", *NEW_ARM) == (
        "Error: data/arms.csv: the row cannot be inserted without changing another; nothing written: please report this as a bug in mmdata\n")


def test_add_row_writes_through_the_journal_and_a_failure_puts_every_file_back_issue_21(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table and datapackage.json (its checksums dropped) are written all or none."""
    from mmdata.io import journal

    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"][2].update(bytes=1, hash="sha256:" + "0" * 64)  # arms, as a release recorded it
    (pkg / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    before = all_bytes(pkg)
    real = journal.atomic_write

    def write(path: Path, data: bytes) -> None:
        if path.name == "datapackage.json":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(journal, "atomic_write", write)
    result = run("add-row", "arms", str(pkg), "--set", "arm_id=trial-a-b", *NEW_ARM)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: cannot write datapackage.json: No space left on device; nothing was changed\n"
    assert all_bytes(pkg) == before


def kill_add_source(pkg: Path, document: Path, at: str) -> None:
    """Run add-source in another process, SIGKILLed as it writes the file named at."""
    code = ("import os, signal, sys\n"
            "from pathlib import Path\n"
            "from mmdata.io import files, journal\n"
            "from mmdata.edit.add import add_source\n"
            "real = files.atomic_write\n"
            "def write(path, data):\n"
            "    if path.name == sys.argv[3]:\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    real(path, data)\n"
            "files.atomic_write = journal.atomic_write = write\n"
            "add_source(Path(sys.argv[1]), sys.argv[2], 'trial-b-doc', 'lay-summary')\n")
    done = subprocess.run([sys.executable, "-c", code, str(pkg), str(document), at], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr


SEED = f"901_{hashlib.sha256(DOCUMENT.encode()).hexdigest()[:16]}.txt"


@pytest.mark.parametrize("at", [SEED, "sources.csv", "datapackage.json"])
def test_add_source_killed_then_run_again_completes_issue_23(at: str, pkg: Path, document: Path, tmp_path: Path) -> None:
    """Killed after its first write (the journal, then the seed...): running it again puts back what it
    wrote and adds the source, byte for byte as an uninterrupted run; no orphan seed is left."""
    reference = build_fixture("_base", tmp_path / "reference")
    assert run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", str(reference)).exit_code == 0
    kill_add_source(pkg, document, at)
    assert (pkg / JOURNAL).is_file()
    result = run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", str(pkg))
    assert (result.exit_code, result.stderr) == (0, "")
    assert all_bytes(pkg) == all_bytes(reference)


@pytest.mark.parametrize("command", [["fmt"], ["docs"], ["add-row", "arms", "--set", "name=x", "--set", "nme=y"]])
def test_add_source_killed_then_any_command_that_writes_puts_it_back_issue_23(command: list[str], pkg: Path, document: Path,
                                                                              tmp_path: Path) -> None:
    """The next command that writes, whichever it is, first puts back what the killed add-source wrote:
    the package ends as if that command alone had run (add-row is refused after the recovery: no column 'nme')."""
    reference = build_fixture("_base", tmp_path / "reference")
    run(*command, str(reference))
    kill_add_source(pkg, document, "sources.csv")
    assert (pkg / f"seeds/{SEED}").is_file()  # the orphan seed of #23
    run(*command, str(pkg))
    assert all_bytes(pkg) == all_bytes(reference)


def test_add_source_leaves_every_generated_file_current_issue_21(tmp_path: Path, document: Path) -> None:
    """What add-source regenerates is what `mmdata docs` generates (README, LICENSE-DATA.md, the
    dictionary, .zenodo.json, datapackage.json), never a list of its own: docs has nothing left to do."""
    root = repo_copy(tmp_path / "repo")
    assert run("docs", "--check", str(root)).exit_code == 0
    result = run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", str(root))
    assert result.stdout.splitlines()[2:] == ["wrote README.md", "wrote LICENSE-DATA.md", "wrote datapackage.json"]
    check = run("docs", "--check", str(root))
    assert (check.exit_code, check.stderr) == (0, "")


def test_add_source_puts_back_zenodo_json_when_a_later_write_fails_issue_21(tmp_path: Path, document: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """.zenodo.json was missing from add-source's hand-kept restore list: once it changes with the sources
    (here made to), a failure after it is written left it changed. Now every file is put back."""
    from mmdata.edit import generated
    from mmdata.io import files, journal

    root = repo_copy(tmp_path / "repo")
    real_zenodo = generated.zenodo_file
    monkeypatch.setattr(generated, "zenodo_file", lambda root, descriptor, rows, citation=None: real_zenodo(root, descriptor, rows, citation)
                        + json.dumps([s["source_id"] for s in rows.of("sources")]).encode())
    assert run("docs", str(root)).exit_code == 0
    before = all_bytes(root)
    real = files.atomic_write

    def write(path: Path, data: bytes) -> None:
        if path.name == "datapackage.json":  # written after .zenodo.json
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(files, "atomic_write", write)
    monkeypatch.setattr(journal, "atomic_write", write)
    result = run("add-source", str(document), "--id", "trial-b-doc", "--type", "lay-summary", str(root))
    assert all_bytes(root) == before
    assert (result.exit_code, result.stderr) == (2, "Error: cannot write datapackage.json: No space left on device; nothing was changed\n")


def test_add_row_of_a_row_that_sorts_first_regenerates_the_data_dictionary_issue_23(pkg: Path) -> None:
    """The data dictionary's example of a field is its first value in key order: a row that sorts first changes it,
    and add-row writes it in the same transaction, so `mmdata docs --check` stays clean (found by the property test)."""
    assert run("docs", str(pkg)).exit_code == 0
    dictionary = (pkg / "docs/data-dictionary.md").read_bytes()
    result = run("add-row", "arms", "--set", "arm_id=a-first", *NEW_ARM, str(pkg))
    line = "a-first,trial-a,Z,Lenalidomide,experimental,,,test-doc,60 received the drug,,"
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"added data/arms.csv:2: {line}\nwrote docs/data-dictionary.md\n", "")
    arms = "| Short label of the arm as an analyst would print it. | `{}` |"
    assert (arms.format("Drug") in dictionary.decode(), arms.format("Z") in (pkg / "docs/data-dictionary.md").read_text()) == (True, True)
    assert (run("docs", "--check", str(pkg)).exit_code, run("validate", str(pkg)).exit_code) == (0, 0)


def test_add_row_leaves_a_generated_file_it_does_not_change_as_it_was_issue_23(pkg: Path) -> None:
    """A row that sorts last changes no example: only its table is written. A stale generated file (the fixture's
    descriptor has no regenerated sources list) is left for `mmdata docs`, not rewritten behind the contributor's back."""
    before = all_bytes(pkg)
    result = run("add-row", "arms", "--set", "arm_id=trial-a-zz", *NEW_ARM, str(pkg))
    line = "trial-a-zz,trial-a,Z,Lenalidomide,experimental,,,test-doc,60 received the drug,,"
    assert (result.exit_code, result.stdout) == (0, f"added data/arms.csv:4: {line}\n")
    assert run("docs", "--check", str(pkg)).exit_code == 1
    assert {n for n, d in all_bytes(pkg).items() if before.get(n) != d} == {"data/arms.csv"}

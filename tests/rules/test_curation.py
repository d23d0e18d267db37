"""The curation guide's rules across rows, seeds and reference facts, as rules of `mmdata validate` (#21).

They were tests of the shipped data (tests/test_data.py, tests/edit/test_zenodo.py) that a contributor met
only as bare asserts; each is now a problem with a code, a place and a fix. They run on the tiny
fixture package, so no fact of the shipped data is typed here.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import mmdata
from mmdata import CODES
from mmdata.cli import cli
from mmdata.rules.curation import PENDING, _text_codes

from ..conftest import ROOT, apply_patch, build_fixture, drop_column

SEED = "seeds/900_00000000000000aa.txt"
CURATION_CODES = ("retired-key", "marker-not-in-seed", "number-not-quoted", "direction-not-in-quote", "comparison-missing",
                  "identifier-unconfirmed", "figure-unconfirmed", "figure-uncited")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def lines(pkg: Path) -> list[str]:
    return [p.to_line() for p in mmdata.validate(pkg)]


def found(pkg: Path) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.path, p.row, p.column, p.code) for p in mmdata.validate(pkg)]


def cells(table: str, key: str, **values: str) -> list[dict]:
    return [{"table": table, "key": key, "column": column, "value": value} for column, value in values.items()]


def add_sentence(pkg: Path, sentence: str) -> None:
    """Append a line to the made-up seed, recording its new sha256."""
    (pkg / SEED).write_text((pkg / SEED).read_text() + sentence + "\n")
    apply_patch(pkg, cells("sources", "test-doc", sha256=hashlib.sha256((pkg / SEED).read_bytes()).hexdigest()))


def comparison_row(pkg: Path, key: str, direction: str, quote: str) -> None:
    """A qualitative comparison of the two arms' second cancers (a copy of the adverse event)."""
    apply_patch(pkg, [{"table": "adverse_events", "key": key, "copy": "trial-a-spm-drug"}])
    apply_patch(pkg, cells("adverse_events", key, comparator_arm_id="trial-a-placebo", direction=direction, statistic="qualitative",
                           value="", unit="", time_value="", time_unit="", finding="Compared.", quote=quote))


def test_the_codes_are_declared_with_their_layer() -> None:
    assert CODES["retired-key"][0] == 3
    assert {CODES[code][0] for code in CURATION_CODES[1:]} == {5}
    assert PENDING == {"number-not-quoted", "comparison-missing"}


def test_the_curation_guide_states_every_rule() -> None:
    guide = (ROOT / "docs/curation.md").read_text(encoding="utf-8")
    assert [code for code in CURATION_CODES if f"`{code}`" not in guide] == []


# ---------------------------------------------------------------- retired keys (layer 3)
def test_a_retired_key_is_refused_by_add_row_issue_21(pkg: Path) -> None:
    apply_patch(pkg, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/outcome_id/mmdata:retired",
                       "value": [{"key": "trial-a-old", "replacedBy": ["trial-a-pooled"], "why": "split in two"}]}])
    result = CliRunner().invoke(cli, ["add-row", "outcomes", str(pkg), "--set", "outcome_id=trial-a-old",
                                      "--set", "study_id=trial-a", "--set", "population=all", "--set", "endpoint=conclusion",
                                      "--set", "statistic=qualitative", "--set", "finding=Pooled.", "--set", "source_id=test-doc",
                                      "--set", "quote=Trial A is one of the trials pooled in meta-analysis M."])
    assert (result.exit_code, result.stderr) == (1, (
        "Error: nothing written: with this row the package would have 1 new problem:\n"
        "data/outcomes.csv:2:outcome_id: trial-a-old is a retired key (split in two; replaced by trial-a-pooled); a key is never "
        "reused, since downstream joins may still name it: give this row a new key [retired-key]\n"))


# ---------------------------------------------------------------- a seed's findings (number-not-quoted)
def test_every_number_of_the_findings_is_quoted_and_located_at_its_line(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pooled", quote="trials pooled in meta-analysis M."))
    assert lines(pkg) == [
        f"{SEED}:7: 1 is in no quote of source test-doc: record the finding that states it, or, if this passage reports none, add it "
        "to test-doc's not_findings (or move its findings_start or findings_end) in data/sources.csv [number-not-quoted]"]


def test_numbers_after_the_findings_need_no_quote(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pooled", quote="trials pooled in meta-analysis M."))
    apply_patch(pkg, cells("sources", "test-doc", findings_end="Trial A is one of"))
    assert found(pkg) == []


def test_numbers_before_the_findings_need_no_quote(pkg: Path) -> None:
    apply_patch(pkg, cells("arms", "trial-a-drug", quote="60 received the drug and 60 received placebo"))
    apply_patch(pkg, cells("studies", "trial-a", size="", quote=""))
    assert found(pkg) == [(SEED, 3, None, "number-not-quoted")]  # 120
    apply_patch(pkg, cells("sources", "test-doc", findings_start="60 received"))
    assert found(pkg) == []


def test_a_passage_that_reports_no_finding_is_left_out(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pooled", quote="trials pooled in meta-analysis M."))
    apply_patch(pkg, cells("sources", "test-doc", not_findings="Over two years, 5% of\nTrial A is one"))
    assert found(pkg) == []


def test_a_passage_split_across_lines_is_found(pkg: Path) -> None:
    apply_patch(pkg, cells("sources", "test-doc", findings_end="8 months with placebo, a hazard"))  # a line break after the comma
    assert found(pkg) == []


@pytest.mark.parametrize(("column", "value", "where"), [
    ("findings_start", "Trial Z", ""),
    ("findings_end", "Trial B", ""),
    ("findings_end", "Trial A: a made-up", " after findings_start"),
    ("not_findings", "Trial A: a made-up", " between findings_start and findings_end"),
])
def test_a_marker_must_occur_in_the_seed(column: str, value: str, where: str, pkg: Path) -> None:
    apply_patch(pkg, cells("sources", "test-doc", **({"findings_start": "In trial A"} if where else {}), **{column: value}))
    assert lines(pkg) == [
        f"data/sources.csv:2:{column}: '{value}' does not occur in {SEED}{where}; copy the words from the document "
        f"(`mmdata quote test-doc WORDS` prints them), or empty the cell [marker-not-in-seed]"]


def test_a_wrong_marker_leaves_the_findings_unbounded_and_unchecked(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pooled", quote="trials pooled in meta-analysis M."))
    apply_patch(pkg, cells("sources", "test-doc", findings_end="Trial B"))
    assert [code for *_, code in found(pkg)] == ["marker-not-in-seed"]


def test_a_broken_table_is_not_taken_for_missing_quotes(pkg: Path) -> None:
    """number-not-quoted and comparison-missing run only when every table, row and key is known."""
    apply_patch(pkg, cells("arms", "trial-a-drug", size="many"))
    assert [code for *_, code in found(pkg)] == ["type-error"]


def test_a_stale_checksum_hides_no_work_still_to_do(pkg: Path) -> None:
    """A table whose recorded sha256 is stale is still read whole: what it leaves to record is reported."""
    apply_patch(pkg, cells("outcomes", "trial-a-pooled", quote="trials pooled in meta-analysis M."))
    apply_patch(pkg, [{"file": "datapackage.json", "pointer": "/resources/outcomes/hash", "value": "sha256:" + "0" * 64}])
    assert [code for *_, code in found(pkg)] == ["hash-mismatch", "number-not-quoted"]


# ---------------------------------------------------------------- direction words
@pytest.mark.parametrize(("quote", "direction"), [
    ("5% of patients on the drug developed a second cancer, compared with 3% on placebo", "higher-in-arm"),
    ("5% of patients on the drug versus 3% on placebo", "higher-in-arm"),
    ("fewer patients on the drug developed a second cancer", "lower-in-arm"),
    ("a second cancer was less common on the drug than on placebo", "lower-in-arm"),
    ("the risk was lower with the drug", "lower-in-arm"),
    ("the rates were similar", "no-difference"),
])
def test_how_sources_word_a_direction_issue_21(quote: str, direction: str, pkg: Path) -> None:
    add_sentence(pkg, quote + ".")
    apply_patch(pkg, cells("sources", "test-doc", not_findings=quote))  # its 3% is not recorded here
    comparison_row(pkg, "trial-a-spm-vs", direction, quote)
    assert found(pkg) == []


def test_a_hedge_is_no_direction(pkg: Path) -> None:
    add_sentence(pkg, "More than 50 patients on the drug had a second cancer.")
    comparison_row(pkg, "trial-a-spm-vs", "higher-in-arm", "More than 50 patients on the drug had a second cancer.")
    assert found(pkg) == [("data/adverse_events.csv", 3, "direction", "direction-not-in-quote")]


def test_a_direction_that_is_no_allowed_value_is_left_to_its_enum_error(pkg: Path) -> None:
    comparison_row(pkg, "trial-a-spm-vs", "higer", "Over two years, 5% of patients on the drug developed a second cancer.")
    assert [code for *_, code in found(pkg)] == ["enum-error"]


def test_a_hazard_ratio_states_its_direction_by_its_value(pkg: Path) -> None:
    assert found(pkg) == []  # trial-a-pfs-hr: lower-in-arm, "a hazard ratio of 0.48"
    apply_patch(pkg, cells("outcomes", "trial-a-pfs-hr", statistic="not-stated"))
    assert found(pkg) == [("data/outcomes.csv", 3, "direction", "direction-not-in-quote")]


# ---------------------------------------------------------------- comparison rows
def test_a_comparing_word_needs_the_comparison_row(pkg: Path) -> None:
    add_sentence(pkg, "Over two years, 5% of patients on the drug had a second cancer, more than on placebo.")
    apply_patch(pkg, cells("adverse_events", "trial-a-spm-drug", quote="Over two years, 5% of patients on the drug had a second cancer, more than on placebo."))
    assert lines(pkg) == [
        "data/adverse_events.csv:2:arm_id: trial-a-drug is set against another arm (its quote compares: 'than'), but no comparison row "
        "of trial-a records it for event second-primary-malignancy, population all, time point 2 years: add a row with trial-a-drug as "
        "arm_id or comparator_arm_id, the other arm and the direction, quoting the comparison (curation guide, section 2) [comparison-missing]"]


def test_sentences_shared_by_two_arms_need_the_comparison_row(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pfs-hr", endpoint="overall-survival"))
    assert [(row, code) for _, row, _, code in found(pkg)] == [(2, "comparison-missing"), (4, "comparison-missing")]


def test_a_comparison_row_for_either_arm_suffices(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pfs-hr", arm_id="trial-a-placebo", comparator_arm_id="trial-a-drug"))
    assert found(pkg) == []


def test_a_broken_comparison_row_is_left_to_its_own_problem(pkg: Path) -> None:
    apply_patch(pkg, cells("outcomes", "trial-a-pfs-hr", comparator_arm_id="trial-a-drug"))
    assert [code for *_, code in found(pkg)] == ["comparison-error"]


def test_a_row_sharing_sentences_with_a_row_that_compares_needs_the_comparison_row_too(pkg: Path) -> None:
    # The rows no comparison row covers are read further, with the other rows at their point (#21): the second
    # row's partner is the first, which has its own reason.
    add_sentence(pkg, "The median overall survival was 30 months with the drug compared with 20 months with placebo.")
    for key, arm, value, quote in (("trial-a-os-drug", "trial-a-drug", "30", "The median overall survival was 30 months with the drug compared with"),
                                   ("trial-a-os-placebo", "trial-a-placebo", "20", "20 months with placebo")):
        apply_patch(pkg, [{"table": "outcomes", "key": key, "copy": "trial-a-pfs-drug"}])
        apply_patch(pkg, cells("outcomes", key, arm_id=arm, endpoint="overall-survival", value=value, quote=quote))
    why = [line.split(" (", 1)[1].split(")", 1)[0] for line in lines(pkg)]
    assert [(row, code) for _, row, _, code in found(pkg)] == [(6, "comparison-missing"), (7, "comparison-missing")]
    assert why == ["its quote compares: 'compared with'", "its quote and that of trial-a-os-drug come from the same sentences"]


def test_rows_are_matched_by_their_cells_as_text() -> None:
    # The comparison rule matches a row's point as integers; they number the cells' texts, as the rule read them
    # before (#21): a missing cell reads as an empty one, and -0.0 is not 0.0.
    codes, texts = _text_codes(pd.Series([0.0, -0.0, None, 1.5, 1.5, 0.0], dtype="Float64"))
    assert [texts[c] for c in codes] == ["0.0", "-0.0", "", "1.5", "1.5", "0.0"]
    codes, texts = _text_codes(pd.Series(["a", None, "", "a"], dtype="string"))
    assert [texts[c] for c in codes] == ["a", "", "", "a"]


def add_row(pkg: Path, *cells: str) -> tuple[int, str]:
    args = ["add-row", "outcomes", str(pkg), "--set", "study_id=trial-a", "--set", "population=all",
            "--set", "endpoint=progression-free-survival", "--set", "source_id=test-doc"]
    result = CliRunner().invoke(cli, args + [arg for cell in cells for arg in ("--set", cell)])
    return result.exit_code, result.stderr


def test_add_row_leaves_what_is_still_to_record_to_validate_issue_21(pkg: Path) -> None:
    """A contributor adds the rows of a comparison in any order; validate lists what is left until it is complete."""
    sentence = "After two years, 40% of patients on the drug had no progression, compared with 20% on placebo."
    add_sentence(pkg, sentence)
    assert [(row, code) for _, row, _, code in found(pkg)] == [(8, "number-not-quoted"), (8, "number-not-quoted")]
    time = ("time_value=2", "time_unit=years", f"quote={sentence}")
    assert add_row(pkg, "arm_id=trial-a-drug", "statistic=percentage", "value=40", "unit=percent", *time) == (0, "")
    assert [(row, code) for _, row, _, code in found(pkg)] == [(6, "comparison-missing")]
    assert add_row(pkg, "arm_id=trial-a-drug", "comparator_arm_id=trial-a-placebo", "statistic=percentage", "direction=no-difference",
                   *time) == (1, "Error: nothing written: with this row the package would have 1 new problem:\n"
                              "data/outcomes.csv:7:direction: no-difference is not worded in the quote: it holds none of no difference, "
                              "no significant difference, not significantly different, did not differ, similar, the same, did not, no "
                              "effect, not associated; quote the passage that compares the arms, or add the document's own word for it "
                              "to mmdata:directionWords of outcomes.direction [direction-not-in-quote]\n")
    assert add_row(pkg, "arm_id=trial-a-drug", "comparator_arm_id=trial-a-placebo", "statistic=percentage", "direction=higher-in-arm",
                   *time) == (0, "")
    assert add_row(pkg, "arm_id=trial-a-placebo", "statistic=percentage", "value=20", "unit=percent", *time) == (0, "")
    assert found(pkg) == []


# ---------------------------------------------------------------- identifiers and the reference facts
def test_an_identifier_the_seed_states_needs_no_reference_fact(pkg: Path) -> None:
    apply_patch(pkg, cells("studies", "trial-a", registry_id="NCT99999999"))
    assert found(pkg) == [("data/studies.csv", 3, "registry_id", "identifier-unconfirmed")]
    add_sentence(pkg, "Trial A is registered as NCT99999999.")
    apply_patch(pkg, cells("sources", "test-doc", not_findings="registered as NCT99999999"))  # its digits are no finding
    assert found(pkg) == []


def test_without_the_reference_facts_no_identifier_is_confirmed(pkg: Path) -> None:
    (pkg / "docs/references.md").unlink()
    assert lines(pkg) == [
        "data/studies.csv:3:registry_id: NCT00000000: docs/references.md does not exist, and the seed of test-doc does not state it; "
        "write an identifier only when the reference facts confirm it or the seed states it, else leave the cell empty and name it in "
        "caveat as unconfirmed [identifier-unconfirmed]"]


def test_the_reference_facts_are_never_read_through_a_link_issue_21(pkg: Path, tmp_path: Path) -> None:
    outside = tmp_path / "facts.md"
    shutil.move(pkg / "docs/references.md", outside)
    (pkg / "docs/references.md").symlink_to(outside)
    assert found(pkg) == [("docs/references.md", None, None, "path-error"), ("data/studies.csv", 3, "registry_id", "identifier-unconfirmed")]


def test_a_release_archive_and_a_git_revision_are_read_alike(pkg: Path, tmp_path: Path) -> None:
    apply_patch(pkg, cells("studies", "trial-a", registry_id="NCT99999999"))
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(p for p in pkg.rglob("*") if p.is_file()):
            zf.write(path, path.relative_to(pkg).as_posix())
    subprocess.run(["git", "init", "-q", str(pkg)], check=True)
    subprocess.run(["git", "-C", str(pkg), "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(pkg), "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x"], check=True)
    (pkg / "docs/references.md").write_text("NCT99999999 **confirmed**\n")  # the work tree; the revision keeps the old file
    expected = [("data/studies.csv", 3, "registry_id", "identifier-unconfirmed")]
    for args in ([str(archive)], ["--rev", "HEAD", str(pkg)]):
        result = CliRunner().invoke(cli, ["validate", "--format", "json", *args])
        assert [(p["path"], p["row"], p["column"], p["code"]) for p in json.loads(result.stdout)] == expected
    assert found(pkg) == []


# ---------------------------------------------------------------- figures in caveats
def test_a_cited_confirmed_figure_is_accepted(pkg: Path) -> None:
    apply_patch(pkg, cells("studies", "trial-a", publication="Doe J et al. Trial A. Made-up Journal 2026."))
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat="Doe 2026 analysed 118 patients."))
    assert found(pkg) == []


def test_a_figure_both_unconfirmed_and_uncited(pkg: Path) -> None:
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat="Another 61 patients."))
    assert [code for *_, code in found(pkg)] == ["figure-uncited", "figure-unconfirmed"]


@pytest.mark.parametrize(("caveat", "codes"), [("Doe 2026 analysed 118 patients.", []), ("Another 61 patients.", ["figure-unconfirmed"])])
@pytest.mark.parametrize("broken", ["column", "cell"])
def test_a_study_that_cannot_be_read_leaves_its_publication_untold_issue_21(pkg: Path, caveat: str, codes: list[str], broken: str) -> None:
    # A studies.csv missing one column is not read, nor a study's row with a cell that cannot be read: every caveat citing
    # a figure of it was then reported as naming no publication, "as studies.publication has them (empty: fill it)",
    # under the one problem that says why.
    apply_patch(pkg, cells("studies", "trial-a", publication="Doe J et al. Trial A. Made-up Journal 2026."))
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat=caveat))
    if broken == "column":
        drop_column(pkg, "studies", "design", schema=False)
        first = ("data/studies.csv", 1, "design", "header-error")
        shown = "data/studies.csv:1:design: column 'design' is missing from the header [header-error]"
    else:
        apply_patch(pkg, cells("studies", "trial-a", size="many"))
        first = ("data/studies.csv", 3, "size", "type-error")
        shown = "data/studies.csv:3:size: 'many' is not a whole number [type-error]"
    assert found(pkg) == [first, *(("data/arms.csv", 2, "caveat", c) for c in codes)]
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == shown


def test_a_studies_table_with_no_publication_field_names_no_publication_issue_21(pkg: Path) -> None:
    # A studies table that is read but declares no publication: a figure's caveat names none, as before.
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat="Doe 2026 analysed 118 patients."))
    drop_column(pkg, "studies", "publication")
    assert [code for *_, code in found(pkg)] == ["figure-uncited"]


def test_a_figure_of_a_passage_that_reports_no_finding_is_the_seeds(pkg: Path) -> None:
    add_sentence(pkg, "An earlier trial enrolled 45 patients.")
    apply_patch(pkg, cells("sources", "test-doc", not_findings="An earlier trial enrolled 45 patients."))
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat="The earlier trial enrolled 45 patients."))
    assert found(pkg) == []


def test_numbers_of_the_seed_and_of_keys_are_no_figures(pkg: Path) -> None:
    apply_patch(pkg, cells("arms", "trial-a-drug", caveat="Of the 120 patients, 60; see trial-a-2026-pooled."))
    assert found(pkg) == []


def test_text_codes_of_a_text_column_are_those_of_its_values_read_as_text_issue_21() -> None:
    """A text column is numbered from its distinct values directly (the fast way); the numbers and texts are those of the
    general way, which reads every distinct value as text first: a missing cell and an empty text share a number."""
    rng = random.Random(21)
    for _ in range(300):
        cells = [rng.choice(["a", "b", "", None, "*", "x y", "é"]) for _ in range(rng.randint(0, 12))]
        column = pd.Series(cells, dtype="string")
        fast, general = _text_codes(column), _text_codes(column.astype(object))
        assert fast[0].tolist() == general[0].tolist() and fast[1].tolist() == general[1].tolist(), cells
        assert str(fast[1].dtype) == str(general[1].dtype) == "string"
    codes, texts = _text_codes(pd.Series(["", None, "a", None], dtype="string"))
    assert codes.tolist() == [0, 0, 1, 0] and texts.tolist() == ["", "a"]

"""The curated rows, seed by seed: the values an analyst relies on.

An accidental edit of any of these cells fails here, even when the edited value would still
pass validation (for example a number that also occurs in the quote). Each seed's section ends
with a count of its rows, so that a new row cannot go unguarded.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from .conftest import ROOT

RESULT_TABLES = ("outcomes", "adverse_events")
CURATED_TABLES = ("studies", "arms", *RESULT_TABLES)


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / f"data/{name}.csv", dtype=str, keep_default_na=False)


def row(name: str, key: str) -> dict[str, str]:
    frame = table(name)
    found = frame[frame.iloc[:, 0] == key]
    assert len(found) == 1, key
    return found.iloc[0].to_dict()


def count_rows(source_id: str) -> dict[str, int]:
    return {name: int((table(name)["source_id"] == source_id).sum()) for name in ("studies", "arms", "outcomes", "adverse_events")}


# ---------------------------------------------------------------- seed 002: Myeloma XI
def test_study() -> None:
    study = row("studies", "myeloma-xi")
    assert (study["design"], study["blinding"], study["comparator"]) == ("randomised-trial", "open-label", "observation")
    assert (study["size"], study["size_qualifier"], study["pmcid"]) == ("2000", "almost", "PMC6318225")
    assert (study["registry_id"], study["doi"]) == ("ISRCTN49407852", "")  # the DOI is unconfirmed and stays out


def test_arms() -> None:
    arms = table("arms").set_index("arm_id")
    assert arms.loc["myeloma-xi-lenalidomide", ["role", "size", "size_qualifier"]].tolist() == ["experimental", "1000", "more-than"]
    assert arms.loc["myeloma-xi-observation", ["role", "size", "size_qualifier"]].tolist() == ["control", "", ""]


@pytest.mark.parametrize(("key", "arm", "population", "endpoint", "statistic", "value", "unit", "qualifier", "time"), [
    ("myeloma-xi-pfs-median-observation", "myeloma-xi-observation", "all", "progression-free-survival", "median", "20", "months", "", ""),
    ("myeloma-xi-pfs-median-lenalidomide", "myeloma-xi-lenalidomide", "all", "progression-free-survival", "median", "39", "months", "", ""),
    ("myeloma-xi-pfs-median-ratio", "myeloma-xi-lenalidomide", "all", "progression-free-survival", "ratio", "2", "ratio", "almost", ""),
    ("myeloma-xi-os-3y-transplanted-observation", "myeloma-xi-observation", "transplanted", "overall-survival", "percentage", "80", "percent", "", "3 years"),
    ("myeloma-xi-os-3y-transplanted-lenalidomide", "myeloma-xi-lenalidomide", "transplanted", "overall-survival", "percentage", "88", "percent", "", "3 years"),
    ("myeloma-xi-os-3y-not-transplanted", "", "not-transplanted", "overall-survival", "percentage", "68", "percent", "", "3 years"),
    ("myeloma-xi-second-progression-observation", "myeloma-xi-observation", "all", "second-progression-or-death", "percentage", "39", "percent", "", ""),
    ("myeloma-xi-second-progression-lenalidomide", "myeloma-xi-lenalidomide", "all", "second-progression-or-death", "percentage", "25", "percent", "", ""),
    ("myeloma-xi-follow-up-maximum", "", "all", "follow-up", "maximum", "6", "years", "", ""),
])
def test_numeric_outcomes(key: str, arm: str, population: str, endpoint: str, statistic: str, value: str, unit: str,
                          qualifier: str, time: str) -> None:
    r = row("outcomes", key)
    got_time = f"{r['time_value']} {r['time_unit']}".strip()
    assert (r["arm_id"], r["population"], r["endpoint"], r["statistic"], r["value"], r["unit"], r["qualifier"], got_time) == (
        arm, population, endpoint, statistic, value, unit, qualifier, time)


@pytest.mark.parametrize(("key", "population", "statistic", "direction", "time"), [
    ("myeloma-xi-os-under-65", "under-65", "qualitative", "higher-in-arm", ""),
    ("myeloma-xi-os-transplanted", "transplanted", "qualitative", "higher-in-arm", ""),
    ("myeloma-xi-os-median-not-transplanted", "not-transplanted", "qualitative", "no-difference", ""),
    ("myeloma-xi-os-3y-not-transplanted-comparison", "not-transplanted", "percentage", "no-difference", "3"),
    ("myeloma-xi-os-3y-transplanted-comparison", "transplanted", "percentage", "higher-in-arm", "3"),
    ("myeloma-xi-os-over-65", "over-65", "qualitative", "no-difference", ""),
])
def test_findings_without_a_number(key: str, population: str, statistic: str, direction: str, time: str) -> None:
    r = row("outcomes", key)
    assert (r["value"], r["population"], r["statistic"], r["direction"], r["time_value"]) == ("", population, statistic, direction, time)
    assert (r["arm_id"], r["comparator_arm_id"]) == ("myeloma-xi-lenalidomide", "myeloma-xi-observation")


def test_average_lifespan_is_not_a_median_issue_8() -> None:
    """Item 7: "extended the average lifespan" is illustrated by 3-year rates, so it names no statistic."""
    rows = table("outcomes").loc[lambda f: f["quote"].str.contains("average lifespan")]
    assert len(rows) == 5  # under 65, transplanted, not transplanted, and the two 68% rows quoting the same sentence
    lifespan = rows[rows["time_value"] == ""]
    assert set(lifespan["statistic"]) == {"qualitative"} and (lifespan["finding"] != "").all()
    assert lifespan["caveat"].str.contains("3-year survival rates, not medians").all()
    assert not lifespan["caveat"].str.contains(r"(?:lay wording|means|is) (?:for )?(?:a )?median", regex=True).any()


def test_one_sentence_about_two_subgroups_is_one_row_per_subgroup_issue_8() -> None:
    """Item 8: a filter on either subgroup finds the finding; the joined value is gone from the vocabulary."""
    outcomes = table("outcomes")
    joined = outcomes[outcomes["quote"].str.contains("under 65 years of age, or who had had a bone marrow transplant")]
    assert sorted(joined["population"]) == ["transplanted", "under-65"]
    assert set(joined["direction"]) == {"higher-in-arm"}
    for name in ("outcomes", "adverse_events"):
        assert "under-65-or-transplanted" not in set(table(name)["population"])
        assert "under-65-or-transplanted" not in json.loads((ROOT / f"schemas/{name}.schema.json").read_text())["fields"][4]["constraints"]["enum"]


def test_transplanted_rows_name_the_transplant_eligible_pathway_issue_8() -> None:
    """Item 17: the trial's subgroup is the transplant-eligible pathway, not patients known to have had one."""
    rows = table("outcomes").loc[lambda f: (f["study_id"] == "myeloma-xi") & (f["population"] == "transplanted")]
    assert len(rows) == 4
    assert rows["caveat"].str.contains("transplant-eligible pathway, not patients known to have had a transplant").all()


def test_time_origin_is_unverified_lay_wording_issue_8() -> None:
    """Item 14: "after they started the study" is not stated as fact; the 80% and 88% rows are treated alike."""
    xi = table("outcomes").loc[lambda f: f["study_id"] == "myeloma-xi", "caveat"]
    assert not xi.str.contains(r"counted from|analyses survival from", case=False, regex=True).any()  # no time origin stated as fact
    for key in ("myeloma-xi-os-3y-not-transplanted", "myeloma-xi-os-3y-not-transplanted-comparison"):
        assert "'After they started the study' is the lay writer's wording and unverified" in row("outcomes", key)["caveat"]
    for key in ("myeloma-xi-os-3y-transplanted-observation", "myeloma-xi-os-3y-transplanted-lenalidomide",
                "myeloma-xi-os-3y-transplanted-comparison"):
        assert "The seed gives no time origin, and none is confirmed" in row("outcomes", key)["caveat"]


def test_figures_the_second_check_could_not_confirm_say_so() -> None:
    """The reference facts could not confirm the seed's 80/88, 68, 39/25, 5/3 and 15 per cent."""
    unconfirmed = {("outcomes", "myeloma-xi-os-3y-transplanted-observation"), ("outcomes", "myeloma-xi-os-3y-transplanted-lenalidomide"),
                   ("outcomes", "myeloma-xi-os-3y-not-transplanted"), ("outcomes", "myeloma-xi-second-progression-observation"),
                   ("outcomes", "myeloma-xi-second-progression-lenalidomide"), ("adverse_events", "myeloma-xi-second-cancer-lenalidomide"),
                   ("adverse_events", "myeloma-xi-second-cancer-observation"), ("adverse_events", "myeloma-xi-discontinuation-lenalidomide")}
    for name, key in unconfirmed:
        r = row(name, key)
        assert f"The {r['value']}% could not be confirmed in Jackson 2019" in r["caveat"], key


def test_study_limitations_are_in_the_caveat_issue_8() -> None:
    """Item 6: no direct measure of quality of life, and an open-label design that may have biased attention."""
    caveat = row("studies", "myeloma-xi")["caveat"]
    assert "did not directly measure quality of life" in caveat
    assert "more attention from doctors to patients on lenalidomide" in caveat


@pytest.mark.parametrize(("key", "arm", "event", "value", "time"), [
    ("myeloma-xi-second-cancer-lenalidomide", "myeloma-xi-lenalidomide", "second-primary-malignancy", "5", "3"),
    ("myeloma-xi-second-cancer-observation", "myeloma-xi-observation", "second-primary-malignancy", "3", "3"),
    ("myeloma-xi-discontinuation-lenalidomide", "myeloma-xi-lenalidomide", "discontinuation-due-to-adverse-events", "15", ""),
])
def test_adverse_events(key: str, arm: str, event: str, value: str, time: str) -> None:
    r = row("adverse_events", key)
    assert (r["arm_id"], r["event"], r["value"], r["unit"], r["time_value"]) == (arm, event, value, "percent", time)


def test_every_seed_002_row_is_accounted_for() -> None:
    assert count_rows("hughes-myeloma-xi-summary") == {"studies": 1, "arms": 2, "outcomes": 16, "adverse_events": 5}


# ---------------------------------------------------------------- seed 000: IFM 2005-02
def test_ifm_trial_is_pooled_in_the_meta_analysis() -> None:
    ifm = row("studies", "ifm-2005-02")
    assert (ifm["design"], ifm["comparator"], ifm["pooled_in"]) == ("randomised-trial", "placebo", "mccarthy-2017-meta-analysis")
    assert row("studies", "mccarthy-2017-meta-analysis")["design"] == "meta-analysis"
    assert ifm["size"] == ifm["registry_id"] == ifm["doi"] == ""  # no count in the seed; identifiers unconfirmed
    assert "do not pool the two" in ifm["caveat"]


def test_ifm_design_fields_use_the_reference_facts_alike_issue_8() -> None:
    """Item 10: comparator and blinding both come from the reference facts, and the caveat says so."""
    ifm = row("studies", "ifm-2005-02")
    assert (ifm["comparator"], ifm["blinding"], ifm["pmid"]) == ("placebo", "double-blind", "22571202")
    assert ifm["design"] == "randomised-trial"  # the seed says only "an ongoing study"
    assert ("Taken from the reference facts, not from the seed: the name IFM 2005-02, design (randomised), comparator (placebo), "
            "blinding (double-blind), pmid and pooled_in.") in ifm["caveat"]


def test_ifm_summary_predates_the_paper_issue_8() -> None:
    """Item 11: the summary describes an ongoing study, so it predates the 2012 paper it points at."""
    source = row("sources", "cancer-net-ifm-summary")
    assert source["summarises"].startswith("Attal M et al.")
    assert "The summary predates this paper" in source["summarises"] and "still in progress" in source["summarises"]


def test_ifm_relapse_is_a_relative_statement() -> None:
    r = row("outcomes", "ifm-2005-02-relapse-3y-relative")
    assert (r["arm_id"], r["comparator_arm_id"]) == ("ifm-2005-02-no-maintenance", "ifm-2005-02-lenalidomide")
    assert (r["endpoint"], r["statistic"], r["value"], r["unit"], r["qualifier"], r["direction"]) == (
        "relapse", "relative-likelihood", "2", "ratio", "about", "higher-in-arm")
    assert (r["time_value"], r["time_unit"]) == ("3", "years")
    assert "twice as likely" in r["quote"]


def test_ifm_design_duration_and_pending_survival() -> None:
    r = row("outcomes", "ifm-2005-02-lenalidomide-for-all-duration")
    assert (r["endpoint"], r["statistic"], r["value"], r["unit"], r["arm_id"]) == ("treatment-duration", "duration", "2", "months", "")
    r = row("outcomes", "ifm-2005-02-os-pending")
    assert (r["endpoint"], r["statistic"], r["value"]) == ("overall-survival", "qualitative", "")


def test_every_seed_000_row_is_accounted_for() -> None:
    assert count_rows("cancer-net-ifm-summary") == {"studies": 1, "arms": 2, "outcomes": 4, "adverse_events": 0}


# ---------------------------------------------------------------- seed 001: CMRG retrospective study
def test_cmrg_groups_add_up_to_the_study() -> None:
    arms = table("arms").set_index("arm_id")
    sizes = [arms.loc[f"cmrg-retrospective-group-{i}", "size"] for i in range(1, 5)]
    assert sizes == ["136", "161", "209", "69"]
    assert row("studies", "cmrg-retrospective")["size"] == "575" == str(sum(map(int, sizes)))


@pytest.mark.parametrize(("group", "value"), [(1, "55.3"), (2, "37.9"), (3, "49")])
def test_cmrg_overall_survival(group: int, value: str) -> None:
    r = row("outcomes", f"cmrg-retrospective-os-group-{group}")
    assert (r["arm_id"], r["statistic"], r["value"], r["unit"]) == (f"cmrg-retrospective-group-{group}", "not-stated", value, "months")
    assert "second-line therapy" in r["caveat"]


def test_cmrg_second_pfs_has_no_time_point_issue_8() -> None:
    """Item 1: "after 2 years" is the lay reading of "2nd PFS"; the key and the quote stay."""
    r = row("outcomes", "cmrg-retrospective-pfs-2y-group-1-vs-2")
    assert (r["time_value"], r["time_unit"]) == ("", "")
    assert r["quote"] == "In the groups that received LMT, there was no difference in survival without cancer worsening after 2 years."
    assert "second progression-free survival of 10.2 vs 14.0 months (P = .53)" in r["caveat"]
    assert "Eur J Haematol 2021 abstract" in r["caveat"] and "There is no 2-year time point" in r["caveat"]


def test_cmrg_caveats_issue_8() -> None:
    """Items 15 and 16: the abstract's 37 months; the resistance finding is the authors' interpretation."""
    assert "reports 37 months for this group, not 37.9" in row("outcomes", "cmrg-retrospective-os-group-2")["caveat"]
    caveat = row("outcomes", "cmrg-retrospective-resistance")["caveat"]
    assert "The authors' interpretation of a retrospective study of medical records" in caveat
    assert "absence of a significant difference in second progression-free survival between groups 1 and 2 (10.2 vs 14.0 months, P = .53" in caveat
    assert "'improved the outcomes' rests on the longer overall survival of group 1" in caveat


def test_cmrg_source_outlet_and_date_are_treated_alike_issue_8() -> None:
    """Item 9: the same doubt (the closing lines may describe the article) empties both."""
    source = row("sources", "cmrg-retrospective-summary")
    assert (source["outlet"], source["published_date"]) == ("", "")
    assert "'Published By : European Journal of Haematology' and 'Date : Feb 04, 2021'" in source["note"]
    assert "Eur J Haematol 2021" in source["summarises"]


@pytest.mark.parametrize(("key", "comparator", "direction", "significance"), [
    ("cmrg-retrospective-os-group-1-vs-2", "cmrg-retrospective-group-2", "higher-in-arm", "significant"),
    ("cmrg-retrospective-os-group-1-vs-3", "cmrg-retrospective-group-3", "no-difference", "not-significant"),
    ("cmrg-retrospective-pfs-2y-group-1-vs-2", "cmrg-retrospective-group-2", "no-difference", ""),
])
def test_cmrg_comparisons(key: str, comparator: str, direction: str, significance: str) -> None:
    r = row("outcomes", key)
    assert (r["arm_id"], r["comparator_arm_id"], r["direction"], r["significance"], r["value"]) == (
        "cmrg-retrospective-group-1", comparator, direction, significance, "")


def test_every_seed_001_row_is_accounted_for() -> None:
    assert count_rows("cmrg-retrospective-summary") == {"studies": 1, "arms": 4, "outcomes": 8, "adverse_events": 0}


# ---------------------------------------------------------------- seed 003: review
def test_review_has_no_arms_and_only_qualitative_findings() -> None:
    study = row("studies", "singhal-mehta-2007-review")
    assert (study["design"], study["doi"], study["size"]) == ("review", "10.1007/s11864-007-0011-7", "")
    outcomes = table("outcomes")
    review = outcomes[outcomes["study_id"] == "singhal-mehta-2007-review"]
    assert set(review["statistic"]) == {"qualitative"}
    assert set(review["value"]) == set(review["arm_id"]) == {""}
    assert (review["finding"] != "").all()


def test_every_seed_003_row_is_accounted_for() -> None:
    assert count_rows("pubmed-singhal-mehta-2007") == {"studies": 1, "arms": 0, "outcomes": 8, "adverse_events": 0}


@pytest.mark.parametrize(("key", "population", "endpoint", "words"), [
    ("singhal-mehta-2007-review-salvage-survival", "relapsed-or-refractory", "overall-survival", "a setting in which they are thought to improve survival"),
    ("singhal-mehta-2007-review-early-use-response", "newly-diagnosed", "response", "certainly associated with high-response rates"),
])
def test_review_findings_added_issue_8(key: str, population: str, endpoint: str, words: str) -> None:
    """Items 4 and 5: the survival finding in relapse and the response finding of early use."""
    r = row("outcomes", key)
    assert (r["population"], r["endpoint"], r["statistic"], r["arm_id"]) == (population, endpoint, "qualitative", "")
    assert words in r["quote"]


# ---------------------------------------------------------------- seed 004: JCO 2017 meta-analysis
@pytest.mark.parametrize(("key", "arm", "endpoint", "value", "qualifier"), [
    ("mccarthy-2017-meta-analysis-pfs-median-lenalidomide", "mccarthy-2017-meta-analysis-lenalidomide", "progression-free-survival", "52.8", ""),
    ("mccarthy-2017-meta-analysis-pfs-median-control", "mccarthy-2017-meta-analysis-placebo-or-observation", "progression-free-survival", "23.5", ""),
    ("mccarthy-2017-meta-analysis-os-median-control", "mccarthy-2017-meta-analysis-placebo-or-observation", "overall-survival", "86", ""),
    ("mccarthy-2017-meta-analysis-os-median-lenalidomide", "mccarthy-2017-meta-analysis-lenalidomide", "overall-survival", "", "not-reached"),
    ("mccarthy-2017-meta-analysis-follow-up-median", "", "follow-up", "80", "about"),
])
def test_meta_analysis_medians(key: str, arm: str, endpoint: str, value: str, qualifier: str) -> None:
    r = row("outcomes", key)
    assert (r["arm_id"], r["endpoint"], r["statistic"], r["value"], r["qualifier"]) == (arm, endpoint, "median", value, qualifier)


def test_meta_analysis_size_is_hedged() -> None:
    study = row("studies", "mccarthy-2017-meta-analysis")
    assert (study["size"], study["size_qualifier"], study["comparator"]) == ("1200", "about", "placebo-or-observation")
    assert "CALGB 100104" in study["caveat"] and "three randomised trials" in study["caveat"]


def test_meta_analysis_overall_survival_comparison_quotes_the_medians_issue_8() -> None:
    """Item 2: the quote that carries the direction, not "the differences ... make it all worthwhile"."""
    r = row("outcomes", "mccarthy-2017-meta-analysis-os-comparison")
    assert (r["statistic"], r["value"], r["direction"]) == ("median", "", "higher-in-arm")
    assert "86 months" in r["quote"] and "had not yet been reached" in r["quote"]


def test_meta_analysis_significance_is_recorded_with_its_ambiguity_issue_8() -> None:
    """Item 3: "but again with significant differences between the two patient groups"."""
    r = row("outcomes", "mccarthy-2017-meta-analysis-significant-differences")
    assert (r["statistic"], r["significance"], r["direction"], r["endpoint"]) == ("qualitative", "significant", "", "conclusion")
    assert (r["arm_id"], r["comparator_arm_id"]) == ("mccarthy-2017-meta-analysis-lenalidomide", "mccarthy-2017-meta-analysis-placebo-or-observation")
    assert "significant differences between the two patient groups" in r["quote"] and r["caveat"].startswith("Ambiguous placement")
    assert row("outcomes", "mccarthy-2017-meta-analysis-follow-up-median")["significance"] == ""


def test_meta_analysis_registry_evidence_is_stated_correctly_issue_8() -> None:
    """Item 12: NCT00114101 is confirmed by an NCI PDQ trial page, not by the article header."""
    caveat = row("studies", "mccarthy-2017-meta-analysis")["caveat"]
    assert "article header, confirmed" not in caveat
    assert "That CALGB 100104 is NCT00114101 is confirmed by an NCI PDQ trial page, not by the article header" in caveat
    references = (ROOT / "docs/references.md").read_text(encoding="utf-8")
    assert "CALGB 100104 = NCT00114101 **confirmed** by an NCI PDQ trial page; the article header does **not** show it" in references


def test_every_seed_004_row_is_accounted_for() -> None:
    assert count_rows("patient-blog-jco-2017") == {"studies": 1, "arms": 2, "outcomes": 8, "adverse_events": 1}


# ---------------------------------------------------------------- every finding of every seed
#: The part of each seed that reports findings: links, reference lists, readers' comments and
#: author notes lie outside it.
BODY = {
    "cancer-net-ifm-summary": ("", "What to Ask Your Doctor"),
    "cmrg-retrospective-summary": ("", "Published By"),
    "hughes-myeloma-xi-summary": ("", "Written by"),
    "pubmed-singhal-mehta-2007": ("Abstract", "PubMed Disclaimer"),
    "patient-blog-jco-2017": ("", "About Author"),
}
#: Numbers in a seed's body that report no finding, with the reason.
NOT_FINDINGS = {
    "hughes-myeloma-xi-summary": {1.0},  # "One important consideration for quality of life"
}


@pytest.mark.parametrize("source_id", sorted(BODY))
def test_every_number_of_a_seed_is_in_a_quote(source_id: str) -> None:
    from mmdata.rules.provenance import quote_numbers

    seed_file = row("sources", source_id)["seed_file"]
    text = (ROOT / seed_file).read_text(encoding="utf-8")
    start, end = BODY[source_id]
    body = text[text.index(start) if start else 0:text.index(end)]
    quotes = pd.concat([table(name).loc[lambda f: f["source_id"] == source_id, "quote"]
                        for name in ("studies", "arms", "outcomes", "adverse_events")])
    in_body = set(quote_numbers(pd.Series([body], dtype="string"))["number"])
    in_quotes = set(quote_numbers(quotes.astype("string"))["number"])
    assert in_body - in_quotes == NOT_FINDINGS.get(source_id, set())


# ---------------------------------------------------------------- rules across every row (issue 8)
def _guide_table(heading: str) -> list[list[str]]:
    """The rows of the first markdown table after a line of the curation guide that starts with heading."""
    lines = (ROOT / "docs/curation.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # past the header and its rule


def test_every_identifier_is_confirmed_in_the_reference_facts() -> None:
    references = (ROOT / "docs/references.md").read_text(encoding="utf-8")
    studies = table("studies")
    assert studies["pmid"].str.fullmatch(r"(?:[1-9][0-9]{0,8})?").all()
    assert sorted(studies.loc[studies["pmid"] != "", "study_id"]) == ["ifm-2005-02", "mccarthy-2017-meta-analysis", "myeloma-xi"]
    for column, label in (("pmid", "PMID {}"), ("pmcid", "PMCID {}"), ("doi", "DOI {}"), ("registry_id", "{}")):
        for value in studies.loc[studies[column] != "", column]:
            assert f"{label.format(value)} **confirmed**" in references, (column, value)


#: Words with which a per-arm row's own quote sets its arm against another arm.
COMPARING = re.compile(r"increased|decreased|compared to|doubl|but only|longer|shorter|more likely|less likely|difference|twice")
#: Wording that carries each direction, one of which a comparison row's quote must contain.
DIRECTION_WORDS = {
    "higher-in-arm": re.compile(r"increased|longer|more likely|twice|doubl|extended|not yet been reached|compared to|but only"),
    "lower-in-arm": re.compile(r"decreased|shorter|less likely|compared to"),
    "no-difference": re.compile(r"no (?:significant )?difference|did not|no effect"),
}


@pytest.mark.parametrize("name", RESULT_TABLES)
def test_comparison_quotes_carry_their_direction(name: str) -> None:
    """Item 2 for every row: a quote supports the direction, not only the numbers."""
    frame = table(name)
    rows = frame[frame["direction"] != ""]
    wrong = [key for key, direction, quote in zip(rows.iloc[:, 0], rows["direction"], rows["quote"], strict=True)
             if not DIRECTION_WORDS[direction].search(quote.lower())]
    assert wrong == []


def _sentences(source_id: str, quote: str) -> range:
    """The span of the seed, widened to whole sentences, that a quote covers (whitespace-normalised)."""
    text = " ".join((ROOT / row("sources", source_id)["seed_file"]).read_text(encoding="utf-8").split())
    start = text.index(" ".join(quote.split()))
    end = start + len(" ".join(quote.split()))
    return range(text.rfind(". ", 0, start) + 1, text.find(". ", end - 1) % (len(text) + 1))


@pytest.mark.parametrize("name", RESULT_TABLES)
def test_every_worded_comparison_has_its_comparison_row(name: str) -> None:
    """Item 13: one rule, applied everywhere (curation guide, section 2). A per-arm result is set
    against another arm when its quote compares in words, or when the two arms' results are quoted
    from the same sentences; then a comparison row exists for that study, endpoint, population,
    time point and arm."""
    frame = table(name)
    what = "endpoint" if name == "outcomes" else "event"

    def point(r: pd.Series, arm: str) -> tuple[str, ...]:
        return (r["study_id"], r[what], r["population"], r["time_value"], r["time_unit"], arm)

    compared = {point(r, arm) for _, r in frame[frame["comparator_arm_id"] != ""].iterrows() for arm in (r["arm_id"], r["comparator_arm_id"])}
    per_arm = frame[(frame["arm_id"] != "") & (frame["comparator_arm_id"] == "") & (frame["statistic"] != "qualitative")]
    set_against = set()
    for _, r in per_arm[per_arm["quote"].str.lower().str.contains(COMPARING)].iterrows():
        set_against.add(r.iloc[0])
    for (_, a), (_, b) in ((x, y) for x in per_arm.iterrows() for y in per_arm.iterrows()):
        same_point = point(a, "")[:-1] == point(b, "")[:-1] and a["arm_id"] != b["arm_id"] and a["source_id"] == b["source_id"]
        if same_point and set(_sentences(a["source_id"], a["quote"])) & set(_sentences(b["source_id"], b["quote"])):
            set_against |= {a.iloc[0], b.iloc[0]}
    missing = sorted(key for key in set_against if point(row(name, key), row(name, key)["arm_id"]) not in compared)
    assert missing == []
    assert len(set_against) >= (11 if name == "outcomes" else 2)  # the rule is exercised, not vacuous


def test_every_allowed_value_is_used_or_reserved() -> None:
    """Item 8: a table's vocabulary holds no value that none of its rows uses, unless the curation guide says why."""
    reserved = {(name, field, term.strip(" `")) for name, field, terms, _why in _guide_table("Every allowed value is used")
                for term in terms.split(",")}
    unused = set()
    for schema_file in sorted((ROOT / "schemas").glob("*.schema.json")):
        name = schema_file.name.removesuffix(".schema.json")
        for field in json.loads(schema_file.read_text(encoding="utf-8"))["fields"]:
            for term in field.get("constraints", {}).get("enum", []):
                if term not in set(table(name)[field["name"]]):
                    unused.add((name, field["name"], term))
    assert unused == reserved


def test_retired_keys_never_come_back() -> None:
    retired = _guide_table("Retired keys")
    assert retired, "the curation guide lists the retired keys"
    keys = set().union(*(set(table(name).iloc[:, 0]) for name in CURATED_TABLES))
    for old, replacements, _why in retired:
        assert old not in keys
        assert {k.strip(" `") for k in replacements.split(",")} <= keys


def _numbers(text: str) -> set[float]:
    from mmdata.rules.provenance import quote_numbers

    return set(quote_numbers(pd.Series([text], dtype="string"))["number"])


@pytest.mark.parametrize("name", CURATED_TABLES)
def test_caveats_name_the_publication_of_a_figure_they_cite(name: str) -> None:
    """A number in a caveat that the seed does not contain comes from elsewhere: the caveat names
    the publication (author or journal, and year, both found in the study's publication column)."""
    bodies = {}
    for source_id, (start, end) in BODY.items():
        text = (ROOT / row("sources", source_id)["seed_file"]).read_text(encoding="utf-8")
        bodies[source_id] = text[text.index(start) if start else 0:text.index(end)]
    confirmed = _numbers((ROOT / "docs/references.md").read_text(encoding="utf-8"))
    publication = table("studies").set_index("study_id")["publication"]
    frame = table(name)
    uncited = []
    for _, r in frame[frame["caveat"] != ""].iterrows():
        words = re.sub(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b", " ", r["caveat"])  # keys such as singhal-mehta-2007-review are no figures
        foreign = _numbers(words) - _numbers(bodies[r["source_id"]])
        assert foreign <= confirmed, (r.iloc[0], sorted(foreign - confirmed))  # a publication's figure is a confirmed one
        study = publication[r["study_id"]]
        cited = [(word, year) for word, year in re.findall(r"([A-Z][A-Za-z]+) ((?:19|20)[0-9]{2})\b", words)
                 if re.search(rf"\b{word}\b", study) and re.search(rf"\b{year}\b", study)]
        if foreign and not cited:
            uncited.append((r.iloc[0], sorted(foreign)))
    assert uncited == []

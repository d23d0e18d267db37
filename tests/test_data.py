"""The curated rows, seed by seed: the values an analyst relies on.

An accidental edit of any of these cells fails here, even when the edited value would still
pass validation (for example a number that also occurs in the quote). Each seed's section ends
with a count of its rows, so that a new row cannot go unguarded.
"""

from __future__ import annotations

import pandas as pd
import pytest

from .conftest import ROOT


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
    assert study["registry_id"] == study["doi"] == ""  # unconfirmed identifiers stay out


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


@pytest.mark.parametrize(("key", "population", "direction"), [
    ("myeloma-xi-os-median-under-65-or-transplanted", "under-65-or-transplanted", "higher-in-arm"),
    ("myeloma-xi-os-median-not-transplanted", "not-transplanted", "no-difference"),
    ("myeloma-xi-os-3y-not-transplanted-comparison", "not-transplanted", "no-difference"),
    ("myeloma-xi-os-over-65", "over-65", "no-difference"),
])
def test_findings_without_a_number(key: str, population: str, direction: str) -> None:
    r = row("outcomes", key)
    assert (r["value"], r["population"], r["direction"]) == ("", population, direction)
    assert (r["arm_id"], r["comparator_arm_id"]) == ("myeloma-xi-lenalidomide", "myeloma-xi-observation")


@pytest.mark.parametrize(("key", "arm", "event", "value", "time"), [
    ("myeloma-xi-second-cancer-lenalidomide", "myeloma-xi-lenalidomide", "second-primary-malignancy", "5", "3"),
    ("myeloma-xi-second-cancer-observation", "myeloma-xi-observation", "second-primary-malignancy", "3", "3"),
    ("myeloma-xi-discontinuation-lenalidomide", "myeloma-xi-lenalidomide", "discontinuation-due-to-adverse-events", "15", ""),
])
def test_adverse_events(key: str, arm: str, event: str, value: str, time: str) -> None:
    r = row("adverse_events", key)
    assert (r["arm_id"], r["event"], r["value"], r["unit"], r["time_value"]) == (arm, event, value, "percent", time)


def test_every_seed_002_row_is_accounted_for() -> None:
    assert count_rows("hughes-myeloma-xi-summary") == {"studies": 1, "arms": 2, "outcomes": 13, "adverse_events": 4}


# ---------------------------------------------------------------- seed 000: IFM 2005-02
def test_ifm_trial_is_pooled_in_the_meta_analysis() -> None:
    ifm = row("studies", "ifm-2005-02")
    assert (ifm["design"], ifm["comparator"], ifm["pooled_in"]) == ("randomised-trial", "placebo", "mccarthy-2017-meta-analysis")
    assert row("studies", "mccarthy-2017-meta-analysis")["design"] == "meta-analysis"
    assert ifm["size"] == ifm["registry_id"] == ifm["doi"] == ""  # no count in the seed; identifiers unconfirmed
    assert "do not pool the two" in ifm["caveat"]


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
    assert count_rows("pubmed-singhal-mehta-2007") == {"studies": 1, "arms": 0, "outcomes": 5, "adverse_events": 0}


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


def test_meta_analysis_size_and_doubling_are_hedged() -> None:
    study = row("studies", "mccarthy-2017-meta-analysis")
    assert (study["size"], study["size_qualifier"], study["comparator"]) == ("1200", "about", "placebo-or-observation")
    assert "CALGB 100104" in study["caveat"] and "three randomised trials" in study["caveat"]
    r = row("outcomes", "mccarthy-2017-meta-analysis-pfs-ratio")
    assert (r["statistic"], r["value"], r["qualifier"], r["direction"]) == ("ratio", "2", "more-than", "higher-in-arm")


def test_every_seed_004_row_is_accounted_for() -> None:
    assert count_rows("patient-blog-jco-2017") == {"studies": 1, "arms": 2, "outcomes": 7, "adverse_events": 1}


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
    from mmdata.checks import quote_numbers

    seed_file = row("sources", source_id)["seed_file"]
    text = (ROOT / seed_file).read_text(encoding="utf-8")
    start, end = BODY[source_id]
    body = text[text.index(start) if start else 0:text.index(end)]
    quotes = pd.concat([table(name).loc[lambda f: f["source_id"] == source_id, "quote"]
                        for name in ("studies", "arms", "outcomes", "adverse_events")])
    in_body = set(quote_numbers(pd.Series([body], dtype="string"))["number"])
    in_quotes = set(quote_numbers(quotes.astype("string"))["number"])
    assert in_body - in_quotes == NOT_FINDINGS.get(source_id, set())

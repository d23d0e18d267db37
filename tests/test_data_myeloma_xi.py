"""The Myeloma XI rows (seed 002_ecc4a112612e7398.txt): the values an analyst relies on.

An accidental edit of any of these cells fails here, even when the edited value would still
pass validation (for example a number that also occurs in the quote).
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
    """New Myeloma XI rows must be added to the tests above, so that none goes unguarded."""
    counts = {name: int((table(name)["source_id"] == "hughes-myeloma-xi-summary").sum())
              for name in ("studies", "arms", "outcomes", "adverse_events")}
    assert counts == {"studies": 1, "arms": 2, "outcomes": 13, "adverse_events": 4}

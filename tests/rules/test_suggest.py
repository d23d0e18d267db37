"""Suggestions in error messages point at the right fix."""

from __future__ import annotations

from mmdata.errors import did_you_mean
from mmdata.rules.suggest import closest_passage

SEED = ("Plasma cells are a part of the body’s immune system and produce antibodies that help the body fight infection. "
        "Patients in this study had been previously treated with high-dose chemotherapy.")


def test_typographic_apostrophe_is_pointed_out() -> None:
    passage, difference = closest_passage("Plasma cells are a part of the body's immune system", SEED)
    assert passage == "Plasma cells are a part of the body’s immune system"
    assert difference == "the quote has 'body's' where the seed has 'body’s'"


def test_missing_word_is_pointed_out() -> None:
    _, difference = closest_passage("Patients in this study had been treated with high-dose chemotherapy.", SEED)
    assert difference == "the seed has 'previously' where the quote has nothing"


def test_did_you_mean_only_close_values() -> None:
    assert did_you_mean("placbo", ["placebo", "observation"]) == " (did you mean 'placebo'?)"
    assert did_you_mean("xyz", ["placebo", "observation"]) == ""

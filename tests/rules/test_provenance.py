"""Provenance at speed (#10): quotes are searched once per distinct (source, quote) pair, numbers
are read from all quotes at once, and the seed search sieves its windows. Each test pins a path
of that work against the plain reading it replaces."""

from __future__ import annotations

import random
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mmdata.model.schema import Table, resource_of
from mmdata.rules import provenance as checks
from mmdata.rules.provenance import NUMBER_WORDS, _may_hold_words, quote_checks, quote_numbers
from mmdata.rules.seedsearch import Seed, normalise

_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def one_by_one(texts: list[str]) -> list[list[float]]:
    """The numbers of each text, read one text at a time (the reading before #10)."""
    out = []
    for text in texts:
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
        text = _WORD.sub(lambda m: f" {NUMBER_WORDS[m.group(1).lower()]} " if m.group(1).lower() in NUMBER_WORDS else m.group(0), text)
        out.append([float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)])
    return out


def grouped(texts: list[str]) -> list[list[float]]:
    stated = quote_numbers(pd.Series(texts, dtype="string"))
    return [list(stated.loc[stated["quote"] == i, "number"]) for i in range(len(texts))]


# Texts whose neighbours in the joined reading could run into each other, and words, separators and digits of every kind.
TRICKY = ["a 1,", "234 b", "12", "34", "one", "two", "Six of 1,234,567\nten", "x,", "123", "5.", "5", "1.2.3", "",
          "twelve patients, 1,200 in total, half of them", "éone", "naïve one", "٣,٤٥٦ cases", "ſix", "someone ſix",
          "Doubled\nTWICE", "one_two", "3,14", "1,2345", "10,000.5", "2,000,", "half-time"]


@pytest.mark.parametrize(("arrow", "block"), [(True, checks.BLOCK), (False, checks.BLOCK), (True, 1), (True, 3)])
def test_all_quotes_at_once_read_each_quote_as_alone(arrow: bool, block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "arrow_available", lambda: arrow)
    monkeypatch.setattr(checks, "BLOCK", block)
    assert grouped(TRICKY) == one_by_one(TRICKY)
    assert grouped(["a 1,", "234 b"]) == [[1.0], [234.0]]  # a separator at the end of one quote joins nothing
    assert grouped(["12", "34", "one", "two"]) == [[12.0], [34.0], [1.0], [2.0]]


def test_random_texts_read_alike() -> None:
    rng = random.Random(10)
    alphabet = ["1", "2", "0", ",", ".", " ", "\n", "one", "Six", "half", "é", "٣", "x", "_", "ſ"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(400)]
    assert grouped(texts) == one_by_one(texts)


def test_labels_and_missing_quotes_are_kept() -> None:
    stated = quote_numbers(pd.Series(["5 of 5, 5%", None, "two"], index=[7, 8, 9], dtype="string"))
    assert list(zip(stated["quote"], stated["number"], strict=True)) == [(7, 5.0), (7, 5.0), (7, 5.0), (9, 2.0)]


def test_words_are_looked_for_by_arrow_only_in_ascii_text() -> None:
    assert _may_hold_words(["éone", "plain text", "One of them", "someone", "naïve"]).tolist() == [True, False, True, False, True]


def test_the_seed_search_finds_exactly_the_quotes_in_the_seed() -> None:
    rng = random.Random(3)
    seed = normalise("".join(rng.choice("abcdefgh ") for _ in range(50_000)))  # the search reads the normalised seed
    present = [seed[i:i + rng.randint(16, 60)] for i in (rng.randrange(len(seed) - 60) for _ in range(300))]
    absent = [q[:8] + "z" + q[9:] for q in present[:100]] + ["a" * 20, seed[-10:] + "x" * 10]
    quotes = present + absent + ["short", seed[:5]]
    assert Seed(seed).occurs(quotes) == [q in seed for q in quotes]


def table(name: str, rows: list[dict[str, Any]]) -> tuple[Table, pd.DataFrame]:
    schema = {"fields": [{"name": "source_id"}, {"name": "quote"}, {"name": "value", "type": "number", "mmdata:inQuote": True}]}
    text = pd.DataFrame(rows, columns=["source_id", "quote", "value"]).astype("string")
    frame = text.assign(value=text["value"].astype("Float64"))
    resource = resource_of(schema, name, f"data/{name}.csv")
    return Table(resource, text, np.arange(2, len(rows) + 2), np.zeros(len(rows), dtype=bool)), frame


def problems(tables: dict[str, tuple[Table, pd.DataFrame]], texts: dict[str, str]) -> list[tuple[str, int | None, str | None, str]]:
    found = quote_checks({n: t for n, (t, _) in tables.items()}, {n: f for n, (_, f) in tables.items()}, texts)
    return sorted((p.path, p.row, p.column, p.code) for p in found)


def test_a_quote_is_looked_for_in_its_own_rows_seed_only() -> None:
    q = "Both seeds quote the same sentence word for word."
    seeds = {"a": f"Intro. {q} End.", "b": "Another document without it at all, whatsoever.", "c": f"Third: {q}"}
    outcomes = table("outcomes", [{"source_id": "a", "quote": q}, {"source_id": "b", "quote": q}, {"source_id": "c", "quote": q},
                                  {"source_id": "gone", "quote": q}, {"source_id": "b", "quote": "  Another document \n without it "}])
    events = table("adverse_events", [{"source_id": "b", "quote": q}, {"source_id": "a", "quote": q}])
    assert problems({"outcomes": outcomes, "adverse_events": events}, seeds) == [
        ("data/adverse_events.csv", 2, "quote", "quote-not-in-seed"), ("data/outcomes.csv", 3, "quote", "quote-not-in-seed")]


def test_every_number_of_a_quote_with_several_counts() -> None:
    q = "Of 1,200 patients, twelve (3.5%) relapsed after 5 years; 5 of them twice."
    rows = [{"source_id": "a", "quote": q, "value": v} for v in ("1200", "12", "3.5", "5", "2", "1", "200", "6", "5.0")]
    assert problems({"outcomes": table("outcomes", rows)}, {"a": q}) == [
        ("data/outcomes.csv", 7, "value", "number-not-in-quote"), ("data/outcomes.csv", 8, "value", "number-not-in-quote"),
        ("data/outcomes.csv", 9, "value", "number-not-in-quote")]


def test_numbers_belong_to_their_own_quote() -> None:
    first, second = "The first sentence states 7 and nothing more.", "The second sentence states 9 and nothing more."
    rows = [{"source_id": "a", "quote": first, "value": "7"}, {"source_id": "a", "quote": first, "value": "9"},
            {"source_id": "a", "quote": second, "value": "9"}, {"source_id": "a", "quote": second, "value": "7"},
            {"source_id": "a", "quote": None, "value": "7"}]
    assert problems({"outcomes": table("outcomes", rows)}, {"a": f"{first} {second}"}) == [
        ("data/outcomes.csv", 3, "value", "number-not-in-quote"), ("data/outcomes.csv", 5, "value", "number-not-in-quote"),
        ("data/outcomes.csv", 6, "value", "number-not-in-quote")]


def test_a_letter_that_only_folds_to_a_number_word_stays_text_issue_10() -> None:
    # 'ſix' (long s) matches the number-word pattern under Unicode case folding but is no number
    # word; with a plain number word's letters elsewhere in the quote it used to raise KeyError.
    assert grouped(["someone ſix 4", "ſix one"]) == [[4.0], [1.0]]

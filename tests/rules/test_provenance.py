"""Provenance at speed (#10): quotes are searched once per distinct (source, quote) pair, and the seed
search sieves its windows (the reading of numbers: test_numbers.py). Each test pins a path
of that work against the plain reading it replaces."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd

from mmdata.model.schema import Table, resource_of
from mmdata.rules.provenance import quote_checks
from mmdata.rules.seedsearch import Seed, normalise


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


"""validate, `mmdata quote` and the site agree on whether and where a quote occurs in its seed (#21).

They ask one search (rules/seedsearch.py): validate reports a quote as not in its seed exactly when
the site lists its row as missing and `mmdata quote` finds no exact match for it; when it is in the
seed, the site's passage spans exactly the quote's characters in the seed as read, and `mmdata quote`
prints a passage that holds it and that validate would accept as a quote."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.cli import cli
from mmdata.edit.quote import passages_in
from mmdata.model.load import typed_tables
from mmdata.model.package import open_package
from mmdata.model.schema import Table, resource_of
from mmdata.publish.passages import RowRef, all_passages, place
from mmdata.rules.provenance import quote_checks
from mmdata.rules.seedsearch import Seed, normalise

from .conftest import ROOT, copy_package, read_rows
from .rules.test_seedsearch import SPACES, seeds_and_quotes


def validate_flags(raw: str, quotes: list[str]) -> set[int]:
    """The rows (by position) that validate reports with quote-not-in-seed, each row citing the seed with one quote."""
    schema = {"fields": [{"name": "source_id"}, {"name": "quote"}]}
    frame = pd.DataFrame({"source_id": ["doc"] * len(quotes), "quote": quotes}, dtype="string")
    table = Table(resource_of(schema, "outcomes", "data/outcomes.csv"), frame, np.arange(2, len(quotes) + 2), np.zeros(len(quotes), dtype=bool))
    return {p.row - 2 for p in quote_checks({"outcomes": table}, {"outcomes": frame}, {"doc": raw}) if p.code == "quote-not-in-seed" and p.row}


@settings(max_examples=100, deadline=None)
@given(seeds_and_quotes(), st.randoms(use_true_random=False))
def test_validate_quote_and_the_site_agree(case: tuple[str, list[str]], rng: random.Random) -> None:
    raw, quotes = case
    cited = ["".join(rng.choice(SPACES) if c == " " else c for c in q) for q in quotes]  # as a contributor pastes them
    flagged = validate_flags(raw, cited)
    refs = [RowRef("outcomes", str(i), None, quote) for i, quote in enumerate(cited)]
    placed = place("doc", raw, refs)
    spans = {p.anchor: (p.start, p.end) for p in placed.passages}
    seed = Seed(raw)
    anchors = {int(ref.key): ref.anchor for ref in refs}  # place sorts the rows by passage
    for i, quote in enumerate(quotes):
        found = i not in flagged
        assert found == (quote in seed.normal)
        assert (anchors[i] is not None) == found
        kind, texts = passages_in(raw, quote)
        assert (kind == "exact") == found
        if found:
            start, end = spans[anchors[i]]
            assert normalise(raw[start:end]) == quote and not raw[start].isspace() and not raw[end - 1].isspace()
            assert (start, end) == next((o.start, o.end) for o in seed.find([quote]) if o is not None)
            assert quote in texts[0]
            assert seed.occurs(texts) == [True] * len(texts)
    assert sorted(int(r.key) for r in placed.missing) == sorted(flagged)


def test_a_seed_with_line_breaks_tabs_and_no_break_spaces_issue_21(tmp_path: Path) -> None:
    """The shipped package with every space of its seeds turned into odd whitespace (the checksums
    updated): still valid, every quote found by `mmdata quote` and placed by the site on exactly its characters."""
    package = copy_package(ROOT, tmp_path / "pkg")
    rng = random.Random(21)
    sources = (package / "data/sources.csv").read_text(encoding="utf-8")
    for seed in sorted((package / "seeds").iterdir()):
        before = hashlib.sha256(seed.read_bytes()).hexdigest()
        text = seed.read_text(encoding="utf-8")
        seed.write_bytes("".join(rng.choice(["\r\n", "\t", "  ", "\u00a0", " \n "]) if c == " " else c for c in text).encode())
        sources = sources.replace(before, hashlib.sha256(seed.read_bytes()).hexdigest())
    (package / "data/sources.csv").write_bytes(sources.encode())
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert (result.exit_code, result.stderr) == (0, "")
    pkg = open_package(package)
    tables = typed_tables(pkg)
    quoted = 0
    for passages in all_passages(pkg, tables).values():
        assert passages.missing == []
        spans = {p.anchor: (p.start, p.end) for p in passages.passages}
        for ref in passages.rows:
            assert ref.anchor is not None
            start, end = spans[ref.anchor]
            assert normalise(passages.text[start:end]) == normalise(ref.quote)
            assert not passages.text[start].isspace() and not passages.text[end - 1].isspace()
            quoted += passages.text[start:end] != normalise(ref.quote)  # the seed's own whitespace, kept
    assert quoted > 10
    header, rows = read_rows(package / "data/outcomes.csv")
    row = dict(zip(header, rows[0], strict=True))
    printed = CliRunner().invoke(cli, ["quote", row["source_id"], *row["quote"].split(), "--package-dir", str(package)])
    assert printed.exit_code == 0
    assert printed.stdout.splitlines()[0].endswith(": 1 exact match")
    assert normalise(row["quote"]) in printed.stdout.splitlines()[1]

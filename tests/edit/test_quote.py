"""`mmdata quote` (edit/quote.py): bounded work on a long seed (#23)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.edit.quote import LIMIT
from mmdata.rules.seedsearch import Seed

SOURCE, SEED = "cancer-net-ifm-summary", "seeds/000_22f2e97155c1493f.txt"


def test_a_common_word_in_a_long_seed_reads_only_the_passages_shown_issue_23(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`quote SOURCE the` on a 2.6 MB seed ran over 60 s: every occurrence was compared with every sentence. Occurrences
    are now read only until LIMIT passages are found, each placed by bisection."""
    sentences = [f"Sentence {i} names the arm." for i in range(100_000)]
    (package / SEED).write_text(" ".join(sentences) + "\n", encoding="utf-8")
    assert (package / SEED).stat().st_size > 2_600_000
    made: list[int] = []
    occurrence = Seed._occurrence
    monkeypatch.setattr(Seed, "_occurrence", lambda self, at, size: made.append(at) or occurrence(self, at, size))
    result = CliRunner().invoke(cli, ["quote", SOURCE, "the", "--package-dir", str(package)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [f"{SEED}: {LIMIT} exact matches",
                                          *(line for i in range(LIMIT) for line in (sentences[i], f"  numbers: {i}"))]
    assert len(made) == LIMIT  # one occurrence read per passage shown, not 100,000

"""Foreign keys (rules/keys.py): did-you-mean worked out once per distinct key and bounded (#23)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mmdata
import mmdata.errors as errors
import mmdata.rules.keys as keys
from mmdata.errors import SUGGESTIONS

from ..conftest import read_rows, set_cell


def test_foreign_key_suggestions_are_once_per_distinct_key_and_bounded_issue_23(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each failing row ran a did-you-mean over every parent key (35 ms a row with 13,510 keys): a re-keyed table of a
    million rows took hours. Now each distinct key gets one, and only the first SUGGESTIONS distinct keys."""
    distinct, rows = SUGGESTIONS + 50, 3 * (SUGGESTIONS + 50)
    outcomes = package / "data/outcomes.csv"
    header, first, rest = outcomes.read_text(encoding="utf-8").split("\n", 2)
    column = header.split(",").index("study_id")
    cells = first.split(",")
    assert cells[column] == "cmrg-retrospective"
    made = []
    for i in range(rows):
        copy = list(cells)
        copy[0], copy[column] = f"zz-copy-{i:04d}", f"myeloma-xi-{i % distinct}"
        made.append(",".join(copy))
    outcomes.write_text("\n".join([header, first, rest.rstrip("\n"), *made]) + "\n", encoding="utf-8")
    calls: list[str] = []
    original = errors.Suggester._closest  # each did-you-mean a Suggester works out
    monkeypatch.setattr(errors.Suggester, "_closest", lambda self, value: calls.append(value) or original(self, value))
    found = [p for p in mmdata.validate(package) if p.code == "foreign-key" and p.column == "study_id" and p.path == "data/outcomes.csv"]
    assert len(found) == rows
    assert len([c for c in calls if c.startswith("myeloma-xi-")]) == SUGGESTIONS
    by_key = {p.value: p.message for p in found}
    assert by_key["myeloma-xi-0"] == "'myeloma-xi-0' is not a key of studies.study_id (did you mean 'myeloma-xi'?)"
    assert by_key[f"myeloma-xi-{SUGGESTIONS}"] == f"'myeloma-xi-{SUGGESTIONS}' is not a key of studies.study_id"
    assert len({p.message for p in found}) == distinct


def test_one_column_keys_are_matched_alike_by_isin_and_by_multiindexes_issue_21(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small tables match a one-column key with Series.isin, large ones with MultiIndexes (keys.ISIN_ROWS): the same
    problems, suggestions included, for keys that are close to a parent's, far from any, and of another study."""
    arms, outcomes = read_rows(package / "data/arms.csv"), read_rows(package / "data/outcomes.csv")
    study = arms[1][0][arms[0].index("study_id")]
    set_cell(package / "data/arms.csv", arms[1][0][0], "study_id", study[:-1] + "x")  # close to a study: a suggestion
    set_cell(package / "data/outcomes.csv", outcomes[1][0][0], "arm_id", "no-such-arm")
    set_cell(package / "data/outcomes.csv", outcomes[1][1][0], "source_id", outcomes[1][1][outcomes[0].index("source_id")] + "-2")
    by_isin = [p.to_line() for p in mmdata.validate(package) if p.code == "foreign-key"]
    monkeypatch.setattr(keys, "ISIN_ROWS", 0)
    by_multiindex = [p.to_line() for p in mmdata.validate(package) if p.code == "foreign-key"]
    assert by_isin == by_multiindex and len(by_isin) >= 3
    assert any("did you mean" in p.lower() for p in by_isin), by_isin

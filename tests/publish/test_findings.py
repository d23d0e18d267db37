"""The findings view tells a hedged value from one not reached, and carries the study's size and caveat (#19),
alike in SQLite, Parquet, findings.csv and mmdata.load("findings")."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import mmdata
from mmdata.publish.export import export_files

from ..conftest import ROOT

HEDGES = ["about", "almost", "more-than"]
#: The study's columns of the view, in their order, between study_design and arm_id: #20's warnings after #19's three.
STUDY_COLUMNS = ["study_pooled_in", "study_size", "study_size_qualifier", "study_caveat", "study_warnings", "arm_id"]


def _rows(table: str) -> list[dict[str, str]]:
    with (ROOT / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _qualified() -> list[tuple[str, str, str | None]]:
    """(finding_id, qualifier, the value_hedge it should give) of every shipped finding with a qualifier, derived from data/."""
    found = [(r["outcome_id"], r["qualifier"]) for r in _rows("outcomes") if r["qualifier"]]
    found += [(r["adverse_event_id"], r["qualifier"]) for r in _rows("adverse_events") if r["qualifier"]]
    return sorted((key, q, q if q in HEDGES else None) for key, q in found)


QUALIFIED = _qualified()


def test_the_shipped_package_holds_both_a_hedge_and_a_median_not_reached() -> None:
    """The tests below can tell a hedge from a status only while the data holds both."""
    assert {q for _, q, _ in QUALIFIED} & set(HEDGES) and "not-reached" in {q for _, q, _ in QUALIFIED}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return export_files(ROOT, ("sqlite", "parquet", "csv"))


def test_hedged_values_are_apart_from_not_reached_in_sqlite_issue_19(files: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "data.sqlite").write_bytes(files["data.sqlite"])
    db = sqlite3.connect(tmp_path / "data.sqlite")
    assert db.execute("SELECT finding_id, qualifier, value_hedge FROM findings WHERE qualifier IS NOT NULL ORDER BY finding_id").fetchall() == QUALIFIED
    assert db.execute("SELECT finding_id FROM findings WHERE value_hedge IS NOT NULL ORDER BY finding_id").fetchall() == [
        (k,) for k, _, hedge in QUALIFIED if hedge]
    studies = {r["study_id"]: r for r in _rows("studies")}
    assert db.execute("SELECT DISTINCT study_id, study_size, study_size_qualifier, study_caveat FROM findings ORDER BY study_id").fetchall() == [
        (s, int(studies[s]["size"]) if studies[s]["size"] else None, studies[s]["size_qualifier"] or None, studies[s]["caveat"] or None)
        for s in sorted({r["study_id"] for t in ("outcomes", "adverse_events") for r in _rows(t)})]
    columns = [row[1] for row in db.execute("PRAGMA table_info(findings)")]
    assert columns[columns.index("study_pooled_in"):columns.index("arm_id") + 1] == STUDY_COLUMNS
    assert columns[columns.index("qualifier"):columns.index("qualifier") + 3] == ["qualifier", "value_hedge", "direction"]
    assert db.execute("SELECT allowed_values FROM _columns WHERE table_name = 'findings' AND column_name = 'value_hedge'").fetchall() == [
        ('["about", "almost", "more-than"]',)]


def test_every_reader_gets_the_same_new_columns_issue_19(files: dict[str, bytes]) -> None:
    loaded = mmdata.load("findings")
    parquet = pq.read_table(io.BytesIO(files["parquet/findings.parquet"])).to_pandas()
    rows = list(csv.DictReader(io.StringIO(files["findings.csv"].decode("utf-8"))))
    for frame in (loaded, parquet):
        qualified = frame[frame["qualifier"].notna()].sort_values("finding_id")
        assert [(k, q, h if isinstance(h, str) else None) for k, q, h in
                zip(qualified["finding_id"], qualified["qualifier"], qualified["value_hedge"], strict=True)] == QUALIFIED
    assert [(r["finding_id"], r["qualifier"], r["value_hedge"] or None) for r in sorted(rows, key=lambda r: r["finding_id"]) if r["qualifier"]] == QUALIFIED
    assert list(loaded.columns) == list(parquet.columns) == list(rows[0])
    assert str(loaded["value_hedge"].dtype) == "category" and list(loaded["value_hedge"].cat.categories) == HEDGES
    assert str(loaded["study_size"].dtype) == "Int64"
    studies = {r["study_id"]: r for r in _rows("studies")}
    for row in rows:
        study = studies[row["study_id"]]
        assert (row["study_size"], row["study_size_qualifier"], row["study_caveat"], row["study_warnings"]) == (
            study["size"], study["size_qualifier"], study["caveat"], study["warnings"])


def test_datasette_metadata_and_the_columns_table_describe_the_new_columns_issue_19(files: dict[str, bytes], tmp_path: Path) -> None:
    import json

    columns = json.loads(files["metadata.json"])["databases"]["data"]["tables"]["findings"]["columns"]
    assert columns["value_hedge"].startswith("Derived from qualifier: the hedge on value (about, almost, more-than)")
    assert columns["study_caveat"].startswith("studies.caveat of the row that study_id names: ")
    assert columns["study_size_qualifier"].startswith("studies.size_qualifier of the row that study_id names: ")
    (tmp_path / "data.sqlite").write_bytes(files["data.sqlite"])
    db = sqlite3.connect(tmp_path / "data.sqlite")
    described = [r[0] for r in db.execute("SELECT column_name FROM _columns WHERE table_name = 'findings' ORDER BY position")]
    assert described == [r[1] for r in db.execute("PRAGMA table_info(findings)")] == list(columns)

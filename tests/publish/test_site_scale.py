"""The site's one-pass helpers give what filtering row by row gives (#22): each study's findings, a row's link to its
passage, rows as records."""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from mmdata.publish import findings as view
from mmdata.publish.passages import Passage, Passages, RowRef, factorized, place
from mmdata.publish.plot import records
from mmdata.publish.site import PassageLinks, _by_study


def findings(n: int, seed: int = 7) -> pd.DataFrame:
    """n rows spread over studies a to e, an unknown study and a missing one, with missing values of every kind."""
    pick = random.Random(seed)
    studies = [pick.choice(["a", "b", "c", "e", "unknown", None]) for _ in range(n)]
    return pd.DataFrame({
        "study_id": pd.array(studies, dtype="string"),
        "row": pd.array([i if i % 5 else None for i in range(n)], dtype="Int64"),
        "value": pd.array([i / 4 if i % 3 else None for i in range(n)], dtype="Float64"),
        "unit": pd.Categorical([None if i % 4 == 0 else ("months" if i % 2 else "percent") for i in range(n)]),
        "name": pd.array([f"r{i}" for i in range(n)], dtype="string"),
    })


def filtered(frame: pd.DataFrame, study_id: str) -> list[dict[str, object]]:
    return records(frame[(frame["study_id"] == study_id).fillna(False)])


def test_records_give_native_values_and_none_for_every_missing_value() -> None:
    frame = findings(5)
    got = records(frame)
    assert [r["row"] for r in got] == [None, 1, 2, 3, 4]
    assert [r["value"] for r in got] == [None, 0.25, 0.5, None, 1.0]
    assert [r["unit"] for r in got] == [None, "months", "percent", "months", None]
    assert [type(r["row"]) for r in got[1:]] == [int] * 4  # not numpy's: a page shows them as Python would
    assert list(got[0]) == ["study_id", "row", "value", "unit", "name"]
    assert records(frame.iloc[0:0]) == []


@pytest.mark.parametrize("batch", [1, 2, 7, 50_000])
def test_each_study_gets_its_own_findings_in_their_order_whatever_the_batch(batch: int) -> None:
    """Rows of a study listed, none of one not listed (or of no study); a study without rows gets none; the order is
    the view's, which an unstable sort of 300 rows would change."""
    frame = findings(300)
    wanted = ["a", "b", "c", "d", "e"]  # d has no rows; "unknown" and missing are not wanted
    got = list(_by_study(frame, wanted, batch=batch))
    assert got == [filtered(frame, study) for study in wanted]
    assert got[3] == []
    assert sum(len(rows) for rows in got) == frame["study_id"].isin(wanted).sum()


def test_a_row_links_to_its_passage_in_the_first_document_that_has_it() -> None:
    first = place("s1", "Alpha beta. Gamma delta.", [RowRef("outcomes", "x", "a", "Gamma delta."),
                                                       RowRef("outcomes", "gone", "a", "not here")])
    second = place("s2", "Gamma delta. Epsilon.", [RowRef("outcomes", "x", "a", "Gamma delta."),
                                                    RowRef("arms", "y", "a", "Epsilon.")])
    links = PassageLinks({"s1": first, "s2": second}, {"s1": "One", "s2": "Two"})
    assert links.get(("outcomes", "x")) == {"href": "../sources/s1.html#passage-1", "text": "passage 1 of One"}
    assert links.get(("arms", "y")) == {"href": "../sources/s2.html#passage-2", "text": "passage 2 of Two"}
    assert links.get(("outcomes", "gone")) is None  # a quote not found links nowhere


def test_a_text_is_cut_in_one_sweep_and_a_passage_of_no_characters_marks_nothing() -> None:
    """Two passages ending where a third starts, and one of no characters at that place: the one-sweep cut keeps each
    piece in exactly the passages that hold it."""
    text = "abcdefgh"
    found = Passages("s", text, [Passage("passage-1", 0, 4), Passage("passage-2", 2, 4), Passage("passage-3", 4, 4),
                                 Passage("passage-4", 4, 8)], [], [])
    html = str(found.html())
    assert re.findall(r'<mark class="([^"]+)">([^<]*)</mark>', html) == [
        ("in-passage-1", "ab"), ("in-passage-1 in-passage-2", "cd"), ("in-passage-4", "efgh")]
    assert re.sub(r"<[^>]+>", "", re.sub(r'<span class="rows">.*?\]</span>', "", html)) == text


def test_the_exports_and_findings_view_read_from_one_database_are_what_each_gives_alone(tmp_path: Path,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The site takes both from one database (#22): the same files as export_files (the SQLite file moved and findings.csv
    written where the site asks, and the temporary folder removed), the same frame as findings_frame (in key order)."""
    from mmdata.model.load import typed_tables
    from mmdata.publish.export import export_files, files_and_findings
    from mmdata.publish.sqlite import findings_frame
    from mmdata.rules.validate import validated

    from ..conftest import ROOT

    pkg = validated(ROOT)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    with files_and_findings(pkg, {"data.sqlite": tmp_path / "moved.sqlite", "findings.csv": tmp_path / "written.csv"}, AssertionError) as (files, found):
        assert not (tmp_path / "moved.sqlite").exists()  # put in place once the block ends, its index made while it runs
    assert list((tmp_path / "tmp").iterdir()) == []
    alone_files = export_files(pkg)
    assert (tmp_path / "moved.sqlite").read_bytes() == alone_files.pop("data.sqlite")
    assert (tmp_path / "written.csv").read_bytes() == alone_files.pop("findings.csv")
    assert files == alone_files
    alone = findings_frame(typed_tables(pkg), pkg.resources)
    keys = list(zip(*(found[k].astype(str) for k in view.PRIMARY_KEY), strict=True))
    assert len(keys) > 1 and keys == sorted(keys)  # key order as SQLite sorts text, not the categories' order
    order = alone[list(view.PRIMARY_KEY)].astype(str).sort_values(list(view.PRIMARY_KEY)).index
    pd.testing.assert_frame_equal(found, alone.loc[order].reset_index(drop=True))


def test_each_passage_links_its_own_rows_even_after_a_passage_of_no_characters_at_the_start_issue_22() -> None:
    """The rows' links are written a column at a time, then handed out in the order the passages end: a passage of no
    characters at the very start ends before any piece of text, and links nothing."""
    first, second, third = (RowRef("outcomes", key, "a", "q") for key in ("x", "y", "z"))
    found = Passages("s", "abcdef", [Passage("passage-1", 0, 0, [first]), Passage("passage-2", 0, 3, [second, third]),
                                     Passage("passage-3", 3, 6, [first])], [first, second, third], [])
    linked = re.findall(r'<a href="#(passage-\d)" class="passage-number">[^<]*</a> supports (.*?)\]</span>', str(found.html()))
    assert linked == [("passage-2", '<a href="../studies/a.html#outcomes-y">outcomes: y</a>, <a href="../studies/a.html#outcomes-z">outcomes: z</a>'),
                      ("passage-3", '<a href="../studies/a.html#outcomes-x">outcomes: x</a>')]


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_the_rows_quoting_each_source_are_the_same_taken_in_batches_of_any_size_issue_22(batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # all_passages takes each table's rows a batch at a time (#22): any batch size gives the same rows, quotes and passages.
    import mmdata
    from mmdata.model.load import typed_tables
    from mmdata.publish import passages as passages_module

    from ..conftest import ROOT

    def seen() -> dict[str, list[tuple]]:
        pkg = mmdata.open_package(ROOT)
        found = passages_module.all_passages(pkg, typed_tables(pkg))
        return {sid: [(r.table, r.key, r.href, r.quote, r.anchor) for r in p.rows] + [(p.start, p.end) for p in p.passages]
                for sid, p in found.items()}

    whole = seen()
    monkeypatch.setattr(passages_module, "BATCH", batch)
    assert seen() == whole
    assert sum(1 for rows in whole.values() for row in rows if len(row) == 5) > batch  # more rows than a batch


def test_a_row_with_no_source_is_placed_in_no_document_issue_22() -> None:
    # Rows are taken by their source_id's document: a row whose source_id is missing belongs to none, even when the
    # sources table (of a package not validated) has a row with no source_id too.
    import mmdata
    from mmdata.model.load import typed_tables
    from mmdata.publish.passages import all_passages

    from ..conftest import ROOT

    pkg = mmdata.open_package(ROOT)
    tables = dict(typed_tables(pkg))
    sources = tables["sources"]
    tables["sources"] = pd.concat([sources, sources.iloc[:1].assign(source_id=pd.NA)], ignore_index=True)
    outcomes = tables["outcomes"].copy()
    unsourced = outcomes["outcome_id"].iloc[0]
    outcomes.loc[0, "source_id"] = pd.NA
    tables["outcomes"] = outcomes
    placed = {(r.table, r.key) for found in all_passages(pkg, tables).values() for r in found.rows}
    assert ("outcomes", unsourced) not in placed and ("outcomes", outcomes["outcome_id"].iloc[1]) in placed


@pytest.mark.parametrize("values", [
    pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([["b", "a", None], [], ["a", "c", None, "b"]]))),  # a column of chunks
    pd.Series(["x", None, "x", "y"], dtype=object), pd.Series([None, None], dtype="string[pyarrow]"), pd.Series([], dtype="string[pyarrow]"),
    pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["a", "b", "c"])),  # a column of allowed values (a second review found it)
    pd.Series(pd.Categorical([], categories=["a"])), pd.Series([1, None, 0, 1], dtype="Int64"), pd.Series([float("nan"), 1.5], dtype=object),
    pd.Series(["a", 1, "a"], dtype=object)])
def test_a_column_factorized_names_each_rows_value_once_and_a_missing_one_minus_one_issue_22(values: pd.Series) -> None:
    codes, distinct = factorized(values)
    assert len(distinct) == len(set(distinct))
    found = [None if code < 0 else distinct[code] for code in codes.tolist()]
    assert found == [None if pd.isna(v) else v for v in values.tolist()]
    assert [type(v) for v in found] == [type(None) if pd.isna(v) else type(v) for v in values.tolist()]  # 0 stays a number


def test_a_column_whose_chunks_come_back_with_dictionaries_of_their_own_is_factorized_as_one_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.compute as pc

    encode = pc.dictionary_encode
    monkeypatch.setattr(pc, "dictionary_encode", lambda array: pa.chunked_array([encode(chunk) for chunk in array.chunks]))
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([["b", "a", None], ["a", "c", "b"]])))
    codes, texts = factorized(values)
    assert [None if code < 0 else texts[code] for code in codes.tolist()] == ["b", "a", None, "a", "c", "b"]


def test_the_sites_index_is_made_while_its_passages_and_pages_are_issue_22(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Made before them, the SQLite file's index held up the site for 7 to 12 s at a million rows: it runs while the
    # passages are placed, and the file is in the site, indexed, once it is built.
    import sqlite3
    import threading

    from mmdata.publish import site
    from mmdata.publish import sqlite as sqlite_module

    from ..conftest import ROOT

    steps: list[str] = []
    placing = threading.Event()
    index, passages = sqlite_module.index_text, site.all_passages

    def waiting_index(*args: object) -> None:
        steps.append("index begun")
        placing.wait(timeout=5)  # for the passages: five seconds more, and the test fails, when they wait for the index
        index(*args)
        steps.append("index made")

    def placed(*args: object, **kwargs: object) -> object:
        steps.append("passages")
        placing.set()
        return passages(*args, **kwargs)

    monkeypatch.setattr(sqlite_module, "index_text", waiting_index)
    monkeypatch.setattr(site, "all_passages", placed)
    site.build_site(ROOT, tmp_path / "site")
    assert steps == ["index begun", "passages", "index made"]
    with sqlite3.connect(tmp_path / "site/downloads/data.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM outcomes_fts WHERE outcomes_fts MATCH 'survival'").fetchone()[0] > 0

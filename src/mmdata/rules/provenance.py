"""Layer 5: provenance. Each source's seed is a regular file of the seeds' folder with its recorded sha256, each
quote occurs in its seed, and each number of a row occurs in its quote."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from ..errors import FILE_ERROR, PATH_ERROR, PROVENANCE, Code, Problem, UnsafeFile
from ..io.snapshot import Snapshot, safe_relative_path
from ..model.rulefacts import in_quote_columns
from ..model.schema import Table, seed_folder
from .emit import QUOTED_TABLES, Frames, emit
from .seedsearch import Quoted, normalise
from .suggest import QuoteAdvice

SEED_MISSING = Code("seed-missing", PROVENANCE, "a seed file named in sources.csv does not exist", reads={"sources": ("seed_file",)})
SEED_HASH = Code("seed-hash", PROVENANCE, "a seed file's sha256 differs from sources.csv", reads={"sources": ("seed_file", "sha256")})
SEED_UNLISTED = Code("seed-unlisted", PROVENANCE, "a file in seeds/ is not listed in sources.csv", reads={"sources": ("seed_file",)})
QUOTE_NOT_IN_SEED = Code("quote-not-in-seed", PROVENANCE, "a quote does not occur in its source document",
                         reads={"sources": ("source_id", "seed_file"), **{table: ("source_id", "quote") for table in QUOTED_TABLES}})
#: Reads the numbers a schema marks mmdata:inQuote; those of the shipped schemas are required, so that a
#: schema that drops one is a schema-error rather than a number no longer checked against its quote.
NUMBER_NOT_IN_QUOTE = Code("number-not-in-quote", PROVENANCE, "a number in the row does not occur in its quote",
                           reads={"studies": ("size", "source_id", "quote"), "arms": ("size", "source_id", "quote"),
                                  "outcomes": ("value", "time_value", "ci_lower", "ci_upper", "p_value", "source_id", "quote"),
                                  "adverse_events": ("value", "time_value", "at_risk", "source_id", "quote")},
                           numbers={"studies": ("size",), "arms": ("size",), "outcomes": ("value", "time_value", "ci_lower", "ci_upper", "p_value"),
                                    "adverse_events": ("value", "time_value", "at_risk")})

def seed_checks(snap: Snapshot, data_files: set[str], tables: dict[str, Table], frames: Frames) -> tuple[list[Problem], dict[str, str]]:
    """Each source's seed exists and matches its sha256; returns the texts of the seeds by source_id.

    data_files: the tables and schemas the descriptor declares, which are never a seed."""
    if "sources" not in frames:
        return [], {}
    table, sources = tables["sources"], frames["sources"]
    folder = seed_folder(table.resource)
    texts: dict[str, str] = {}
    missing, digests, refused = [], [], {}
    for label, source_id, rel in zip(sources.index, sources["source_id"], sources["seed_file"], strict=True):
        data, why = (_seed(snap, str(rel), folder, data_files) if isinstance(rel, str) else (None, None))
        if why is not None:
            refused[label] = why
        missing.append(data is None and why is None)
        digests.append(None if data is None else hashlib.sha256(data).hexdigest())
        if data is not None:
            texts[str(source_id)] = data.decode("utf-8", "replace")
    missing_mask = pd.Series(missing, index=sources.index, dtype=bool)
    actual = pd.Series(digests, index=sources.index, dtype="string")
    p = emit(table, missing_mask & sources["seed_file"].notna(), "seed_file", SEED_MISSING,
              lambda r: f"{r['seed_file']} does not exist; {folder}/ must hold every source document")
    for code in (PATH_ERROR, FILE_ERROR):  # a seed is a regular file of seeds/, never a link (#13)
        mask = pd.Series([refused.get(label, ("", ""))[0] == code for label in sources.index], index=sources.index)
        p += emit(table, mask, "seed_file", code, lambda r: f"{r['seed_file']} {refused[r.name][1]}")
    wrong = ~missing_mask & actual.ne(sources["sha256"]).fillna(False)
    p += emit(table, wrong, "sha256", SEED_HASH,
               lambda r: f"{r['seed_file']} has sha256 {actual[r.name]}; "
                         "seeds are never edited: restore the original file, or record a new source")
    listed = set(sources["seed_file"].dropna().astype(str))
    for extra in snap.listing(folder):
        if extra not in listed:
            p.append(Problem(extra, None, None, SEED_UNLISTED, "not listed in sources.csv; add a source row for it or remove it"))
    return p, texts


def _seed(snap: Snapshot, rel: str, folder: str, data_files: set[str]) -> tuple[bytes | None, tuple[str, str] | None]:
    """The bytes of a seed, or (code, why) it cannot be one: outside the seeds' folder, a declared file of
    the package, a symbolic link, not a regular file, too large (#13)."""
    if safe_relative_path(rel) is not None or str(PurePosixPath(rel).parent) != folder:
        return None, (PATH_ERROR, f"is not a file of {folder}/; a seed is a document kept in {folder}/ itself")
    if rel in data_files:
        return None, (PATH_ERROR, "is a file of the package's data, not a source document")
    try:
        return snap.read(rel), None
    except UnsafeFile as exc:
        return None, (exc.code, exc.reason)


def quote_checks(tables: dict[str, Table], frames: Frames, texts: dict[str, str], quoted: Quoted | None = None) -> list[Problem]:
    """Each quote occurs in its own seed (whitespace-normalised) and states every number of its row.

    Work is done once per distinct quote, not per row: rows share quotes (a passage often states
    several results), and each seed is searched once for the quotes of all rows, of every table,
    that cite it (see seedsearch). quoted: what a caller read already (Quoted of the same arguments).
    """
    problems: list[Problem] = []
    quoted = quoted if quoted is not None else Quoted(texts, {name: frames[name] for name in tables if name in frames})
    seeds, cited = quoted.seeds, quoted.cited
    wanted: dict[str, set[str]] = {}
    for pairs in cited.values():
        for source_id, quotes in pairs.by_source():
            wanted.setdefault(source_id, set()).update(quotes)
    found: dict[str, set[str]] = {}
    for source_id, cited_quotes in wanted.items():
        if source_id in seeds:  # a seed that could not be read: seed_checks reports it
            ordered = sorted(cited_quotes)
            found[source_id] = {q for q, hit in zip(ordered, seeds[source_id].occurs(ordered), strict=True) if hit}
    advice = QuoteAdvice({k: seed.normal for k, seed in seeds.items()})
    for name, pairs in cited.items():
        absent = pairs.absent(found)
        problems += emit(tables[name], pd.Series(absent, index=frames[name].index), "quote", QUOTE_NOT_IN_SEED,
                          lambda r: advice.message(normalise(str(r["quote"])), str(r["source_id"])), None)
        problems += _numbers_in_quote(tables[name], frames[name], pairs.codes, quoted.numbers(name), in_quote_columns(tables[name].resource))
    return problems


def _numbers_in_quote(table: Table, df: pd.DataFrame, codes: np.ndarray, stated: tuple[np.ndarray, np.ndarray],
                      columns: Iterable[str]) -> list[Problem]:
    """Rows with a number its quote does not state; a row without a quote states no number. stated: the numbers of
    the distinct quotes that codes number (Quoted.numbers)."""
    owner, numbers = stated
    numbers = numbers + 0.0  # + 0.0: -0.0 is 0.0
    vocabulary = pd.Index(numbers).unique()
    width = len(vocabulary) + 1  # a (quote, number) pair as one integer: quote * width + number
    known = np.sort(owner.astype(np.int64) * width + vocabulary.get_indexer(numbers))
    problems: list[Problem] = []
    for column in columns:
        values = df[column].astype("Float64")
        present = values.notna().to_numpy()
        number = vocabulary.get_indexer(values.to_numpy(dtype=float, na_value=np.nan) + 0.0)
        unmatched = present & ((codes < 0) | (number < 0))
        searched = np.flatnonzero(present & ~unmatched)  # only the rows with a number: most cells of most columns are empty
        unmatched[searched] = ~_sorted_contains(known, codes[searched].astype(np.int64) * width + number[searched])
        problems += emit(table, pd.Series(unmatched, index=df.index), column, NUMBER_NOT_IN_QUOTE,
                          lambda r: f"{r[column]} does not occur in the quote; "
                                              "quote the passage that states it, or correct the number")
    return problems


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """needles in haystack, for a sorted haystack (a binary search each, no sort of the needles)."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    return haystack[np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)] == needles

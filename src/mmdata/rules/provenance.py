"""Layer 5: provenance. Each source's seed is a regular file of the seeds' folder with its recorded sha256, each
quote occurs in its seed, and each number of a row occurs in its quote."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from ..errors import FILE_ERROR, PATH_ERROR, PROVENANCE, Code, Problem, UnsafeFile
from ..io.frames import arrow_available
from ..io.snapshot import Snapshot, safe_relative_path
from ..model.rulefacts import in_quote_columns
from ..model.schema import Table, seed_folder
from .emit import QUOTED_TABLES, Frames, emit
from .seedsearch import CitedPairs, Seed, normalise
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
                                  "adverse_events": ("value", "time_value", "at_risk", "source_id", "quote")})

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twice": "2", "double": "2", "doubled": "2",
    "doubles": "2", "doubling": "2", "triple": "3", "tripled": "3", "half": "0.5",
}


_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


_THOUSANDS_RE = re.compile(r",(?<=\d,)(?=\d{3}\b)")  # a comma first: found by a fast literal scan


_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


#: Quotes whose numbers are read at once.
BLOCK = 1 << 14


_TOKEN_RE = re.compile(r"\n|" + _NUMBER_RE.pattern)  # a number, or the break between two quotes


def quote_numbers(quotes: pd.Series) -> pd.DataFrame:
    """Every number a quote states, one per line: digits ('1,200' is 1200) and number words ('six').

    Columns: the quote's index label, and the number (a float). The number words are replaced
    quote by quote, only in the quotes that may hold one (see _may_hold_words). The thousands
    separators and the numbers are then read in one pass of each regular expression over all
    quotes joined by line breaks: a line break is neither a digit nor a word character, so
    every pattern matches there exactly as at the start or end of a quote, and no match spans
    two quotes (a line break inside a quote becomes a space first, which every pattern treats
    alike). Replacing the words first changes nothing: a separator never touches a word.
    """
    kept = [(label, str(quote)) for label, quote in zip(quotes.index, quotes, strict=True) if not pd.isna(quote)]
    owner, values = _numbers_of([t for _, t in kept])
    labels = np.array([label for label, _ in kept] or [None], dtype=object)[owner].tolist()
    return pd.DataFrame({"quote": labels, "number": pd.Series(values, dtype=float)})


def _numbers_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The position in texts of each number the texts state (see quote_numbers), and the number."""
    owners, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=float)]
    for start in range(0, len(texts), BLOCK):  # bounded memory: the numbers of a block are Python strings
        owner, value = _block_numbers(texts[start:start + BLOCK])
        owners.append(owner + start)
        values.append(value)
    return np.concatenate(owners), np.concatenate(values)


def _block_numbers(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    texts = [t.replace("\n", " ") if "\n" in t else t for t in texts]
    for i in np.flatnonzero(_may_hold_words(texts)).tolist():
        texts[i] = _WORD_RE.sub(_number_word, texts[i])
    text = "\n".join(texts)
    if "," in text:
        text = _THOUSANDS_RE.sub("", text)
    codes, tokens = pd.factorize(np.array(_TOKEN_RE.findall(text), dtype=object))
    values = np.array([np.nan if t == "\n" else float(t) for t in tokens.tolist()], dtype=float)
    breaks = np.isnan(values)[codes]
    return np.cumsum(breaks)[~breaks], values[codes[~breaks]]


def _may_hold_words(texts: list[str]) -> np.ndarray:
    """Which texts _WORD_RE may match in: every text that is not pure ASCII, and each ASCII text in
    which the same pattern, run by Arrow's RE2 (whose \\b, \\d and case folding agree with
    Python's on ASCII text), matches. Without pyarrow, every text."""
    if not texts or not arrow_available():
        return np.ones(len(texts), dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(texts, type=pa.large_string())
    ascii_words = pc.match_substring_regex(array, _WORD_RE.pattern, ignore_case=True)
    return np.asarray(pc.or_(pc.invert(pc.string_is_ascii(array)), ascii_words).to_numpy(zero_copy_only=False), dtype=bool)


def _number_word(match: re.Match[str]) -> str:
    """A number word as its digits, spaced apart from its neighbours; a match that only folds to one
    under Unicode case rules ('ſix') is left as it is."""
    digits = NUMBER_WORDS.get(match.group(1).lower())
    return match.group(0) if digits is None else f" {digits} "


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


def quote_checks(tables: dict[str, Table], frames: Frames, texts: dict[str, str]) -> list[Problem]:
    """Each quote occurs in its own seed (whitespace-normalised) and states every number of its row.

    Work is done once per distinct quote, not per row: rows share quotes (a passage often states
    several results), and each seed is searched once for the quotes of all rows, of every table,
    that cite it (see seedsearch).
    """
    problems: list[Problem] = []
    seeds = {k: Seed(v) for k, v in texts.items()}
    cited = {name: CitedPairs(frames[name]) for name in tables if name in frames and "quote" in frames[name]}
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
        problems += _numbers_in_quote(tables[name], frames[name], pairs.codes, pairs.quotes, in_quote_columns(tables[name].resource))
    return problems


def _numbers_in_quote(table: Table, df: pd.DataFrame, codes: np.ndarray, quotes: list[str], columns: Iterable[str]) -> list[Problem]:
    """Rows with a number its quote does not state; a row without a quote states no number."""
    owner, numbers = _numbers_of(quotes)
    numbers = numbers + 0.0  # + 0.0: -0.0 is 0.0
    vocabulary = pd.Index(numbers).unique()
    width = len(vocabulary) + 1  # a (quote, number) pair as one integer: quote * width + number
    known = np.sort(owner.astype(np.int64) * width + vocabulary.get_indexer(numbers))
    problems: list[Problem] = []
    for column in columns:
        values = df[column].astype("Float64")
        present = values.notna().to_numpy()
        number = vocabulary.get_indexer(values.to_numpy(dtype=float, na_value=np.nan) + 0.0)
        keys = codes.astype(np.int64) * width + number
        unmatched = present & ((codes < 0) | (number < 0) | ~_sorted_contains(known, keys))
        problems += emit(table, pd.Series(unmatched, index=df.index), column, NUMBER_NOT_IN_QUOTE,
                          lambda r: f"{r[column]} does not occur in the quote; "
                                              "quote the passage that states it, or correct the number")
    return problems


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """needles in haystack, for a sorted haystack (a binary search each, no sort of the needles)."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    return haystack[np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)] == needles

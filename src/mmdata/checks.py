"""Checks across rows and tables: foreign keys (layer 3), cross-field rules (layer 4) and
seed provenance (layer 5). Every check is a vectorised mask over whole columns; Python only
loops over the rows that fail, to word their messages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from .errors import Problem, UnsafeFile
from .frames import Table, arrow_available
from .package import field_names, read_descriptor
from .rulefacts import in_quote_columns, seed_folder, units_of_statistic, upper_bound_qualifiers
from .seedsearch import CitedPairs, occurs
from .snapshot import Snapshot, safe_relative_path
from .suggest import QuoteAdvice, did_you_mean

Frames = dict[str, pd.DataFrame]
RESULT_TABLES = ("outcomes", "adverse_events")
# The units each statistic may carry, the qualifiers under which a size is an upper bound, the
# numbers that must occur in a quote and the seeds' folder are declared in the Table Schemas and
# read through mmdata.rulefacts (#12).


def _emit(table: Table, mask: pd.Series, column: str, code: str,
          message: Callable[[pd.Series], str], value_column: str | None = None) -> list[Problem]:
    """One problem per row where mask is true, worded from that row of the table's text cells.

    mask is indexed like table.frame (its labels are row positions), so a frame that leaves
    some rows out still reports the right file lines.
    """
    hits = mask.fillna(False).astype(bool)
    problems = []
    for label in hits.index[hits.to_numpy()]:
        row = table.frame.loc[label]
        shown = row[value_column or column]
        problems.append(Problem(table.path, int(table.lines[label]), column, code, message(row),
                                None if pd.isna(shown) else str(shown)))
    return problems


def _is(column: pd.Series, value: str) -> pd.Series:
    """column == value, with missing cells False (not NA, which would spread through ~ and &)."""
    return column.eq(value).fillna(False).astype(bool)


# ---------------------------------------------------------------- layer 3: foreign keys
def foreign_keys(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    """Every foreign key declared in a Table Schema resolves to a row of the referenced table."""
    problems: list[Problem] = []
    for name, table in tables.items():
        for fk in table.schema.get("foreignKeys", []):
            fields = field_names(fk["fields"])
            target = fk["reference"].get("resource") or name
            if target not in frames:
                continue  # the referenced table could not be read; its own problems say why
            ref_fields = field_names(fk["reference"]["fields"])
            child, parent = frames[name][fields], frames[target][ref_fields]
            present = child.notna().all(axis=1)
            known = pd.MultiIndex.from_frame(parent.dropna().astype(str))
            found = pd.MultiIndex.from_frame(child.astype(str)).isin(known)
            where = f"{target}.{'+'.join(ref_fields)}"
            keys = ["+".join(k) for k in known]
            problems += _emit(table, present & ~found, fields[0], "foreign-key",
                              lambda r: f"'{_key(r, fields)}' is not a key of {where}{did_you_mean(_key(r, fields), keys, n=3, cutoff=0.8)}")
    return problems


def _key(row: pd.Series, fields: list[str]) -> str:
    return "+".join(str(row[f]) for f in fields)


# ---------------------------------------------------------------- layer 4: cross-field rules
def cross_field_rules(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    problems: list[Problem] = []
    for name in RESULT_TABLES:
        if name in frames:
            problems += _result_rules(tables[name], frames[name], frames.get("arms"))
            if "ci_lower" in frames[name]:
                problems += _interval_rules(tables[name], frames[name])
    for name in ("studies", "arms"):
        if name in frames:
            problems += _size_rules(tables[name], frames[name])
    if "studies" in frames:
        problems += _pooled_rules(tables["studies"], frames["studies"])
        if "arms" in frames:
            problems += _arm_size_rules(tables, frames["studies"], frames["arms"])
    return problems


def _result_rules(table: Table, df: pd.DataFrame, arms: pd.DataFrame | None) -> list[Problem]:
    value, unit, qualifier, stat = df["value"], df["unit"], df["qualifier"], df["statistic"]
    has_value, not_reached, qualitative = value.notna(), _is(qualifier, "not-reached"), _is(stat, "qualitative")
    p = _emit(table, ~has_value & ~not_reached & df["direction"].isna() & ~qualitative, "value", "missing-result",
              lambda r: "no result: give a value, qualifier not-reached, a direction, or statistic qualitative with a finding")
    p += _emit(table, not_reached & has_value, "value", "value-conflict",
               lambda r: f"{r['value']} given, but the qualifier says not-reached; leave value empty")
    p += _emit(table, qualifier.notna() & ~not_reached & ~has_value, "qualifier", "value-conflict",
               lambda r: f"qualifier {r['qualifier']} has no value to qualify")
    p += _emit(table, qualitative & has_value, "value", "value-conflict",
               lambda r: f"{r['value']} given in a qualitative row; use a numeric statistic or leave value empty")
    p += _emit(table, qualitative & df["finding"].isna(), "finding", "finding-missing",
               lambda r: "a qualitative row must state its finding in plain words")
    p += _emit(table, has_value & unit.isna(), "unit", "unit-missing", lambda r: f"value {r['value']} has no unit")
    p += _emit(table, ~has_value & unit.notna(), "unit", "unit-missing", lambda r: f"unit {r['unit']} given without a value")
    units_of = units_of_statistic(table.schema)
    pairs = pd.MultiIndex.from_tuples([(s, u) for s, units in units_of.items() for u in units], names=["statistic", "unit"])
    fits = ~stat.isin(list(units_of)) | pd.Series(pd.MultiIndex.from_arrays([stat, unit]).isin(pairs), index=df.index)
    p += _emit(table, unit.notna() & ~fits, "unit", "unit-mismatch",
               lambda r: f"unit {r['unit']} does not fit statistic {r['statistic']}; use {' or '.join(units_of[r['statistic']])}")
    p += _emit(table, unit.eq("percent") & ((value < 0) | (value > 100)), "value", "percentage-range",
               lambda r: f"{r['value']} is not a percentage between 0 and 100")
    p += _emit(table, df["time_value"].notna() & df["time_unit"].isna(), "time_unit", "time-unit-missing",
               lambda r: f"time_value {r['time_value']} has no time_unit")
    p += _emit(table, df["time_value"].isna() & df["time_unit"].notna(), "time_value", "time-unit-missing",
               lambda r: f"time_unit {r['time_unit']} given without a time_value")
    arm, comparator = df["arm_id"], df["comparator_arm_id"]
    p += _emit(table, comparator.notna() & arm.isna(), "arm_id", "comparison-error",
               lambda r: f"comparator_arm_id {r['comparator_arm_id']} is set, so arm_id must name the arm compared with it")
    p += _emit(table, comparator.notna() & comparator.eq(arm), "comparator_arm_id", "comparison-error",
               lambda r: f"{r['comparator_arm_id']} is compared with itself")
    p += _emit(table, df["direction"].notna() & comparator.isna(), "comparator_arm_id", "comparison-error",
               lambda r: f"direction {r['direction']} needs the comparator_arm_id it compares against")
    if arms is not None:
        study_of_arm = arms.set_index("arm_id")["study_id"]
        study_of_arm = study_of_arm[~study_of_arm.index.duplicated()]
        for column in ("arm_id", "comparator_arm_id"):
            other = df[column].map(study_of_arm)
            p += _emit(table, other.notna() & other.ne(df["study_id"]), column, "arm-study-mismatch",
                       lambda r: f"arm {r[column]} belongs to study {study_of_arm[r[column]]}, not {r['study_id']}")
    return p


def _interval_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    low, high, value = df["ci_lower"], df["ci_upper"], df["value"]
    p = _emit(table, low.isna() & high.notna(), "ci_lower", "ci-order", lambda r: "missing while ci_upper is given; give both bounds or neither")
    p += _emit(table, low.notna() & high.isna(), "ci_upper", "ci-order", lambda r: "missing while ci_lower is given; give both bounds or neither")
    p += _emit(table, low > high, "ci_upper", "ci-order", lambda r: f"{r['ci_upper']} is below ci_lower {r['ci_lower']}")
    p += _emit(table, (low <= high) & (low > value), "ci_lower", "ci-order", lambda r: f"{r['ci_lower']} is above value {r['value']}")
    p += _emit(table, (low <= high) & (high < value), "ci_upper", "ci-order", lambda r: f"{r['ci_upper']} is below value {r['value']}")
    return p


def _size_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    p = _emit(table, df["size_qualifier"].notna() & df["size"].isna(), "size_qualifier", "size-error",
              lambda r: f"size_qualifier {r['size_qualifier']} has no size to qualify")
    p += _emit(table, df["size"].notna() & df["quote"].isna(), "quote", "size-error",
               lambda r: f"size {r['size']} needs the quote that states it")
    return p


def _pooled_rules(table: Table, studies: pd.DataFrame) -> list[Problem]:
    design = studies.drop_duplicates("study_id").set_index("study_id")["design"]
    pooled = studies["pooled_in"]
    p = _emit(table, pooled.notna() & pooled.eq(studies["study_id"]), "pooled_in", "pooled-in-error",
              lambda r: "a study cannot be pooled in itself")
    target = pooled.map(design)
    p += _emit(table, target.notna() & target.ne("meta-analysis"), "pooled_in", "pooled-in-error",
               lambda r: f"{r['pooled_in']} is a {design[r['pooled_in']]}, not a meta-analysis")
    return p


def _arm_size_rules(tables: dict[str, Table], studies: pd.DataFrame, arms: pd.DataFrame) -> list[Problem]:
    """No arm, and no sum of exact arm sizes, exceeds its study's size when that size is an upper bound."""
    upper = studies["size_qualifier"].isna() | studies["size_qualifier"].isin(upper_bound_qualifiers(tables["studies"].schema))
    bound_of = pd.Series(studies["size"].where(upper).to_numpy(), index=studies["study_id"].to_numpy())
    bound_of = bound_of[~bound_of.index.duplicated()]
    p = _emit(tables["arms"], arms["size"] > arms["study_id"].map(bound_of), "size", "arm-larger-than-study",
              lambda r: f"{r['size']} patients, more than the {int(bound_of[r['study_id']])} of study {r['study_id']}")
    exact = arms["size"].where(arms["size_qualifier"].isna())
    total = exact.groupby(arms["study_id"]).sum(min_count=1)
    p += _emit(tables["studies"], studies["study_id"].map(total) > studies["size"].where(upper), "size", "arms-exceed-study",
               lambda r: f"its arms add up to {int(total[r['study_id']])} patients, more than the study's {r['size']}")
    return p


# ---------------------------------------------------------------- layer 5: provenance
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


def seed_checks(snap: Snapshot, tables: dict[str, Table], frames: Frames) -> tuple[list[Problem], dict[str, str]]:
    """Each source's seed exists and matches its sha256; returns the texts of the seeds by source_id."""
    if "sources" not in frames:
        return [], {}
    table, sources = tables["sources"], frames["sources"]
    folder = seed_folder(table.schema)
    data_files = _data_files(snap)
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
    p = _emit(table, missing_mask & sources["seed_file"].notna(), "seed_file", "seed-missing",
              lambda r: f"{r['seed_file']} does not exist; {folder}/ must hold every source document")
    for code in ("path-error", "file-error"):  # a seed is a regular file of seeds/, never a link (#13)
        mask = pd.Series([refused.get(label, ("", ""))[0] == code for label in sources.index], index=sources.index)
        p += _emit(table, mask, "seed_file", code, lambda r: f"{r['seed_file']} {refused[r.name][1]}")
    wrong = ~missing_mask & actual.ne(sources["sha256"]).fillna(False)
    p += _emit(table, wrong, "sha256", "seed-hash",
               lambda r: f"{r['seed_file']} has sha256 {actual[r.name]}; "
                         "seeds are never edited: restore the original file, or record a new source")
    listed = set(sources["seed_file"].dropna().astype(str))
    for extra in snap.listing(folder):
        if extra not in listed:
            p.append(Problem(extra, None, None, "seed-unlisted", "not listed in sources.csv; add a source row for it or remove it"))
    return p, texts


def _data_files(snap: Snapshot) -> set[object]:
    """The tables and schemas the descriptor declares (its own problems are reported by the reader)."""
    resources = [r for r in read_descriptor(snap, []).get("resources", []) if isinstance(r, dict)]
    return {value for r in resources for key in ("path", "schema") if isinstance(value := r.get(key), str)}


def _seed(snap: Snapshot, rel: str, folder: str, data_files: set[object]) -> tuple[bytes | None, tuple[str, str] | None]:
    """The bytes of a seed, or (code, why) it cannot be one: outside the seeds' folder, a declared file of
    the package, a symbolic link, not a regular file, too large (#13)."""
    if safe_relative_path(rel) is not None or str(PurePosixPath(rel).parent) != folder:
        return None, ("path-error", f"is not a file of {folder}/; a seed is a document kept in {folder}/ itself")
    if rel in data_files:
        return None, ("path-error", "is a file of the package's data, not a source document")
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
    seeds = {k: " ".join(v.split()) for k, v in texts.items()}
    cited = {name: CitedPairs(frames[name]) for name in tables if name in frames and "quote" in frames[name]}
    wanted: dict[str, set[str]] = {}
    for pairs in cited.values():
        for source_id, quotes in pairs.by_source():
            wanted.setdefault(source_id, set()).update(quotes)
    found: dict[str, set[str]] = {}
    for source_id, cited_quotes in wanted.items():
        if source_id in seeds:  # a seed that could not be read: seed_checks reports it
            ordered = sorted(cited_quotes)
            found[source_id] = {q for q, hit in zip(ordered, occurs(seeds[source_id], ordered), strict=True) if hit}
    advice = QuoteAdvice(seeds)
    for name, pairs in cited.items():
        absent = pairs.absent(found)
        problems += _emit(tables[name], pd.Series(absent, index=frames[name].index), "quote", "quote-not-in-seed",
                          lambda r: advice.message(" ".join(str(r["quote"]).split()), str(r["source_id"])), None)
        problems += _numbers_in_quote(tables[name], frames[name], pairs.codes, pairs.quotes, in_quote_columns(tables[name].schema))
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
        problems += _emit(table, pd.Series(unmatched, index=df.index), column, "number-not-in-quote",
                          lambda r: f"{r[column]} does not occur in the quote; "
                                              "quote the passage that states it, or correct the number")
    return problems


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """needles in haystack, for a sorted haystack (a binary search each, no sort of the needles)."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    return haystack[np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)] == needles

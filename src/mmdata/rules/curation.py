"""Rules of the curation guide that read rows together, the seeds' findings and the reference facts
(#21): rules of `mmdata validate`, no longer tests of the shipped data.

- layer 3: retired-key (a key retired from a table never comes back);
- layer 5: marker-not-in-seed and number-not-quoted (every number of a seed's findings is in some
  quote of its source), direction-not-in-quote (a comparison row's quote words its direction),
  comparison-missing (a comparison the document words has its comparison row),
  identifier-unconfirmed (identifiers only when confirmed or stated in the seed), figure-unconfirmed
  and figure-uncited (a caveat's figure from a publication is confirmed and names it).

The facts they rest on are declared in the Table Schemas (model/rulefacts.py) and in the sources'
findings_start, findings_end and not_findings columns. A file of reference facts that a schema
names (docs/references.md) is read through the package's snapshot, so that a folder, a release
archive and a git revision are checked alike; a release archive holds it.

Two codes are work still to do rather than a wrong row (PENDING): a number of a document that no
quote holds yet, a comparison row not yet added. `add-source` and `add-row` (edit/add.py) do not refuse for them,
since a source is added before its rows; `mmdata validate` lists them until the rows are there.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KEYS, PATH_ERROR, PROVENANCE, Code, Problem, UnsafeFile
from ..io.arrow import arrow_available
from ..io.snapshot import Snapshot, safe_relative_path
from ..model.rulefacts import (
    comparing_words,
    confirmed_identifiers,
    direction_of_value,
    direction_words,
    figures_confirmed_in,
    reference_files,
    retired_keys,
)
from ..model.schema import Table
from .emit import Frames, emit
from .numbers import BLOCK, NUMBER_WORDS, numbers_of
from .seedsearch import CitedPairs, Quoted, Seed, normalised

RETIRED_KEY = Code("retired-key", KEYS, "a row has a key that its table's schema lists as retired")
MARKER_NOT_IN_SEED = Code("marker-not-in-seed", PROVENANCE,
                          "a source's findings_start, findings_end or not_findings passage does not occur in its seed")
NUMBER_NOT_QUOTED = Code("number-not-quoted", PROVENANCE, "a number of a seed's findings occurs in no quote of its source")
DIRECTION_NOT_IN_QUOTE = Code("direction-not-in-quote", PROVENANCE, "a comparison row's quote holds no word that states its direction")
COMPARISON_MISSING = Code("comparison-missing", PROVENANCE,
                          "a result of one arm is set against another arm, in its quote's words or its sentences, but no comparison row records it")
IDENTIFIER_UNCONFIRMED = Code("identifier-unconfirmed", PROVENANCE,
                              "an identifier is neither marked confirmed in the reference facts nor stated in the seed")
FIGURE_UNCONFIRMED = Code("figure-unconfirmed", PROVENANCE, "a caveat holds a number that neither its seed's findings nor the reference facts state")
FIGURE_UNCITED = Code("figure-uncited", PROVENANCE, "a caveat holds a number its seed's findings do not state, without naming the publication")

#: Problems that only rows still to add resolve: add-source and add-row do not refuse for them.
PENDING = frozenset({NUMBER_NOT_QUOTED, COMPARISON_MISSING})
#: The columns of sources.csv that bound a seed's findings, and name passages of them that report none.
START, END, NOT_FINDINGS = "findings_start", "findings_end", "not_findings"
#: Separates the passages of a not_findings cell: one passage a line.
SEPARATOR = "\n"
#: "more than 1,000", "fewer than two": a hedge of a number, not a comparison; nor is "rather than" or "other than".
_HEDGE_RE = re.compile(r"\b(?:(?:more|less|fewer) than(?= (?:\d|(?:" + "|".join(NUMBER_WORDS) + r")\b))|(?:rather|other) than\b)")
#: A key in a caveat (singhal-mehta-2007-review): its digits are no figure.
_KEY_RE = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b")
#: How a caveat names a publication: a capitalised word and a year ("Jackson 2019", "Haematol 2021").
_CITATION_RE = re.compile(r"([A-Z][A-Za-z]+) ((?:19|20)[0-9]{2})\b")


def _said(message: str) -> Callable[[pd.Series], str]:
    """A message that names nothing of the row (for emit)."""
    return lambda row: message


# ---------------------------------------------------------------- layer 3
def retired_key_problems(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    """No row has a key its table retired. (The keys that replaced one are named for readers, not checked: a
    replacing row may itself be withdrawn later, and the schema is shared by every package built on it.)"""
    problems: list[Problem] = []
    for name, table in tables.items():
        keys = table.resource.primary_key
        if len(keys) != 1 or name not in frames or keys[0] not in frames[name]:
            continue
        column = frames[name][keys[0]]
        for entry in retired_keys(table.resource, keys[0]):
            old, new = str(entry.get("key", "")), ", ".join(map(str, entry.get("replacedBy", []))) or "none"
            why = f"{entry['why']}; " if entry.get("why") else ""
            problems += emit(table, column.eq(old), keys[0], RETIRED_KEY,
                              _said(f"{old} is a retired key ({why}replaced by {new}); a key is never reused, "
                                    "since downstream joins may still name it: give this row a new key"))
    return problems


# ---------------------------------------------------------------- layer 5
class _Findings:
    """Each source's seed text, where its findings start and end, and the passages of them that report none."""

    def __init__(self, table: Table, sources: pd.DataFrame, texts: dict[str, str]) -> None:
        self.problems: list[Problem] = []
        self.text: dict[str, str] = {}
        self.span: dict[str, tuple[int, int]] = {}
        self.excluded: dict[str, list[tuple[int, int]]] = {}
        self.file: dict[str, str] = {}
        self._numbers: dict[str, np.ndarray] = {}
        for label, sid in sources["source_id"].dropna().items():
            if str(sid) not in texts:
                continue  # no readable seed: seed_checks says why
            text, row, where = texts[str(sid)], table.frame.loc[label], int(table.lines[label])
            start, end, excluded, before = 0, len(text), [], len(self.problems)
            for column in (START, END):
                marker = row.get(column)
                if isinstance(marker, str) and marker.split():
                    found = _find(text, marker, start, len(text))
                    if found is None:
                        self._missing(table, where, column, marker, row, "after findings_start" if column == END and start else "")
                    elif column == START:
                        start = found[0]
                    else:
                        end = found[0]
            passages = row.get(NOT_FINDINGS)
            for passage in (passages.split(SEPARATOR) if isinstance(passages, str) else []):
                spans = [m.span() for m in _pattern(passage).finditer(text, start, end)] if passage.split() else [(0, 0)]
                if not spans:
                    self._missing(table, where, NOT_FINDINGS, passage, row, "between findings_start and findings_end")
                excluded += spans
            if len(self.problems) == before:  # a source whose findings cannot be bounded is left to its marker-not-in-seed
                self.text[str(sid)], self.span[str(sid)], self.excluded[str(sid)] = text, (start, end), excluded
                self.file[str(sid)] = str(row["seed_file"])

    def _missing(self, table: Table, line: int, column: str, passage: str, row: pd.Series, where: str) -> None:
        self.problems.append(Problem(table.path, line, column, MARKER_NOT_IN_SEED,
                                     f"'{passage.strip()}' does not occur in {row['seed_file']}{' ' + where if where else ''}; copy the "
                                     f"words from the document (`mmdata quote {row['source_id']} WORDS` prints them), or empty the cell", passage))

    def body(self, sid: str) -> tuple[int, np.ndarray, np.ndarray]:
        """The numbers of a source's findings, passages that report none left out: the seed's line of the findings'
        first line, and for each number its line counted from there and its value. Keeps the distinct numbers of
        the findings (numbers) when no passage is left out: then they are the same."""
        text, (start, end) = self.text[sid], self.span[sid]
        body, at = [], start
        for a, b in sorted(self.excluded[sid]):  # a passage that reports no finding: blanked, its line breaks kept
            if b > at:
                body += [text[at:max(a, at)], re.sub(r"[^\n]", " ", text[max(a, at):b])]
                at = b
        body.append(text[at:end])
        joined = "".join(body)
        owner, values = numbers_of(joined.split("\n"))
        if sid not in self._numbers and joined == text[start:end]:  # a line break reads as a space: the same numbers
            self._numbers[sid] = np.unique(values)
        return text.count("\n", 0, start) + 1, owner, values

    def numbers(self, sid: str) -> np.ndarray:
        """The distinct numbers of a source's findings, passages that report none included, sorted (read once per source)."""
        if sid not in self._numbers:
            start, end = self.span[sid]
            self._numbers[sid] = np.unique(numbers_of([self.text[sid][start:end]])[1])
        return self._numbers[sid]


def _pattern(passage: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(map(re.escape, passage.split())))


def _find(text: str, passage: str, start: int, end: int) -> tuple[int, int] | None:
    """Where passage first occurs in text[start:end], any run of whitespace matching any other."""
    found = _pattern(passage).search(text, start, end)
    return None if found is None else found.span()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _files(snap: Snapshot, rels: Iterable[str]) -> tuple[dict[str, str | None], list[Problem]]:
    """The text of each file of reference facts (None when it cannot be read), and why one cannot be."""
    texts: dict[str, str | None] = {}
    problems = []
    for rel in rels:
        texts[rel] = None
        why = safe_relative_path(rel)
        if why is not None:
            problems.append(Problem(rel, None, None, PATH_ERROR, f"named by a schema's mmdata: property: {why}"))
            continue
        try:
            data = snap.read(rel)
        except UnsafeFile as exc:
            problems.append(Problem(rel, None, None, exc.code, exc.reason))
            continue
        texts[rel] = None if data is None else data.decode("utf-8", "replace")
    return texts, problems


def curation_problems(snap: Snapshot, tables: dict[str, Table], frames: Frames, texts: dict[str, str], complete: bool = True,
                      quoted: Quoted | None = None) -> list[Problem]:
    """Every layer-5 problem of the curation rules; texts are the seeds' texts by source_id; complete: rows_known;
    quoted: what the quote checks read already (seedsearch.Quoted of the same texts and frames)."""
    refs, problems = _files(snap, reference_files(t.resource for t in tables.values()))
    quoted = quoted if quoted is not None else Quoted(texts, {name: frames[name] for name in tables if name in frames})
    findings = _Findings(tables["sources"], frames["sources"], texts) if "sources" in frames else None
    problems += findings.problems if findings else []
    seeds = {sid: seed.normal for sid, seed in quoted.seeds.items()}
    if findings and complete:
        cited = {name: pairs for name, pairs in quoted.cited.items() if "source_id" in frames[name]}
        problems += _unquoted_numbers(findings, cited, quoted, tables["sources"].path)
    # The publication of each study whose row the rules read ("" when the table has no publication field); None when
    # studies.csv could not be read, or lacks a field the rules need (both reported). A study not among them (its row has
    # a cell that cannot be read, or there is none: reported too) cannot be told to be named: every caveat citing a
    # figure of it was reported as naming no publication, "(empty: fill it)".
    publication: dict[str, str] | None = None
    if "studies" in frames:
        studies = frames["studies"]
        publication = dict.fromkeys(studies["study_id"].astype(str), "")
        if "publication" in studies:
            publication.update(zip(studies["study_id"].astype(str), studies["publication"].fillna("").astype(str), strict=True))
    for name, frame in frames.items():
        table = tables[name]
        pairs = quoted.cited.get(name) if "source_id" in frame else None  # the table's quotes, numbered once
        if pairs is not None:
            problems += _directions(table, frame, pairs) + (_comparisons(table, frame, pairs, seeds) if complete else [])
        problems += _identifiers(table, frame, refs, seeds)
        if findings:
            problems += _figures(table, frame, refs, findings, publication)
    return problems


#: Seeds whose numbers are checked at once (bounded memory, few numpy calls).
SEEDS_AT_ONCE = 64


def _unquoted_numbers(findings: _Findings, cited: dict[str, CitedPairs], quoted: Quoted, sources_path: str) -> list[Problem]:
    """Each number of a seed's findings that no quote of its source states, at its first line in the seed."""
    known, vocabulary, source_ids = _quoted_numbers(cited, quoted)
    problems: list[Problem] = []
    sids = list(findings.text)
    for batch in range(0, len(sids), SEEDS_AT_ONCE):
        bodies = {sid: findings.body(sid) for sid in sids[batch:batch + SEEDS_AT_ONCE]}
        values = np.concatenate([np.zeros(0, dtype=float), *(body[2] for body in bodies.values())])
        sources = np.repeat(np.array([source_ids.get(sid, -1) for sid in bodies], dtype=np.int64), [len(body[2]) for body in bodies.values()])
        number = vocabulary.get_indexer(values + 0.0)  # + 0.0: -0.0 is 0.0
        unquoted = (sources < 0) | (number < 0) | ~_sorted_contains(known, sources * (len(vocabulary) + 1) + number)
        at = 0
        for sid, (first, owner, found) in bodies.items():
            these, at = unquoted[at:at + len(found)], at + len(found)
            seen: set[float] = set()
            for line, value in zip(owner[these].tolist(), found[these].tolist(), strict=True):
                if value not in seen:
                    seen.add(value)
                    problems.append(Problem(findings.file[sid], first + line, None, NUMBER_NOT_QUOTED,
                                            f"{_number(value)} is in no quote of source {sid}: record the finding that states it, or, if "
                                            f"this passage reports none, add it to {sid}'s not_findings (or move its findings_start or "
                                            f"findings_end) in {sources_path}", _number(value)))
    return problems


def _quoted_numbers(cited: dict[str, CitedPairs], quoted: Quoted) -> tuple[np.ndarray, pd.Index, dict[str, int]]:
    """The numbers the quotes of each source state, all tables together: sorted integers source * (len(vocabulary)
    + 1) + number, the vocabulary of numbers, and the sources' integers. Made from each table's distinct (source,
    quote) pairs and its distinct quotes' numbers, read once (Quoted.numbers)."""
    source_ids: dict[str, int] = {}
    sources, numbers = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=float)]
    for name, pairs in cited.items():
        owner, values = quoted.numbers(name)  # owner: the quote of each number, in quote order
        counts = np.bincount(owner, minlength=len(pairs.quotes))
        first = np.cumsum(counts) - counts
        per_pair = counts[pairs.quote]  # each distinct pair's numbers: those of its quote
        pair = np.repeat(np.arange(len(per_pair)), per_pair)
        nth = np.arange(int(per_pair.sum())) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
        ids = np.array([source_ids.setdefault(n, len(source_ids)) for n in pairs.names] or [0], dtype=np.int64)
        sources.append(ids[pairs.source[pair]])
        numbers.append(values[first[pairs.quote][pair] + nth])
    number, vocabulary = pd.factorize(np.concatenate(numbers) + 0.0)
    known = np.sort(pd.unique(np.concatenate(sources) * (len(vocabulary) + 1) + number))
    return known, pd.Index(vocabulary), source_ids


def _sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """needles in haystack, for a sorted haystack."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    return haystack[np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)] == needles


def _words_re(words: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted({re.escape(" ".join(w.lower().split())) for w in words if w.split()}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b") if alternatives else None


def _plain(quote: str) -> str:
    """A quote as the word rules read it: lower case, whitespace collapsed, hedges of numbers taken out (every
    hedge holds 'than')."""
    text = " ".join(quote.lower().split())
    return _HEDGE_RE.sub(" ", text) if "than" in text else text


def _first_words(pairs: CitedPairs, rows: np.ndarray, pattern: re.Pattern[str] | None, index: pd.Index) -> dict[Any, str]:
    """For each row at the positions rows whose quote (read _plain) holds one of the words, the first it holds, by
    the row's label (index); each distinct quote read once (pairs: the table's quotes, numbered)."""
    if pattern is None or not len(rows):
        return {}
    codes = pairs.codes[rows]
    quoted = codes >= 0  # no quote, no word
    distinct, which = np.unique(codes[quoted], return_inverse=True)
    words = np.full(len(rows), "", dtype=object)
    words[quoted] = np.array([m.group(0) if (m := pattern.search(_plain(pairs.quotes[q]))) else "" for q in distinct.tolist()] + [""],
                             dtype=object)[which.reshape(-1)]
    held = words != ""
    return dict(zip(index[rows[held]].tolist(), words[held].tolist(), strict=True))


def _worded(pairs: CitedPairs, rows: np.ndarray, pattern: re.Pattern[str] | None) -> np.ndarray:
    """Whether the quote of each row at the positions rows (all quoted) holds one of the words, read _plain: each
    distinct quote read once, and by Arrow's RE2 where that is sure to agree (_surely_worded)."""
    if pattern is None or not len(rows):
        return np.zeros(len(rows), dtype=bool)
    distinct, which = np.unique(pairs.codes[rows], return_inverse=True)
    texts = [pairs.quotes[q] for q in distinct.tolist()]
    held = _surely_worded(texts, pattern)
    for i in np.flatnonzero(~held).tolist():
        held[i] = pattern.search(_plain(texts[i])) is not None
    return held[which.reshape(-1)]


def _surely_worded(texts: list[str], pattern: re.Pattern[str]) -> np.ndarray:
    """The texts (whitespace-normalised) that certainly hold a word of pattern when read _plain: an ASCII text
    without 'than' (so without a hedge: _plain only lowers it) in whose lower case Arrow's RE2 finds the pattern
    (for ASCII text and an ASCII pattern, RE2's \\b agrees with Python's). The others are read by Python; without
    pyarrow, all."""
    if not texts or not pattern.pattern.isascii() or not arrow_available():
        return np.zeros(len(texts), dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    sure = []
    for start in range(0, len(texts), BLOCK):  # bounded memory
        lower = pc.ascii_lower(pa.array(texts[start:start + BLOCK], type=pa.large_string()))
        sure.append(pc.and_(pc.and_(pc.string_is_ascii(lower), pc.invert(pc.match_substring(lower, "than"))),
                            pc.match_substring_regex(lower, pattern.pattern)).to_numpy(zero_copy_only=False))
    return np.concatenate(sure).astype(bool)


def _directions(table: Table, df: pd.DataFrame, pairs: CitedPairs) -> list[Problem]:
    """A comparison row's quote holds a word of its direction, unless its value states it (a hazard ratio)."""
    words = direction_words(table.resource)
    if words is None or not {"direction", "quote", "statistic", "value"} <= set(df.columns):
        return []
    by_value = df["statistic"].isin(direction_of_value(table.resource)) & df["value"].notna()
    checked = (df["direction"].notna() & df["quote"].notna() & ~by_value.fillna(False)).to_numpy(dtype=bool)
    rows = np.flatnonzero(checked)
    every, directions = pd.factorize(df["direction"])
    codes = every[rows]
    problems: list[Problem] = []
    allowed = table.resource.fact("direction").enum
    for direction, code in sorted((str(directions[c]), c) for c in np.unique(codes).tolist()):
        if allowed is not None and direction not in allowed:
            continue  # not a direction at all: its enum-error says so
        listed = words.get(direction, ())
        these = rows[codes == code]
        failing = np.zeros(len(df), dtype=bool)
        failing[these] = ~_worded(pairs, these, _words_re(listed))
        none = ", ".join(listed) or "(no words declared)"
        problems += emit(table, pd.Series(failing, index=df.index), "direction", DIRECTION_NOT_IN_QUOTE,
                          _said(f"{direction} is not worded in the quote: it holds none of {none}; quote the passage that compares "
                                f"the arms, or add the document's own word for it to mmdata:directionWords of {table.name}.direction"))
    return problems


def _text_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """An integer per row for its value read as text (astype("string")), a missing value as '', and the texts the
    integers number: equal texts, equal integers. Each distinct value is read as text once, unless factorising could
    merge values whose texts differ (-0.0 and 0.0, NaN and a missing value)."""
    if isinstance(column.dtype, pd.StringDtype):  # the distinct values are the distinct texts already, but for ''
        codes, distinct = pd.factorize(column)
        texts = distinct.tolist()
        empty = texts.index("") if "" in texts else len(texts)
        texts += [""] if empty == len(texts) else []
        return np.where(codes < 0, empty, codes).astype(np.int64), pd.Index(pd.array(texts, dtype="string"))
    values = column.to_numpy(dtype=float, na_value=np.nan)[column.notna().to_numpy(dtype=bool)] if pd.api.types.is_float_dtype(column.dtype) else None
    if values is None or (values == 0).any() or np.isnan(values).any():
        column = column.astype("string")
    codes, distinct = pd.factorize(column)  # -1: missing, read as the '' appended last
    text, texts = pd.factorize(pd.concat([pd.Series(distinct, dtype=object).astype("string"), pd.Series([""], dtype="string")], ignore_index=True))
    return np.asarray(text, dtype=np.int64)[codes], pd.Index(texts)


def _row_codes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """An integer per row for its values of columns read as text (_text_codes): equal rows, equal integers."""
    key = np.zeros(len(df), dtype=np.int64)
    for column in columns:
        codes, texts = _text_codes(df[column])
        key, _ = pd.factorize(key * len(texts) + codes)
    return np.asarray(key, dtype=np.int64)


def _comparisons(table: Table, df: pd.DataFrame, pairs: CitedPairs, seeds: dict[str, str]) -> list[Problem]:
    """A result of one arm that its quote's words, or the sentences it shares with another arm's result, set against
    another arm has a comparison row for its study, endpoint (or event), population, time point and arm.

    Rows are matched as integers (_row_codes), and only the rows no comparison row covers are read further: their
    quotes' words, and the sentences of the rows at their point (_same_sentences)."""
    what = "endpoint" if "endpoint" in df else "event"
    point = ["study_id", what, "population", "time_value", "time_unit"]
    if not {*point, "arm_id", "comparator_arm_id", "statistic", "quote", "source_id"} <= set(df.columns):
        return []
    n = len(df)
    (arm, arm_texts), (comparator, comparator_texts) = _text_codes(df["arm_id"]), _text_codes(df["comparator_arm_id"])
    shared, names = pd.factorize(pd.concat([arm_texts.to_series(), comparator_texts.to_series()], ignore_index=True))  # one numbering
    arm, comparator = shared[:len(arm_texts)][arm], shared[len(arm_texts):][comparator]
    star = int(names.get_loc("*")) if "*" in names else len(names)  # (point, '*'): the point's comparison row compares an arm with itself
    width = len(names) + 1
    at = _row_codes(df, point) * width
    compares = df["comparator_arm_id"].notna().to_numpy(dtype=bool)
    # a point whose comparison row compares an arm with itself is left to that row's comparison-error
    itself = compares & df["comparator_arm_id"].eq(df["arm_id"]).fillna(False).to_numpy(dtype=bool)
    compared = np.unique(np.concatenate([at[compares] + arm[compares], at[compares] + comparator[compares], at[itself] + star]))
    per_arm = (df["arm_id"].notna() & ~df["comparator_arm_id"].notna() & df["statistic"].ne("qualitative").fillna(True)).to_numpy(dtype=bool)
    rows = np.flatnonzero(per_arm)
    uncovered = rows[~(_sorted_contains(compared, at[rows] + arm[rows]) | _sorted_contains(compared, at[rows] + star))]
    if not len(uncovered):
        return []
    word = _first_words(pairs, uncovered, _words_re(comparing_words(table.resource)), df.index)
    wordless = uncovered[~df.index[uncovered].isin(list(word))]
    other: dict[Any, Any] = {}
    if len(wordless):  # the sentences of every per-arm row at the point, in the source, of a row without a comparing word
        group = _row_codes(df, [*point, "source_id"])
        shared = rows[np.isin(group[rows], group[wordless])]
        keys = pd.DataFrame({c: df[c].iloc[shared].astype("string").fillna("") for c in [*point, "arm_id", "comparator_arm_id", "source_id"]})
        other = _same_sentences(keys, df["quote"].iloc[shared], point, seeds)
    key = table.resource.primary_key
    ids = table.frame[key[0]] if len(key) == 1 else table.frame.index.to_series().astype(str)
    against = np.zeros(n, dtype=bool)
    against[uncovered] = df.index[uncovered].isin([*word, *other])

    def message(r: pd.Series) -> str:
        why = f"its quote compares: '{word[r.name]}'" if r.name in word else f"its quote and that of {ids[other[r.name]]} come from the same sentences"
        time = f"time point {r['time_value']} {r['time_unit']}" if isinstance(r["time_value"], str) else "no time point"
        return (f"{r['arm_id']} is set against another arm ({why}), but no comparison row of {r['study_id']} records it for "
                f"{what} {r[what]}, population {r['population']}, {time}: add a row with {r['arm_id']} as arm_id or comparator_arm_id, "
                "the other arm and the direction, quoting the comparison (curation guide, section 2)")

    return emit(table, pd.Series(against, index=df.index), "arm_id", COMPARISON_MISSING, message)


def _same_sentences(keys: pd.DataFrame, quotes: pd.Series, point: list[str], seeds: dict[str, str]) -> dict[Any, Any]:
    """For each per-arm row whose quote's sentences overlap those of another arm's row at the same point of the same
    source, the label of one such row."""
    grouped = keys.groupby([*point, "source_id"], sort=False)
    group, arms = grouped.ngroup(), grouped["arm_id"].transform("nunique")
    shared = (arms > 1).to_numpy()
    labels = keys.index[shared]
    sources = keys["source_id"].to_numpy()[shared]
    said = normalised([str(q) for q in quotes.to_numpy()[shared]])
    wanted: dict[str, set[str]] = {}
    for source, quote in zip(sources, said, strict=True):
        wanted.setdefault(source, set()).add(quote)
    spans: dict[tuple[str, str], tuple[int, int] | None] = {}
    for source, distinct in wanted.items():  # each seed searched once for all its quotes: the one search (seedsearch)
        seed, ordered = seeds.get(source, ""), sorted(distinct)
        found = Seed(seed).starts(ordered) if seed else [-1] * len(ordered)  # the seed is normalised already
        for quote, at in zip(ordered, found, strict=True):
            spans[(source, quote)] = None if at < 0 or not quote else _sentence_span(seed, at, at + len(quote))
    items: dict[Any, list[tuple[int, int, str, Any]]] = {}
    for label, source, quote, arm, number in zip(labels, sources, said, keys["arm_id"].to_numpy()[shared], group.to_numpy()[shared], strict=True):
        span = spans[(source, quote)]
        if span is not None:
            items.setdefault(number, []).append((span[0], span[1], arm, label))
    other: dict[Any, Any] = {}
    for members in items.values():
        members.sort(key=lambda m: m[0])
        best: list[tuple[tuple[int, str, Any], tuple[int, str, Any] | None]] = []  # per prefix: the latest end, and the latest of another arm
        top: tuple[int, str, Any] = (-1, "", None)
        second: tuple[int, str, Any] | None = None
        for _, end, arm, label in members:
            if end > top[0]:
                second, top = (top if top[1] != arm else second), (end, arm, label)
            elif arm != top[1] and (second is None or end > second[0]):
                second = (end, arm, label)
            best.append((top, second))
        starts = [m[0] for m in members]
        for start, end, arm, label in members:
            first, runner = best[max(bisect.bisect_left(starts, end) - 1, 0)]
            match = first if first[1] != arm else runner
            if match is not None and match[0] > start:
                other[label] = match[2]
    return other


def _sentence_span(seed: str, at: int, stop: int) -> tuple[int, int]:
    """The span of the (whitespace-collapsed) seed from at to stop, where a quote occurs, widened to whole sentences."""
    end = seed.find(". ", stop - 1)
    return seed.rfind(". ", 0, at) + 1, len(seed) if end < 0 else end


def _identifiers(table: Table, df: pd.DataFrame, refs: dict[str, str | None], seeds: dict[str, str]) -> list[Problem]:
    """An identifier is marked confirmed in the reference facts, or stated in its row's seed."""
    problems: list[Problem] = []
    for column, (rel, marker) in confirmed_identifiers(table.resource).items():
        if column not in df or "source_id" not in df:
            continue
        text = refs.get(rel)
        for label, value in df[column].dropna().astype(str).items():
            confirmed = marker.replace("{}", value)
            stated = re.search(rf"(?<!\w){re.escape(value)}(?!\w)", seeds.get(str(df.at[label, "source_id"]), ""))
            if (text is not None and confirmed in text) or stated:
                continue
            where = f"{rel} does not exist" if text is None else f"{rel} does not mark it confirmed ('{confirmed}')"
            problems.append(Problem(table.path, int(table.lines[label]), column, IDENTIFIER_UNCONFIRMED,
                                    f"{value}: {where}, and the seed of {df.at[label, 'source_id']} does not state it; write an identifier "
                                    "only when the reference facts confirm it or the seed states it, else leave the cell empty and name "
                                    "it in caveat as unconfirmed", value))
    return problems


@functools.lru_cache(maxsize=16)
def _stated_numbers(text: str) -> frozenset[float]:
    """The numbers a reference file states: read once per text, not once per table and column that cite it."""
    return frozenset(numbers_of([text])[1].tolist())


def _figures(table: Table, df: pd.DataFrame, refs: dict[str, str | None], findings: _Findings,
             publication: dict[str, str] | None) -> list[Problem]:
    """A number in a caveat that its seed's findings do not state is confirmed in the reference facts, and the
    caveat names the publication (author or journal, and year, both in the study's publication; not checked for a
    study publication does not hold: its row was not read, or studies.csv was not, None).

    Each distinct caveat is read once, and each distinct (caveat, source) pair checked once."""
    problems: list[Problem] = []
    for column, rel in figures_confirmed_in(table.resource).items():
        if not {column, "source_id", "study_id"} <= set(df.columns):
            continue
        text = refs.get(rel)
        confirmed = _stated_numbers(text) if text is not None else frozenset()
        every, distinct = pd.factorize(df[column])  # -1: no caveat
        rows = np.flatnonzero(every >= 0)
        codes = every[rows]
        caveats = [_KEY_RE.sub(" ", str(c)) for c in distinct.tolist()]
        owner, values = numbers_of(caveats)
        stated: list[list[float]] = [[] for _ in caveats]
        for at, number in zip(owner.tolist(), values.tolist(), strict=True):
            stated[at].append(number)
        candidates = np.unique(values)  # the caveats' numbers: a seed's other numbers matter not
        sources, names = pd.factorize(df["source_id"])
        sids = [str(s) for s in names.tolist()] + [str(pd.array([None], dtype=df["source_id"].dtype)[0])]  # a missing one as str() reads it
        width = len(sids)
        pairs, inverse = np.unique(codes.astype(np.int64) * width + np.where(sources[rows] < 0, width - 1, sources[rows]), return_inverse=True)
        in_seed: dict[str, set[float]] = {}
        foreign: list[set[float]] = []
        for caveat, source in zip((pairs // width).tolist(), (pairs % width).tolist(), strict=True):
            sid = sids[source]
            if sid not in findings.text:
                foreign.append(set())
                continue
            if sid not in in_seed:
                in_seed[sid] = set(candidates[np.isin(candidates, findings.numbers(sid))].tolist())
            foreign.append({n for n in stated[caveat] if n not in in_seed[sid]})
        for position, caveat, pair in zip(rows.tolist(), codes.tolist(), inverse.reshape(-1).tolist(), strict=True):
            numbers = foreign[pair]
            if not numbers:
                continue
            label = df.index[position]
            line, study, shown = int(table.lines[label]), str(df.at[label, "study_id"]), ", ".join(map(_number, sorted(numbers)))
            unconfirmed = sorted(numbers - confirmed)
            if unconfirmed:
                where = f"{rel} does not exist" if text is None else f"{rel} does not state {'it' if len(unconfirmed) == 1 else 'them'}"
                problems.append(Problem(table.path, line, column, FIGURE_UNCONFIRMED,
                                        f"{', '.join(map(_number, unconfirmed))}: the seed's findings do not state "
                                        f"{'it' if len(unconfirmed) == 1 else 'them'} and {where}; a caveat cites only figures the "
                                        "reference facts confirm, naming the publication: correct the number or confirm it there",
                                        df.at[label, column]))
            cited = None if publication is None else publication.get(study)
            if cited is None:
                continue
            if not any(re.search(rf"\b{w}\b", cited) and re.search(rf"\b{y}\b", cited) for w, y in _CITATION_RE.findall(caveats[caveat])):
                problems.append(Problem(table.path, line, column, FIGURE_UNCITED,
                                        f"{shown}: the seed's findings do not state {'it' if len(numbers) == 1 else 'them'}, and the "
                                        f"caveat names no publication of study {study}: name it by author or journal and year, "
                                        f"as studies.publication has them ({cited or 'empty: fill it'})", df.at[label, column]))
    return problems

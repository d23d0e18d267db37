"""`mmdata quote SOURCE_ID WORDS...`: the passages of a source document that hold some words,
printed exactly as a row must quote them, with the numbers the validator reads from each (#12).

A passage is a sentence of the seed (or the sentences a match spans), whitespace-normalised the
way the validator compares quotes, so that it always occurs in the seed as the validator reads it.
The search goes in three steps and stops at the first that finds something:

1. exact: the words as typed (spaces normalised) occur in the seed, as the validator decides it
   (``rules.seedsearch``, the one search of quotes in seeds);
2. loose: they occur when case is ignored (the same search, case folded);
3. fuzzy: the sentences that share the most words with them, a misspelt word counting when it is
   close to a word of the sentence (difflib ratio at least 0.8).

The numbers come from ``rules.numbers.quote_numbers``, the validator's own reading (one source of truth).
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, QuoteError, UnknownSource, UnsafeFile, did_you_mean
from ..model.package import Package, open_package, safe_relative_path
from ..rules.seedsearch import Occurrence, Seed, normalise

#: How a match was found, in the order tried.
KINDS = ("exact", "loose", "fuzzy")
#: Passages shown at most.
LIMIT = 5
#: A sentence ends at . ! or ? followed by a space (abbreviations may split a sentence: any part still occurs in the seed).
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]* ")


@dataclass(frozen=True)
class Passage:
    text: str  # exactly as the quote column must hold it
    numbers: list[str]  # what the validator reads from it, in order


@dataclass
class QuoteResult:
    source_id: str
    seed_file: str
    kind: str  # one of KINDS
    passages: list[Passage]


def seed_of(source: Package | str | Path, source_id: str) -> tuple[str, str]:
    """The seed file and the text of a source, read from sources.csv; QuoteError when it cannot be had."""
    pkg = open_package(source)
    pkg.refuse_ambiguous()
    problems: list[Problem] = []
    sources = pkg.resources.get("sources")
    if sources is None:
        raise QuoteError("the package declares no sources table; run `mmdata validate` to see why")
    parsed = pkg.parsed(sources, problems)
    if parsed is None or "source_id" not in parsed.header or "seed_file" not in parsed.header:
        raise QuoteError(f"{sources.path} cannot be read; run `mmdata validate` to see why")
    seeds = {r[parsed.header.index("source_id")]: r[parsed.header.index("seed_file")] for r in parsed.records}
    if source_id not in seeds:
        raise UnknownSource(f"no source '{source_id}' in {sources.path}{did_you_mean(source_id, seeds)}; "
                         f"one of: {', '.join(sorted(seeds))}")
    rel = seeds[source_id]
    try:
        content = pkg.snapshot.read(rel) if safe_relative_path(rel) is None else None
    except UnsafeFile as exc:
        raise QuoteError(f"{rel}, the seed of {source_id}, {exc.reason}") from None
    if content is None:
        raise QuoteError(f"{rel}, the seed of {source_id}, does not exist")
    try:
        return rel, content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuoteError(f"{rel} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of the whitespace-normalised text; a paragraph's end ends a sentence too."""
    normal = normalise(text)
    ends, position = set(), 0
    for paragraph in re.split(r"\n\s*\n", text):
        words = normalise(paragraph)
        if words:
            position = normal.index(words, position) + len(words)
            ends.add(position)
    ends |= {m.end() - 1 for m in SENTENCE_END.finditer(normal)}
    spans, at = [], 0
    for end in sorted(ends):
        if end > at:
            spans.append((at, end))
        at = end + 1
    if at < len(normal):
        spans.append((at, len(normal)))
    return spans


def find_passages(root: str | Path, source_id: str, words: str, limit: int = LIMIT) -> QuoteResult:
    """The passages of source_id's seed that best match words (see the module docstring)."""
    from ..rules.numbers import quote_numbers  # the validator's reading of numbers

    wanted = normalise(words)
    if not wanted:
        raise QuoteError("give the words to look for")
    seed_file, text = seed_of(open_package(Path(root)), source_id)
    kind, texts = passages_in(text, wanted, limit)
    if not texts:
        raise QuoteError(f"no passage of {seed_file} shares a word with '{wanted}'")
    import pandas as pd

    numbers = quote_numbers(pd.Series(texts, dtype="string"))
    passages = [Passage(t, [_number(n) for n in numbers.loc[numbers.iloc[:, 0] == i, "number"]]) for i, t in enumerate(texts)]
    return QuoteResult(source_id, seed_file, kind, passages)


def passages_in(text: str, words: str, limit: int = LIMIT) -> tuple[str, list[str]]:
    """How words (whitespace-normalised) were found in a seed's text (one of KINDS), and the
    passages that hold them, best first, each exactly as a row must quote it; none when no
    sentence shares a word with them."""
    seed = Seed(text)
    spans = sentences(text)
    kind, found = "exact", _widened(seed.normal, spans, seed.each(words), limit)
    if not found:
        kind, found = "loose", _widened(seed.normal, spans, seed.each(words, ignore_case=True), limit)
    if not found:
        kind, found = "fuzzy", list(dict.fromkeys(seed.normal[a:b] for a, b in _fuzzy(seed.normal, spans, words)))
    return kind, found[:limit]


def _widened(normal: str, spans: list[tuple[int, int]], occurrences: Iterable[Occurrence], limit: int) -> list[str]:
    """The first limit distinct passages the occurrences touch, each an occurrence widened to the sentences it touches
    (in the normalised text). Occurrences are read only until limit passages are found, and each finds its sentences
    by bisection: `quote SOURCE the` on a seed of megabytes compared every occurrence with every sentence (#23)."""
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    found: dict[str, None] = {}
    for occurrence in occurrences:
        start = starts[bisect_right(starts, occurrence.normal_start) - 1]
        end = ends[bisect_left(ends, occurrence.normal_end)]
        found[normal[start:end]] = None
        if len(found) >= limit:
            break
    return list(found)


def _fuzzy(normal: str, spans: list[tuple[int, int]], wanted: str) -> list[tuple[int, int]]:
    """Sentences ranked by how many of the wanted words they hold (close spellings count), best first."""
    tokens = _tokens(wanted)
    scored = []
    for start, end in spans:
        words = _tokens(normal[start:end])
        hits = sum(1 for t in tokens if t in words or difflib.get_close_matches(t, words, n=1, cutoff=0.8))
        if hits:
            scored.append((-hits, start, end))
    return [(start, end) for _, start, end in sorted(scored)]


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[.,][0-9]+)*", text.lower())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))

"""Where quotes occur in a seed document: the one search behind `validate`, `mmdata quote` and the site (#21).

The rule: a quote occurs in a seed when the quote, whitespace-normalised (every run of whitespace
one space, none at either end: ``normalise``, Python's ``str.split``), is a substring of the seed
normalised the same way. This module is its only implementation, and answers three questions:

- which of a set of quotes occur in a seed (``Seed.occurs``: `validate`);
- where each first occurs (``Seed.find``: the site highlights and anchors it);
- every place some words occur, or occur when case is ignored (``Seed.find_every``: `mmdata quote`).

``Quoted`` holds what `validate` reads once for both the quote checks and the curation rules: the
seeds, and each table's distinct (source, quote) pairs with their quotes' numbers.

An occurrence is a span of the seed's text as read (raw: line breaks, tabs, runs of spaces, no-break
spaces and all) and of its normalised text. The raw span starts at the quote's first character and
ends just after its last, so it holds exactly the quote's characters and the whitespace between its
words, and normalises to the quote.

Speed: searching each quote with ``str.find`` costs the seed's length per quote; here every window
of the seed as long as the shortest long quote is hashed at once (a polynomial hash, vectorised
with numpy), the windows whose hash starts some quote are the only candidates, and each candidate
is confirmed by comparing the text itself, so a hash collision can never make a quote "found".
Time is linear in the seed plus the quotes (plus the candidates confirmed); memory a few arrays as
long as the seed. The raw positions are worked out only when a span is asked for.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate

import numpy as np
import pandas as pd

from ..io.arrow import arrow_available
from .numbers import numbers_of

#: Quotes shorter than this are searched with str.find: a short window would match too often.
SHORT = 16
#: Windows hashed at once (about 40 bytes each).
CHUNK = 1 << 20
#: Slots of the sieve that spares most windows a binary search (a power of two).
SIEVE = 1 << 20
_SHIFT = np.uint64(64 - SIEVE.bit_length() + 1)
_BASE = np.uint64(1_000_003)  # odd, so it has an inverse modulo 2**64
_INVERSE = np.uint64(pow(1_000_003, -1, 2**64))


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base**0 .. base**(n-1), modulo 2**64: a read-only view of the longest made so far (at least twice the one before),
    so that each seed does not make them again: numpy's cumprod of a seed's length took more than half the search (#22)."""
    made = _POWERS.get(int(base))
    if made is None or len(made) < n:
        size = max(n, 0 if made is None else 2 * len(made), 1 << 16)
        with np.errstate(over="ignore"):
            made = np.concatenate([np.ones(1, dtype=np.uint64), np.cumprod(np.full(size - 1, base, dtype=np.uint64))])
        made.flags.writeable = False
        _POWERS[int(base)] = made
    return made[:n]


_POWERS: dict[int, np.ndarray] = {}


def _window_hashes(codes: np.ndarray, width: int) -> np.ndarray:
    """The hash of every window of width code points, as _hash gives it (needs len(codes) >= width)."""
    n = len(codes)
    with np.errstate(over="ignore"):
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * _powers(_BASE, n), dtype=np.uint64)])
        return (prefix[width:] - prefix[:-width]) * _powers(_INVERSE, n - width + 1)


def _hashes(prefixes: list[str], width: int) -> list[int]:
    """The hash of each text of exactly width code points, all at once."""
    codes = _codes("".join(prefixes)).reshape(len(prefixes), width)
    with np.errstate(over="ignore"):
        return [int(h) for h in np.asarray(np.sum(codes * _powers(_BASE, width), axis=1, dtype=np.uint64)).tolist()]


def normalise(text: str) -> str:
    """text with every run of whitespace as one space and none at either end, as quotes and seeds are compared."""
    return " ".join(text.split())


#: The ASCII characters but the space that str.split splits on: a text of ASCII characters is already normalised when it
#: holds none of them, no two spaces in a row and no space at either end (as an RE2 pattern, NOT_NORMAL).
ASCII_SPACES = "".join(c for c in map(chr, range(128)) if c.isspace() and c != " ")
NOT_NORMAL = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in ASCII_SPACES) + "]|  |^ | $"
#: Texts from which normalised asks Arrow which are already normalised (fewer are normalised one at a time).
NORMALISED_FROM = 1000


def normalised(texts: Sequence[str]) -> list[str]:
    """normalise of each text. The texts of ASCII characters that are already normalised, told by one Arrow search over
    all of them, are kept as they are; only the others go through normalise (a quarter of a million quotes took 0.4 s
    one at a time, #22)."""
    if len(texts) < NORMALISED_FROM or not arrow_available():
        return [normalise(t) for t in texts]
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        cells = pa.array(texts, pa.string())
    except (pa.ArrowException, UnicodeError):  # a text that is not UTF-8 (a lone surrogate): each is normalised
        return [normalise(t) for t in texts]
    plain = pc.and_(pc.string_is_ascii(cells), pc.invert(pc.match_substring_regex(cells, NOT_NORMAL)))
    kept = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool).tolist()
    return [text if keep else normalise(text) for text, keep in zip(texts, kept, strict=True)]


@dataclass(frozen=True)
class Occurrence:
    """Where a quote occurs: start and end in the seed's raw text, and in its normalised text."""

    start: int
    end: int
    normal_start: int
    normal_end: int


class Seed:
    """A seed's text as read (raw) and whitespace-normalised, and where quotes occur in it.

    Quotes are given whitespace-normalised (see ``normalise``); one that is not never occurs. The
    empty quote occurs once, at the start, as an empty span.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.normal = normalise(raw)

    def occurs(self, quotes: Sequence[str]) -> list[bool]:
        """For each quote, whether it occurs: one pass over the seed, whatever the number of quotes."""
        return [at >= 0 for at in _first(self.normal, quotes)]

    def find(self, quotes: Sequence[str]) -> list[Occurrence | None]:
        """For each quote, its first occurrence, or None: one pass over the seed, whatever the number of quotes."""
        return [None if at < 0 else self._occurrence(at, len(q)) for at, q in zip(_first(self.normal, quotes), quotes, strict=True)]

    def starts(self, quotes: Sequence[str]) -> list[int]:
        """For each quote, where it first starts in the normalised text, or -1: find without the raw spans, for a
        caller that reads the normalised text only (the curation rules' sentences)."""
        return list(_first(self.normal, quotes))

    def find_every(self, quote: str, ignore_case: bool = False) -> list[Occurrence]:
        """Every occurrence of quote, from the start, each beginning after the one before ends (as
        ``re.finditer`` finds a literal); ignoring case compares each character by its simple case
        folding (``fold``)."""
        return list(self.each(quote, ignore_case))

    def each(self, quote: str, ignore_case: bool = False) -> Iterator[Occurrence]:
        """The occurrences find_every lists, one at a time: a caller that needs the first few stops early (#23)."""
        text, wanted = (fold(self.normal), fold(quote)) if ignore_case else (self.normal, quote)
        if not wanted:
            yield self._occurrence(0, 0)
            return
        at = text.find(wanted)
        while at >= 0:
            yield self._occurrence(at, len(wanted))
            at = text.find(wanted, at + len(wanted))

    def _occurrence(self, at: int, size: int) -> Occurrence:
        if not size:  # the empty quote, found at the start
            return Occurrence(0, 0, 0, 0)
        return Occurrence(self._raw(at), self._raw(at + size - 1) + 1, at, at + size)

    def _raw(self, position: int) -> int:
        """The position in the raw text of the character at position in the normalised text (not a space between words)."""
        word = bisect_right(self._words[1], position) - 1
        return self._words[0][word] + position - self._words[1][word]

    @cached_property
    def _words(self) -> tuple[list[int], list[int]]:
        """Where each word starts in the raw text and in the normalised text (a word: a run of what
        ``str.split`` does not split on, which is what ``\\S`` matches)."""
        if self.raw.isascii():  # the runs found by numpy over the bytes: a tenth of the time of \S+ (#22)
            return _ascii_words(self.raw)
        spans = [(m.start(), m.end()) for m in _WORD.finditer(self.raw)]
        normal = accumulate((end - start + 1 for start, end in spans), initial=0)  # a word and its space
        return [start for start, _ in spans], list(normal)[:len(spans)]


#: The bytes of the ASCII characters str.split splits on.
_ASCII_SPACE_BYTES = np.frombuffer((ASCII_SPACES + " ").encode("ascii"), dtype=np.uint8)


def _ascii_words(raw: str) -> tuple[list[int], list[int]]:
    """Seed._words of an ASCII text: where each run of characters str.split keeps starts in raw, and where it starts in
    the normalised text (each word and one space after it)."""
    word = ~np.isin(np.frombuffer(raw.encode("ascii"), dtype=np.uint8), _ASCII_SPACE_BYTES)
    edges = np.diff(np.concatenate([[False], word, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    sizes = ends - starts + 1  # a word and its space
    return starts.tolist(), (np.cumsum(sizes) - sizes).tolist()


_WORD = re.compile(r"\S+")


def fold(text: str) -> str:
    """text with each character replaced by its simple case folding, one character for one, so
    that positions in text are positions in the result ('ſ', 'S' and 's' all become 's')."""
    return text.lower() if text.isascii() else "".join(map(_fold, text))


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    for folded in (char.upper().lower(), char.lower()):
        if len(folded) == 1:
            return folded
    return char


def _first(seed: str, quotes: Sequence[str]) -> list[int]:
    """For each quote, where it first occurs in seed, or -1."""
    found = [-1] * len(quotes)
    long = [i for i, q in enumerate(quotes) if len(q) >= SHORT]
    for i, q in enumerate(quotes):
        if len(q) < SHORT:
            found[i] = seed.find(q)
    if not long or len(seed) < SHORT:
        return found
    width = min(len(quotes[i]) for i in long)
    wanted: dict[int, list[int]] = defaultdict(list)
    for i, key in zip(long, _hashes([quotes[i][:width] for i in long], width), strict=True):
        wanted[key].append(i)
    keys = np.sort(np.fromiter(wanted, dtype=np.uint64, count=len(wanted)))
    sieve = np.zeros(SIEVE, dtype=bool)  # by the hash's top bits: a few windows pass, only those are looked up
    sieve[keys >> _SHIFT] = True
    codes = _codes(seed)
    tries = [0] * len(quotes)  # the places each quote was compared with and did not start at
    for start in range(0, len(codes) - width + 1, CHUNK):  # bounded memory for a long seed
        hashes = _window_hashes(codes[start:start + CHUNK + width - 1], width)
        passed = np.flatnonzero(sieve[hashes >> _SHIFT])
        candidates = passed[keys[np.minimum(np.searchsorted(keys, hashes[passed]), len(keys) - 1)] == hashes[passed]]
        places, counts = np.unique(hashes[candidates], return_counts=True)
        many = set(places[counts * FIND_CHARS_PER_PLACE > len(seed) - start].tolist())  # str.find is the cheaper there
        for position, key in zip((candidates + start).tolist(), hashes[candidates].tolist(), strict=True):  # from the start
            group = wanted[key]
            if group:
                findable = key in many
                wanted[key] = [i for i in group if not _confirmed(seed, quotes[i], position, i, found, tries, findable)]
    return found


#: Places a quote is compared with the seed at, in _first, before the rest of the seed may be searched for it with str.find.
CONFIRMS = 8
#: The characters str.find reads in the time one place is compared with a quote (measured: 0.18 ns a character, 243 ns
#: a place, #22).
FIND_CHARS_PER_PLACE = 1000


def _confirmed(seed: str, quote: str, position: int, i: int, found: list[int], tries: list[int], findable: bool) -> bool:
    """Whether quote i is settled at this candidate position: it starts here, or it has been compared CONFIRMS times
    already, its first characters start more places of this part of the seed than str.find reads the rest of the seed
    in (findable), and str.find gives where it first occurs after here, or -1 (no earlier place can hold it: every
    earlier place where its first characters hash alike was a candidate, and compared). So a quote costs at most
    CONFIRMS comparisons and then the cheaper of the places left and one str.find. Comparing at every place, a phrase
    repeated through a seed that many quotes start with cost the places times the quotes (12,001 such quotes, 2,000
    places: 3.8 s); falling back after CONFIRMS places whatever the seed's length, 12,002 quotes whose first characters
    start 8 places of a seed of 1 MB took 2.2 s where comparing took 0.04 s (#22)."""
    if seed.startswith(quote, position):
        found[i] = position
        return True
    tries[i] += 1
    if tries[i] < CONFIRMS or not findable:
        return False
    found[i] = seed.find(quote, position + 1)
    return True


class CitedPairs:
    """The distinct (source, quote) pairs of one table's rows, and which pair each row cites."""

    def __init__(self, frame: pd.DataFrame) -> None:
        codes, distinct = pd.factorize(frame["quote"])  # the row's quote as a number; -1 when missing
        sources, names = pd.factorize(frame["source_id"])
        self.codes, self.column = codes, frame["quote"]  # the quotes as written, by row
        self.quotes = normalised([str(q) for q in distinct.tolist()])
        self.names = [str(n) for n in names.tolist()]
        self.checked = (codes >= 0) & (sources >= 0)  # rows without a quote or a source pass
        width = len(self.quotes) + 1  # a pair as one integer: source * width + quote
        distinct_pairs, self.inverse = np.unique(sources[self.checked].astype(np.int64) * width + codes[self.checked], return_inverse=True)
        self.source, self.quote = distinct_pairs // width, distinct_pairs % width  # sorted by source

    def by_source(self) -> list[tuple[str, list[str]]]:
        """Per source cited: its name, and the (normalised) quotes of its pairs in pair order."""
        starts = np.flatnonzero(np.diff(self.source, prepend=-1))
        bounds = np.append(starts, len(self.source)).tolist()
        quote_of = self.quotes.__getitem__
        return [(self.names[int(self.source[a])], list(map(quote_of, self.quote[a:b].tolist())))
                for a, b in zip(bounds, bounds[1:], strict=False)]

    def absent(self, found: dict[str, set[str]]) -> np.ndarray:
        """Rows whose quote is not found in the seed of their own source; a source without a readable seed passes."""
        missing = np.zeros(len(self.source), dtype=bool)
        start = 0
        for source_id, quotes in self.by_source():
            if source_id in found:
                hits = found[source_id]
                missing[start:start + len(quotes)] = [q not in hits for q in quotes]
            start += len(quotes)
        absent = np.zeros(len(self.codes), dtype=bool)
        absent[self.checked] = missing[self.inverse]
        return absent


class Quoted:
    """What the quote checks (rules/provenance.py) read once and the curation rules (rules/curation.py) read again
    (#21): each readable seed, as read and whitespace-normalised, and each quoted table's distinct (source, quote)
    pairs with the numbers of its quotes. frames: the tables' frames by name; those with a quote column are cited."""

    def __init__(self, texts: Mapping[str, str], frames: Mapping[str, pd.DataFrame]) -> None:
        self.seeds = {k: Seed(v) for k, v in texts.items()}
        self.cited = {name: CitedPairs(frame) for name, frame in frames.items() if "quote" in frame}
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of table name's distinct quotes, as numbers_of reads them: which quote states each, and the
        number (read once per table; a quote's numbers are those of its whitespace-normalised text)."""
        if name not in self._numbers:
            self._numbers[name] = numbers_of(self.cited[name].quotes)
        return self._numbers[name]

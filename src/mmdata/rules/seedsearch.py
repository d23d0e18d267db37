"""Which quotes occur in a seed document: one pass over the seed, whatever the number of quotes.

A quote occurs when it is a substring of the seed (both whitespace-normalised by the caller).
Searching each quote with ``str.find`` costs the seed's length per quote; here every window of
the seed as long as the shortest long quote is hashed at once (a polynomial hash, vectorised with
numpy), the windows whose hash starts some quote are the only candidates, and each candidate is
confirmed by comparing the text itself, so a hash collision can never make a quote "found".
Time is linear in the seed plus the quotes (plus the candidates confirmed); memory a few arrays
as long as the seed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

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
    """base**0 .. base**(n-1), modulo 2**64."""
    with np.errstate(over="ignore"):
        return np.concatenate([np.ones(min(n, 1), dtype=np.uint64), np.cumprod(np.full(max(n - 1, 0), base, dtype=np.uint64))])


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


def occurs(seed: str, quotes: Sequence[str]) -> list[bool]:
    """For each quote, whether it occurs in seed."""
    found = [False] * len(quotes)
    long = [i for i, q in enumerate(quotes) if len(q) >= SHORT]
    for i, q in enumerate(quotes):
        if len(q) < SHORT:
            found[i] = q in seed
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
    for start in range(0, len(codes) - width + 1, CHUNK):  # bounded memory for a long seed
        hashes = _window_hashes(codes[start:start + CHUNK + width - 1], width)
        passed = np.flatnonzero(sieve[hashes >> _SHIFT])
        candidates = passed[keys[np.minimum(np.searchsorted(keys, hashes[passed]), len(keys) - 1)] == hashes[passed]]
        for position, key in zip((candidates + start).tolist(), hashes[candidates].tolist(), strict=True):
            for i in wanted[key]:
                if not found[i] and seed.startswith(quotes[i], position):
                    found[i] = True
    return found


class CitedPairs:
    """The distinct (source, quote) pairs of one table's rows, and which pair each row cites."""

    def __init__(self, frame: pd.DataFrame) -> None:
        codes, distinct = pd.factorize(frame["quote"])  # the row's quote as a number; -1 when missing
        sources, names = pd.factorize(frame["source_id"])
        self.codes = codes
        self.quotes = [" ".join(str(q).split()) for q in distinct.tolist()]
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

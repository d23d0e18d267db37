"""Suggestions that help a contributor fix a problem: the closest allowed value, key or passage."""

from __future__ import annotations

import difflib
from collections import Counter

from .lookalike import Skeletons


def closest_passage(quote: str, text: str | SeedWords) -> tuple[str, str]:
    """The passage of text (whitespace-normalised) most like quote, and how they differ.

    Candidate passages are runs of words as long as the quote, give or take two words (a word
    dropped or added), starting near where the quote's own words say it starts: each word of the
    quote found in the text votes for the start it implies (its place in the text minus its place
    in the quote), and only the ANCHORS starts with most votes are tried, two words either side
    (#13: scanning every start cost a second per quote on a long seed). difflib's cheap upper
    bound ranks the candidates; only the best few get the exact ratio. A word of the text is
    indexed once per seed (SeedWords), and a word that occurs more than COMMON times votes only
    when no word of the quote is rarer (#23: "the" voted a million times a quote on a 100 MB seed).
    Time is linear in the text once, plus the quote's words times their (bounded) occurrences.
    """
    seed = text if isinstance(text, SeedWords) else SeedWords(text)
    words, wanted = seed.words, quote.split()
    if not words:
        return "", "the seed is empty"
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    ranked = []
    for start, size in _candidates(seed, wanted):
        matcher.set_seq1(" ".join(words[start:start + size]))
        ranked.append((matcher.quick_ratio(), start, size))
    candidates = sorted(ranked, reverse=True)[:EXACT]
    _, start, size = max(candidates, key=lambda c: _exact(matcher, words, c[1], c[2]))
    passage = words[start:start + size]
    return " ".join(passage), _difference(wanted, passage)


class SeedWords:
    """A seed's words and where each occurs (case folded): built once per seed, whatever the number of quotes."""

    def __init__(self, text: str) -> None:
        self.words = text.split()
        self.where: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            self.where.setdefault(word.casefold(), []).append(i)


#: A word of the quote that occurs more often than this in the seed votes only when the quote has no rarer word (#23).
COMMON = 1_000
#: Starts tried per quote: those most of the quote's words agree on.
ANCHORS = 3
#: Candidates, best by difflib's upper bound, that get the exact ratio.
EXACT = 10
#: Quotes not found that get a closest passage in one run; the others are reported without one
#: (#13), so that a pull request with hundreds of broken quotes is reported in seconds.
SUGGESTION_LIMIT = 100


class QuoteAdvice:
    """What to tell about each quote not found in its seed: a look-alike character, or the closest passage."""

    def __init__(self, seeds: dict[str, str]) -> None:
        self.seeds = seeds
        self.indexed: dict[str, SeedWords] = {}  # each seed's words, indexed at its first quote not found (#23)
        self.skeletons = Skeletons(seeds)
        self.given: dict[tuple[str, str], str] = {}
        self.suggested = 0

    def message(self, quote: str, source_id: str) -> str:
        """The message of a quote (whitespace-normalised) not found in the seed of source_id; one computation per distinct quote."""
        key = (source_id, quote)
        if key not in self.given:
            self.given[key] = self._advice(quote, source_id)
        return f"quote not found in the seed of {source_id}; {self.given[key]}"

    def _advice(self, quote: str, source_id: str) -> str:
        look_alike = self.skeletons.difference(quote, source_id)
        if look_alike:
            return look_alike
        if self.suggested >= SUGGESTION_LIMIT:
            return (f"no closest passage shown: only the first {SUGGESTION_LIMIT} quotes not found get one; "
                    "fix those and validate again")
        self.suggested += 1
        if source_id not in self.indexed:
            self.indexed[source_id] = SeedWords(self.seeds[source_id])
        passage, difference = closest_passage(quote, self.indexed[source_id])
        return f'closest passage: "{passage}" ({difference})'


def _candidates(seed: SeedWords, wanted: list[str]) -> list[tuple[int, int]]:
    """(start, size) of the passages worth comparing with the quote."""
    places = [(j, seed.where.get(word.casefold(), [])) for j, word in enumerate(wanted)]
    rare = [(j, found) for j, found in places if len(found) <= COMMON]
    votes: Counter[int] = Counter()
    voters = rare if any(found for _, found in rare) else [(j, found[:COMMON]) for j, found in places]
    for j, found in voters:
        votes.update(i - j for i in found)
    anchors = [start for start, _ in sorted(votes.items(), key=lambda v: (-v[1], v[0]))[:ANCHORS]] or [0]
    last = max(0, len(seed.words) - 1)
    starts = sorted({min(max(0, a + d), last) for a in anchors for d in range(-2, 3)})
    return [(start, size) for start in starts for size in range(max(1, len(wanted) - 2), len(wanted) + 3)]


def _exact(matcher: difflib.SequenceMatcher, words: list[str], start: int, size: int) -> tuple[float, int]:
    matcher.set_seq1(" ".join(words[start:start + size]))
    return matcher.ratio(), -size


def _difference(wanted: list[str], found: list[str]) -> str:
    """The first difference, in words: "the quote has 'on' where the seed has 'with'"."""
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wanted, found, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        ours, theirs = " ".join(wanted[i1:i2]), " ".join(found[j1:j2])
        if not ours:
            return f"the seed has '{theirs}' where the quote has nothing"
        if not theirs:
            return f"the quote has '{ours}' where the seed has nothing"
        return f"the quote has '{ours}' where the seed has '{theirs}'"
    return "they differ only in spacing"

"""Suggestions that help a contributor fix a problem: the closest allowed value, key or passage."""

from __future__ import annotations

import difflib
from collections import Counter

from .lookalike import Skeletons


def closest_passage(quote: str, text: str) -> tuple[str, str]:
    """The passage of text (whitespace-normalised) most like quote, and how they differ.

    Candidate passages are runs of words as long as the quote, give or take two words (a word
    dropped or added), starting near where the quote's own words say it starts: each word of the
    quote found in the text votes for the start it implies (its place in the text minus its place
    in the quote), and only the ANCHORS starts with most votes are tried, two words either side
    (#13: scanning every start cost a second per quote on a long seed). difflib's cheap upper
    bound ranks the candidates; only the best few get the exact ratio. Time is linear in the text
    plus the quote's words times their occurrences.
    """
    words, wanted = text.split(), quote.split()
    if not words:
        return "", "the seed is empty"
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    ranked = []
    for start, size in _candidates(words, wanted):
        matcher.set_seq1(" ".join(words[start:start + size]))
        ranked.append((matcher.quick_ratio(), start, size))
    candidates = sorted(ranked, reverse=True)[:EXACT]
    _, start, size = max(candidates, key=lambda c: _exact(matcher, words, c[1], c[2]))
    passage = words[start:start + size]
    return " ".join(passage), _difference(wanted, passage)


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
        passage, difference = closest_passage(quote, self.seeds[source_id])
        return f'closest passage: "{passage}" ({difference})'


def _candidates(words: list[str], wanted: list[str]) -> list[tuple[int, int]]:
    """(start, size) of the passages worth comparing with the quote."""
    where: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        where.setdefault(word.casefold(), []).append(i)
    votes: Counter[int] = Counter()
    for j, word in enumerate(wanted):
        votes.update(i - j for i in where.get(word.casefold(), ()))
    anchors = [start for start, _ in sorted(votes.items(), key=lambda v: (-v[1], v[0]))[:ANCHORS]] or [0]
    last = max(0, len(words) - 1)
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

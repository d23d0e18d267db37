"""Suggestions that help a contributor fix a problem: the closest allowed value, key or passage."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the closest choices, or '' when none is close."""
    close = difflib.get_close_matches(value, list(choices), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def closest_passage(quote: str, text: str) -> tuple[str, str]:
    """The passage of text (whitespace-normalised) most like quote, and how they differ.

    Candidate passages are runs of words as long as the quote, give or take two words (a word
    dropped or added). difflib's cheap upper bound ranks them first; only the best few get
    the exact ratio, so a long document stays fast.
    """
    words, wanted = text.split(), quote.split()
    if not words:
        return "", "the seed is empty"
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    ranked = []
    for size in range(max(1, len(wanted) - 2), len(wanted) + 3):
        for start in range(max(1, len(words) - size + 1)):
            matcher.set_seq1(" ".join(words[start:start + size]))
            ranked.append((matcher.quick_ratio(), start, size))
    candidates = sorted(ranked, reverse=True)[:40]
    _, start, size = max(candidates, key=lambda c: _exact(matcher, words, c[1], c[2]))
    passage = words[start:start + size]
    return " ".join(passage), _difference(wanted, passage)


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

"""The one search of quotes in seeds (#21): whether each quote occurs (validate), where it first occurs
as a span of the raw seed (the site), and every place some words occur (mmdata quote).

The rule is the validator's: the quote is a substring of the seed once both are whitespace-normalised.
Each test pins the search against a plain reading of that rule, and against the regular expressions
the site (on the raw text) and `mmdata quote` (on the normalised text) used before this search."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmdata.rules import seedsearch
from mmdata.rules.seedsearch import Occurrence, Seed, fold, normalise

#: Words that repeat, nearly repeat, fold to one another ('ſ', 'S', 's'), and are not ASCII.
WORDS = ["a", "ab", "aba", "b", "s", "S", "ſ", "é", "É", "Ab", "12", "1,200", "x.", "—", "日本", "ab."]
#: Whitespace a seed may hold between words: what str.split splits on, alone and in runs.
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\n\n", "\u00a0", "\u3000", "\u2028", "\x1c", "\x85", " \n\t "]


@st.composite
def raw_seeds(draw: st.DrawFn) -> str:
    """A seed as read: words from WORDS, whitespace from SPACES between them and maybe at both ends."""
    words = draw(st.lists(st.sampled_from(WORDS), max_size=60))
    gaps = draw(st.lists(st.sampled_from(SPACES), min_size=len(words) + 1, max_size=len(words) + 1))
    ends = draw(st.tuples(st.booleans(), st.booleans()))
    pieces = [piece for i, word in enumerate(words) for piece in (gaps[i] if i or ends[0] else "", word)]
    return "".join(pieces) + (gaps[-1] if ends[1] else "")


@st.composite
def seeds_and_quotes(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A seed, quotes cut from its normalised text (long and short, some repeated), and quotes that may not be in it."""
    raw = draw(raw_seeds())
    normal = normalise(raw)
    quotes = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, len(normal)))
        quotes.append(normalise(normal[start:start + draw(st.integers(1, 40))]))
    made = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
    quotes += draw(st.lists(made, max_size=6))
    quotes = [q for q in quotes if q]
    return raw, quotes + quotes[:2]


def old_site_span(raw: str, quote: str) -> tuple[int, int] | None:
    """Where the site placed a quote before #21: a regular expression on the raw text."""
    match = re.search(r"\s+".join(re.escape(word) for word in quote.split()), raw)
    return None if match is None else match.span()


def old_quote_spans(normal: str, words: str, flags: int = 0) -> list[tuple[int, int]]:
    """Where `mmdata quote` found words before #21: a regular expression on the normalised text."""
    return [m.span() for m in re.finditer(re.escape(words), normal, flags)]


def exact(raw: str, found: Occurrence, quote: str) -> bool:
    """The raw span holds exactly the quote's characters: it normalises to the quote, and starts and ends on one of them."""
    text = raw[found.start:found.end]
    return normalise(text) == quote and not text[:1].isspace() and not text[-1:].isspace()


@settings(max_examples=300, deadline=None)
@given(seeds_and_quotes())
def test_every_quote_of_the_seed_is_found_at_its_exact_span_and_no_other(case: tuple[str, list[str]]) -> None:
    raw, quotes = case
    seed = Seed(raw)
    assert seed.normal == normalise(raw)
    assert seed.occurs(quotes) == [q in seed.normal for q in quotes]
    for quote, found in zip(quotes, seed.find(quotes), strict=True):
        if quote not in seed.normal:
            assert found is None
            continue
        assert found is not None
        assert (found.normal_start, found.normal_end) == (seed.normal.find(quote), seed.normal.find(quote) + len(quote))
        assert exact(raw, found, quote)
        assert (found.start, found.end) == old_site_span(raw, quote)


@settings(max_examples=300, deadline=None)
@given(seeds_and_quotes())
def test_every_occurrence_of_some_words_is_found_as_quote_found_it(case: tuple[str, list[str]]) -> None:
    raw, quotes = case
    seed = Seed(raw)
    for quote in quotes:
        every = seed.find_every(quote)
        assert [(o.normal_start, o.normal_end) for o in every] == old_quote_spans(seed.normal, quote)
        assert all(exact(raw, o, quote) for o in every)
        assert every[:1] == [f for f in seed.find([quote]) if f is not None]
        loose = seed.find_every(quote, ignore_case=True)
        assert [(o.normal_start, o.normal_end) for o in loose] == old_quote_spans(seed.normal, quote, re.IGNORECASE)
        assert all(fold(normalise(raw[o.start:o.end])) == fold(quote) for o in loose)


def test_spans_are_exact_across_line_breaks_tabs_and_no_break_spaces() -> None:
    raw = "  Median PFS\r\nwas\t\t46 months\u00a0(95% CI).\n\nMedian PFS was 46 months again."
    seed = Seed(raw)
    assert seed.normal == "Median PFS was 46 months (95% CI). Median PFS was 46 months again."
    first, none, middle = seed.find(["Median PFS was 46 months", "PFS was 47", "46 months (95%"])
    assert first == Occurrence(2, 28, 0, 24)
    assert raw[first.start:first.end] == "Median PFS\r\nwas\t\t46 months"
    assert none is None
    assert middle is not None and raw[middle.start:middle.end] == "46 months\u00a0(95%"
    assert [(o.start, o.end) for o in seed.find_every("Median PFS was 46 months")] == [(2, 28), (40, 64)]
    assert [(o.start, o.end) for o in seed.find_every("median pfs", ignore_case=True)] == [(2, 12), (40, 50)]
    assert seed.find_every("median pfs") == []


def test_overlapping_quotes_and_quotes_that_start_together_keep_their_own_spans() -> None:
    raw = "one  two\nthree four"
    found = Seed(raw).find(["one two", "one two three", "two three four", "three"])
    assert [(o.start, o.end) for o in found if o is not None] == [(0, 8), (0, 14), (5, 19), (9, 14)]


def test_every_occurrence_starts_after_the_one_before_ends() -> None:
    seed = Seed("aaaa a. a. a")
    assert [(o.start, o.end) for o in seed.find_every("aa")] == [(0, 2), (2, 4)]
    assert [(o.start, o.end) for o in seed.find_every("a. a")] == [(5, 9)]


def test_the_empty_quote_occurs_at_the_start_as_an_empty_span() -> None:
    for raw in ("", "  ", " x y"):
        seed = Seed(raw)
        assert seed.occurs([""]) == [True]
        assert seed.find([""]) == [Occurrence(0, 0, 0, 0)]
        assert seed.find_every("") == [Occurrence(0, 0, 0, 0)]


def test_a_quote_not_normalised_never_occurs() -> None:
    assert Seed("a  b\tc").occurs(["a  b", "b\tc", " a b", "a b c"]) == [False, False, False, True]


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_long_quotes_are_found_at_their_first_occurrence_across_chunks(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seedsearch, "CHUNK", chunk)
    normal = " ".join(["the drug and placebo arms", "the drug and placebo", "arms of the drug and placebo arms"] * 3)
    quotes = ["the drug and placebo arms", "placebo arms of the drug", "the drug and placebo arms", "drug and placebo arms of",
              "and placebo arms of the drug and", "placebo arms of the drug and placebo arms the", "the drug and placebo armz",
              normal, normal + " x", "arms", "of the"]
    assert [-1 if o is None else o.normal_start for o in Seed(normal).find(quotes)] == [normal.find(q) for q in quotes]


def test_the_powers_are_those_of_python_before_and_after_they_grow_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # The powers are made once and kept, longer each time a longer seed asks: every length gives the same numbers.
    monkeypatch.setattr(seedsearch, "_POWERS", {})
    for base in (seedsearch._BASE, seedsearch._INVERSE):
        exact = [pow(int(base), i, 2**64) for i in range(140_002)]
        for n in (0, 1, 10, 65_536, 65_537, 70_000, 140_001, 5):
            powers = seedsearch._powers(base, n)
            assert len(powers) == n and not powers.flags.writeable
            assert powers.tolist() == exact[:n]
            if n == 10:
                assert len(seedsearch._POWERS[int(base)]) == 65_536  # a short seed makes as many as most seeds need
    assert sorted(map(len, seedsearch._POWERS.values())) == [262_144, 262_144]  # made three times: 65,536, 131,072, 262,144


def test_a_quote_far_into_a_long_seed_is_found_where_it_is_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past the powers a shorter seed left: the quote near the end of 300,000 characters, and one not in it.
    monkeypatch.setattr(seedsearch, "_POWERS", {})
    seedsearch._powers(seedsearch._BASE, 3)
    normal = " ".join(f"word{i}" for i in range(40_000)) + " lenalidomide maintenance after transplant"
    quotes = ["lenalidomide maintenance after transplant", "word39999 lenalidomide maintenance", "word39999 lenalidomide maintenanse"]
    assert [-1 if o is None else o.normal_start for o in Seed(normal).find(quotes)] == [normal.find(q) for q in quotes[:2]] + [-1]
    assert len(normal) > 300_000


class Counted(str):
    """A seed that counts the places quotes are compared with it at, and the quotes str.find looks for in it."""

    compared = 0
    searched = 0

    def startswith(self, prefix: Any, start: Any = None, end: Any = None) -> bool:
        type(self).compared += 1
        return super().startswith(prefix, start, end)

    def find(self, sub: Any, start: Any = None, end: Any = None) -> int:
        type(self).searched += 1
        return super().find(sub, start, end)


@pytest.mark.parametrize("confirms", [1, 2, 8])
def test_a_phrase_many_quotes_start_with_is_compared_a_bounded_number_of_times_issue_22(confirms: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # 300 places start with the phrase that 201 quotes start with (the phrase itself the shortest, so that each of them
    # is a candidate for every quote); 4 of the quotes occur, the last at the very end
    monkeypatch.setattr(seedsearch, "CONFIRMS", confirms)
    phrase = "in the study of lenalidomide maintenance"
    normal = " ".join(f"{phrase} arm {i}." for i in range(300))
    quotes = [f"{phrase} arm {i}.x" for i in range(197)] + [phrase, f"{phrase} arm 0.", f"{phrase} arm 150.", f"{phrase} arm 299."]
    monkeypatch.setattr(Counted, "compared", 0)
    monkeypatch.setattr(Counted, "searched", 0)
    assert seedsearch._first(Counted(normal), quotes) == [normal.find(q) for q in quotes]
    assert [normal.find(q) for q in quotes[-4:]] == [0, 0, normal.find(f"{phrase} arm 150."), len(normal) - len(quotes[-1])]
    # each quote is compared at most `confirms` times before str.find looks for it: not at each of the 300 places
    assert Counted.compared <= confirms * len(quotes)
    assert Counted.compared >= len(quotes)
    assert Counted.searched >= 197  # the quotes that do not occur, at least
    # the quote is looked for from the place after the last compared: here it starts right there
    normal, quote = "a" * (seedsearch.SHORT + confirms) + "b", "a" * seedsearch.SHORT + "b"
    assert seedsearch._first(normal, ["a" * seedsearch.SHORT, quote]) == [0, confirms]


def test_a_phrase_at_few_places_of_a_long_seed_is_compared_at_each_rather_than_searched_for_issue_22(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 places start with the phrase, then 210,000 characters: comparing the 50 quotes that do not occur at each place
    # costs less than reading the rest of the seed once for each
    phrase = "in the study of lenalidomide maintenance"
    normal = " ".join(f"{phrase} arm {i}." for i in range(12)) + " filler" * 30_000
    quotes = [f"{phrase} arm {i}.x" for i in range(50)] + [phrase, f"{phrase} arm 11."]
    assert 12 * seedsearch.FIND_CHARS_PER_PLACE < len(normal)
    monkeypatch.setattr(Counted, "compared", 0)
    monkeypatch.setattr(Counted, "searched", 0)
    assert seedsearch._first(Counted(normal), quotes) == [normal.find(q) for q in quotes]
    assert Counted.searched == 0
    assert Counted.compared == 50 * 12 + 1 + 12  # each quote that does not occur at every place; the phrase at the first,
    # and the last quote at each place up to its own
    # the bound itself: str.find only when the places take longer than reading the rest of the seed, not as long
    normal += "x" * (-len(normal) % 12)
    for per_place, searched in [(len(normal) // 12, 0), (len(normal) // 12 + 1, 51)]:  # past 8 places: all but the phrase
        monkeypatch.setattr(seedsearch, "FIND_CHARS_PER_PLACE", per_place)
        monkeypatch.setattr(Counted, "searched", 0)
        assert seedsearch._first(Counted(normal), quotes) == [normal.find(q) for q in quotes]
        assert Counted.searched == searched


def test_a_hash_collision_is_never_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every window hashes alike: only comparing the text itself can tell the quotes apart."""
    monkeypatch.setattr(seedsearch, "_window_hashes", lambda codes, width: seedsearch.np.zeros(len(codes) - width + 1, dtype=seedsearch.np.uint64))
    monkeypatch.setattr(seedsearch, "_hashes", lambda prefixes, width: [0] * len(prefixes))
    normal = "lenalidomide maintenance after transplant improves survival"
    quotes = ["maintenance after transplant", "maintenance before transplant", "transplant improves survival"]
    assert [-1 if o is None else o.normal_start for o in Seed(normal).find(quotes)] == [13, -1, 31]


def test_the_words_of_the_raw_text_are_those_str_split_gives() -> None:
    """Spans are worked out from runs of what \\S matches; the normalised text from str.split: they must agree on every character."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    assert re.findall(r"\S+", everything) == everything.split()


def test_folding_keeps_one_character_for_one_and_whitespace_as_it_is() -> None:
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    folded = fold(everything)
    assert len(folded) == len(everything)
    assert [c.isspace() for c in folded] == [c.isspace() for c in everything]
    assert fold("ſ S s \u212a K k ς Σ σ µ μ İ ß ẞ") == "s s s k k k σ σ σ μ μ İ ß ß"  # \u212a: the Kelvin sign
    assert fold("Median PFS") == "median pfs"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*WORDS, *SPACES, *map(chr, range(128)), "\ud800"]), max_size=8).map("".join), max_size=40))
def test_normalised_is_normalise_of_each_text_issue_22(texts: list[str]) -> None:
    # normalised keeps the ASCII texts Arrow finds already normalised and normalises the others one at a time (#22):
    # the same texts as normalise, whatever the whitespace (every ASCII character, Unicode spaces), and a lone
    # surrogate (which Arrow cannot hold) among them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(seedsearch, "NORMALISED_FROM", 0)
        assert seedsearch.normalised(texts) == [normalise(t) for t in texts]


def test_normalised_asks_arrow_only_of_a_long_list_and_keeps_the_normal_texts_themselves_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(seedsearch, "normalise", lambda text: calls.append(text) or " ".join(text.split()))
    texts = ["a b", " a", "a\tb", "é  b"] * (seedsearch.NORMALISED_FROM // 4)
    assert seedsearch.normalised(texts) == ["a b", "a", "a b", "é b"] * (seedsearch.NORMALISED_FROM // 4)
    assert calls == [" a", "a\tb", "é  b"] * (seedsearch.NORMALISED_FROM // 4)  # "a b" kept as it is
    calls.clear()
    assert seedsearch.normalised(texts[:-1]) == [" ".join(t.split()) for t in texts[:-1]] and len(calls) == len(texts) - 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*map(chr, range(128)), "ab", "  ", "\r\n"]), max_size=60).map("".join))
def test_the_words_of_an_ascii_text_are_those_of_the_regular_expression_issue_22(raw: str) -> None:
    # An ASCII seed's words are found by numpy over its bytes (#22): the same starts, raw and normalised, as \S+ gives.
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", raw)]
    normal = [sum(end - start + 1 for start, end in spans[:i]) for i in range(len(spans))]
    assert seedsearch._ascii_words(raw) == ([start for start, _ in spans], normal)
    assert Seed(raw)._words == seedsearch._ascii_words(raw)

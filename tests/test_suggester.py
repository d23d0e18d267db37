"""errors.Suggester: the did-you-mean of each distinct value, worked out from the choices that can be close (#22)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mmdata import errors
from mmdata.errors import Suggester, did_you_mean

CUTOFFS = [0.0, 0.5, 0.6, 2 / 3, 0.75, 0.8, 1.0]
#: Few characters, so that ratios land exactly on the cutoffs; "é", "ß" and an emoji beyond ASCII, "c" only in values.
CHOICE = st.text(alphabet="ab-1éß\U0001f600", max_size=8)
VALUE = st.text(alphabet="ab-1éß\U0001f600c", max_size=9)


@settings(max_examples=400, deadline=None)
@given(choices=st.lists(CHOICE, max_size=25), values=st.lists(VALUE, min_size=1, max_size=6), n=st.sampled_from([1, 2, 3]),
       cutoff=st.sampled_from(CUTOFFS))
@example(choices=["abcd", "zzzzzzzz"], values=["ab"], n=1, cutoff=2 / 3)  # real_quick_ratio, quick_ratio and ratio all 2/3
@example(choices=["", "a"], values=[""], n=3, cutoff=1.0)  # two empty texts: ratio 1.0
@example(choices=["ab", "ba", "ab"], values=["ab"], n=3, cutoff=0.5)  # ties and a repeated choice, in the choices' order
@example(choices=["ab", "ac"], values=["a"], n=1, cutoff=0.6)  # equal ratios: difflib keeps the larger text, 'ac'
def test_a_suggestion_is_did_you_mean_of_every_choice(choices: list[str], values: list[str], n: int, cutoff: float) -> None:
    suggest = Suggester(choices, n=n, cutoff=cutoff, limit=len(values))
    assert [suggest(v) for v in values] == [did_you_mean(v, choices, n, cutoff) for v in values]


def test_only_the_choices_that_can_be_close_are_compared() -> None:
    # real_quick_ratio leaves out a choice of another length, quick_ratio one of other characters; both bounds are kept
    # when equal to the cutoff (2/3: 'ab' against 'abcd' and 'abba')
    suggest = Suggester(["abcd", "abba", "zzzz", "abcdefghij", "ab"], n=3, cutoff=2 / 3)
    rows, bound = suggest._bounds("ab")
    assert rows.tolist() == [0, 1, 4] and bound.tolist() == [2 / 3, 2 / 3, 1.0]
    assert suggest("ab") == " (did you mean 'ab' or 'abcd' or 'abba'?)"
    assert Suggester(["x"], cutoff=0.6)._bounds("")[0].tolist() == []  # an empty value is close to no text but the empty one
    assert Suggester([""], cutoff=0.6)._bounds("")[0].tolist() == [0]
    # a character counted 70,000 times in the value and in a choice (beyond 8 and 16 bits): both bounds 1.0
    assert Suggester(["a" * 70_000])._bounds("a" * 70_000)[1].tolist() == [1.0]


def test_the_longest_common_subsequence_bounds_a_ratio_below_quick_ratio() -> None:
    # 'ba' holds the characters of 'ab' (quick_ratio 1.0) but only one of them in order: at most 0.5, as its ratio
    assert [a.tolist() for a in Suggester(["ba", "ab"], cutoff=0.5)._bounds("ab")] == [[0, 1], [0.5, 1.0]]
    assert [a.tolist() for a in Suggester(["ba", "ab"], cutoff=0.6)._bounds("ab")] == [[1], [1.0]]
    # a choice of SUBSEQUENCE_AT_MOST characters gets it, a longer one only quick_ratio's (the rest keep theirs)
    for most, bounds in [(2, [0.5, 1.0]), (1, [1.0, 1.0])]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(errors, "SUBSEQUENCE_AT_MOST", most)
            assert Suggester(["ba", "a", "ab"], cutoff=0.5)._bounds("ab")[1].tolist() == [bounds[0], 2 / 3, bounds[1]]
    # a value of 64 characters gets the subsequence's bound (63 of 64 in order), one of 65 only quick_ratio's
    for size, bound in [(64, 126 / 128), (65, 1.0)]:
        value = "b" + "a" * (size - 1)
        assert Suggester(["a" * (size - 1) + "b"])._bounds(value)[1].tolist() == [bound]


def test_choices_too_many_for_the_matrix_are_bounded_by_quick_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    # two choices of 2 characters: a matrix of 4 cells
    for most, bound in [(4, 0.5), (3, 1.0)]:
        monkeypatch.setattr(errors, "CODES_AT_MOST", most)
        suggest = Suggester(["ba", "a"], cutoff=0.5)
        assert suggest._bounds("ab")[1].tolist()[0] == bound
        assert suggest("ab") == " (did you mean 'a'?)"  # the same words either way (ratios 0.5 and 2/3: 'a' wins)


def test_comparing_stops_at_the_first_choice_that_cannot_be_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # against 'abcd', quick_ratio is 1.0 for 'abcd', 0.75 for 'abcx', 0.5 for 'abyy': their ratios too. With n=1,
    # 'abcd' (1.0) is kept and 'abcx' cannot beat it; with n=2, 'abyy' cannot beat 'abcx'; with n=3 every one is kept
    for n, compared, words in [(1, 1, "'abcd'"), (2, 2, "'abcd' or 'abcx'"), (3, 3, "'abcd' or 'abcx' or 'abyy'")]:
        suggest = Suggester(["abcx", "abyy", "abcd"], n=n, cutoff=0.5)
        assert suggest("abcd") == f" (did you mean {words}?)"
        assert suggest.compared == compared
    # only the n best ratios so far set where comparing stops: with quick_ratio's bounds only, 'dcba' (bound 1.0, ratio
    # 0.25) and then 'abce' (0.75, 0.75) are compared, and 'abyy' (bound 0.5) cannot beat 'abce'
    monkeypatch.setattr(errors, "CODES_AT_MOST", 0)
    suggest = Suggester(["dcba", "abyy", "abce"], n=1, cutoff=0.2)
    assert suggest("abcd") == " (did you mean 'abce'?)"
    assert suggest.compared == 2
    # a choice whose bound equals the ratio kept can tie it and win on its text (difflib keeps the larger): compared
    suggest = Suggester(["ab", "ac"], n=1, cutoff=0.6)
    assert suggest("a") == " (did you mean 'ac'?)"
    assert suggest.compared == 2


def test_a_value_is_compared_once_and_only_the_first_values_get_a_suggestion() -> None:
    suggest = Suggester(["abcd"], limit=1)
    assert [suggest("abce"), suggest("abce"), suggest("abcf")] == [" (did you mean 'abcd'?)", " (did you mean 'abcd'?)", ""]
    assert suggest.compared == 1


def test_a_count_or_cutoff_difflib_refuses_is_refused_in_difflib_words() -> None:
    for n, cutoff in [(0, 0.6), (1, 1.5), (1, -0.1)]:
        with pytest.raises(ValueError) as theirs:
            did_you_mean("ab", ["ab"], n, cutoff)
        with pytest.raises(ValueError) as ours:
            Suggester(["ab"], n=n, cutoff=cutoff)("ab")
        assert str(ours.value) == str(theirs.value)


@settings(max_examples=200, deadline=None)
@given(choices=st.lists(st.text(alphabet="ab-1éß\U0001f600", max_size=6), max_size=12), block=st.sampled_from([1, 2, 3, 5, 7, 14, 40, 10**9]))
@example(choices=["ab", "ba", "", "a"], block=4)  # blocks of two choices (4 // 2 counts), the first of 4 characters: then '' and 'a'
@example(choices=["abc", "de", "", "f"], block=5)  # 5 // 6 counts: a choice a block
@example(choices=["abcdefg", "a"], block=3)  # a choice longer than a block is a block of its own
@example(choices=["", "", ""], block=1)  # empty choices only
def test_choices_counted_a_block_at_a_time_are_counted_as_a_whole(choices: list[str], block: int) -> None:
    """Whatever COUNT_CHARS, each choice's characters counted and its row of the matrix are those of the choice alone."""
    suggest = Suggester(choices)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(errors, "COUNT_CHARS", block)
        suggest._count_choices()
    letters = sorted(set("".join(choices)))
    assert list(suggest._alphabet) == letters
    assert suggest._counts.tolist() == [[choice.count(c) for c in letters] for choice in choices]
    assert suggest._counts.dtype == "int32"
    widest = max(map(len, choices), default=0)
    assert suggest._codes.tolist() == [[letters.index(c) for c in choice] + [len(letters)] * (widest - len(choice)) for choice in choices]


@settings(max_examples=300, deadline=None)
@given(lengths=st.lists(st.integers(0, 9), max_size=30), block=st.integers(1, 20), size=st.integers(0, 6))
@example(lengths=[3, 2, 0, 1], block=5, size=1)  # a block ends exactly at COUNT_CHARS: [3, 2, 0], then [1]
@example(lengths=[1, 1, 1, 1, 1], block=6, size=3)  # two choices a block: 6 // 3 counts of each
@example(lengths=[9, 1], block=3, size=1)  # a choice longer than a block is a block of its own
def test_the_choices_are_counted_in_the_largest_blocks_within_both_caps(lengths: list[int], block: int, size: int) -> None:
    import numpy as np

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(errors, "COUNT_CHARS", block)
        blocks = errors.count_blocks(np.array(lengths, dtype=np.int64), size)
    rows = max(block // max(size, 1), 1)
    assert [first for first, _ in blocks] == [0, *(last for _, last in blocks)][:len(blocks)]  # one after the other
    assert (blocks[-1][1] if blocks else 0) == len(lengths)  # every choice
    for first, last in blocks:
        assert last - first == 1 or (sum(lengths[first:last]) <= block and last - first <= rows)
        if last < len(lengths):  # the next choice would break a cap
            assert sum(lengths[first:last + 1]) > block or last + 1 - first > rows

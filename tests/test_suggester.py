"""errors.Suggester: the did-you-mean of each distinct value, worked out from the choices that can be close (#22)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mmdata.errors import Suggester, did_you_mean

CUTOFFS = [0.0, 0.5, 0.6, 2 / 3, 0.75, 0.8, 1.0]
#: Few characters, so that ratios land exactly on the cutoffs; 'é' and 'ß' beyond ASCII, 'c' only in values.
CHOICE = st.text(alphabet="ab-1éß", max_size=8)
VALUE = st.text(alphabet="ab-1éßc", max_size=9)


@settings(max_examples=400, deadline=None)
@given(choices=st.lists(CHOICE, max_size=25), values=st.lists(VALUE, min_size=1, max_size=6), n=st.sampled_from([1, 3]),
       cutoff=st.sampled_from(CUTOFFS))
@example(choices=["abcd", "zzzzzzzz"], values=["ab"], n=1, cutoff=2 / 3)  # real_quick_ratio, quick_ratio and ratio all 2/3
@example(choices=["", "a"], values=[""], n=3, cutoff=1.0)  # two empty texts: ratio 1.0
@example(choices=["ab", "ba", "ab"], values=["ab"], n=3, cutoff=0.5)  # ties and a repeated choice, in the choices' order
def test_a_suggestion_is_did_you_mean_of_every_choice(choices: list[str], values: list[str], n: int, cutoff: float) -> None:
    suggest = Suggester(choices, n=n, cutoff=cutoff, limit=len(values))
    assert [suggest(v) for v in values] == [did_you_mean(v, choices, n, cutoff) for v in values]


def test_only_the_choices_that_can_be_close_are_compared() -> None:
    # real_quick_ratio leaves out a choice of another length, quick_ratio one of other characters; both bounds are kept
    # when equal to the cutoff (2/3: 'ab' against 'abcd' and 'abba')
    suggest = Suggester(["abcd", "abba", "zzzz", "abcdefghij", "ab"], n=3, cutoff=2 / 3)
    assert suggest._near("ab") == ["abcd", "abba", "ab"]
    assert suggest("ab") == " (did you mean 'ab' or 'abcd' or 'abba'?)"
    assert Suggester(["x"], cutoff=0.6)._near("") == []  # an empty value is close to no text but the empty one
    assert Suggester([""], cutoff=0.6)._near("") == [""]

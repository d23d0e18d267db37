"""The one reading of numbers in text (rules/numbers.py, #10, #21): numbers are read from all quotes at once,
and each quote reads as it would alone. Each test pins that work against the plain reading it replaces."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest

from mmdata.rules import numbers
from mmdata.rules.numbers import NUMBER_WORDS, _may_hold_words, quote_numbers

_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def one_by_one(texts: list[str]) -> list[list[float]]:
    """The numbers of each text, read one text at a time (the reading before #10)."""
    out = []
    for text in texts:
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
        text = _WORD.sub(lambda m: f" {NUMBER_WORDS[m.group(1).lower()]} " if m.group(1).lower() in NUMBER_WORDS else m.group(0), text)
        out.append([float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)])
    return out


def grouped(texts: list[str]) -> list[list[float]]:
    stated = quote_numbers(pd.Series(texts, dtype="string"))
    return [list(stated.loc[stated["quote"] == i, "number"]) for i in range(len(texts))]


# Texts whose neighbours in the joined reading could run into each other, and words, separators and digits of every kind.
TRICKY = ["a 1,", "234 b", "12", "34", "one", "two", "Six of 1,234,567\nten", "x,", "123", "5.", "5", "1.2.3", "",
          "twelve patients, 1,200 in total, half of them", "éone", "naïve one", "٣,٤٥٦ cases", "ſix", "someone ſix",
          "Doubled\nTWICE", "one_two", "3,14", "1,2345", "10,000.5", "2,000,", "half-time"]


@pytest.mark.parametrize(("arrow", "block"), [(True, numbers.BLOCK), (False, numbers.BLOCK), (True, 1), (True, 3)])
def test_all_quotes_at_once_read_each_quote_as_alone(arrow: bool, block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbers, "arrow_available", lambda: arrow)
    monkeypatch.setattr(numbers, "BLOCK", block)
    assert grouped(TRICKY) == one_by_one(TRICKY)
    assert grouped(["a 1,", "234 b"]) == [[1.0], [234.0]]  # a separator at the end of one quote joins nothing
    assert grouped(["12", "34", "one", "two"]) == [[12.0], [34.0], [1.0], [2.0]]


def test_random_texts_read_alike() -> None:
    rng = random.Random(10)
    alphabet = ["1", "2", "0", ",", ".", " ", "\n", "one", "Six", "half", "é", "٣", "x", "_", "ſ"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(400)]
    assert grouped(texts) == one_by_one(texts)


def test_ascii_texts_read_by_numpy_read_alike() -> None:
    # ASCII blocks are read by numbers._ascii_numbers, not by the regular expression: long runs of digits
    # (read by float() past numbers.EXACT digits), decimals that float() must round, dots chaining runs.
    rng = random.Random(21)
    alphabet = ["1", "2", "0", "9", ".", ".", ",", " ", "\n", "x", "one", "12345678901234567", "0000000000000000001",
                "3.14159265358979323846", "99999999999999999999.5", "0.1", "7.", "1,234"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(2000)]
    texts += [f"{rng.randint(0, 10 ** rng.randint(0, 17))}.{str(rng.randint(0, 10 ** 16)).zfill(rng.randint(1, 18))}" for _ in range(2000)]
    texts += ["9" * k for k in range(1, 20)] + ["0." + "3" * k for k in range(1, 20)] + ["1.2.3.4.5", "1..2", "5.5.", ".5"]
    assert grouped(texts) == one_by_one(texts)
    assert grouped(["0.1 and 0.7", "1.2.3", "123456789012345678"]) == [[0.1, 0.7], [1.2, 3.0], [123456789012345678.0]]


def test_labels_and_missing_quotes_are_kept() -> None:
    stated = quote_numbers(pd.Series(["5 of 5, 5%", None, "two"], index=[7, 8, 9], dtype="string"))
    assert list(zip(stated["quote"], stated["number"], strict=True)) == [(7, 5.0), (7, 5.0), (7, 5.0), (9, 2.0)]


def test_words_are_looked_for_by_arrow_only_in_ascii_text() -> None:
    assert _may_hold_words(["éone", "plain text", "One of them", "someone", "naïve"]).tolist() == [True, False, True, False, True]


def test_a_letter_that_only_folds_to_a_number_word_stays_text_issue_10() -> None:
    # 'ſix' (long s) matches the number-word pattern under Unicode case folding but is no number
    # word; with a plain number word's letters elsewhere in the quote it used to raise KeyError.
    assert grouped(["someone ſix 4", "ſix one"]) == [[4.0], [1.0]]

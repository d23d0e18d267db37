"""The numbers a text states, read one way for every rule that compares numbers: digits ('1,200' is 1200)
and number words ('six'). Provenance reads a row's quote with it (number-not-in-quote), the curation rules a
seed's findings and a caveat (number-not-quoted, figure-unconfirmed), and `mmdata quote` shows what it reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..io.arrow import arrow_available

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twice": "2", "double": "2", "doubled": "2",
    "doubles": "2", "doubling": "2", "triple": "3", "tripled": "3", "half": "0.5",
}


_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


_THOUSANDS_RE = re.compile(r",(?<=\d,)(?=\d{3}\b)")  # a comma first: found by a fast literal scan


_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


#: Quotes whose numbers are read at once.
BLOCK = 1 << 14


_TOKEN_RE = re.compile(r"\n|" + _NUMBER_RE.pattern)  # a number, or the break between two quotes


def quote_numbers(quotes: pd.Series) -> pd.DataFrame:
    """Every number a quote states, one per line: digits ('1,200' is 1200) and number words ('six').

    Columns: the quote's index label, and the number (a float). The number words are replaced
    quote by quote, only in the quotes that may hold one (see _may_hold_words). The thousands
    separators and the numbers are then read in one pass of each regular expression over all
    quotes joined by line breaks: a line break is neither a digit nor a word character, so
    every pattern matches there exactly as at the start or end of a quote, and no match spans
    two quotes (a line break inside a quote becomes a space first, which every pattern treats
    alike). Replacing the words first changes nothing: a separator never touches a word.
    """
    kept = [(label, str(quote)) for label, quote in zip(quotes.index, quotes, strict=True) if not pd.isna(quote)]
    owner, values = numbers_of([t for _, t in kept])
    labels = np.array([label for label, _ in kept] or [None], dtype=object)[owner].tolist()
    return pd.DataFrame({"quote": labels, "number": pd.Series(values, dtype=float)})


def numbers_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The position in texts of each number the texts state (see quote_numbers), and the number."""
    owners, values = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=float)]
    for start in range(0, len(texts), BLOCK):  # bounded memory: the numbers of a block are Python strings
        owner, value = _block_numbers(texts[start:start + BLOCK])
        owners.append(owner + start)
        values.append(value)
    return np.concatenate(owners), np.concatenate(values)


def _block_numbers(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    texts = [t.replace("\n", " ") if "\n" in t else t for t in texts]
    for i in np.flatnonzero(_may_hold_words(texts)).tolist():
        texts[i] = _WORD_RE.sub(_number_word, texts[i])
    text = "\n".join(texts)
    if "," in text:
        text = _THOUSANDS_RE.sub("", text)
    if text.isascii():
        return _ascii_numbers(text)
    codes, tokens = pd.factorize(np.array(_TOKEN_RE.findall(text), dtype=object))
    values = np.array([np.nan if t == "\n" else float(t) for t in tokens.tolist()], dtype=float)
    breaks = np.isnan(values)[codes]
    return np.cumsum(breaks)[~breaks], values[codes[~breaks]]


#: Digits of a number read as an integer exactly (10**15 < 2**53): a longer one is read by float().
EXACT = 15
_TENS = np.array([float(10**k) for k in range(EXACT + 1)])


def _ascii_numbers(text: str) -> tuple[np.ndarray, np.ndarray]:
    """What _TOKEN_RE finds in an ASCII text, read with numpy: for each number, the line breaks before it, and
    its value as float() reads it.

    A number is a run of digits, and the next run too when a single '.' joins them, as the regular
    expression reads it from the left: in '1.2.3' the runs are joined two by two ('1.2', then '3'). Its
    value is its digits as an integer divided by ten to the power of its decimals; with at most EXACT
    digits both are exact floats, and a division of exact floats is rounded as float() rounds the
    decimal (correctly), so the value is the same float. A longer number is read by float() itself.
    """
    data = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    digit = (data >= 48) & (data <= 57)
    edges = np.diff(np.concatenate([[False], digit, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # the runs of digits: [start, end)
    if not len(starts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
    runs = np.arange(len(starts))
    joined = np.zeros(len(starts), dtype=bool)  # run i, '.', run i + 1
    joined[:-1] = (starts[1:] == ends[:-1] + 1) & (data[ends[:-1]] == ord("."))
    chained = np.concatenate([[False], joined[:-1]])  # run i follows a joined run
    first = np.maximum.accumulate(np.where(chained, 0, runs))  # where each chain of joined runs begins
    whole = runs[(runs - first) % 2 == 0]  # the runs that begin a number; a joined run after one is its decimals
    decimals = joined[whole]
    fraction = np.minimum(whole + 1, len(starts) - 1)
    length = ends - starts
    places = np.where(decimals, length[fraction], 0)
    # each run's digits as an integer (a run longer than EXACT is read by float() below, its integer unused)
    offsets = np.cumsum(length) - length
    position = np.flatnonzero(digit)
    power = np.minimum(np.repeat(ends - 1, length) - position, EXACT)
    run_value = np.add.reduceat((data[position].astype(np.int64) - 48) * (10 ** power), offsets)
    integer = run_value[whole] * (10 ** places) + np.where(decimals, run_value[fraction], 0)
    values = integer / _TENS[np.minimum(places, EXACT)]
    stop = np.where(decimals, ends[fraction], ends[whole])
    for i in np.flatnonzero(length[whole] + places > EXACT).tolist():
        values[i] = float(text[starts[whole[i]]:stop[i]])
    return np.searchsorted(np.flatnonzero(data == ord("\n")), starts[whole]), values


def _may_hold_words(texts: list[str]) -> np.ndarray:
    """Which texts _WORD_RE may match in: every text that is not pure ASCII, and each ASCII text in
    which the same pattern, run by Arrow's RE2 (whose \\b, \\d and case folding agree with
    Python's on ASCII text), matches. Without pyarrow, every text."""
    if not texts or not arrow_available():
        return np.ones(len(texts), dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(texts, type=pa.large_string())
    ascii_words = pc.match_substring_regex(array, _WORD_RE.pattern, ignore_case=True)
    return np.asarray(pc.or_(pc.invert(pc.string_is_ascii(array)), ascii_words).to_numpy(zero_copy_only=False), dtype=bool)


def _number_word(match: re.Match[str]) -> str:
    """A number word as its digits, spaced apart from its neighbours; a match that only folds to one
    under Unicode case rules ('ſix') is left as it is."""
    digits = NUMBER_WORDS.get(match.group(1).lower())
    return match.group(0) if digits is None else f" {digits} "

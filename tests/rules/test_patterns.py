"""A field's pattern is matched as Python's re reads it, with pyarrow holding the cells or not (rules/patterns.py, #22).

Each test pins the check against re.fullmatch of the pattern as written: on cells held by Arrow (which pandas matches
with RE2 where it can) and on cells held by Python."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mmdata
from mmdata.rules import patterns
from mmdata.rules.patterns import MOST_REPEATS, pattern_check, shared_form

from ..conftest import apply_patch, read_rows, set_cell

#: Characters on which the engines may differ: foldings ('ı', 'K', 'ſ'), digits and letters outside ASCII, line breaks,
#: a vertical tab, NUL, a character beyond 16 bits, and what patterns are made of.
ALPHABET = ["a", "b", "l", "p", "h", "i", "I", "ı", "k", "K", "s", "ſ", "é", "5", "١", "_", "-", ":", "[", "]", "{", "}", ",",
            " ", "\n", "\x0b", "\r", "\u2028", "\x00", "\U0001d538", "\\", "Z", "."]

ATOMS = ["a", "b", "i", "k", "s", "é", "1", "5", ".", r"\.", r"\-", "-", ",", ":", "{", "}", r"\{", "_", " ", r"\n", r"\x0b",
         "[a-z]", "[^a]", "[]a]", "[a-]", "[[:alpha:]]", "[[:digit:]]", "[:a:]", r"\d", r"\w", r"\s", r"\S", r"\D", r"\W",
         r"[\d]", r"[\w-]", r"\b", r"\B", "^", "$", r"\A", r"\Z", "(?=a)", "(?!b)", r"\u0131", r"\N{LATIN SMALL LETTER A}",
         "[ı-k]", "[K]", r"\r", r"\t", r"\x00", "[^\n]", "[\x00-\x1f]", "[é-ü]", "\U0001d538", "[\U0001d538-\U0001d539]"]
#: (a{1001} is among the cases below: nested in repeats, it kept Python's re backtracking for minutes.)
QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{,2}", "{1,3}", "{2,}", "*?", "+?", "??", "{1,2}?", "*+", "{0}"]
FLAGS = ["", "", "", "(?i)", "(?m)", "(?s)", "(?x)", "(?a)", "(?ms)"]


def _patterns() -> st.SearchStrategy[str]:
    atom = st.builds(lambda a, q: a + q, st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        group = st.sampled_from(["(", "(?:", "(?i:", "(?s:", "(?-s:", "(?m:", "(?P<g>", "(?>"])
        return st.one_of(
            st.lists(inner, min_size=1, max_size=4).map("".join),
            st.lists(inner, min_size=2, max_size=3).map("|".join),
            st.builds(lambda g, body, q: f"{g}{body}){q}", group, inner, st.sampled_from(QUANTIFIERS)),
        )

    body = st.recursive(atom, extend, max_leaves=8)
    return st.builds(lambda flags, text: flags + text, st.sampled_from(FLAGS), body)


def matched(pattern: str, cells: list[str | None], storage: str) -> list[bool | None]:
    """What the pattern's check says of each cell, the cells held by Arrow ("pyarrow") or by Python ("python")."""
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    column = pd.Series(cells, dtype=f"string[{storage}]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Python's re: "Possible nested set" for [[:alpha:]]
        found = pattern_check(pattern)(column)
    return [None if pd.isna(v) else bool(v) for v in found]


def python(pattern: str, cells: list[str | None]) -> list[bool | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return [None if c is None else re.fullmatch(pattern, c) is not None for c in cells]


def compiles(pattern: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


@settings(max_examples=1500, deadline=None)
@given(_patterns(), st.lists(st.one_of(st.none(), st.lists(st.sampled_from(ALPHABET), max_size=6).map("".join)), min_size=1, max_size=8))
def test_every_pattern_matches_each_cell_as_python_re_reads_it_with_pyarrow_and_without_issue_22(pattern: str, cells: list[str | None]) -> None:
    assume(compiles(pattern))
    expected = python(pattern, cells)
    assert matched(pattern, cells, "pyarrow") == expected
    assert matched(pattern, cells, "python") == expected


@pytest.mark.parametrize(("pattern", "cells", "expected"), [
    # a POSIX class to RE2; to Python's re the characters [ : a l p h, then a ]
    ("[[:alpha:]]+", ["ab", "a]", "h]", ":]"], [False, True, True, True]),
    # a repeat to Python's re; the text "a{,2}" to RE2
    ("xa{,2}", ["x", "xaa", "xa{,2}"], [True, True, False]),
    # Python's (?i) folds 'ı' with 'i' and 'I'; RE2's does not
    ("(?i)i", ["ı", "I", "i", "x"], [True, True, True, False]),
    # what RE2 cannot read at all: matched by Python's re, not a failure of every cell
    ("(?a)[a-z]+", ["abc", "é"], [True, False]),
    ("a{1001}", ["a" * 1001, "a" * 1000], [True, False]),
    ("[a-z]*+[0-9]", ["ab1", "ab"], [True, False]),
    (r"\d+\Z", ["12", "١٢"], [True, True]),
    # \A is the start of the text, ^ of a line under (?m)
    ("(?m)a\n\\Ab", ["a\nb"], [False]),
    ("(?m)a\n^b", ["a\nb"], [True]),
    # as before: alternatives matched whole, and the shipped patterns
    ("^a|b$", ["ab", "a", "b", "xb"], [False, True, True, False]),
    ("^[a-z0-9]+(-[a-z0-9]+)*$", ["ab-c1", "ab--c", "-ab", "ab\n"], [True, False, False, False]),
    (r"^10\.[0-9]{4,9}/\S+$", ["10.1056/NEJMoa1114083", "10.1056/a b", "10.1056/x\x0b"], [True, False, False]),
])
def test_patterns_the_engines_read_differently_are_matched_as_python_reads_them_issue_22(pattern: str, cells: list[str],
                                                                                        expected: list[bool]) -> None:
    assert python(pattern, cells) == expected
    assert matched(pattern, cells, "pyarrow") == expected
    assert matched(pattern, cells, "python") == expected


def test_what_the_shared_syntax_cannot_say_is_left_to_python() -> None:
    for pattern in ["(?i)x", "(?a)x", "(?i:x)", "(?=a)a", "(a)\\1", "a*+", "(?>a)", "(a)?(?(1)b|c)", r"a\Z", r"\B", "\ud800",
                    "a{1001}", "a{1001,}", "(?:a{100}){11}"]:
        assert shared_form(pattern) is None, pattern
    # the most RE2 counts: a repeat of 1,000, and repeats nested to 1,000 in all
    assert shared_form("a{1000}") == "a{1000,1000}"
    assert shared_form("(?:a{100}){10}") == "(?:a{100,100}){10,10}"
    assert MOST_REPEATS == 1000


def test_a_shared_form_is_matched_by_arrow_and_the_rest_by_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped patterns keep Arrow's engine (their checks' speed); ignoring case goes to Python's re."""
    compute = pytest.importorskip("pyarrow.compute")
    shipped, ignoring_case = "^[a-z0-9]+(-[a-z0-9]+)*$", "(?i)^[A-Z0-9]+(-[a-z0-9]+)*$"
    assert shared_form(shipped) is not None and shared_form(ignoring_case) is None  # (RE2 asked once here, before the spy)
    asked: list[str] = []
    match = compute.match_substring_regex
    monkeypatch.setattr(compute, "match_substring_regex", lambda cells, pattern, **kw: asked.append(pattern) or match(cells, pattern, **kw))
    cells = pd.Series(["ab-c1", "ab--c"], dtype="string[pyarrow]")
    assert pattern_check(shipped)(cells).tolist() == [True, False]
    assert len(asked) == 1 and "[a-z0-9]+(?:" in asked[0]
    assert pattern_check(ignoring_case)(cells).tolist() == [True, False]
    assert len(asked) == 1


@pytest.mark.parametrize(("pattern", "cells", "expected"), [
    (r"[\d]+", ["12", "١٢", "x"], [True, True, False]),
    (r"\w+\b", ["é", "ab", "a-"], [True, True, False]),
    (r"[^\s]+", ["ab", "a\x0bb"], [True, False]),
    ("a$", ["a", "a\n", "b\n"], [True, False, False]),
    ("(?:a$\n)", ["a\n", "a"], [True, False]),
])
def test_the_cells_re2_reads_otherwise_go_to_python_whatever_pandas_does_issue_22(pattern: str, cells: list[str], expected: list[bool],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas 2.2 handed \\d, \\w, \\b, \\s and $ to RE2 on any cells; the check chooses Python's re itself."""
    pytest.importorskip("pyarrow")
    from pandas.core.arrays.string_arrow import ArrowStringArray

    monkeypatch.setattr(ArrowStringArray, "_needs_python_regex", lambda self, pat: False, raising=False)
    assert python(pattern, cells) == expected
    assert matched(pattern, cells, "pyarrow") == expected


def test_a_pattern_is_written_in_the_syntax_both_engines_read_alike() -> None:
    assert shared_form("^[a-z0-9]+(-[a-z0-9]+)*$") == r"^[a-z0-9]+(?:(?:\-[a-z0-9]+))*$"
    assert shared_form("[[:alpha:]]+") == r"[\[\:alph]\]+"
    assert shared_form("xa{,2}") == "xa{0,2}"
    assert shared_form("(?x) a b  # words") == "ab"
    assert shared_form("(?ms)^a.b$") == "(?ms:^a.b$)"
    assert shared_form("(?s:.)(?-s:.)") == "(?s:.)(?-s:.)"
    assert shared_form("[^]\\\\-]\t_ é") == "[^\\]\\\\\\-]\\x09_ é"
    assert shared_form("a+?b??c{1,2}?") == "a+?b??c{1,2}?"


def test_a_form_arrow_cannot_read_is_left_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """RE2 is asked whether it reads each form, for its limits not counted here: with the count of repeats left
    unchecked, a{1001} is refused by RE2 and matched by Python's re."""
    pytest.importorskip("pyarrow")
    assert not patterns._arrow_reads("x{1001}")  # a repeat beyond RE2's count
    assert patterns._arrow_reads("x{1000}")
    patterns._shared_form.cache_clear()
    monkeypatch.setattr(patterns, "MOST_REPEATS", 10**6)
    try:
        assert shared_form("a{1001}") is None
        assert shared_form("a{1000}") == "a{1000,1000}"
        assert matched("a{1001}", ["a" * 1001, "a" * 1000], "pyarrow") == [True, False]
    finally:
        patterns._shared_form.cache_clear()


def test_without_pyarrow_every_shared_form_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only RE2 is asked whether it reads a form: without pyarrow no cell goes to it."""
    patterns._shared_form.cache_clear()
    monkeypatch.setattr(patterns, "arrow_available", lambda: False)
    try:
        assert patterns._arrow_reads("x{1001}")
        assert shared_form("a{1000}b") == "a{1000,1000}b"
    finally:
        patterns._shared_form.cache_clear()


def test_a_posix_class_in_a_schema_is_matched_as_frictionless_reads_it_issue_22(package) -> None:
    """`mmdata validate` agrees with Python's re (and so with frictionless) about a pattern RE2 reads otherwise."""
    pattern = "[[:alpha:]]+"  # to Python's re: one of [ : a l p h, then one ] or more; to RE2: letters
    apply_patch(package, [{"file": "schemas/arms.schema.json", "pointer": "/fields/source_id/constraints/pattern", "value": pattern}])
    keys = [row[0] for row in read_rows(package / "data/arms.csv")[1]]
    for key, cell in zip(keys, ("alpha", "h]", "a]]"), strict=False):
        set_cell(package / "data/arms.csv", key, "source_id", cell)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        problems = [p for p in mmdata.validate(package) if p.code == "pattern-error"]
        rows = read_rows(package / "data/arms.csv")
    column = rows[0].index("source_id")
    wrong = [row[column] for row in rows[1] if re.fullmatch(pattern, row[column]) is None]
    assert "alpha" in wrong and "h]" not in wrong and "a]]" not in wrong
    assert sorted(p.message for p in problems) == sorted(f"'{cell}' does not match the pattern {pattern}" for cell in wrong)

"""What a quote must be, and what a quote that looks right but is not in its seed is told (#13):
a minimum of words, look-alike characters named, invisible characters and formula-like cells
reported, and a bounded number of closest-passage suggestions per run."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmdata
import mmdata.io.arrow
import mmdata.rules.suggest
from mmdata.rules import celltext, lookalike
from mmdata.rules.celltext import FORMULA_STARTS, MIN_QUOTE_WORDS
from mmdata.rules.suggest import SUGGESTION_LIMIT, QuoteAdvice
from mmdata.terminal import INVISIBLE, INVISIBLE_RANGES

from ..conftest import ROOT, build_fixture, read_rows, set_cell

OUTCOMES, STUDIES, ARMS = "data/outcomes.csv", "data/studies.csv", "data/arms.csv"
QUOTE = "The median progression-free survival was 12.5 months with the drug"


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_fixture("_base", tmp_path / "pkg")


def found(pkg: Path, *codes: str) -> list[tuple[int | None, str | None, str, str]]:
    return [(p.row, p.column, p.code, p.message) for p in mmdata.validate(pkg) if p.code in codes]


# ---------------------------------------------------------------- quote-too-short
@pytest.mark.parametrize(("quote", "words"), [
    ("the", 1), (".", 0), ("12.5", 0), ("12.5 months", 1), ("months with", 2), ("12.5 months, 12.5 with", 2),
    ("\u00a0", 0),
])
def test_a_trivial_quote_is_too_short_issue_13(quote: str, words: int, pkg: Path) -> None:
    line = set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "quote", quote)
    expected = (f"'{quote}' has {words} word{'' if words == 1 else 's'}; a quote needs at least 3 words "
                "(numbers and punctuation do not count): quote the passage that states the row")
    assert found(pkg, "quote-too-short", "required-error") == (
        [(line, "quote", "required-error", "only whitespace, but this field is required")] if not quote.strip()
        else [(line, "quote", "quote-too-short", expected)])


@pytest.mark.parametrize("quote", ["months with the", "12.5 months with the"])
def test_a_quote_of_exactly_the_minimum_passes_issue_13(quote: str, pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "quote", quote)
    assert found(pkg, "quote-too-short") == []


def test_a_blank_optional_quote_is_too_short_issue_13(pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "meta-m", "quote", " ")
    assert found(pkg, "quote-too-short", "required-error") == [
        (line, "quote", "quote-too-short", "' ' has 0 words; a quote needs at least 3 words (numbers and punctuation do not count): "
                                           "quote the passage that states the row")]


def test_every_shipped_quote_is_long_enough_issue_13() -> None:
    assert [p for p in mmdata.validate(ROOT) if p.code == "quote-too-short"] == []


def test_the_curation_guide_and_the_validation_guide_state_the_quote_rule_issue_13() -> None:
    guide = " ".join((ROOT / "docs/curation.md").read_text(encoding="utf-8").split())
    assert f"at least {MIN_QUOTE_WORDS} words" in guide
    assert f"each quote has at least {MIN_QUOTE_WORDS} words" in " ".join((ROOT / "docs/validation.md").read_text(encoding="utf-8").split())
    assert ", ".join(f"`{c}`" for c in FORMULA_STARTS if c.isprintable()) in guide


# ---------------------------------------------------------------- look-alike characters
@pytest.mark.parametrize(("ours", "theirs", "name"), [
    ("а", "a", "U+0430 CYRILLIC SMALL LETTER A"), ("е", "e", "U+0435 CYRILLIC SMALL LETTER IE"),
    ("о", "o", "U+043E CYRILLIC SMALL LETTER O"), ("р", "p", "U+0440 CYRILLIC SMALL LETTER ER"),
    ("і", "i", "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"), ("ο", "o", "U+03BF GREEK SMALL LETTER OMICRON"),
    ("Т", "T", "U+0422 CYRILLIC CAPITAL LETTER TE"), ("‑", "-", "U+2011 NON-BREAKING HYPHEN"),
])
def test_a_look_alike_letter_is_named_with_its_place_issue_13(ours: str, theirs: str, name: str, pkg: Path) -> None:
    at = QUOTE.index(theirs)
    line = set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "quote", QUOTE[:at] + ours + QUOTE[at + 1:])
    seed = {"a": "U+0061 LATIN SMALL LETTER A", "e": "U+0065 LATIN SMALL LETTER E", "o": "U+006F LATIN SMALL LETTER O",
            "p": "U+0070 LATIN SMALL LETTER P", "i": "U+0069 LATIN SMALL LETTER I", "T": "U+0054 LATIN CAPITAL LETTER T",
            "-": "U+002D HYPHEN-MINUS"}[theirs]
    assert found(pkg, "quote-not-in-seed") == [
        (line, "quote", "quote-not-in-seed", f"quote not found in the seed of test-doc; character {at + 1} of the quote is {name} where the seed has {seed}")]


SEED = "The body\u2019s immune system. The caf\u00e9 opened. A long\u00adword here."


@pytest.mark.parametrize(("quote", "advice"), [
    ("The body's immune system", "character 9 of the quote is U+0027 APOSTROPHE where the seed has U+2019 RIGHT SINGLE QUOTATION MARK"),
    ("The cafe\u0301 opened", "character 8 of the quote is U+0065 LATIN SMALL LETTER E where the seed has "
                           "U+00E9 LATIN SMALL LETTER E WITH ACUTE (the same text in another Unicode form: copy the passage from the seed)"),
    ("The caf\u200be\u0301 opened", "character 8 of the quote is U+200B ZERO WIDTH SPACE, which does not show and is not in the seed"),
    ("A longword here", "the seed's passage holds U+00AD SOFT HYPHEN, which does not show: copy the passage from the seed"),
    ("The \ufb01ne body", None),
])
def test_what_a_quote_that_only_looks_right_is_told_issue_13(quote: str, advice: str | None) -> None:
    message = QuoteAdvice({"doc": SEED}).message(quote, "doc")
    if advice is None:
        assert 'closest passage: "' in message
    else:
        assert message == f"quote not found in the seed of doc; {advice}"


def test_an_ascii_text_gets_the_skeleton_a_character_at_a_time_would_give_issue_22() -> None:
    """ASCII quotes (most of them) skip the step per character: the same skeleton and positions, for every ASCII character."""
    every = "".join(map(chr, range(128))) * 2
    skeleton, origin = lookalike._skeleton(every)
    assert (skeleton, list(origin)) == lookalike._skeleton_by_character(every)
    assert skeleton.count("'") == every.count("'") + every.count("`")  # the backtick is mapped, as LOOK_ALIKES says
    assert lookalike._skeleton("caf\u00e9") == lookalike._skeleton_by_character("caf\u00e9")  # and any other text the slow way
    assert QuoteAdvice({"doc": SEED}).message("The body`s immune system", "doc") == (
        "quote not found in the seed of doc; character 9 of the quote is U+0060 GRAVE ACCENT where the seed has U+2019 RIGHT SINGLE QUOTATION MARK")


def test_a_quote_with_a_real_typo_still_gets_its_closest_passage_issue_13() -> None:
    assert QuoteAdvice({"doc": SEED}).message("The body\u2019s immune sistem.", "doc") == (
        "quote not found in the seed of doc; closest passage: \"The body\u2019s immune system.\" "
        "(the quote has 'sistem.' where the seed has 'system.')")


# ---------------------------------------------------------------- a bounded number of suggestions
def test_suggestions_stop_after_the_limit_and_say_so_issue_13() -> None:
    advice = QuoteAdvice({"doc": " ".join(f"word{i}" for i in range(400))})
    messages = [advice.message(f"word{i} word{i + 1} wrong{i}", "doc") for i in range(SUGGESTION_LIMIT + 1)]
    assert all('closest passage: "' in m for m in messages[:SUGGESTION_LIMIT])
    assert messages[SUGGESTION_LIMIT] == (
        f"quote not found in the seed of doc; no closest passage shown: only the first {SUGGESTION_LIMIT} quotes not found "
        "get one; fix those and validate again")
    assert advice.message("word0 word1 wrong0", "doc") == messages[0]  # a quote seen before costs nothing more


def test_validate_keeps_to_the_limit_in_file_order_issue_13(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mmdata.rules.suggest, "SUGGESTION_LIMIT", 1)
    first = set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "quote", QUOTE.replace("with", "on"))
    second = set_cell(pkg / OUTCOMES, "trial-a-pfs-placebo", "quote", "8 months with the placebo")
    messages = {row: message for row, _, _, message in found(pkg, "quote-not-in-seed")}
    assert sorted(messages) == [first, second]
    assert 'closest passage: "' in messages[first]
    assert messages[second].endswith("no closest passage shown: only the first 1 quotes not found get one; fix those and validate again")


# ---------------------------------------------------------------- invisible characters and formula-like cells
#: The first and the last character of each range of invisible ones, and those the issues named.
SOME_INVISIBLE = sorted({chr(c) for first, last in INVISIBLE_RANGES for c in (first, last)} | set("\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\u061c"))


@pytest.mark.parametrize("char", SOME_INVISIBLE)
def test_an_invisible_character_in_a_free_text_cell_is_reported_issue_13(char: str, pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "trial-a", "caveat", f"Read{char} carefully.")
    assert [(r, c, code) for r, c, code, _ in found(pkg, "invisible-character")] == [(line, "caveat", "invisible-character")]


def test_the_arabic_letter_mark_in_a_quote_is_reported_issue_23(pkg: Path) -> None:
    """U+061C reorders text as the other bidirectional controls do (Trojan Source)."""
    quote = read_rows(pkg / OUTCOMES)[1][0][read_rows(pkg / OUTCOMES)[0].index("quote")]
    line = set_cell(pkg / OUTCOMES, read_rows(pkg / OUTCOMES)[1][0][0], "quote", quote.replace(" ", " \u061c", 1))
    assert [(r, c, code, m) for r, c, code, m in found(pkg, "invisible-character")] == [
        (line, "quote", "invisible-character",
         f"character {quote.index(' ') + 2} is U+061C ARABIC LETTER MARK, which does not show; delete it")]


def test_an_invisible_character_behind_a_loose_pattern_is_reported_issue_13(pkg: Path) -> None:
    line = set_cell(pkg / STUDIES, "trial-a", "doi", "10.1056/NEJMoa\u200b1114083")
    assert found(pkg, "invisible-character", "pattern-error") == [
        (line, "doi", "invisible-character", "character 15 is U+200B ZERO WIDTH SPACE, which does not show; delete it")]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])  # OWASP's list, written out: not read from the code
@pytest.mark.parametrize(("path", "key", "column"), [(STUDIES, "trial-a", "caveat"), (ARMS, "trial-a-drug", "name"),
                                                     (OUTCOMES, "trial-a-pooled", "finding")])
def test_a_free_text_cell_that_starts_like_a_formula_is_reported_issue_13(start: str, path: str, key: str, column: str, pkg: Path) -> None:
    line = set_cell(pkg / path, key, column, "START1+1")
    header, rows = read_rows(pkg / path)  # written again with every cell quoted: the csv module leaves a lone CR bare
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows([header, *rows])
    buffer = io.StringIO(buffer.getvalue().replace('"START', '"' + start))
    (pkg / path).write_text(buffer.getvalue(), encoding="utf-8", newline="")
    assert [(r, c, code) for r, c, code, _ in found(pkg, "formula-like")] == [(line, column, "formula-like")]


@pytest.mark.parametrize("text", ["1+1", "(=1)", "a=1", " =1"])
def test_a_formula_sign_after_the_first_character_is_text_issue_13(text: str, pkg: Path) -> None:
    set_cell(pkg / STUDIES, "trial-a", "caveat", text)
    assert found(pkg, "formula-like") == []


def test_numbers_and_constrained_text_are_not_formula_like_issue_13(pkg: Path) -> None:
    set_cell(pkg / OUTCOMES, "trial-a-pfs-hr", "ci_lower", "-0.41")  # typed: a negative number is a number
    set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "unit", "=months")  # allowed values: an enum-error, not formula-like
    set_cell(pkg / STUDIES, "trial-a", "doi", "=10.1/x")  # a pattern: a pattern-error, not formula-like
    assert found(pkg, "formula-like") == []
    assert [(row, column) for row, column, _, _ in found(pkg, "enum-error", "pattern-error", "number-not-in-quote")] == [
        (2, "unit"), (3, "doi"), (3, "ci_lower")]


def test_the_search_over_all_columns_at_once_finds_what_python_finds_issue_21(monkeypatch: pytest.MonkeyPatch) -> None:
    """One Arrow search over the cells of every column (io/arrow.py's cells_matching, cells_starting) and the pandas search column
    by column (without pyarrow) find exactly the cells Python's own `in` and `startswith` find: every invisible character at
    the start, middle and end of a cell, every formula start, one after the first character, empty and missing cells."""
    texts = [t for c in sorted(INVISIBLE) for t in (c, f"{c}a", f"a{c}b", f"ab{c}")]
    texts += [t for s in FORMULA_STARTS for t in (s, f"{s}1", f"1{s}", f" {s}")] + ["", "plain text", "ÿ-ä\u2028x", None]
    columns = [pd.Series(texts[:17], dtype="string"), pd.Series([], dtype="string"), pd.Series(texts[17:], dtype="string")]
    hidden = [np.array([isinstance(t, str) and any(c in INVISIBLE for c in t) for t in column], dtype=bool) for column in columns]
    formula = [np.array([isinstance(t, str) and t.startswith(FORMULA_STARTS) for t in column], dtype=bool) for column in columns]
    assert sum(map(np.sum, hidden)) >= 4 * len(INVISIBLE) and sum(map(np.sum, formula)) == 2 * len(FORMULA_STARTS)
    for arrow in (True, False):
        monkeypatch.setattr(mmdata.io.arrow, "arrow_available", lambda arrow=arrow: arrow)
        assert (mmdata.io.arrow.arrow_chunks(columns) is not None) == arrow
        assert [a.tolist() for a in mmdata.io.arrow.cells_matching(columns, celltext._INVISIBLE_RE.pattern)] == [a.tolist() for a in hidden]
        assert [a.tolist() for a in mmdata.io.arrow.cells_starting(columns, FORMULA_STARTS)] == [a.tolist() for a in formula]
        # The search only in the cells that are not all ASCII (#22): the same cells, and none in columns of ASCII alone.
        beyond = mmdata.io.arrow.cells_matching_beyond_ascii
        assert [a.tolist() for a in beyond(columns, celltext._INVISIBLE_RE.pattern)] == [a.tolist() for a in hidden]
        ascii_only = [pd.Series(["a\u0000b", None, "", "\t"], dtype="string"), pd.Series(["x"], dtype="string")]
        assert [a.tolist() for a in beyond(ascii_only, celltext._INVISIBLE_RE.pattern)] == [[False] * 4, [False]]


def test_every_invisible_character_is_beyond_ascii_issue_22() -> None:
    # The invisible-character check searches only the cells that are not all ASCII (io/arrow.py's
    # cells_matching_beyond_ascii): it holds while no invisible character is an ASCII one.
    assert min(map(ord, INVISIBLE)) > 127


def test_no_shipped_cell_is_formula_like_or_invisible_issue_13() -> None:
    assert [p for p in mmdata.validate(ROOT) if p.code in ("formula-like", "invisible-character")] == []
    for path in (ROOT / "data").glob("*.csv"):
        assert not re.search("[" + "".join(INVISIBLE) + "]", path.read_text(encoding="utf-8")), path


def test_rows_sharing_a_short_quote_each_get_the_problem_at_their_own_line_issue_13(pkg: Path) -> None:
    """The word count is made once per distinct quote (#10): every row citing it is still reported, and a row
    whose type error keeps it out of the checks does not shift the lines of the others."""
    keys = [row[0] for row in read_rows(pkg / OUTCOMES)[1]]
    lines = [set_cell(pkg / OUTCOMES, key, "quote", "months with") for key in keys[1:3]]
    set_cell(pkg / OUTCOMES, keys[0], "value", "not a number")  # this row is left out of the later layers
    assert [(row, code) for row, _, code, _ in found(pkg, "quote-too-short")] == [(line, "quote-too-short") for line in lines]


def test_a_long_seed_is_indexed_once_and_common_words_vote_boundedly_issue_23(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzzy suggestions on a 100 MB seed ran over 90 s: each quote not found split the whole seed and indexed its every
    word again, and a word such as "the" voted once per occurrence. Now the seed is indexed once per run, and a word
    occurring more than COMMON times votes only when the quote has no rarer word."""
    from mmdata.rules import suggest

    text = " ".join(f"the patient {i} was seen by the team." for i in range(20_000)) + " The rare phrase of lenalidomide dosing."
    indexed: list[int] = []
    original = suggest.SeedWords.__init__
    monkeypatch.setattr(suggest.SeedWords, "__init__", lambda self, t: indexed.append(len(t)) or original(self, t))
    voted: list[int] = []
    counter = suggest.Counter

    class Counting(counter):  # type: ignore[misc,valid-type]
        def update(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            items = list(args[0]) if args and args[0] is not None else []
            voted.append(len(items))
            return super().update(items, **kwargs)

    monkeypatch.setattr(suggest, "Counter", Counting)
    advice = QuoteAdvice({"doc": text})
    messages = [advice.message(f"The rare phrase of lenalidomide dose{'s' * i}", "doc") for i in range(3)]
    assert messages[0] == ('quote not found in the seed of doc; closest passage: "The rare phrase of lenalidomide dosing." '
                           "(the quote has 'dose' where the seed has 'dosing.')")
    assert indexed == [len(text)]  # once, not once a quote
    assert max(voted) <= suggest.COMMON  # "the" (40,001 times) does not vote beside rarer words


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # patched per example
@given(texts=st.lists(st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from("éß½٣ǅ_ \u00a0\u3000\u2028\x85")),
                                   max_size=12), max_size=6),
       least=st.integers(min_value=1, max_value=4))
def test_too_few_words_are_told_alike_by_arrow_and_re_issue_22(texts: list[str], least: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # ASCII texts are asked by Arrow's RE2, the others counted by re: the same answer as re's count for all of them.
    from mmdata.rules import celltext
    from mmdata.rules.seedsearch import normalise

    expected = [len(celltext.WORD_RE.findall(t)) < least for t in texts]
    assert celltext.fewer_words(texts, least).tolist() == expected
    assert celltext.fewer_words([normalise(t) for t in texts], least).tolist() == expected  # short_quotes asks them normalised
    with monkeypatch.context() as patched:
        patched.setattr(celltext, "arrow_available", lambda: False)
        assert celltext.fewer_words(texts, least).tolist() == expected


@pytest.mark.parametrize(("text", "few"), [
    ("two words", True), ("three short words", False), ("a\nb\nc", False), ("a\nb", True), ("ab1cd_ef", False), ("ab1cd", True),
    ("55.3 (95% CI 1-2)", True), ("", True), ("  tab\tand\rreturn  ", False), ("Ab12Cd--Ef", False), ("Ab12Cd--", True),
])
def test_too_few_words_at_the_bound_issue_22(text: str, few: bool) -> None:
    # Exactly MIN_QUOTE_WORDS (3) words is enough, one fewer is not; digits, _, line breaks and punctuation part words.
    from mmdata.rules.celltext import MIN_QUOTE_WORDS, fewer_words

    assert MIN_QUOTE_WORDS == 3
    assert fewer_words([text, "— " + text]).tolist() == [few, few]  # the ASCII text by Arrow, the other by re


def test_only_the_texts_beyond_ascii_are_counted_by_re_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    # With pyarrow, RE2 answers for every ASCII text at once; re counts only the others.
    from mmdata.rules import celltext

    counted: list[str] = []
    words = celltext.WORD_RE

    class Counting:
        def findall(self, text: str) -> list[str]:
            counted.append(text)
            return words.findall(text)

    texts = ["three short words", "two words", "naïve two", "— a b c"]
    monkeypatch.setattr(celltext, "WORD_RE", Counting())
    assert celltext.fewer_words(texts).tolist() == [False, True, True, False]
    assert counted == ["naïve two", "— a b c"]


def test_at_least_no_words_is_refused_issue_22() -> None:
    from mmdata.rules.celltext import at_least

    assert at_least(1) == "[A-Za-z]+(?:[^A-Za-z]+[A-Za-z]+){0}"
    with pytest.raises(ValueError, match="always holds at least 0 words"):
        at_least(0)


def test_the_ascii_letters_are_what_re_calls_letters_issue_22() -> None:
    from mmdata.rules.celltext import ASCII_WORD, WORD_RE

    assert [c for c in map(chr, range(128)) if WORD_RE.fullmatch(c)] == [c for c in map(chr, range(128)) if re.fullmatch(ASCII_WORD, c)]


def _type_quotes(pkg: Path, kind: str) -> None:
    """Type outcomes' `quote` as kind in its Table Schema, as a schema may by mistake."""
    import json

    schema_path = pkg / "schemas/outcomes.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for f in schema["fields"]:
        if f["name"] == "quote":
            f["type"] = kind
    schema_path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


@pytest.mark.parametrize("kind", ["integer", "number"])
def test_a_quote_field_typed_as_a_number_is_a_schema_error_issue_22(pkg: Path, kind: str) -> None:
    # A schema may type `quote` as a number by mistake. Its quotes were counted as their text (no word); the rules read
    # a quote as text, so the schema is now what is wrong, and the table's rules wait for it (no quote is counted).
    _type_quotes(pkg, kind)
    set_cell(pkg / OUTCOMES, "trial-a-pfs-drug", "quote", "7")
    assert found(pkg, "schema-error", "quote-too-short") == [
        (None, "quote", "schema-error", f"mmdata's rules read quote of outcomes as text, and its schema types it {kind}; declare it string")]

"""Rules on the text of cells (#13): what a quote must be, characters that do not show, and cells
a spreadsheet would run as a formula. Each is a problem; no cell is ever changed.

The limits are stated here once; docs/curation.md states them in words, and a test checks the
two agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import CELLS, PROVENANCE, Code, Problem
from ..io.arrow import arrow_available, cells_matching_beyond_ascii, cells_starting
from ..io.snapshot import DESCRIPTOR
from ..model.publishing import safe_link
from ..model.schema import Table
from ..terminal import INVISIBLE, INVISIBLE_PATTERN, character_name
from .emit import QUOTED_TABLES

if TYPE_CHECKING:
    from .seedsearch import CitedPairs

INVISIBLE_CHARACTER = Code("invisible-character", CELLS, "a text holds a character that does not show (a zero-width space, a soft hyphen)")
UNSAFE_LINK = Code("unsafe-link", CELLS, "a link (a uri cell, a licence's path) that is neither an http(s) address nor a relative "
                   "path, such as javascript:, which a page would run")
FORMULA_LIKE = Code("formula-like", CELLS, "a free-text cell starts with = + - @, a tab or a carriage return, which a spreadsheet may run")
QUOTE_TOO_SHORT = Code("quote-too-short", PROVENANCE, "a quote has too few words to prove its row",
                       reads=dict.fromkeys(QUOTED_TABLES, ("quote",)))

#: A quote holds at least this many words. A word is a run of letters: numbers and punctuation
#: do not count, so a quote is more than the row's own numbers ("55.3") and more than a word ("the").
MIN_QUOTE_WORDS = 3
WORD_RE = re.compile(r"[^\W\d_]+")
#: WORD_RE in ASCII text, as an RE2 pattern: the ASCII characters of [^\W\d_] are the letters (a test checks all 128).
ASCII_WORD = "[A-Za-z]+"
_INVISIBLE_RE = re.compile(INVISIBLE_PATTERN)
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text_problems(table: Table, typed: pd.DataFrame) -> list[Problem]:
    """An invisible character in any text cell without allowed values, and a formula-like start in a free-text cell."""
    problems: list[Problem] = []
    texts = [f for f in table.resource.fields if f.type == "string" and f.enum is None]
    free = [f for f in texts if f.free_text]
    # Every invisible character is outside ASCII (a test checks), so only the cells that are not all ASCII are searched.
    hidden = dict(zip([f.name for f in texts], cells_matching_beyond_ascii([typed[f.name] for f in texts], _INVISIBLE_RE.pattern), strict=True))
    formula = dict(zip([f.name for f in free], cells_starting([typed[f.name] for f in free], FORMULA_STARTS), strict=True))
    for f in texts:
        name = f.name
        column = typed[name]
        for i in hidden[name].nonzero()[0].tolist():
            text = str(column.iat[i])
            at = next(k for k, c in enumerate(text) if c in INVISIBLE)
            problems.append(Problem(table.path, int(table.lines[i]), name, INVISIBLE_CHARACTER,
                                    f"character {at + 1} is {character_name(text[at])}, which does not show; delete it", text))
        for i in formula[name].nonzero()[0].tolist() if name in formula else []:
            text = str(column.iat[i])
            problems.append(Problem(table.path, int(table.lines[i]), name, FORMULA_LIKE,
                                    f"starts with {text[0]!r}, which a spreadsheet may run as a formula; "
                                    "reword the text so that it starts with a letter, a digit or a bracket", text))
        if f.format == "uri":
            codes, distinct = pd.factorize(column)  # each distinct address checked once
            bad = np.array([not safe_link(v, relative=False) for v in distinct.tolist()] + [False], dtype=bool)
            for i in np.flatnonzero(bad[codes]).tolist():
                text = str(column.iat[i])
                problems.append(Problem(table.path, int(table.lines[i]), name, UNSAFE_LINK,
                                        f"{text!r} is not an http or https address; write the document's address, "
                                        "starting with https://", text))
    return problems


def descriptor_links(descriptor: dict[str, Any]) -> list[Problem]:
    """An unsafe-link problem for each licence path, source path or homepage of datapackage.json that is not an http(s)
    address or a relative path: the site, the JSON-LD and Datasette's metadata.json link them (#23)."""
    problems = []
    places = [("homepage", descriptor.get("homepage"))]
    for key in ("licenses", "sources"):
        entries = descriptor.get(key)
        places += [(f"{key}/{i}/path", e.get("path")) for i, e in enumerate(entries if isinstance(entries, list) else [])
                   if isinstance(e, dict) and "path" in e]
    for where, value in places:
        if value is not None and not safe_link(value):
            problems.append(Problem(DESCRIPTOR, None, where, UNSAFE_LINK,
                                    f"{value!r} is not an http or https address or a relative path; a page would make it a link "
                                    "that runs or opens something else: write the address, starting with https://"))
    return problems


def fewer_words(texts: list[str], least: int = MIN_QUOTE_WORDS) -> np.ndarray:
    """Which texts hold fewer than least words (runs of letters, WORD_RE; least >= 1). With pyarrow, each ASCII text is
    asked at once, by Arrow's RE2, whether it holds least runs of letters parted by other characters (at_least), a
    search that ends once it finds them; the others are counted by re, since \\w and letters agree only on ASCII.
    Counting every word of a million rows' distinct quotes took 0.4 s, asking 0.01 s (#22)."""
    few = np.zeros(len(texts), dtype=bool)
    slow: Any = range(len(texts))
    if texts and arrow_available():
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(texts, pa.large_string())
        few[:] = ~np.asarray(pc.match_substring_regex(array, at_least(least)).to_numpy(zero_copy_only=False), dtype=bool)
        slow = np.flatnonzero(~np.asarray(pc.string_is_ascii(array).to_numpy(zero_copy_only=False), dtype=bool)).tolist()
    for i in slow:
        few[i] = len(WORD_RE.findall(texts[i])) < least
    return few


def at_least(words: int) -> str:
    """An RE2 pattern found in an ASCII text exactly when the text holds at least words (>= 1) runs of letters (ASCII_WORD)."""
    if words < 1:
        raise ValueError(f"at_least({words}): a text always holds at least {words} words")
    return ASCII_WORD + f"(?:[^A-Za-z]+{ASCII_WORD}){{{words - 1}}}"


def short_quotes(tables: dict[str, Table], cited: Mapping[str, CitedPairs]) -> list[Problem]:
    """A quote-too-short problem for every quote with fewer than MIN_QUOTE_WORDS words of letters. cited: each quoted
    table's distinct quotes (seedsearch.Quoted.cited): each is asked once, which is linear at a million rows (#10). They
    are asked whitespace-normalised, which keeps every run of letters: whitespace parts words either way."""
    problems: list[Problem] = []
    for name, pairs in cited.items():
        few = np.append(fewer_words(pairs.quotes), False)  # (a quote typed as a number is a schema-error: not asked here)
        for row in np.flatnonzero(few[pairs.codes]).tolist():  # a missing quote (code -1) takes the last: never too short
            text, label = str(pairs.column.iat[row]), pairs.column.index[row]
            words = len(WORD_RE.findall(text))
            problems.append(Problem(tables[name].path, int(tables[name].lines[label]), "quote", QUOTE_TOO_SHORT,
                                    f"'{text}' has {words} word{'' if words == 1 else 's'}; a quote needs at least "
                                    f"{MIN_QUOTE_WORDS} words (numbers and punctuation do not count): "
                                    "quote the passage that states the row", text))
    return problems

"""A field's `pattern`, matched as Python's `re` reads it, whichever engine matches the cells (#22).

pandas hands a pattern to Arrow's engine (RE2) when pyarrow holds the column, and asks Python's
`re` only about what it knows RE2 lacks (look-arounds, back-references, \\s, and \\d, \\w, \\b or $
on cells where they differ). RE2 reads some other patterns differently: `[[:alpha:]]` is a class
of letters to RE2 and the characters `[:alph` then a `]` to Python; `a{,3}` is a repeat to Python
and the text "a{,3}" to RE2. And it cannot read some at all ((?a), possessive repeats, more than
1,000 repeats), which left the check failing with no row. So `mmdata validate` with pyarrow and
without it, and Table Schema's Python tools (frictionless reads patterns with `re`), could disagree
about a cell.

Here the pattern is read by Python's `re` (its parser) and written again in the syntax both engines
read alike: every character escaped or plain where both take it so, every group non-capturing,
every repeat written {m,n}. What that syntax cannot say (ignoring case, whose foldings differ:
Python's (?i)i matches 'ı', RE2's does not; (?a); look-arounds and the rest) is matched by Python's
`re` itself, cell by cell: slower, but what the pattern means. So is a shared form on a column
where RE2 reads it otherwise (\\s; \\d, \\w, \\b on cells not all ASCII; $ with a line break): the
check chooses so itself, as pandas 3 does and pandas 2.2 did not.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from re import _parser  # type: ignore[attr-defined]  # Python's own reading of a pattern (pandas reads it too)
from typing import Any

import pandas as pd

from ..io.arrow import arrow_available, arrow_chunks, may_hold

#: The most a repeat may count, and repeats nested in one another multiplied, in RE2.
MOST_REPEATS = 1000

#: Flags both engines read alike, as Python numbers them and as both write them. Python's VERBOSE only changes how the
#: pattern is written, which its parser has already read; UNICODE is every text pattern's.
_SHARED_FLAGS = {re.MULTILINE: "m", re.DOTALL: "s"}
_IGNORED_FLAGS = re.VERBOSE | re.UNICODE | re.DEBUG

#: (Left to Python's re: \Z, which RE2 writes \z, a form Python's re does not read; \B, which Python's re before 3.14
#: never finds in an empty text, and RE2 does.)
_ANCHORS = {_parser.AT_BEGINNING: "^", _parser.AT_BEGINNING_STRING: r"\A", _parser.AT_END: "$", _parser.AT_BOUNDARY: r"\b"}
#: Repeats written as both engines write them.
_SHORT_REPEATS = {(0, _parser.MAXREPEAT): "*", (1, _parser.MAXREPEAT): "+", (0, 1): "?"}
#: What a repeat needs no group around: one character, or one of a class.
_ONE_CHARACTER = (_parser.LITERAL, _parser.NOT_LITERAL, _parser.ANY, _parser.IN)
_CATEGORIES = {_parser.CATEGORY_DIGIT: r"\d", _parser.CATEGORY_NOT_DIGIT: r"\D", _parser.CATEGORY_SPACE: r"\s",
               _parser.CATEGORY_NOT_SPACE: r"\S", _parser.CATEGORY_WORD: r"\w", _parser.CATEGORY_NOT_WORD: r"\W"}


class _Unshared(Exception):
    """The pattern holds something the shared syntax cannot say."""


def shared_form(pattern: str) -> str | None:
    """pattern as Python's re reads it, written in the syntax RE2 and Python's re read alike, or None when it holds
    something that syntax cannot say (then Python's re must match it). pattern_check still matches a shared form with
    Python's re when it holds \\s, or \\d, \\w, \\b or $ and the column a cell where RE2 reads them otherwise."""
    return _shared_form(pattern)


@lru_cache(maxsize=256)
def _shared_form(pattern: str) -> str | None:
    try:
        with warnings.catch_warnings():  # "Possible nested set" for [[: the pattern is read as Python's re reads it today
            warnings.simplefilter("ignore", FutureWarning)
            parsed = _parser.parse(pattern)
        flags = _flags(parsed.state.flags, 0)
        form = f"(?{flags}:{_sequence(parsed, 1)})" if flags else _sequence(parsed, 1)
    except (_Unshared, re.error, OverflowError, RecursionError):
        return None
    return form if _arrow_reads(form) else None


def pattern_check(pattern: str) -> Callable[[pd.Series], pd.Series]:
    """The check of a field's pattern on its text cells: whether each matches the pattern whole (missing cells: NA).
    A shared form goes to Arrow's engine but on cells where RE2 reads it otherwise than Python's re (_python_cells)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        regex = re.compile(pattern)  # (a pattern re cannot read is the schema's field-error: it never gets here)

    def by_python(cells: pd.Series) -> pd.Series:
        return cells.astype(object).str.fullmatch(regex)  # object cells: pandas matches them with re

    form = shared_form(pattern)
    if form is None:
        return by_python
    whole, nodes = _whole(form), _nodes(_parser.parse(form))
    return lambda cells: by_python(cells) if _python_cells(nodes, cells) else cells.str.fullmatch(whole)


#: What RE2 reads otherwise than Python's re on some cells: \s and \S on any (RE2's lack the vertical tab and more);
#: \d, \w, \b and their negations on cells that are not all ASCII (RE2's are ASCII's); $ on cells with a line break
#: (Python's also matches before a last line break). pandas 3 sends such a pattern to Python's re on such cells
#: too, pandas 2.2 did not.
_ALWAYS = {(_parser.CATEGORY, _parser.CATEGORY_SPACE), (_parser.CATEGORY, _parser.CATEGORY_NOT_SPACE)}
_NOT_ASCII = {(_parser.CATEGORY, c) for c in (_parser.CATEGORY_DIGIT, _parser.CATEGORY_NOT_DIGIT, _parser.CATEGORY_WORD,
                                               _parser.CATEGORY_NOT_WORD)} | {(_parser.AT, _parser.AT_BOUNDARY)}
_LINE_BREAK = {(_parser.AT, _parser.AT_END)}


def _python_cells(nodes: set[tuple[Any, Any]], cells: pd.Series) -> bool:
    """Whether the shared form whose nodes these are must be matched by Python's re on these cells."""
    if nodes & _ALWAYS:
        return True
    if not nodes & (_NOT_ASCII | _LINE_BREAK):
        return False
    chunks = arrow_chunks([cells])
    if chunks is None:  # no cell goes to RE2
        return False
    import pyarrow.compute as pc

    if nodes & _NOT_ASCII and not all(pc.all(pc.string_is_ascii(c), min_count=0).as_py() for c in chunks):
        return True
    # (a byte search over the cells' bytes: a search per cell cost 0.07 s a column at a million rows)
    return bool(nodes & _LINE_BREAK) and any(may_hold(c, "\n") for c in chunks)


def _nodes(items: Any) -> set[tuple[Any, Any]]:
    """The categories and anchors of a parsed pattern, in groups, branches, repeats and classes too."""
    found: set[tuple[Any, Any]] = set()
    for op, argument in items:
        if op in (_parser.CATEGORY, _parser.AT):
            found.add((op, argument))
        elif op == _parser.IN:
            found |= _nodes(argument)
        elif op == _parser.SUBPATTERN:
            found |= _nodes(argument[3])
        elif op == _parser.BRANCH:
            for branch in argument[1]:
                found |= _nodes(branch)
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
            found |= _nodes(argument[2])
    return found


def _arrow_reads(form: str) -> bool:
    """Whether RE2 reads form as pandas hands it over for a whole-cell match (its limits are not all counted here: the
    size of the program it makes, for one, which pandas' own anchors add to); True without pyarrow, where no cell goes
    to RE2. An empty cell is one pandas hands to Arrow whatever the pattern holds, but \\s."""
    if not arrow_available():
        return True
    import pyarrow as pa

    try:
        pd.Series([""], dtype="string[pyarrow]").str.fullmatch(_whole(form))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _whole(form: str) -> str:
    """form in a group of its own, for a whole-cell match: pandas hands Arrow ^(a|b$) for ^a|b$ (#22)."""
    return f"(?:{form})"


def _flags(add: int, remove: int) -> str:
    if (add | remove) & ~(_IGNORED_FLAGS | sum(_SHARED_FLAGS)):
        raise _Unshared  # IGNORECASE (the engines fold letters differently), ASCII, LOCALE
    on = "".join(letter for flag, letter in _SHARED_FLAGS.items() if add & flag)
    off = "".join(letter for flag, letter in _SHARED_FLAGS.items() if remove & flag)
    return on + (f"-{off}" if off else "")


def _sequence(items: Any, repeats: int) -> str:
    return "".join(_node(op, argument, repeats) for op, argument in items)


def _node(op: Any, argument: Any, repeats: int) -> str:
    if op == _parser.LITERAL:
        return _character(argument)
    if op == _parser.NOT_LITERAL:
        return f"[^{_character(argument)}]"
    if op == _parser.ANY:
        return "."
    if op == _parser.IN:
        return _class(argument)
    if op == _parser.BRANCH:
        return "(?:" + "|".join(_sequence(branch, repeats) for branch in argument[1]) + ")"
    if op == _parser.SUBPATTERN:
        _, add, remove, inner = argument
        return f"(?{_flags(add, remove)}:{_sequence(inner, repeats)})"
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
        least, most, inner = argument
        bounded = most != _parser.MAXREPEAT
        repeats *= max(most if bounded else least, 1)
        if least > MOST_REPEATS or repeats > MOST_REPEATS:
            raise _Unshared
        count = _SHORT_REPEATS.get((least, most)) or (f"{{{least},{most}}}" if bounded else f"{{{least},}}")
        text = _sequence(inner, repeats)
        if not (len(inner) == 1 and inner[0][0] in _ONE_CHARACTER):
            text = f"(?:{text})"
        return text + count + ("?" if op == _parser.MIN_REPEAT else "")
    if op == _parser.AT and argument in _ANCHORS:
        return _ANCHORS[argument]
    raise _Unshared  # look-arounds, back-references, possessive repeats, atomic groups, conditionals


def _class(items: Any) -> str:
    parts = ["["]
    for op, argument in items:
        if op == _parser.NEGATE and len(parts) == 1:
            parts.append("^")
        elif op == _parser.LITERAL:
            parts.append(_character(argument))
        elif op == _parser.RANGE:
            parts.append(f"{_character(argument[0])}-{_character(argument[1])}")
        elif op == _parser.CATEGORY and argument in _CATEGORIES:
            parts.append(_CATEGORIES[argument])
        else:
            raise _Unshared
    return "".join(parts) + "]"


def _character(code: int) -> str:
    """A character as both engines read it as itself, in a class or out of one: ASCII punctuation after a backslash,
    control characters by their code, the rest as they are."""
    if 0xD800 <= code <= 0xDFFF:
        raise _Unshared  # a lone surrogate: not a character Arrow's UTF-8 texts can hold
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    char = chr(code)
    if char.isascii() and not char.isalnum() and char not in " _":
        return "\\" + char
    return char


__all__ = ["MOST_REPEATS", "pattern_check", "shared_form"]

"""Text as mmdata prints it, and the encodings it refuses: the standard library only.

Every line mmdata prints for a person (problems, errors, diff output, passages) goes through
:func:`printable`, so a cell, a column name or a file name can never break a line in two, move
the cursor or colour the terminal: one problem is always one line.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories written as escapes: controls (C0, DEL, C1 such as U+0085), format characters
#: (bidirectional overrides, zero-width characters, a byte-order mark), line and paragraph
#: separators (U+2028, U+2029), lone surrogates, private use and unassigned code points.
ESCAPED_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: Byte-order marks of the encodings mmdata refuses, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
FOREIGN_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "UTF-32 BE"),
                (b"\xff\xfe", "UTF-16 LE"), (b"\xfe\xff", "UTF-16 BE"))
UTF8_BOM = b"\xef\xbb\xbf"


def printable(text: str) -> str:
    r"""text with every character of ESCAPED_CATEGORIES escaped as Python writes it: ``\n``, ``\x1b``, ``\u2028``.

    Everything else, accents and symbols of any script included, is left as it is.
    """
    if text.isprintable():  # no character of ESCAPED_CATEGORIES: the common case, at C speed
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in ESCAPED_CATEGORIES else ch for ch in text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def foreign_encoding(raw: bytes) -> str | None:
    """The encoding named by a UTF-16 or UTF-32 byte-order mark at the start of raw; None when there is none."""
    return next((name for bom, name in FOREIGN_BOMS if raw.startswith(bom)), None)


def foreign_encoding_message(encoding: str) -> str:
    return f"the file is {encoding} (it starts with a {encoding} byte-order mark); save it as UTF-8"


#: Characters that take no room on screen: zero-width spaces and joiners, the word joiner, the
#: byte-order mark, the soft hyphen and the bidirectional controls. No cell may hold one.
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
                      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def character_name(char: str) -> str:
    """'U+0430 CYRILLIC SMALL LETTER A'."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')}"


def count(n: int, noun: str) -> str:
    """'1 file', '2 files', '2 exact matches'."""
    return f"{n} {noun}{'' if n == 1 else 'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else 's'}"

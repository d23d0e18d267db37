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


#: Characters that take no room on screen, as ranges of code points (first, last), written out so
#: that every Python reads them alike: every format character (category Cf) but the prepended
#: concatenation marks, which show (U+0600-U+0605, U+06DD, U+070F, U+0890, U+0891, U+08E2,
#: U+110BD, U+110CD), and the other default-ignorable characters (Unicode's DerivedCoreProperties).
#: Among them the soft hyphen, the zero-width space and joiners, the word joiner, the byte-order mark,
#: every bidirectional control (U+061C ARABIC LETTER MARK, U+200E, U+200F, U+202A-U+202E,
#: U+2066-U+2069: Trojan Source), the Hangul fillers, the variation selectors and the tag characters
#: (which can carry hidden text). No cell may hold one (#13, #23).
INVISIBLE_RANGES = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x13430, 0x1343F),
                    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
INVISIBLE = frozenset(chr(c) for first, last in INVISIBLE_RANGES for c in range(first, last + 1))
#: A regular expression (Python's and RE2's) that matches one invisible character.
INVISIBLE_PATTERN = "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in INVISIBLE_RANGES) + "]"


def character_name(char: str) -> str:
    """'U+0430 CYRILLIC SMALL LETTER A'."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')}"


def count(n: int, noun: str) -> str:
    """'1 file', '2 files', '2 exact matches'."""
    return f"{n} {noun}{'' if n == 1 else 'es' if noun.endswith(('s', 'x', 'ch', 'sh')) else 's'}"

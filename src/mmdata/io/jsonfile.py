"""JSON as mmdata reads and writes it: strict standard JSON, every problem located.

The standard library's json module accepts more than JSON: ``NaN`` and ``Infinity``, a key
written twice (the last one silently wins, so a later ``"required": false`` can override
``"required": true``), numbers such as ``1e400`` that become infinity, and nesting deep enough to
exhaust the stack. :func:`read_json` reports each of these as a Problem with the file, the line
and the JSON path, and :func:`dumps` never writes anything but standard JSON.

Numbers keep their value: an integer is read exactly, and a number with a fraction or an
exponent is accepted only when a float holds its value exactly (``0.5``, ``1e2``, ``0.1`` as
written to 17 digits); it is written back as Python writes that float (``1e2`` as ``100.0``,
``1.0`` as ``1.0``), the same value. One that a float would round (``1e400``, a 30-digit
fraction) is a problem: write it as a string.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from ..errors import DESCRIPTOR as DESCRIPTOR_LAYER
from ..errors import ENCODING_ERROR, Code, Problem
from ..terminal import UTF8_BOM, foreign_encoding, foreign_encoding_message, printable

#: The codes of the package's two kinds of JSON document: read_json reports with them (model/package.py),
#: as does what the standards and mmdata find wrong in them.
PACKAGE_ERROR = Code("package-error", DESCRIPTOR_LAYER, "datapackage.json breaks the Data Package standard")
SCHEMA_ERROR = Code("schema-error", DESCRIPTOR_LAYER, "a Table Schema is invalid or cannot be read")
#: The deepest nesting of objects and arrays mmdata reads; a Table Schema needs 4.
MAX_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class _Flagged(float):
    """A number that is not JSON or that a float cannot hold: reported, then kept as the float json would give."""

    text: str
    why: str = "cannot be kept exactly: a float would change its value; write it as a string, or with fewer digits"


def read_json(rel: str, raw: bytes, code: str) -> tuple[Any, list[Problem]]:
    """The value of a JSON file and its problems (each with the given code); the value is None when it cannot be read at all."""
    encoding = foreign_encoding(raw)
    if encoding is not None:
        return None, [Problem(rel, 1, None, ENCODING_ERROR, foreign_encoding_message(encoding))]
    if raw.startswith(UTF8_BOM):
        return None, [Problem(rel, 1, None, ENCODING_ERROR, "the file starts with a UTF-8 byte-order mark, which JSON forbids; save it as UTF-8 without BOM")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(rel, raw.count(b"\n", 0, exc.start) + 1, None, ENCODING_ERROR, f"not valid UTF-8: {exc.reason}; save the file as UTF-8")]
    too_deep = _too_deep(text)
    if too_deep is not None:
        line, column = too_deep
        return None, [Problem(rel, line, None, code, f"objects and arrays nested more than {MAX_DEPTH} deep at column {column}; "
                                                     "mmdata reads no deeper")]
    duplicates: dict[int, list[str]] = {}
    keep: list[dict[str, Any]] = []  # so that no id in duplicates is reused

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                duplicates.setdefault(id(obj), []).append(key)
                keep.append(obj)
            obj[key] = value
        return obj

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as exc:
        return None, [Problem(rel, exc.lineno, None, code, f"invalid JSON at column {exc.colno}: {exc.msg}")]
    located = _located(value, duplicates)
    problems = [Problem(rel, None, _path(where), code, f"key '{key}' appears more than once in this object; keep one")
                for where, key in located]
    lost = sum(map(len, duplicates.values())) - len(located)  # inside a value that a duplicate key replaced
    if lost:
        problems.append(Problem(rel, None, None, code, f"{lost} more keys appear more than once in an object that a duplicate key replaced; keep one of each"))
    problems += [Problem(rel, None, _path(where), code, message) for where, message in _flagged(value, [])]
    return value, problems


def dumps(value: Any) -> str:
    """value as standard JSON, the way mmdata writes every JSON file: indented by 2, UTF-8 text, a final newline.

    Raises ValueError for NaN or an infinity, which JSON cannot hold.
    """
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _too_deep(text: str) -> tuple[int, int] | None:
    """(line, column) of the first bracket nested deeper than MAX_DEPTH, strings aside; None when there is none."""
    depth = 0
    outside = _STRING.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)  # same length, same lines
    for match in _BRACKET.finditer(outside):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            start = match.start()
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return None


def _constant(name: str) -> float:
    flagged = _Flagged(name)
    flagged.text, flagged.why = name, "is not JSON; write a finite number, a string or null"
    return flagged


def _float(token: str) -> float:
    number = float(token)
    if Decimal(token) != Decimal(repr(number)):
        flagged = _Flagged(token)
        flagged.text = token
        return flagged
    return number


def _int(token: str) -> int | float:
    try:
        return int(token)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        flagged = _Flagged("inf")
        flagged.text = f"an integer of {len(token)} digits"
        return flagged


def _located(value: Any, wanted: dict[int, list[str]], where: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(path, key) of each key listed in wanted for the id of an object of value."""
    found = []
    if isinstance(value, dict):
        found += [(where, key) for key in wanted.get(id(value), [])]
        for key, item in value.items():
            found += _located(item, wanted, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _located(item, wanted, (*where, str(index)))
    return found


def _flagged(value: Any, where: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """(path, problem) of each number JSON cannot hold exactly, and of each text (or key) holding a lone surrogate, which UTF-8 cannot write."""
    if isinstance(value, _Flagged):
        return [(tuple(where), f"{value.text} {value.why}")]
    if isinstance(value, str):
        return [] if _encodes(value) else [(tuple(where), _surrogate(value))]
    found = [(tuple(where), _surrogate(key)) for key in value if not _encodes(key)] if isinstance(value, dict) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return found + [item for key, child in items for item in _flagged(child, [*where, str(key)])]


def _surrogate(text: str) -> str:
    return f"'{printable(text)}' holds a lone surrogate (a \\u escape of half a character), which UTF-8 cannot write; fix the escape"


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _path(where: tuple[str, ...]) -> str | None:
    """A JSON path as mmdata names one: 'resources/3/schema'; None for the top."""
    return "/".join(where) or None

"""How a resource says its file is read: mmdata reads every table one way, and a resource may not declare another.

mmdata reads each table as a plain comma-separated CSV file with one header row, in UTF-8 (the encoding
has its own check, in package.py). The Data Package standard lets a resource declare another reading: a
dialect (another delimiter, no header, a comment character, a null sequence), a format, a compression,
further files, another type. mmdata does not read tables that way, and frictionless and every tool that
follows the standard do: with ``"dialect": {"delimiter": ";"}`` `mmdata validate` passed a package that
`frictionless validate` failed, and with ``"skipInitialSpace": true`` or ``"nullSequence": "NA"`` the
two would read different cells without either saying so. So a resource declares none of these, or
declares each as the reading mmdata does (``"format": "csv"``, ``"delimiter": ","``). Standard library only.
"""

from __future__ import annotations

import json
from typing import Any

#: The CSV properties of a dialect (Data Package v1 writes them in the dialect itself, frictionless 5 also under "csv"),
#: as mmdata reads every table; None: not declared (or declared null).
CSV_READING: dict[str, Any] = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "escapeChar": None,
                               "nullSequence": None, "skipInitialSpace": False}
#: Every property of a dialect that changes which cells are read, as mmdata reads them. A dialect's other properties
#: (lineTerminator, which a CSV reader does not use to read, caseSensitiveHeader, headerJoin of one header row, a
#: title) change nothing.
DIALECT_READING: dict[str, Any] = {"header": True, "headerRows": [1], "headerCase": True, "commentChar": None,
                                   "commentRows": [], "skipBlankRows": False, **CSV_READING}
#: The properties of a resource that mmdata does not read a table by, and other tools do: any value is another reading.
#: "layout" is frictionless 4's dialect; "extrapaths" and "innerpath" add files to the table or read it inside an archive.
OTHER_READING = ("compression", "extrapaths", "innerpath", "layout")
#: The properties of a resource that name how it is read, each with the one value mmdata reads it by: as written (frictionless
#: reads "CSV" or " csv " as no format it knows), but for the media type, whose case and parameters do not matter.
READING_VALUES = {"format": "csv", "mediatype": "text/csv", "scheme": "file", "type": "table"}

WHY = "mmdata reads every table as comma-separated CSV with one header row, and other tools follow what is declared"


def reading_problems(declared: dict[str, Any]) -> list[tuple[str, str]]:
    """(property, words) for each property of a resource's entry that declares another reading of its file than mmdata's."""
    found = []
    path = declared.get("path")
    if "format" not in declared and isinstance(path, str) and not path.endswith(".csv"):
        found.append(("path", f"'{path}' does not end in .csv, and with no 'format' other tools take the format from the file's "
                              f"name: {WHY}; declare \"format\": \"csv\" or name the file .csv"))
    for key, value in READING_VALUES.items():
        if key in declared and _lowered(declared[key], key) != value:
            found.append((key, f"'{key}' is {_text(declared[key])}: {WHY}; write \"{value}\" or remove it"))
    for key in OTHER_READING:
        if key in declared:
            found.append((key, f"'{key}' is {_text(declared[key])}: {WHY}; remove it"))
    dialect = declared.get("dialect")
    if "dialect" not in declared:
        return found
    if not isinstance(dialect, dict):
        return [*found, ("dialect", f"'dialect' is {_text(dialect)}, not an object: {WHY}; remove it")]
    found += _dialect_problems(dialect, DIALECT_READING, "dialect")
    if "csv" in dialect:
        csv = dialect["csv"]
        if not isinstance(csv, dict):
            found.append(("dialect/csv", f"'dialect/csv' is {_text(csv)}, not an object: {WHY}; remove it"))
        else:
            found += _dialect_problems(csv, CSV_READING, "dialect/csv")
    return found


#: The properties of a number field that change which number its cells read as, as mmdata reads them: with
#: ``"decimalChar": ","`` frictionless read the cell 55.3 as 553, where mmdata reads 55.3.
NUMBER_READING: dict[str, Any] = {"decimalChar": ".", "groupChar": "", "bareNumber": True}


def field_reading_problems(field: dict[str, Any]) -> list[str]:
    """Why a field of a Table Schema would be read otherwise by other tools than by mmdata: its number properties."""
    return [f"'{key}' is {_text(field[key])}: mmdata reads a number's cells as written, with '.' for the decimal point and no "
            f"grouping, and other tools follow what is declared; {'remove it' if value == '' else f'write {json.dumps(value)} or remove it'}"
            for key, value in NUMBER_READING.items() if key in field and not _same(field[key], value)]


def _dialect_problems(dialect: dict[str, Any], reading: dict[str, Any], where: str) -> list[tuple[str, str]]:
    found = []
    for key, value in reading.items():
        if key in dialect and not _same(dialect[key], value):
            fix = "remove it" if value is None else f"write {json.dumps(value)} or remove it"
            found.append((f"{where}/{key}", f"'{key}' is {_text(dialect[key])}: {WHY}; {fix}"))
    return found


def _same(written: Any, value: Any) -> bool:
    """Whether a declared value is mmdata's: equal as JSON (true is not 1, [1] is not [1.0])."""
    return json.dumps(written) == json.dumps(value)


def _lowered(value: Any, key: str) -> Any:
    """A declared format, mediatype, scheme or type as compared: as written, but a media type in lower case without its parameters."""
    if not isinstance(value, str) or key != "mediatype":
        return value
    return value.split(";")[0].strip().lower()


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


__all__ = ["CSV_READING", "DIALECT_READING", "NUMBER_READING", "OTHER_READING", "READING_VALUES", "field_reading_problems", "reading_problems"]

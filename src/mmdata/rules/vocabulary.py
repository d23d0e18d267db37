"""Standard warnings (#20): the package's vocabulary of warning codes, and every warnings cell against it.

datapackage.json declares the vocabulary once (``mmdata:warnings``: a list of objects, each with a
kebab-case ``name`` and a ``description``); a text field marked ``"mmdata:warnings": true`` holds,
in each row, the codes that apply to it, separated by one space, each once, in alphabetical order
(so that a row's warnings are written one way and diffs stay small). The cell is a list, which a
Table Schema enum cannot state: this rule checks it, in the cells layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import CELLS, Code, Problem
from ..io.jsonfile import PACKAGE_ERROR
from ..io.snapshot import DESCRIPTOR
from ..model.rulefacts import warning_columns
from ..model.schema import WARNING_SEPARATOR, WARNINGS, Table, enum_message, warning_codes

WARNING_ERROR = Code("warning-error", CELLS, "a warnings cell names a code the package's warning vocabulary lacks, "
                                             "or names one twice or out of alphabetical order")
#: What a warning code looks like: lowercase words joined by hyphens.
CODE_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def vocabulary_problems(descriptor: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the vocabulary datapackage.json declares (none declared is not a problem)."""
    declared = descriptor.get(WARNINGS)
    if declared is None:
        return []
    if not isinstance(declared, list):
        return [Problem(DESCRIPTOR, None, WARNINGS, PACKAGE_ERROR, "the warning vocabulary is a list of objects, each with a name and a description")]
    problems, seen = [], set()
    for index, entry in enumerate(declared):
        where = f"{WARNINGS}/{index}"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not CODE_PATTERN.fullmatch(name):
            problems.append(Problem(DESCRIPTOR, None, where, PACKAGE_ERROR,
                                    "a warning needs a name of lowercase words joined by hyphens (for example subgroup-result)"))
            continue
        if name in seen:
            problems.append(Problem(DESCRIPTOR, None, where, PACKAGE_ERROR, f"the warning '{name}' is declared twice; declare it once"))
        seen.add(name)
        description = entry.get("description")
        if not isinstance(description, str) or not description.strip():
            problems.append(Problem(DESCRIPTOR, None, where, PACKAGE_ERROR,
                                    f"the warning '{name}' needs a description: say what a user must know about the rows it marks"))
    return problems


def warning_problems(table: Table, vocabulary: Mapping[str, str]) -> list[Problem]:
    """A problem for each warnings cell of the table that names an undeclared code, or names codes twice, out of order or
    not separated by one space."""
    problems = []
    for column in warning_columns(table.resource):
        cells = table.frame[column]
        for label in cells.index[cells.notna().to_numpy()]:
            cell = str(cells[label])
            line = int(table.lines[label])
            message = _cell_message(cell, vocabulary)
            if message is not None:
                problems.append(Problem(table.path, line, column, WARNING_ERROR, message, cell))
    return problems


def _cell_message(cell: str, vocabulary: Mapping[str, str]) -> str | None:
    codes = warning_codes(cell)
    if "" in codes:
        return f"'{cell}': separate the warning codes by one space, with none before or after"
    unknown = [code for code in codes if code not in vocabulary]
    if unknown and not vocabulary:
        return f"warning '{unknown[0]}' is not declared: {DESCRIPTOR} declares no mmdata:warnings vocabulary; declare it there or empty the cell"
    if unknown:
        return f"warning {enum_message(unknown[0], vocabulary)} (the vocabulary is mmdata:warnings in {DESCRIPTOR})"
    if codes != sorted(set(codes)):
        return f"'{cell}': write each warning once, in alphabetical order: '{WARNING_SEPARATOR.join(sorted(set(codes)))}'"
    return None


__all__ = ["CODE_PATTERN", "WARNING_ERROR", "vocabulary_problems", "warning_problems"]

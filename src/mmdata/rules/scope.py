"""The scope record (#20): every text it must hold, and retrieval dates only of known sources, on real days.

model/scope.py says what the record is; this checks it. A package without one, a text missing
or empty, a key the record does not know (a misspelt one would be ignored), a retrieval date that
is not a day of the calendar or names no source of sources.csv: each is a scope-error.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import DESCRIPTOR as DESCRIPTOR_LAYER
from ..errors import Code, Problem
from ..io.snapshot import DESCRIPTOR
from ..model.schema import Table
from ..model.scope import RETRIEVED, SCOPE, TEXTS

SCOPE_ERROR = Code("scope-error", DESCRIPTOR_LAYER, "the scope record (mmdata:scope in datapackage.json) is missing, lacks a text, "
                                                    "or dates the retrieval of an unknown source or on no real day")


def scope_problems(descriptor: Mapping[str, Any], sources: Table | None) -> list[Problem]:
    """What is wrong with the package's scope record; sources (the sources table, when it could be read) for the known ids."""
    record = descriptor.get(SCOPE)
    if not isinstance(record, dict):
        what = "has no scope record" if record is None else "holds a scope record that is not a JSON object"
        return [_problem(SCOPE, f"{DESCRIPTOR} {what}; add \"{SCOPE}\" with {', '.join(TEXTS)} and {RETRIEVED} (see the README)")]
    problems = []
    for key in TEXTS:
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(_problem(f"{SCOPE}/{key}", f"the scope record needs '{key}' ({TEXTS[key].lower()}) as a text"))
    for key in sorted(set(record) - set(TEXTS) - {RETRIEVED}):
        problems.append(_problem(f"{SCOPE}/{key}", f"the scope record has no '{key}'; use {', '.join(TEXTS)} and {RETRIEVED}"))
    retrieved = record.get(RETRIEVED, {})
    if not isinstance(retrieved, dict):
        return [*problems, _problem(f"{SCOPE}/{RETRIEVED}", "retrieved maps a source_id to the date (YYYY-MM-DD) its document was retrieved")]
    known = None if sources is None else {str(v) for v in sources.frame["source_id"] if not pd.isna(v)}
    for source_id, date in retrieved.items():
        where = f"{SCOPE}/{RETRIEVED}/{source_id}"
        if known is not None and source_id not in known:
            problems.append(_problem(where, f"'{source_id}' is not a source_id of sources.csv"))
        if not isinstance(date, str) or not _is_day(date):
            problems.append(_problem(where, f"{date!r} is not a date YYYY-MM-DD; record a retrieval date only where it is known"))
    return problems


def _is_day(text: str) -> bool:
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _problem(where: str, message: str) -> Problem:
    return Problem(DESCRIPTOR, None, where, SCOPE_ERROR, message)


__all__ = ["SCOPE_ERROR", "scope_problems"]

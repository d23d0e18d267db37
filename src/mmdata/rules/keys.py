"""Layer 3: every foreign key declared in a Table Schema resolves to a row of the table it references."""

from __future__ import annotations

import pandas as pd

from ..errors import KEYS, Code, Problem, Suggester
from ..model.schema import Resource, Table
from .emit import Frames, emit

#: Keys of one column are matched as texts by Series.isin up to this many rows (child and parent): it costs little per
#: call. Beyond, by MultiIndexes of the keys' texts, which scale: Arrow's is_in builds its set of a large parent's
#: keys slowly (3.9 s for a million keys against 0.6 s). Both compare the same texts (a test runs both).
ISIN_ROWS = 100_000

FOREIGN_KEY = Code("foreign-key", KEYS, "a key points to no row of the table it references")


def foreign_keys(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    """Every foreign key declared in a Table Schema resolves to a row of the referenced table."""
    problems: list[Problem] = []
    for name, table in tables.items():
        for fk in table.resource.foreign_keys:
            fields = list(fk.fields)
            target = fk.target(name)
            ref_fields = list(fk.reference)
            if target not in frames or not tables[target].resource.keyed_by(ref_fields):
                continue  # the referenced table could not be read, or the key names no row of it: the descriptor's problems say why
            child, parent = frames[name][fields], frames[target][ref_fields]
            present = child.notna().all(axis=1)
            if len(fields) == 1 and len(child) + len(parent) <= ISIN_ROWS:
                known = parent.iloc[:, 0].dropna().astype(str)
                broken = present & ~child.iloc[:, 0].astype(str).isin(known)
            else:
                known = pd.MultiIndex.from_frame(parent.dropna().astype(str))
                broken = present & ~pd.MultiIndex.from_frame(child.astype(str)).isin(known)
            if not broken.any():
                continue  # the parent's keys are listed for suggestions only when a key is broken
            where = f"{target}.{Resource.key_text(ref_fields)}"
            choices = known.tolist() if isinstance(known, pd.Series) else map(Resource.key_text, known)  # one column: its text is the key's
            suggest = Suggester(choices, n=3, cutoff=0.8)  # once per distinct key, bounded (#23)
            problems += emit(table, broken, fields[0], FOREIGN_KEY,
                              lambda r: f"'{_key(r, fields)}' is not a key of {where}{suggest(_key(r, fields))}")
    return problems


def _key(row: pd.Series, fields: list[str]) -> str:
    return Resource.key_text([str(row[f]) for f in fields])

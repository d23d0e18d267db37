"""Layer 3: every foreign key declared in a Table Schema resolves to a row of the table it references."""

from __future__ import annotations

import pandas as pd

from ..errors import KEYS, Code, Problem, Suggester
from ..model.schema import Resource, Table
from .emit import Frames, emit

FOREIGN_KEY = Code("foreign-key", KEYS, "a key points to no row of the table it references")


def foreign_keys(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    """Every foreign key declared in a Table Schema resolves to a row of the referenced table."""
    problems: list[Problem] = []
    for name, table in tables.items():
        for fk in table.resource.foreign_keys:
            fields = list(fk.fields)
            target = fk.target(name)
            if target not in frames:
                continue  # the referenced table could not be read; its own problems say why
            ref_fields = list(fk.reference)
            child, parent = frames[name], frames[target]
            if len(fields) == 1:  # one column: the same comparison of texts, without building two MultiIndexes
                column = child[fields[0]]
                present = column.notna()
                known = parent[ref_fields[0]].dropna().astype(str)
                found = column.astype(str).isin(known)
                keys = ((k,) for k in known.tolist())
            else:
                present = child[fields].notna().all(axis=1)
                known_index = pd.MultiIndex.from_frame(parent[ref_fields].dropna().astype(str))
                found = pd.MultiIndex.from_frame(child[fields].astype(str)).isin(known_index)
                keys = iter(known_index)
            broken = present & ~found
            if not broken.any():
                continue
            where = f"{target}.{Resource.key_text(ref_fields)}"
            suggest = Suggester((Resource.key_text(k) for k in keys), n=3, cutoff=0.8)  # once per distinct key, bounded (#23)
            problems += emit(table, broken, fields[0], FOREIGN_KEY,
                              lambda r: f"'{_key(r, fields)}' is not a key of {where}{suggest(_key(r, fields))}")
    return problems


def _key(row: pd.Series, fields: list[str]) -> str:
    return Resource.key_text([str(row[f]) for f in fields])

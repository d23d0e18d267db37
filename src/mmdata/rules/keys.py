"""Layer 3: every foreign key declared in a Table Schema resolves to a row of the table it references."""

from __future__ import annotations

import pandas as pd

from ..errors import KEYS, Code, Problem, did_you_mean
from ..io.frames import Table
from ..model.package import field_names
from .emit import Frames, emit

FOREIGN_KEY = Code("foreign-key", KEYS, "a key points to no row of the table it references")


def foreign_keys(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    """Every foreign key declared in a Table Schema resolves to a row of the referenced table."""
    problems: list[Problem] = []
    for name, table in tables.items():
        for fk in table.schema.get("foreignKeys", []):
            fields = field_names(fk["fields"])
            target = fk["reference"].get("resource") or name
            if target not in frames:
                continue  # the referenced table could not be read; its own problems say why
            ref_fields = field_names(fk["reference"]["fields"])
            child, parent = frames[name][fields], frames[target][ref_fields]
            present = child.notna().all(axis=1)
            known = pd.MultiIndex.from_frame(parent.dropna().astype(str))
            found = pd.MultiIndex.from_frame(child.astype(str)).isin(known)
            where = f"{target}.{'+'.join(ref_fields)}"
            keys = ["+".join(k) for k in known]
            problems += emit(table, present & ~found, fields[0], FOREIGN_KEY,
                              lambda r: f"'{_key(r, fields)}' is not a key of {where}{did_you_mean(_key(r, fields), keys, n=3, cutoff=0.8)}")
    return problems


def _key(row: pd.Series, fields: list[str]) -> str:
    return "+".join(str(row[f]) for f in fields)

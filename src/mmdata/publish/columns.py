"""The tables and the findings view as Arrow columns, made from the typed tables (#22).

The export's Parquet files and findings.csv were made from the rows it read back from the SQLite database, a batch
at a time. At a million findings that read-back took about 20 of the export's 65 s: SQLite ran the findings view's
joins, and every value became a Python object and then an Arrow value again. These functions make the same columns
from the typed tables themselves (mmdata.load's frames, whose text columns pandas already holds as Arrow arrays), with
Arrow's kernels:

- `table_columns`: a table's columns in primary-key order, as SQLite's ``ORDER BY`` sorts the key (text byte by byte,
  whole numbers by value);
- `view_columns`: the findings view, joined by its one definition in findings.py (JOINS, JOINED, KIND, KEY, HEDGE),
  each join a lookup of the joined table's key, the finding tables stacked in the view's primary-key order (by name,
  each in its key's order; sorted when a table's key is missing or out of order).

They hold the values the database gives back, with SQLite's two changes to a number kept: -0.0 reads back as 0.0,
and NaN as NULL. Where SQLite could order or join differently, they return None and the export reads the database
back as it did: a key that is not text or a whole number, a join not on a key (findings.one_row_each), a join or a
column whose types differ between the tables, a qualifier that is not text. A missing value joins no row, as NULL
equals nothing in SQL. Tests compare both ways on the shipped package and on such cases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ExportError
from ..model.rulefacts import HEDGES
from ..model.schema import Field, Resource
from . import findings

#: The key types whose order is the same to SQLite and to Arrow's sort: text (byte by byte) and whole numbers.
ORDERED = ("string", "integer")


def encoded(values: Any, field: Field, table: str) -> Any:
    """An Arrow array of a field's values (its Table Schema type) as the export stores it: a text field with allowed
    values dictionary-encoded in the schema's order, which ExportError refuses a value outside of."""
    if not field.categorical:
        return values
    allowed = _allowed(field)
    if pa.types.is_dictionary(values.type):
        if values.dictionary.equals(allowed) and values.type.index_type == pa.int32():
            return values  # encoded already
        values = plain(values)
    indices = pc.index_in(values, value_set=allowed).cast(pa.int32())
    if indices.null_count != values.null_count:  # validation and the database's CHECK refuse any other value: never reached
        raise ExportError(f"{table}.{field.name} holds a value outside its allowed values; run `mmdata validate`")
    return pa.DictionaryArray.from_arrays(indices, allowed)


def _allowed(field: Field) -> Any:
    """A field's allowed values, in the schema's order: the dictionary of its encoded columns."""
    return pa.array(list(field.enum or ()), pa.string())


def table_columns(frame: pd.DataFrame, resource: Resource) -> list[Any] | None:
    """A typed table's columns (encoded) in primary-key order: what the export reads back from the database, sorted
    by its ORDER BY. None when SQLite might order the rows otherwise (no key, or a key field neither text nor integer)."""
    key = list(resource.primary_key)
    if not key or any(f is None or f.type not in ORDERED for f in map(resource.field, key)):
        return None
    columns = [_column(frame[f.name], f, resource.name) for f in resource.fields]
    names = resource.field_names
    order = _order([plain(columns[names.index(k)]) for k in key])
    if _identity(order):  # a table written in key order, as mmdata fmt keeps it: taken as it is (#22)
        return columns
    return [pc.take(column, order) for column in columns]


def _identity(order: Any) -> bool:
    """Whether indices (of sort_indices) leave every row where it is."""
    return bool(np.array_equal(np.asarray(order.to_numpy(zero_copy_only=False)), np.arange(len(order))))


def _column(series: pd.Series, field: Field, table: str) -> Any:
    """One typed column as an Arrow array of the field's type, with the values SQLite stores."""
    enum = list(field.enum or ())
    if field.categorical and isinstance(series.dtype, pd.CategoricalDtype) and list(series.cat.categories) == enum:
        codes = series.cat.codes.to_numpy()
        return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32(), mask=codes < 0), _allowed(field))
    kind = getattr(pa, field.arrow_type)()
    array = pa.array(series.array)
    if isinstance(array, pa.ChunkedArray) and not field.categorical and (
            array.type == kind or (pa.types.is_large_string(array.type) and kind == pa.string())) and not pa.types.is_floating(kind):
        # The frame's own chunks, each cast: a large string's text is shared, only its offsets are new. Combined into one
        # array only where an output needs one (flat, concatenated): combining every text column of every table at once was
        # 430 MB of a million findings' export and site, held while the database was made (#22).
        return pa.chunked_array([chunk.cast(kind) for chunk in array.chunks], kind)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_dictionary(array.type) and (array.type == kind or (pa.types.is_large_string(array.type) and kind == pa.string())):
        array = array.cast(kind)
    else:  # any other storage: through Python values, as the database receives them
        array = pa.array([None if pd.isna(v) else field.python_type(v) for v in series.astype(object)], kind)
    if pa.types.is_floating(kind):  # SQLite stores NaN as NULL, and -0.0 as 0.0
        array = pc.if_else(pc.is_nan(array), pa.scalar(None, kind), array)
        array = pc.if_else(pc.equal(array, pa.scalar(0.0, kind)), pa.scalar(0.0, kind), array)
    return encoded(array, field, table)


def flat(array: Any) -> Any:
    """A column as one Arrow array: a chunked one's chunks combined (a copy), any other as it is."""
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def concatenated(arrays: list[Any], kind: Any) -> Any:
    """Columns one after the other as one Arrow array of type kind (chunked ones chunk by chunk)."""
    chunks = [chunk for array in arrays for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array])]
    return pa.concat_arrays(chunks) if chunks else pa.array([], kind)


def plain(array: Any) -> Any:
    """An encoded column as the plain array of its values."""
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def view_columns(tables: dict[str, list[Any]], resources: dict[str, Resource]) -> list[Any] | None:
    """The findings view's columns (encoded) from the tables' (table_columns), in the view's key order: what the export
    reads back from findings.view_sql. None when SQLite might join or order them otherwise (see the module docstring).

    The view's key is the finding table's name, then the finding's key: the finding tables are stacked in the order of
    their names, each in the order of its key (table_columns), which is the view's order when every key is there and
    each is no greater than the next (checked, _ascending; else the rows are sorted). A joined column is taken once for
    all the finding tables, by their join's rows stacked: stacking each table's joined texts and sorting the stack
    copied every text twice, 4.5 of a million findings' 6 s (#22)."""
    view = findings.findings_resource(resources)
    stacked = sorted(findings.parts(resources), key=lambda part: part[0])  # the view's order: by finding table (text, code points)
    needed = {t for t, _ in stacked} | {j.table for j in findings.JOINS}
    if not findings.one_row_each(resources) or any(t not in tables or t not in resources for t in needed):
        return None
    taken = {f"{j.alias}_{field}": (j, field) for j in findings.JOINS for alias, field in findings.joined(resources) if alias == j.alias}
    parts: list[list[Any]] = [[] for _ in view.fields]
    found: dict[str, list[Any]] = {j.alias: [] for j in findings.JOINS}  # each join's row of each finding, table after table
    sizes, in_order = [], True
    for table, key in stacked:
        resource = resources[table]
        own = {f.name: column for f, column in zip(resource.fields, tables[table], strict=True)}  # encoded, as made
        rows = len(own[key])
        sizes.append(rows)
        in_order = in_order and _ascending(plain(own[key]))
        for j in findings.JOINS:
            local, target = resource.field(j.local), resources[j.table].field(j.key)
            if local is None or target is None or local.type != target.type or local.type not in ORDERED:
                return None
            # A missing value joins nothing, as SQL's = never holds for NULL (a unique key may be missing in many rows).
            found[j.alias].append(pc.index_in(plain(own[j.local]), value_set=_of(tables, resources, j.table, j.key), skip_nulls=True))
        for i, f in enumerate(view.fields):
            kind = getattr(pa, f.arrow_type)()
            if f.name == findings.KIND or f.name in taken:
                continue  # made once for all the tables, below
            if f.name == findings.KEY:
                column = plain(own[key])
            elif f.name == findings.HEDGE:
                qualifier = None if findings.QUALIFIER not in own else plain(own[findings.QUALIFIER])
                if qualifier is not None and qualifier.type != kind:
                    return None  # SQL's IN of a number among texts: SQLite's comparison, not Arrow's
                column = pa.nulls(rows, kind) if qualifier is None else pc.if_else(
                    pc.is_in(qualifier, value_set=pa.array(list(HEDGES), pa.string())), qualifier, pa.scalar(None, kind))
            else:
                column = own[f.name] if f.name in own else pa.nulls(rows, kind)
            if plain_type(column) != kind:
                return None
            parts[i].append(column)
    at = {alias: concatenated(rows, pa.int32()) for alias, rows in found.items()}
    columns = []
    for i, f in enumerate(view.fields):  # each column encoded as soon as it is made, its parts let go (#22)
        kind = getattr(pa, f.arrow_type)()
        if f.name == findings.KIND:
            which = np.repeat(np.arange(len(stacked), dtype=np.int32), sizes)
            column = pc.take(pa.array([table for table, _ in stacked], pa.string()), pa.array(which))
        elif f.name in taken:
            join, name = taken[f.name]
            column = pc.take(_of(tables, resources, join.table, name), at[join.alias])
        else:
            column = _stacked(parts[i], f, kind)
        parts[i] = []
        if plain_type(column) != kind:
            return None
        columns.append(encoded(column, f, findings.NAME))
    if not in_order:
        names = view.field_names
        order = _order([plain(columns[names.index(k)]) for k in findings.PRIMARY_KEY])
        columns = [pc.take(column, order) for column in columns]
    return columns


def _stacked(parts: list[Any], field: Field, kind: Any) -> Any:
    """A view's column of the finding tables' columns parts, one after the other. A column of allowed values stacks
    each part's indices among the view's values (encoded: a part that holds them already is taken as it is): decoded,
    each table's column of allowed values was a copy of its texts, and a million findings' were the view's largest
    transient (#22)."""
    if not field.categorical:  # a part of allowed values (the field of one finding table has them, another's not) as its texts
        return concatenated([part.cast(kind) if pa.types.is_dictionary(part.type) else part for part in parts], kind)
    indices = concatenated([encoded(part, field, findings.NAME).indices for part in parts], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, _allowed(field))


def plain_type(array: Any) -> Any:
    """The type of plain(array)'s values."""
    return array.type.value_type if pa.types.is_dictionary(array.type) else array.type


def _ascending(keys: Any) -> bool:
    """Whether a key column is in _order's order already: no key missing, each no greater than the next."""
    return keys.null_count == 0 and (len(keys) < 2 or bool(pc.all(pc.less_equal(keys[:-1], keys[1:])).as_py()))


def _order(keys: list[Any]) -> Any:
    """The indices that sort rows by the key columns keys, as SQLite's ORDER BY sorts text (byte by byte) and whole
    numbers: ascending. A key is never missing: the database declares every primary-key column NOT NULL."""
    table = pa.table({str(i): key for i, key in enumerate(keys)})
    return pc.sort_indices(table, sort_keys=[(str(i), "ascending") for i in range(len(keys))])


def _of(tables: dict[str, list[Any]], resources: dict[str, Resource], table: str, name: str) -> Any:
    """The plain column name of table, as one array (a table joined to the findings is small beside them)."""
    return flat(plain(tables[table][resources[table].field_names.index(name)]))


__all__ = ["ORDERED", "encoded", "concatenated", "flat", "plain", "table_columns", "view_columns"]

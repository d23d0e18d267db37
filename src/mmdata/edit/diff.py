"""`mmdata diff`: rows added, removed and changed per table, keyed by primary key, schema changes,
and the smallest version bump the changes allow (semantic versioning of the data).

The rule, enforced by `mmdata release`:

- major: a schema change that breaks users' code or data (a column or table removed or renamed;
  a type, format, key or missing-value marker changed; a constraint narrowed; allowed values
  removed, or added to or dropped from a field, which changes the dtype `mmdata.load` gives);
- minor: rows added or removed, columns or tables added, constraints widened, allowed values added;
- patch: cells corrected in existing rows, or no change to the data at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import DiffRefused, Problem, SnapshotError
from ..io.jsonfile import PACKAGE_ERROR, SCHEMA_ERROR
from ..model.package import RESOURCE_ERROR, Package
from ..model.schema import Field, Resource
from ..terminal import printable

PATCH, MINOR, MAJOR = "patch", "minor", "major"
#: Version bumps from smallest to largest.
LEVELS = (PATCH, MINOR, MAJOR)


@dataclass(frozen=True)
class SchemaChange:
    table: str
    field: str | None  # None for a table-level change (primary key, the table itself)
    change: str  # words: "removed", "type integer -> number", "enum lost: a, b", ...
    breaking: bool  # removes, renames, retypes or narrows: needs a new major version

    @property
    def level(self) -> str:
        return MAJOR if self.breaking else MINOR

    def where(self) -> str:
        return f"{self.table}.{self.field}" if self.field else self.table


@dataclass(frozen=True)
class Reason:
    """One change and the smallest version bump it needs."""

    level: str  # PATCH, MINOR or MAJOR
    change: str  # "outcomes: 1 row added", "arms.caveat: removed (or renamed)"


@dataclass(frozen=True)
class Bump:
    """The smallest version bump a set of changes allows, and why."""

    level: str
    reasons: list[Reason]


#: The rows changed in a table: key -> column -> (old cell, new cell), the keys in order.
Changed = dict[str, dict[str, tuple[str, str]]]


@dataclass
class TableDiff:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: Changed = field(default_factory=dict)  # key -> column -> (old, new)
    schema: list[SchemaChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.schema)


def diff_packages(old: Package, new: Package) -> list[TableDiff]:
    """Compare two packages table by table (tables in the order of the new descriptor)."""
    for pkg in (old, new):
        _comparable(pkg)
    old_res, new_res = old.names, new.names
    names = list(new_res) + [n for n in old_res if n not in new_res]
    result = []
    for name in names:
        diff = TableDiff(name)
        if name not in old_res or name not in new_res:
            diff.schema.append(SchemaChange(name, None, "table added" if name not in old_res else "table removed", name not in new_res))
            result.append(diff)
            continue
        old_table, new_table = _resource(old, name), _resource(new, name)
        diff.schema = schema_changes(name, old_table, new_table)
        raws = [old.readable(old_table.path), new.readable(new_table.path)]  # read once: by Arrow, or else by the exact path
        told = _arrow_rows(old_table, new_table, raws)
        if told is not None:
            diff.added, diff.removed, diff.changed = told
            result.append(diff)
            continue
        old_header, before = _keyed(old, old_table, raws[0])
        if raws[0] is not None and raws[0] == raws[1] and old_table == new_table:
            new_header, after = old_header, before  # the same bytes read the same way: the same rows (what it refuses, refused)
        else:
            new_header, after = _keyed(new, new_table, raws[1])
        del raws
        diff.added = sorted(after.keys() - before.keys())
        diff.removed = sorted(before.keys() - after.keys())
        position = {c: i for i, c in enumerate(old_header)}
        shared = [(c, position[c], j) for j, c in enumerate(new_header) if c in position]  # in the new header's order
        same_columns = old_header == new_header
        differ = sorted(k for k in after.keys() & before.keys() if not (same_columns and before[k] == after[k]))  # a row at a time: no dict of it
        for key in differ:
            a, b = before[key], after[key]
            cells = {c: (a[i], b[j]) for c, i, j in shared if a[i] != b[j]}
            if cells:
                diff.changed[key] = cells
        result.append(diff)
    return result


def required_bump(diffs: list[TableDiff]) -> Bump:
    """The smallest version bump allowed for these changes, with each change and the bump it needs."""
    reasons = []
    for d in diffs:
        reasons += [Reason(c.level, f"{c.where()}: {c.change}") for c in d.schema]
        for count, what, level in ((len(d.added), "added", MINOR), (len(d.removed), "removed", MINOR), (len(d.changed), "changed", PATCH)):
            if count:
                reasons.append(Reason(level, f"{d.table}: {count} row{'' if count == 1 else 's'} {what}"))
    reasons.sort(key=lambda r: -LEVELS.index(r.level))  # stable: largest bump first, then in diff order
    return Bump(reasons[0].level if reasons else PATCH, reasons)


def bump_kind(current: tuple[int, int, int], new: tuple[int, int, int]) -> str:
    """Which bump takes version current to new (new must be greater)."""
    if new[0] != current[0]:
        return MAJOR
    return MINOR if new[1] != current[1] else PATCH


def next_version(current: tuple[int, int, int], level: str) -> str:
    """The smallest version after current with the given bump."""
    major, minor, patch = current
    if level == MAJOR:
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if level == MINOR else f"{major}.{minor}.{patch + 1}"


#: Problems of a descriptor or schema that leave nothing to compare field by field (#13).
UNCOMPARABLE = (PACKAGE_ERROR, RESOURCE_ERROR, SCHEMA_ERROR)


def _comparable(pkg: Package) -> None:
    """DiffRefused when the descriptor or a schema of pkg is malformed (a resource or field that is not
    an object, a field without a name): what diff would compare is not there."""
    bad = [p for p in pkg.problems if p.code in UNCOMPARABLE]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise DiffRefused(f"{pkg.label}: {printable(bad[0].to_line())}{more}; diff compares well-formed packages: run `mmdata validate`")


def _resource(pkg: Package, name: str) -> Resource:
    """The table called name; SnapshotError (or UnsafeFile) naming its file when that cannot be read."""
    resource = pkg.resources.get(name)
    if resource is None:
        entry = next(e for e in pkg.entries if e.declared.get("name") == name)
        pkg.file(str(entry.declared.get("path")))  # raises: the file is missing, unsafe or not a regular file
        raise SnapshotError(f"{pkg.label}: cannot read the table {name}; run `mmdata validate`")
    return resource


def table_rows(pkg: Package, name: str) -> dict[str, dict[str, str]]:
    """The rows of the table called name by key, each a dict of its cells as written: what diff compares (the change feed lists them, #20)."""
    header, rows = _keyed(pkg, _resource(pkg, name), None)
    return {key: dict(zip(header, record, strict=True)) for key, record in rows.items()}


def _keyed(pkg: Package, resource: Resource, content: bytes | None) -> tuple[list[str], dict[str, list[str]]]:
    """The header of a table and its rows by key (each its cells as written, in the header's order); DiffRefused when two
    rows have one key (or read alike) or a column is there twice, so no row is hidden."""
    problems: list[Problem] = []
    parsed = pkg.parsed(resource, problems, content)
    if parsed is None:
        raise SnapshotError(f"{pkg.label}: " + "; ".join(p.to_line() for p in problems))
    where = f"{pkg.label}: {resource.path}"
    position: dict[str, int] = {}
    for i, column in enumerate(parsed.header):
        if column in position:
            raise DiffRefused(f"{where}: column '{column}' appears more than once; diff compares cells by column: run `mmdata validate`")
        position[column] = i
    lacking = [k for k in resource.primary_key if k not in position]
    if lacking or not parsed.header:
        raise DiffRefused(f"{where}: the header lacks the key column '{lacking[0] if lacking else ''}'; diff matches rows by key: "
                          "run `mmdata validate`")
    broken = next((line for line, bad in zip(parsed.lines, parsed.broken, strict=True) if bad), None)
    if broken is not None:  # its cells were padded or cut to the header's width: comparing them would hide what the row holds
        raise DiffRefused(f"{where}:{broken}: the row's cells do not match the header's columns; diff compares cells by column: "
                          "run `mmdata validate`")
    # A table without a key: its first column.
    keys = resource.text_keys(parsed.header, parsed.records) if resource.primary_key else [record[0] for record in parsed.records]
    rows = dict(zip(keys, parsed.records, strict=True))
    if len(rows) < len(keys):
        first_line: dict[str, int] = {}
        for key, line in zip(keys, parsed.lines, strict=True):
            if key in first_line:
                raise DiffRefused(f"{where}: lines {first_line[key]} and {line} both have the key '{key}'; diff matches rows by key, "
                                  "so a row would be hidden: make each key unique (`mmdata validate` lists them)")
            first_line[key] = line
    return parsed.header, rows


#: diff reads only the rows between the bytes two files share at their start and at their end (arrowcsv.shared_rows)
#: when those rows of both files are at most this share of the old file: it then parses the new file whole (for what the
#: exact path refuses: a key twice, a row the Arrow reader leaves to it), and the few rows between of each file. A
#: release that corrects a cell of a million rows then parses one file, not two (#22).
NARROW = 0.5


def _arrow_rows(old_table: Resource, new_table: Resource, raws: list[bytes | None]) -> tuple[list[str], list[str], Changed] | None:
    """The rows added, removed and changed in one table, told whole columns at a time by Arrow (#22): what the exact
    path finds, for two files of which one has canonical.ARROW_FROM bytes or more, each regular and headed by its schema's
    fields, with a key column and no key twice. None otherwise: the exact path then compares, or refuses, as it does.
    raws: the two files' bytes (None when missing or unreadable); each is let go (None) once Arrow has read it, as Arrow
    copies the cells, and the exact path then reads it again."""
    from ..io.canonical import worth_arrow

    if any(raw is None for raw in raws) or not worth_arrow(*(len(raw or b"") for raw in raws)):
        return None

    alike = new_table.field_names == old_table.field_names and new_table.primary_key == old_table.primary_key
    same = raws[0] == raws[1] and alike
    if alike and not same:
        narrowed = _narrowed(new_table, raws)
        if narrowed is not None or raws[0] is None:  # (the old file let go: the exact path reads it again)
            return narrowed
    if same:  # the same file read the same way: no row differs; its keys are read once, for the refusals
        raw, raws[0] = raws[0], None
        keys = _keys(raw or b"", old_table)
        del raw
        return ([], [], {}) if keys is not None and _distinct(keys) else None
    read: list[tuple[dict[str, Any], Any]] = []
    for side, resource in enumerate((old_table, new_table)):
        raw, raws[side] = raws[side], None  # the file's bytes let go once read: Arrow copies the cells
        columns = _keyed_columns(raw or b"", resource)
        del raw
        if columns is None:
            return None
        keys = columns[1]
        aligned = bool(read) and _aligned(read[0][1], keys)  # the old keys in one order
        if not aligned and not _distinct(keys):  # (the same keys as the old file's were counted there)
            return None  # the exact path names the two lines
        read.append(columns)
    return _compared(*read[0], *read[1], aligned)


def _keyed_columns(raw: bytes, resource: Resource) -> tuple[dict[str, Any], Any] | None:
    """The columns of a file by field name, read by arrowcsv.arrow_texts, and each row's key (its parts joined by '+');
    None when Arrow leaves the file to the exact path or the key names no field."""
    from ..io.arrowcsv import arrow_texts

    columns = arrow_texts(raw, resource.field_names)
    key = resource.primary_key or resource.field_names[:1]
    if columns is None or any(k not in resource.field_names for k in key):
        return None
    named = dict(zip(resource.field_names, columns, strict=True))
    return named, _joined(named, key)


def _joined(named: dict[str, Any], key: tuple[str, ...] | list[str]) -> Any:
    """Each row's key: its parts joined by '+'."""
    import pyarrow.compute as pc

    from ..io.arrow import scalar

    return named[key[0]] if len(key) == 1 else pc.binary_join_element_wise(*(named[k] for k in key), scalar("+", named[key[0]].type))


def _keys(raw: bytes, resource: Resource) -> Any | None:
    """_keyed_columns' keys alone, the other columns parsed but not kept (arrowcsv.arrow_keys; whole, by _keyed_columns,
    when that cannot tell); None when Arrow leaves the file to the exact path or the key names no field."""
    from ..io.arrowcsv import arrow_keys

    key = resource.primary_key or resource.field_names[:1]
    columns = arrow_keys(raw, resource.field_names, key)
    if columns is None:
        whole = _keyed_columns(raw, resource)
        return None if whole is None else whole[1]
    return _joined(dict(zip(key, columns, strict=True)), key)


def _narrowed(resource: Resource, raws: list[bytes | None]) -> tuple[list[str], list[str], Changed] | None:
    """_arrow_rows for two files under the same fields and key that differ only in a few rows between the bytes they share
    at their start and at their end (NARROW): the rows between of the old file are read, the new file whole (for what the
    exact path refuses in any of its rows), and the rows between of the new file, again on their own. None when the
    files do not share rows so (raws kept); or when Arrow leaves either file to the exact path, or a key is there twice
    (each file's bytes let go, raws[0] and raws[1] None, as _arrow_rows lets them go: the exact path reads them again).

    The rows they share are the same rows in both: so the old file has a key twice when its rows between do, or one of
    them has the key of a shared row (a row of the new file not between), and the changes are those of the rows between."""
    from ..io.arrowcsv import shared_rows

    old, new = raws
    assert old is not None and new is not None
    places = shared_rows(old, new)
    if places is None:
        return None
    start, old_end, new_end = places
    if (old_end - start) + (new_end - start) > NARROW * len(old):
        return None
    head = new[:new.find(b"\n") + 1]  # the header, shared (with a byte-order mark before it, as the file has it)
    between = head + old[start:old_end]
    raws[0] = old = None  # let go: its rows between are all that is read of it
    before = _keyed_columns(between, resource)
    del between
    if before is None or not _distinct(before[1]):
        return None
    keys = _keys(new, resource)  # the new file's other columns not kept
    between = head + new[start:new_end]
    raws[1] = new = None  # let go: Arrow copied the cells
    if keys is None or not _distinct(keys):
        return None
    after = _keyed_columns(between, resource)
    del between
    if after is None:
        return None
    # The new file's keys among the old rows between: more than among its own rows between when a shared row has one of
    # them (each key of the new file is there once). Looked up among the few keys between, not the million of the file.
    if _among(keys, before[1]) > _among(after[1], before[1]):
        return None  # an old row between has the key of a shared row: the old file has it twice
    return _compared(*before, *after, _aligned(before[1], after[1]))


def _aligned(old_keys: Any, new_keys: Any) -> bool:
    """Whether two files hold the same keys in one order: row n is row n on both sides."""
    import pyarrow.compute as pc

    return len(old_keys) == len(new_keys) and bool(pc.all(pc.equal(old_keys, new_keys)).as_py())


def _among(keys: Any, few: Any) -> int:
    """How many of keys are among few."""
    import pyarrow.compute as pc

    return int(pc.sum(pc.is_in(keys, value_set=few)).as_py() or 0)


def _distinct(keys: Any) -> bool:
    """Whether no key is there twice: told by their order when each is greater than the one before (as `mmdata fmt` writes
    the rows of a table keyed by one column, 0.02 s for a million keys), else counted (0.1 s). A key of parts joined by
    '+' may be out of that order where fmt sorted its parts (a part holding a character before '+'): then it is counted."""
    import pyarrow.compute as pc

    if keys.null_count == 0 and (len(keys) < 2 or pc.all(pc.greater(keys[1:], keys[:-1])).as_py()):
        return True
    return bool(pc.count_distinct(keys).as_py() == len(keys))


def _compared(before: dict[str, Any], old_keys: Any, after: dict[str, Any], new_keys: Any,
              aligned: bool) -> tuple[list[str], list[str], Changed]:
    """The rows added, removed and changed from the columns before to the columns after (each by field name, with each
    row's key, no key twice); aligned: whether the keys are the same in one order (_aligned, which the caller knows)."""
    import pyarrow.compute as pc

    shared = [c for c in after if c in before]  # in the new header's order
    if aligned:
        added: list[str] = []
        removed: list[str] = []
        old_at = new_at = None  # row n is row n on both sides
        pairs: Iterator[tuple[Any, Any]] = ((before[c], after[c]) for c in shared)
    else:
        at = pc.index_in(new_keys, value_set=old_keys)  # each new row's old row, null for a row added
        kept = pc.is_valid(at)
        added = sorted(pc.filter(new_keys, pc.invert(kept)).to_pylist())
        removed = sorted(pc.filter(old_keys, pc.invert(pc.is_in(old_keys, value_set=new_keys))).to_pylist())
        new_at, old_at = pc.indices_nonzero(kept), pc.filter(at, kept)
        pairs = ((before[c].take(old_at), after[c].take(new_at)) for c in shared)  # a column at a time: no second copy of the tables
    differ = None
    for was, now in pairs:
        cell = pc.not_equal(was, now)
        differ = cell if differ is None else pc.or_(differ, cell)
    rows = [] if differ is None else pc.indices_nonzero(differ)
    changed: Changed = {}
    if len(rows):  # only the rows that differ become Python values
        olds, news = (rows, rows) if old_at is None or new_at is None else (old_at.take(rows), new_at.take(rows))
        cells = {c: (before[c].take(olds).to_pylist(), after[c].take(news).to_pylist()) for c in shared}
        for n, key in enumerate(new_keys.take(news).to_pylist()):
            changed[key] = {c: (was[n], now[n]) for c, (was, now) in cells.items() if was[n] != now[n]}
    return added, removed, dict(sorted(changed.items()))


def schema_changes(table: str, old: Resource, new: Resource) -> list[SchemaChange]:
    """What changed between two tables' Table Schemas, each change marked breaking or not."""
    changes = []
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    for name in old_fields:
        if name not in new_fields:
            changes.append(SchemaChange(table, name, "removed (or renamed)", True))
    for name, f in new_fields.items():
        if name not in old_fields:
            changes.append(SchemaChange(table, name, "added" + (" as required" if f.constraints.required else ""), False))
            continue
        changes += _field_changes(table, name, old_fields[name], f)
    kept = [n for n in old_fields if n in new_fields]
    if kept != [n for n in new_fields if n in old_fields]:
        changes.append(SchemaChange(table, None, f"columns reordered: {', '.join(n for n in new_fields if n in old_fields)}", False))
    if old.primary_key != new.primary_key:
        changes.append(SchemaChange(table, None, f"primary key {_names(old.primary_key)} -> {_names(new.primary_key)}", True))
    old_fks, new_fks = _foreign_keys(old), _foreign_keys(new)
    changes += [SchemaChange(table, None, f"foreign key removed: {fk}", False) for fk in old_fks if fk not in new_fks]
    changes += [SchemaChange(table, None, f"foreign key added: {fk}", True) for fk in new_fks if fk not in old_fks]
    missing_old, missing_new = list(old.missing_values), list(new.missing_values)
    if missing_old != missing_new:
        changes.append(SchemaChange(table, None, f"missing values {missing_old} -> {missing_new}", True))
    return changes


def _names(fields: tuple[str, ...]) -> str:
    return ", ".join(fields) or "(none)"


def _foreign_keys(resource: Resource) -> list[str]:
    """Each foreign key of a schema in words, the same however its fields are written."""
    return [f"{Resource.key_text(fk.fields)} -> {fk.resource or 'itself'}.{Resource.key_text(fk.reference)}" for fk in resource.foreign_keys]


#: The constraints diff compares, with their Table Schema names and when a change narrows them.
BOUNDS = (("minimum", "minimum", lambda x, y: y > x), ("minLength", "min_length", lambda x, y: y > x),
          ("maximum", "maximum", lambda x, y: y < x), ("maxLength", "max_length", lambda x, y: y < x))


def _field_changes(table: str, name: str, old: Field, new: Field) -> list[SchemaChange]:
    out = []
    if old.type != new.type:
        out.append(SchemaChange(table, name, f"type {old.type} -> {new.type}", True))
    if old.format != new.format:
        out.append(SchemaChange(table, name, f"format {old.format} -> {new.format}", True))
    a, b = old.constraints, new.constraints
    for flag in ("required", "unique"):
        if getattr(a, flag) != getattr(b, flag):
            out.append(SchemaChange(table, name, f"{flag} {'added' if getattr(b, flag) else 'dropped'}", getattr(b, flag)))
    if a.enum is not None or b.enum is not None:
        old_values, new_values = _values(a.enum or ()), _values(b.enum or ())  # sets: linear in the number of values (#13)
        lost = [v for v in a.enum or () if b.enum is not None and _value(v) not in new_values]
        gained = [v for v in b.enum or () if _value(v) not in old_values]
        if a.enum is None:
            out.append(SchemaChange(table, name, "allowed values added where any value was allowed", True))
        elif b.enum is None:
            out.append(SchemaChange(table, name, "allowed values dropped: any value is allowed, and mmdata.load gives text, not categories", True))
        elif lost:
            out.append(SchemaChange(table, name, f"allowed values removed: {', '.join(map(str, lost))}", True))
        if a.enum is not None and gained:
            out.append(SchemaChange(table, name, f"allowed values added: {', '.join(map(str, gained))}", False))
    for key, attribute, narrower in BOUNDS:
        x, y = getattr(a, attribute), getattr(b, attribute)
        if x != y:
            breaking = x is None or (y is not None and narrower(x, y))
            out.append(SchemaChange(table, name, f"{key} {'none' if x is None else x} -> {'none' if y is None else y}", breaking))
    if a.pattern != b.pattern:
        old_pattern, new_pattern = ("none" if p is None else p for p in (a.pattern, b.pattern))
        out.append(SchemaChange(table, name, f"pattern {old_pattern} -> {new_pattern}", b.pattern is not None))
    return out


def _value(value: Any) -> str:
    """An allowed value as one hashable text: 1, "1" and true stay three different values."""
    return json.dumps(value, sort_keys=True)


def _values(values: tuple[Any, ...]) -> set[str]:
    return {_value(v) for v in values}


def render_text(diffs: list[TableDiff]) -> list[str]:
    """One block per table, then the smallest version bump the changes allow and why."""
    lines = []
    for d in diffs:
        if d.empty:
            lines.append(f"{d.table}: no change")
            continue
        lines.append(f"{d.table}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed")
        lines += [f"  + {key}" for key in d.added]
        lines += [f"  - {key}" for key in d.removed]
        for key, cells in d.changed.items():
            lines += [f"  ~ {key}: {column}: {old!r} -> {new!r}" for column, (old, new) in cells.items()]
        for c in d.schema:
            where = f"field {c.field} " if c.field else ""
            lines.append(f"  schema: {where}{c.change}{' (breaking)' if c.breaking else ''}")
    bump = required_bump(diffs)
    lines.append(f"smallest version bump: {bump.level}" + ("" if bump.reasons else " (no change)"))
    lines += [f"  {r.level}: {r.change}" for r in bump.reasons]
    return [printable(line) for line in lines]


def as_dict(diffs: list[TableDiff]) -> dict[str, Any]:
    """What `mmdata diff --format json` prints: the changes per table and the smallest version bump."""
    bump = required_bump(diffs)
    tables = {d.table: {"added": d.added, "removed": d.removed,
                        "changed": {k: {c: list(v) for c, v in cells.items()} for k, cells in d.changed.items()},
                        "schema": [dict(asdict(c), level=c.level) for c in d.schema]} for d in diffs}
    return {"tables": tables, "bump": {"level": bump.level, "reasons": [asdict(r) for r in bump.reasons]}}

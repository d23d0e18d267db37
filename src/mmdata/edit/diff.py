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
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import DiffRefused
from ..io.snapshot import PACKAGE_ERROR, SCHEMA_ERROR, Snapshot
from ..model.package import RESOURCE_ERROR, declared_resources, field_names, primary_key, read_descriptor
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


@dataclass
class TableDiff:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # key -> column -> (old, new)
    schema: list[SchemaChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.schema)


def diff_snapshots(old: Snapshot, new: Snapshot) -> list[TableDiff]:
    """Compare two packages table by table (tables in the order of the new descriptor)."""
    for snap in (old, new):
        _comparable(snap)
    old_res, new_res = old.resources(), new.resources()
    names = list(new_res) + [n for n in old_res if n not in new_res]
    result = []
    for name in names:
        diff = TableDiff(name)
        if name not in old_res or name not in new_res:
            diff.schema.append(SchemaChange(name, None, "table added" if name not in old_res else "table removed", name not in new_res))
            result.append(diff)
            continue
        old_schema, new_schema = old.schema(name), new.schema(name)
        diff.schema = schema_changes(name, old_schema, new_schema)
        before, after = _rows(old, name, old_schema), _rows(new, name, new_schema)
        diff.added = sorted(set(after) - set(before))
        diff.removed = sorted(set(before) - set(after))
        for key in sorted(set(before) & set(after)):
            cells = {c: (before[key][c], after[key][c]) for c in after[key] if c in before[key] and before[key][c] != after[key][c]}
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


def _comparable(snap: Snapshot) -> None:
    """DiffRefused when the descriptor or a schema of snap is malformed (a resource or field that is not
    an object, a field without a name): what diff would compare is not there."""
    problems: list[Any] = []
    declared_resources(snap, read_descriptor(snap, problems), problems, check=False)
    bad = [p for p in problems if p.code in UNCOMPARABLE]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise DiffRefused(f"{snap.label}: {printable(bad[0].to_line())}{more}; diff compares well-formed packages: run `mmdata validate`")


def _rows(snap: Snapshot, name: str, schema: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The rows of a table by key; DiffRefused when two rows have one key (or read alike) or a column is there twice, so no row is hidden."""
    parsed = snap.table(name)
    where = f"{snap.label}: {snap.resources()[name].get('path')}"
    position: dict[str, int] = {}
    for i, column in enumerate(parsed.header):
        if column in position:
            raise DiffRefused(f"{where}: column '{column}' appears more than once; diff compares cells by column: run `mmdata validate`")
        position[column] = i
    key_columns = primary_key(schema)
    lacking = [k for k in key_columns if k not in position]
    if lacking or not parsed.header:
        raise DiffRefused(f"{where}: the header lacks the key column '{lacking[0] if lacking else ''}'; diff matches rows by key: "
                          "run `mmdata validate`")
    idx = [position[k] for k in key_columns] or [0]
    rows: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    broken = next((line for line, bad in zip(parsed.lines, parsed.broken, strict=True) if bad), None)
    if broken is not None:  # its cells were padded or cut to the header's width: comparing them would hide what the row holds
        raise DiffRefused(f"{where}:{broken}: the row's cells do not match the header's columns; diff compares cells by column: "
                          "run `mmdata validate`")
    for record, line in zip(parsed.records, parsed.lines, strict=True):
        key = "+".join(record[i] for i in idx)
        if key in rows:
            raise DiffRefused(f"{where}: lines {first_line[key]} and {line} both have the key '{key}'; diff matches rows by key, "
                              "so a row would be hidden: make each key unique (`mmdata validate` lists them)")
        rows[key], first_line[key] = dict(zip(parsed.header, record, strict=True)), line
    return rows


def schema_changes(table: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    """What changed between two Table Schemas, each change marked breaking or not."""
    changes = []
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    new_fields = {f["name"]: f for f in new.get("fields", [])}
    for name in old_fields:
        if name not in new_fields:
            changes.append(SchemaChange(table, name, "removed (or renamed)", True))
    for name, f in new_fields.items():
        if name not in old_fields:
            required = f.get("constraints", {}).get("required", False)
            changes.append(SchemaChange(table, name, "added" + (" as required" if required else ""), False))
            continue
        changes += _field_changes(table, name, old_fields[name], f)
    kept = [n for n in old_fields if n in new_fields]
    if kept != [n for n in new_fields if n in old_fields]:
        changes.append(SchemaChange(table, None, f"columns reordered: {', '.join(n for n in new_fields if n in old_fields)}", False))
    if primary_key(old) != primary_key(new):
        changes.append(SchemaChange(table, None, f"primary key {_names(primary_key(old))} -> {_names(primary_key(new))}", True))
    old_fks, new_fks = _foreign_keys(old), _foreign_keys(new)
    changes += [SchemaChange(table, None, f"foreign key removed: {fk}", False) for fk in old_fks if fk not in new_fks]
    changes += [SchemaChange(table, None, f"foreign key added: {fk}", True) for fk in new_fks if fk not in old_fks]
    missing_old, missing_new = old.get("missingValues", [""]), new.get("missingValues", [""])
    if missing_old != missing_new:
        changes.append(SchemaChange(table, None, f"missing values {missing_old} -> {missing_new}", True))
    return changes


def _names(fields: list[str]) -> str:
    return ", ".join(fields) or "(none)"


def _foreign_keys(schema: dict[str, Any]) -> list[str]:
    """Each foreign key of a schema in words, the same however its fields are written."""
    out = []
    for fk in schema.get("foreignKeys", []):
        reference = fk.get("reference", {})
        out.append(f"{'+'.join(field_names(fk.get('fields')))} -> {reference.get('resource') or 'itself'}."
                   f"{'+'.join(field_names(reference.get('fields')))}")
    return out


def _field_changes(table: str, name: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    out = []
    if old.get("type", "string") != new.get("type", "string"):
        out.append(SchemaChange(table, name, f"type {old.get('type', 'string')} -> {new.get('type', 'string')}", True))
    if old.get("format", "default") != new.get("format", "default"):
        out.append(SchemaChange(table, name, f"format {old.get('format', 'default')} -> {new.get('format', 'default')}", True))
    a, b = old.get("constraints", {}), new.get("constraints", {})
    for flag in ("required", "unique"):
        if bool(a.get(flag)) != bool(b.get(flag)):
            out.append(SchemaChange(table, name, f"{flag} {'added' if b.get(flag) else 'dropped'}", bool(b.get(flag))))
    if "enum" in a or "enum" in b:
        old_values, new_values = _values(a.get("enum", [])), _values(b.get("enum", []))  # sets: linear in the number of values (#13)
        lost = [v for v in a.get("enum", []) if "enum" in b and _value(v) not in new_values]
        gained = [v for v in b.get("enum", []) if _value(v) not in old_values]
        if "enum" not in a:
            out.append(SchemaChange(table, name, "allowed values added where any value was allowed", True))
        elif "enum" not in b:
            out.append(SchemaChange(table, name, "allowed values dropped: any value is allowed, and mmdata.load gives text, not categories", True))
        elif lost:
            out.append(SchemaChange(table, name, f"allowed values removed: {', '.join(map(str, lost))}", True))
        if "enum" in a and gained:
            out.append(SchemaChange(table, name, f"allowed values added: {', '.join(map(str, gained))}", False))
    for key, narrower in (("minimum", lambda x, y: y > x), ("minLength", lambda x, y: y > x),
                          ("maximum", lambda x, y: y < x), ("maxLength", lambda x, y: y < x)):
        if a.get(key) != b.get(key):
            breaking = key not in a or (key in b and narrower(a[key], b[key]))
            out.append(SchemaChange(table, name, f"{key} {a.get(key, 'none')} -> {b.get(key, 'none')}", breaking))
    if a.get("pattern") != b.get("pattern"):
        out.append(SchemaChange(table, name, f"pattern {a.get('pattern', 'none')} -> {b.get('pattern', 'none')}", "pattern" in b))
    return out


def _value(value: Any) -> str:
    """An allowed value as one hashable text: 1, "1" and true stay three different values."""
    return json.dumps(value, sort_keys=True)


def _values(values: Any) -> set[str]:
    return {_value(v) for v in values} if isinstance(values, list) else set()


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
